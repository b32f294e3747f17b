from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import MessageKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_message_kinds')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed', enum_type=MessageKind, max_length=32),
        ),
    ]
