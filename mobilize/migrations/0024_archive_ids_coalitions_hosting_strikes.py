"""Stable ids (UUIDs) for the rows the archive gained in its version 2 (services.transfer): partnerships,
hosting policies, hosted events, trusted hosts, strikes, duty, closed strike weeks, disputes and captains.

As in 0021: add the column nullable (SQLite adds it in place, no table rebuilt), give every existing row its
own UUID, then make it unique (PostgreSQL: the stock AlterField; SQLite: a unique index only, since AlterField
would rebuild the table and the drop of the old one would cascade to every row referring to it, e.g. a
strike's duty).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from mobilize.models.ids import stable_id

TABLES = {
    "Partnership": "partnership",
    "HostingPolicy": "hosting_policy",
    "HostedEvent": "hosted_event",
    "TrustedHost": "trusted_host",
    "Strike": "strike",
    "Duty": "strike_duty",
    "StrikeWeek": "strike_week",
    "StrikeDispute": "strike_dispute",
    "StrikeCaptain": "strike_captain",
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
    dependencies = [('models', '0023_merged_enums')]

    initial = False

    operations = [
        *(ops.AddField(model_name=model, name='uuid', field=fields.UUIDField(null=True)) for model in TABLES),
        ops.RunPython(fill_uuids, ops.RunPython.noop),
        *(MakeUnique(model_name=model, name='uuid', field=stable_id()) for model in TABLES),
    ]
