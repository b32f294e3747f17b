from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.accounts import Role
from mobilize.models.messages import MessageKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_outbox_claims')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.CASCADE)),
                ('organizer', fields.ForeignKeyField('models.Organizer', source_field='organizer_id', null=True, db_constraint=True, to_field='id', related_name='audit_entries', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=64)),
                ('detail', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'models', 'indexes': [Index(fields=['organization_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OrganizerInvitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('role', fields.CharEnumField(description='OWNER: owner\nADMIN: admin\nORGANIZER: organizer\nHOST: host\nVIEWER: viewer', enum_type=Role, max_length=16)),
                ('group_ids', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('can_export', fields.BooleanField(default=False)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('invited_by', fields.ForeignKeyField('models.Organizer', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.SET_NULL)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'organizer_invitation', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset', enum_type=MessageKind, max_length=32),
        ),
        ops.AddField(
            model_name='Signup',
            name='attendance_locked',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Signup',
            name='checked_in_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
