"""Duty times given with an offset (a correction, a scan's sign-out) were stored as given. PostgreSQL's
timestamptz holds the moment whatever the offset; SQLite keeps the text, offset included, and compares it as
text: those rows are rewritten in UTC, as every datetime is now stored (mobilize.schemas.in_utc)."""

from datetime import UTC, datetime

from tortoise import migrations
from tortoise.migrations import operations as ops

COLUMNS = ("signed_in_at", "signed_out_at")


async def duty_times_in_utc(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        return
    for column in COLUMNS:
        rows = await client.execute_query_dict(
            f'SELECT "id", "{column}" AS value FROM "strike_duty" '
            f'WHERE "{column}" IS NOT NULL AND "{column}" NOT LIKE \'%+00:00\''
        )
        for row in rows:
            moment = datetime.fromisoformat(row["value"])
            if moment.tzinfo is None:  # never written by the ORM; UTC is all it could mean
                continue
            moment = moment.astimezone(UTC)
            await client.execute_query(
                f'UPDATE "strike_duty" SET "{column}" = ? WHERE "id" = ?', [moment.isoformat(" "), row["id"]]
            )


class Migration(migrations.Migration):
    dependencies = [('models', '0024_archive_ids_coalitions_hosting_strikes')]

    initial = False

    operations = [ops.RunPython(duty_times_in_utc, ops.RunPython.noop)]
