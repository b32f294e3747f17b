"""Every row an organization owns gets a stable id (a UUID), the reference the archive uses
(services.transfer): integer ids belong to one instance, UUIDs survive a move to another.

As in 0017, a unique column cannot be added to a filled table in one step (SQLite refuses to add a UNIQUE
column at all), so: add it nullable, give every existing row its own UUID, then make it unique. On
PostgreSQL the last step is the stock AlterField; on SQLite, AlterField would rebuild the table (and the
drop of the old one cascades to every row referring to it), so there the column gets its unique index only.
The column stays nullable: a row written by a hand-written INSERT that does not set it yet gets its UUID
from the archive before it is exported.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from mobilize.models.ids import stable_id

TABLES = {
    "Organization": "organization",
    "Organizer": "organizer",
    "Membership": "membership",
    "ActionGroup": "action_group",
    "Campaign": "campaign",
    "Event": "event",
    "Shift": "shift",
    "Volunteer": "volunteer",
    "VolunteerTag": "volunteer_tag",
    "ConsentRecord": "consent_record",
    "Signup": "signup",
    "Message": "message",
    "InboundMessage": "inbound_message",
    "InboxThread": "inbox_thread",
    "Standby": "standby",
    "GapRequest": "gap_request",
    "AuditLog": "audit_log",
}

# A version-4 UUID in SQLite's own functions: one statement per table, however many rows it holds.
SQLITE_UUID4 = (
    "lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2)"
    " || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-'"
    " || lower(hex(randomblob(6)))"
)


async def fill_uuids(apps, schema_editor):
    client = schema_editor.client
    make = "gen_random_uuid()" if client.capabilities.dialect == "postgres" else SQLITE_UUID4
    for table in TABLES.values():
        await client.execute_script(f'UPDATE "{table}" SET "uuid" = {make} WHERE "uuid" IS NULL')


class MakeUnique(ops.AlterField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None:
            return
        if state_editor.client.capabilities.dialect != "sqlite":
            await super().database_forward(app_label, old_state, new_state, state_editor)
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        await state_editor.add_constraint(model, UniqueConstraint(fields=(self.name,)))

    async def database_backward(self, app_label, old_state, new_state, state_editor=None):
        if state_editor is None:
            return
        if state_editor.client.capabilities.dialect != "sqlite":
            await super().database_backward(app_label, old_state, new_state, state_editor)
            return
        model = new_state.apps.get_model(f"{app_label}.{self.model_name}")
        await state_editor.remove_constraint(model, UniqueConstraint(fields=(self.name,)))


class Migration(migrations.Migration):
    dependencies = [('models', '0020_strikes')]

    initial = False

    operations = [
        *(ops.AddField(model_name=model, name='uuid', field=fields.UUIDField(null=True)) for model in TABLES),
        ops.RunPython(fill_uuids, ops.RunPython.noop),
        *(MakeUnique(model_name=model, name='uuid', field=stable_id()) for model in TABLES),
    ]
