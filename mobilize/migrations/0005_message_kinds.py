from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import MessageKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_indexes')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled', enum_type=MessageKind, max_length=32),
        ),
    ]
