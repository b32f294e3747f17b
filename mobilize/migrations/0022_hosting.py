"""Volunteers host events: a campaign's hosting policy, the host behind each proposed event, the trusted
hosts; and new values of three enumerations (event statuses unverified, pending, rejected; consent to a
campaign's host terms and to sharing one's contact with a host; hosting emails).

The enumerations are stored as VARCHARs of unchanged width, so their new values need no change to any
column. The stock AlterField would rebuild the `event`, `message` and `consent_record` tables on SQLite,
and dropping the old `event` table deletes every shift and sign-up through ON DELETE CASCADE: here the
new values change the migration state only, on both databases.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.events import EventStatus
from mobilize.models.hosting import HostingMode
from mobilize.models.messages import MessageKind
from mobilize.models.people import ConsentChannel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class EnumValuesAdded(ops.AlterField):
    """An enumeration gained values: the state follows, the column (same type and width) stays as it is."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0021_archive_ids')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HostedEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='hosted_events', on_delete=OnDelete.CASCADE)),
                ('event', fields.OneToOneField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='hosted', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='hosted_events', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', null=True, db_constraint=True, to_field='id', related_name='hosted_events', on_delete=OnDelete.SET_NULL)),
                ('host_name', fields.CharField(max_length=200)),
                ('host_email', fields.CharField(max_length=254)),
                ('host_phone', fields.CharField(default='', max_length=20)),
                ('verify_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('verified_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('page_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('page_token_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision', fields.CharField(default='', max_length=20)),
                ('reason', fields.TextField(default='', unique=False)),
                ('decided_by', fields.ForeignKeyField('models.Organizer', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name='hosting_decisions', on_delete=OnDelete.SET_NULL)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('approved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('extra', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'hosted_event', 'app': 'models', 'indexes': [Index(fields=['organization_id', 'volunteer_id']), Index(fields=['organization_id', 'host_email'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='HostingPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='hosting_policies', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.OneToOneField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='hosting_policy', on_delete=OnDelete.CASCADE)),
                ('mode', fields.CharEnumField(default=HostingMode.CLOSED, description='CLOSED: closed\nREVIEW: review\nOPEN: open', enum_type=HostingMode, max_length=8)),
                ('group', fields.ForeignKeyField('models.ActionGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='hosting_policies', on_delete=OnDelete.RESTRICT)),
                ('event_types', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('terms', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'hosting_policy', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrustedHost',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='trusted_hosts', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('trusted_by', fields.ForeignKeyField('models.Organizer', source_field='trusted_by_id', null=True, db_constraint=True, to_field='id', related_name='trusted_hosts', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'trusted_host', 'app': 'models', 'unique_together': (('organization', 'email'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        EnumValuesAdded(
            model_name='ConsentRecord',
            name='channel',
            field=fields.CharEnumField(description='SMS: sms\nEMAIL: email\nHOST_TERMS: host\nSHARE_WITH_HOST: share', enum_type=ConsentChannel, max_length=8),
        ),
        EnumValuesAdded(
            model_name='Event',
            name='status',
            field=fields.CharEnumField(default=EventStatus.SCHEDULED, description='SCHEDULED: scheduled\nCANCELLED: cancelled\nUNVERIFIED: unverified\nPENDING: pending\nREJECTED: rejected', enum_type=EventStatus, max_length=16),
        ),
        EnumValuesAdded(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset\nREPLY: reply\nINBOX_REPLY: inbox_reply\nGAP_REQUEST: gap_request\nHOSTING: hosting', enum_type=MessageKind, max_length=32),
        ),
    ]
