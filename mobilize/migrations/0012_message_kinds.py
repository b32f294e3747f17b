from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import MessageKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_inbound')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset\nREPLY: reply\nINBOX_REPLY: inbox_reply', enum_type=MessageKind, max_length=32),
        ),
    ]
