"""Moving an organization's data in and out: the full archive (kinds: what it holds; archive: the export;
restore: the import) and volunteer CSV imports."""

from mobilize.services.transfer.volunteers import (
    ImportReport,
    csv_cell,
    import_volunteers,
    organization,
    parse_row,
    read_rows,
)

__all__ = [
    "ImportReport",
    "csv_cell",
    "import_volunteers",
    "organization",
    "parse_row",
    "read_rows",
]
