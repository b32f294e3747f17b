"""Every booked scan in a table of its own (strike_scan), so a replayed queue finds the scans that changed nothing
too (already on duty, not on duty). The scans that opened or closed a duty before were known only by the duty's
scan_in and scan_out: each becomes a row, so their replays still change nothing."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.strikes import ScanOutcome
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

BOOKED = """
INSERT INTO strike_scan (strike_id, scan_id, volunteer_id, duty_id, action, outcome, at, created_at)
SELECT strike_id, scan_in, volunteer_id, id, 'in', 'signed_in', signed_in_at, created_at
FROM strike_duty WHERE scan_in IS NOT NULL;
INSERT INTO strike_scan (strike_id, scan_id, volunteer_id, duty_id, action, outcome, at, created_at)
SELECT strike_id, scan_out, volunteer_id, id, 'out', 'signed_out', signed_out_at, updated_at
FROM strike_duty WHERE scan_out IS NOT NULL AND signed_out_at IS NOT NULL;
"""


async def booked_scans(apps, schema_editor):
    await schema_editor.client.execute_script(BOOKED)


class Migration(migrations.Migration):
    dependencies = [('models', '0025_duty_times_in_utc')]

    initial = False

    operations = [
        ops.CreateModel(
            name='StrikeScan',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('strike', fields.ForeignKeyField('models.Strike', source_field='strike_id', db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.CASCADE)),
                ('scan_id', fields.CharField(unique=True, max_length=64)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='strike_scans', on_delete=OnDelete.CASCADE)),
                ('duty', fields.ForeignKeyField('models.Duty', source_field='duty_id', null=True, db_constraint=True, to_field='id', related_name='scans', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=8)),
                ('outcome', fields.CharEnumField(description='SIGNED_IN: signed_in\nSIGNED_OUT: signed_out\nALREADY_IN: already_in\nNOT_IN: not_in', enum_type=ScanOutcome, max_length=16)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'strike_scan', 'app': 'models', 'indexes': [Index(fields=['duty_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.RunPython(booked_scans, ops.RunPython.noop),
    ]
