from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.accounts import Role
from mobilize.models.strikes import DisputeStatus, DutySource
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0019_coalitions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Strike',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='strikes', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField(null=True)),
                ('rules', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'strike', 'app': 'models', 'indexes': [Index(fields=['organization_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Duty',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('strike', fields.ForeignKeyField('models.Strike', source_field='strike_id', db_constraint=True, to_field='id', related_name='duties', on_delete=OnDelete.CASCADE)),
                ('shift', fields.ForeignKeyField('models.Shift', source_field='shift_id', db_constraint=True, to_field='id', related_name='duties', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='duties', on_delete=OnDelete.CASCADE)),
                ('signed_in_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('signed_out_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('source', fields.CharEnumField(description='CAPTAIN: captain\nSMS: sms\nCORRECTION: correction', enum_type=DutySource, max_length=16)),
                ('scan_in', fields.CharField(null=True, unique=True, max_length=64)),
                ('scan_out', fields.CharField(null=True, unique=True, max_length=64)),
                ('auto_closed', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'strike_duty', 'app': 'models', 'indexes': [Index(fields=['strike_id', 'signed_in_at']), Index(fields=['volunteer_id', 'signed_out_at']), Index(fields=['shift_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StrikeCaptain',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('strike', fields.ForeignKeyField('models.Strike', source_field='strike_id', db_constraint=True, to_field='id', related_name='captains', on_delete=OnDelete.CASCADE)),
                ('organizer', fields.ForeignKeyField('models.Organizer', source_field='organizer_id', db_constraint=True, to_field='id', related_name='strike_captaincies', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'strike_captain', 'app': 'models', 'unique_together': (('strike', 'organizer'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StrikeDispute',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('strike', fields.ForeignKeyField('models.Strike', source_field='strike_id', db_constraint=True, to_field='id', related_name='disputes', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='strike_disputes', on_delete=OnDelete.CASCADE)),
                ('day', fields.DateField()),
                ('raised_by', fields.CharField(max_length=16)),
                ('note', fields.TextField(default='', unique=False)),
                ('status', fields.CharEnumField(default=DisputeStatus.OPEN, description='OPEN: open\nRESOLVED: resolved', enum_type=DisputeStatus, max_length=16)),
                ('resolution', fields.TextField(default='', unique=False)),
                ('resolved_by', fields.ForeignKeyField('models.Organizer', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name='strike_disputes_resolved', on_delete=OnDelete.SET_NULL)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'strike_dispute', 'app': 'models', 'indexes': [Index(fields=['strike_id', 'day'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='StrikeWeek',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('strike', fields.ForeignKeyField('models.Strike', source_field='strike_id', db_constraint=True, to_field='id', related_name='weeks', on_delete=OnDelete.CASCADE)),
                ('week_start', fields.DateField()),
                ('rules', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('closed_by', fields.ForeignKeyField('models.Organizer', source_field='closed_by_id', null=True, db_constraint=True, to_field='id', related_name='strike_weeks', on_delete=OnDelete.SET_NULL)),
                ('closed_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'strike_week', 'app': 'models', 'unique_together': (('strike', 'week_start'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Event',
            name='strike',
            field=fields.ForeignKeyField('models.Strike', source_field='strike_id', null=True, db_constraint=True, to_field='id', related_name='events', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='Membership',
            name='role',
            field=fields.CharEnumField(description='OWNER: owner\nADMIN: admin\nORGANIZER: organizer\nHOST: host\nVIEWER: viewer\nCAPTAIN: captain', enum_type=Role, max_length=16),
        ),
        ops.AlterField(
            model_name='OrganizerInvitation',
            name='role',
            field=fields.CharEnumField(description='OWNER: owner\nADMIN: admin\nORGANIZER: organizer\nHOST: host\nVIEWER: viewer\nCAPTAIN: captain', enum_type=Role, max_length=16),
        ),
    ]
