from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import Channel, MessageKind, MessageState
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_event_address_after_signup')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Message',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('signup', fields.ForeignKeyField('models.Signup', source_field='signup_id', null=True, db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.SET_NULL)),
                ('channel', fields.CharEnumField(description='SMS: sms\nEMAIL: email', enum_type=Channel, max_length=8)),
                ('kind', fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted', enum_type=MessageKind, max_length=32)),
                ('to_address', fields.CharField(max_length=254)),
                ('subject', fields.CharField(default='', max_length=300)),
                ('body', fields.TextField(unique=False)),
                ('due_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('state', fields.CharEnumField(default=MessageState.PENDING, db_index=True, description='PENDING: pending\nSENDING: sending\nSENT: sent\nDELIVERED: delivered\nFAILED: failed\nUNDELIVERED: undelivered\nCANCELLED: cancelled\nSKIPPED: skipped', enum_type=MessageState, max_length=16)),
                ('skip_reason', fields.CharField(default='', max_length=200)),
                ('provider_id', fields.CharField(null=True, db_index=True, max_length=64)),
                ('attempts', fields.IntField(default=0)),
                ('last_error', fields.TextField(default='', unique=False)),
                ('dedupe_key', fields.CharField(unique=True, max_length=200)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'message', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
