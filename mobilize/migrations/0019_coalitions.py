from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.coalitions import PartnershipStatus
from mobilize.models.messages import MessageKind
from mobilize.models.people import ConsentChannel
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0018_organizer_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Partnership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='partnerships', on_delete=OnDelete.CASCADE)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='partnerships', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharEnumField(default=PartnershipStatus.INVITED, description='INVITED: invited\nACCEPTED: accepted\nDECLINED: declined\nLEFT: left', enum_type=PartnershipStatus, max_length=16)),
                ('invited_by', fields.ForeignKeyField('models.Organizer', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='partnerships_invited', on_delete=OnDelete.SET_NULL)),
                ('invited_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('invitations', fields.IntField(default=1)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'partnership', 'app': 'models', 'unique_together': (('campaign', 'organization'),), 'indexes': [Index(fields=['organization_id', 'status'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='ConsentRecord',
            name='channel',
            field=fields.CharEnumField(description='SMS: sms\nEMAIL: email\nSHARING: sharing', enum_type=ConsentChannel, max_length=8),
        ),
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset\nREPLY: reply\nINBOX_REPLY: inbox_reply\nGAP_REQUEST: gap_request\nPARTNER_INVITATION: partner_invitation', enum_type=MessageKind, max_length=32),
        ),
        ops.AddField(
            model_name='Signup',
            name='recruited_by',
            field=fields.ForeignKeyField('models.Organization', source_field='recruited_by_id', null=True, db_constraint=True, to_field='id', related_name='recruited_signups', on_delete=OnDelete.SET_NULL),
        ),
    ]
