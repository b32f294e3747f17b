"""Every event gets an unguessable share token (the address of an unlisted event's page and feed).

A unique NOT NULL column cannot be added to a filled table in one step: without a database default,
PostgreSQL refuses ("column contains null values") and so does SQLite ("Cannot add a NOT NULL column
with default value NULL"); the model's default is Python code, so every row would need its own value.
Hence: add the column nullable, give each existing row its own token, then require it. On PostgreSQL
the last step is the stock AlterField (SET NOT NULL, then the unique constraint). On SQLite, AlterField
would rebuild the table, and dropping the old `event` table with foreign keys on deletes every shift
and sign-up through ON DELETE CASCADE (it also fails on the callable default): there the column gets
its unique index only, and NOT NULL is left to the model, which always writes a token.
"""

import secrets

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import UniqueConstraint

from mobilize.models.events import new_share_token


async def fill_share_tokens(apps, schema_editor):
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    update = 'UPDATE "event" SET "share_token" = {} WHERE "id" = {}'.format(*(("$1", "$2") if postgres else ("?", "?")))
    for row in await client.execute_query_dict('SELECT "id" FROM "event" WHERE "share_token" IS NULL'):
        await client.execute_query(update, [secrets.token_urlsafe(16), row["id"]])


class RequireShareToken(ops.AlterField):
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
    dependencies = [('models', '0016_people_per_organization')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Event',
            name='share_token',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.RunPython(fill_share_tokens, ops.RunPython.noop),
        RequireShareToken(
            model_name='Event',
            name='share_token',
            field=fields.CharField(default=new_share_token, unique=True, max_length=32),
        ),
    ]
