from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.gaps import GapAnswer
from mobilize.models.messages import MessageKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_message_kinds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GapRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('shift', fields.ForeignKeyField('models.Shift', source_field='shift_id', db_constraint=True, to_field='id', related_name='gap_requests', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='gap_requests', on_delete=OnDelete.CASCADE)),
                ('message', fields.ForeignKeyField('models.Message', source_field='message_id', null=True, db_constraint=True, to_field='id', related_name='gap_requests', on_delete=OnDelete.SET_NULL)),
                ('asked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answer', fields.CharEnumField(default=GapAnswer.PENDING, description='PENDING: pending\nYES: yes\nNO: no\nEXPIRED: expired', enum_type=GapAnswer, max_length=16)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('signup', fields.ForeignKeyField('models.Signup', source_field='signup_id', null=True, db_constraint=True, to_field='id', related_name='gap_requests', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'gap_request', 'app': 'models', 'unique_together': (('shift', 'volunteer'),), 'indexes': [Index(fields=['volunteer_id', 'asked_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Standby',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('models.ActionGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='standby', on_delete=OnDelete.CASCADE)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='standby', on_delete=OnDelete.CASCADE)),
                ('added_by', fields.ForeignKeyField('models.Organizer', source_field='added_by_id', null=True, db_constraint=True, to_field='id', related_name='standby_added', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'standby', 'app': 'models', 'unique_together': (('group', 'volunteer'),), 'indexes': [Index(fields=['volunteer_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset\nREPLY: reply\nINBOX_REPLY: inbox_reply\nGAP_REQUEST: gap_request', enum_type=MessageKind, max_length=32),
        ),
    ]
