from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.messages import MessageKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_message_changed')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Event',
            name='reminders',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon', enum_type=MessageKind, max_length=32),
        ),
    ]
