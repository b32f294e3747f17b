"""Moving an organization's data in and out: volunteer CSV imports and the full export."""

from mobilize.services.transfer.volunteers import (
    ImportReport,
    csv_cell,
    export_organization,
    import_volunteers,
    organization,
    parse_row,
    read_rows,
)

__all__ = [
    "ImportReport",
    "csv_cell",
    "export_organization",
    "import_volunteers",
    "organization",
    "parse_row",
    "read_rows",
]
