from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.inbound import ThreadStatus
from mobilize.models.messages import MessageKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_dashboard')]

    initial = False

    operations = [
        ops.CreateModel(
            name='InboundMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('message_sid', fields.CharField(unique=True, max_length=64)),
                ('from_number', fields.CharField(max_length=64)),
                ('to_number', fields.CharField(default='', max_length=64)),
                ('body', fields.TextField(unique=False)),
                ('num_media', fields.IntField(default=0)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', null=True, db_constraint=True, to_field='id', related_name='inbound_messages', on_delete=OnDelete.SET_NULL)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='inbound_messages', on_delete=OnDelete.SET_NULL)),
                ('outcome', fields.CharField(default='', max_length=32)),
                ('reply', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inbound_message', 'app': 'models', 'indexes': [Index(fields=['volunteer_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxThread',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='inbox_threads', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='inbox_threads', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=ThreadStatus.OPEN, description='OPEN: open\nHANDLED: handled', enum_type=ThreadStatus, max_length=16)),
                ('last_message_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_preview', fields.CharField(default='', max_length=160)),
                ('handled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('handled_by', fields.ForeignKeyField('models.Organizer', source_field='handled_by_id', null=True, db_constraint=True, to_field='id', related_name='handled_threads', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inbox_thread', 'app': 'models', 'unique_together': (('organization', 'volunteer'),), 'indexes': [Index(fields=['organization_id', 'status', 'last_message_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PendingQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phone', fields.CharField(unique=True, max_length=20)),
                ('kind', fields.CharField(max_length=16)),
                ('action', fields.CharField(default='', max_length=16)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='pending_questions', on_delete=OnDelete.CASCADE)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'pending_question', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nREPLY: reply\nINBOX_REPLY: inbox_reply', enum_type=MessageKind, max_length=32),
        ),
        ops.AddField(
            model_name='Organization',
            name='sms_from_number',
            field=fields.CharField(null=True, unique=True, max_length=20),
        ),
        ops.AddField(
            model_name='Organization',
            name='sms_messaging_service_sid',
            field=fields.CharField(null=True, unique=True, max_length=64),
        ),
    ]
