"""Moving an organization's data in and out: the full archive (kinds: what it holds; archive: the export;
restore: the import), volunteer CSV imports from our format and the tools people leave, and paper
attendance sheets."""

from mobilize.services.transfer.volunteers import (
    FORMATS,
    ImportPlan,
    ImportReport,
    csv_cell,
    import_volunteers,
    organization,
    parse_person,
    plan_columns,
    read_csv,
)

__all__ = [
    "FORMATS",
    "ImportPlan",
    "ImportReport",
    "csv_cell",
    "import_volunteers",
    "organization",
    "parse_person",
    "plan_columns",
    "read_csv",
]
