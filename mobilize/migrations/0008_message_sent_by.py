from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import MessageKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_event_reminders')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast', enum_type=MessageKind, max_length=32),
        ),
        ops.AddField(
            model_name='Message',
            name='sent_by',
            field=fields.ForeignKeyField('models.Organizer', source_field='sent_by_id', null=True, db_constraint=True, to_field='id', related_name='sent_messages', on_delete=OnDelete.SET_NULL),
        ),
    ]
