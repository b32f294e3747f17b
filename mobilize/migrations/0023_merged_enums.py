"""The enumerations that coalitions (0019) and hosting (0022) each extended: the migration state gains both
sets of values. They are VARCHARs of unchanged width, so no column changes (a stock AlterField would rebuild
the tables on SQLite)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from mobilize.models.messages import MessageKind
from mobilize.models.people import ConsentChannel
from tortoise import fields

class EnumValuesAdded(ops.AlterField):
    """An enumeration gained values: the state follows, the column (same type and width) stays as it is."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0022_hosting')]

    initial = False

    operations = [
        EnumValuesAdded(
            model_name='ConsentRecord',
            name='channel',
            field=fields.CharEnumField(description='SMS: sms\nEMAIL: email\nSHARING: sharing\nHOST_TERMS: host\nSHARE_WITH_HOST: share', enum_type=ConsentChannel, max_length=8),
        ),
        EnumValuesAdded(
            model_name='Message',
            name='kind',
            field=fields.CharEnumField(description='CONFIRMATION: confirmation\nWAITLISTED: waitlisted\nPROMOTED: promoted\nCANCELLED_SIGNUP: cancelled\nCHANGED: changed\nREMINDER_DAY_BEFORE: reminder_day_before\nREMINDER_SOON: reminder_soon\nBLAST: blast\nORGANIZER_INVITATION: organizer_invitation\nPASSWORD_RESET: password_reset\nREPLY: reply\nINBOX_REPLY: inbox_reply\nGAP_REQUEST: gap_request\nPARTNER_INVITATION: partner_invitation\nHOSTING: hosting', enum_type=MessageKind, max_length=32),
        ),
    ]
