"""Saved lists (a named filter of an organization's people) and the organization's own time zone.

Numbered 0025: another branch adds a 0024; at the merge this one chains after it. An organization that has
events starts in the zone of its latest one (the zone its inbox showed times in until now); one without
events in America/Chicago (the zone the dashboard assumed for it until now).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from mobilize.models.lists import ListHistory, TagMatch
from tortoise.fields.base import OnDelete
from uuid import uuid4
from tortoise import fields

LATEST_EVENT_ZONE = (
    'UPDATE "organization" SET "timezone" = (SELECT e."timezone" FROM "event" e'
    ' WHERE e."organization_id" = "organization"."id" ORDER BY e."id" DESC LIMIT 1)'
    ' WHERE EXISTS (SELECT 1 FROM "event" e WHERE e."organization_id" = "organization"."id")'
)


async def zone_of_latest_event(apps, schema_editor):
    await schema_editor.client.execute_script(LATEST_EVENT_ZONE)


class Migration(migrations.Migration):
    dependencies = [('models', '0026_strike_scans')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SavedList',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('uuid', fields.UUIDField(null=True, default=uuid4, unique=True)),
                ('organization', fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='saved_lists', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=200)),
                ('description', fields.TextField(default='', db_default='', unique=False)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('tag_match', fields.CharEnumField(default=TagMatch.ANY, description='ANY: any\nALL: all', enum_type=TagMatch, max_length=8)),
                ('postal_codes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('group', fields.ForeignKeyField('models.ActionGroup', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='saved_lists', on_delete=OnDelete.CASCADE)),
                ('history', fields.CharEnumField(default=ListHistory.ANY, description='ANY: any\nSIGNED_UP: signed_up\nATTENDED: attended\nNEVER: never', enum_type=ListHistory, max_length=16)),
                ('since', fields.DateField(null=True)),
                ('created_by', fields.ForeignKeyField('models.Organizer', source_field='created_by_id', null=True, db_constraint=True, to_field='id', related_name='saved_lists', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'saved_list', 'app': 'models', 'unique_together': (('organization', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Organization',
            name='timezone',
            field=fields.CharField(default='America/Chicago', db_default='America/Chicago', max_length=64),
        ),
        ops.RunPython(zone_of_latest_event, ops.RunPython.noop),
    ]
