from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint


# The data half: every person known to several organizations becomes one record per organization. Written
# against the tables as they stand at this point of the history (no models imported: they move on).

import secrets
from datetime import datetime, timezone

_SOURCES = [
    # (organization of a row that names a volunteer, in the order an organization first met them)
    "SELECT r.volunteer_id AS v, r.organization_id AS o, 0 AS k, r.id AS n FROM relationship r",
    "SELECT s.volunteer_id, e.organization_id, 1, s.id FROM signup s JOIN shift sh ON sh.id = s.shift_id "
    "JOIN event e ON e.id = sh.event_id",
    "SELECT t.volunteer_id, t.organization_id, 2, t.id FROM inbox_thread t",
    "SELECT st.volunteer_id, g.organization_id, 3, st.id FROM standby st JOIN action_group g ON g.id = st.group_id",
    "SELECT c.volunteer_id, c.organization_id, 4, c.id FROM consent_record c WHERE c.organization_id IS NOT NULL",
    "SELECT m.volunteer_id, m.organization_id, 5, m.id FROM message m "
    "WHERE m.volunteer_id IS NOT NULL AND m.organization_id IS NOT NULL",
]
# Rows that move to the copy of their organization: (table, SQL choosing the rows of volunteer ? in organization ?).
_OWNED = [
    ("signup", "id IN (SELECT s.id FROM signup s JOIN shift sh ON sh.id = s.shift_id JOIN event e ON e.id = sh.event_id "
     "WHERE s.volunteer_id = ? AND e.organization_id = ?)"),
    ("consent_record", "volunteer_id = ? AND organization_id = ?"),
    ("message", "volunteer_id = ? AND organization_id = ?"),
    ("inbox_thread", "volunteer_id = ? AND organization_id = ?"),
    ("inbound_message", "volunteer_id = ? AND organization_id = ?"),
    ("standby", "id IN (SELECT st.id FROM standby st JOIN action_group g ON g.id = st.group_id "
     "WHERE st.volunteer_id = ? AND g.organization_id = ?)"),
    ("gap_request", "id IN (SELECT q.id FROM gap_request q JOIN shift sh ON sh.id = q.shift_id "
     "JOIN event e ON e.id = sh.event_id WHERE q.volunteer_id = ? AND e.organization_id = ?)"),
]
_COPIED = ("name", "phone", "email", "postal_code", "sms_status", "email_status", "created_at", "updated_at")
_STOP_SOURCES = ("keyword", "sms_request", "provider")


async def foreign_keys_off(apps, schema_editor):
    # SQLite rebuilds `volunteer` to drop its single-column UNIQUEs; the DROP of the old table would cascade
    # to every sign-up, consent record and thread with foreign keys on. The pragma only works outside a
    # transaction, hence `atomic = False` (the split itself runs in a transaction of its own).
    if schema_editor.DIALECT == "sqlite":
        await schema_editor.client.execute_script("PRAGMA foreign_keys = OFF")


async def foreign_keys_on(apps, schema_editor):
    if schema_editor.DIALECT == "sqlite":
        await schema_editor.client.execute_script("PRAGMA foreign_keys = ON")


async def split_people(apps, schema_editor):
    from tortoise.transactions import in_transaction

    async with in_transaction(schema_editor.client.connection_name) as client:
        await _split(client, schema_editor.DIALECT == "postgres")


async def _split(client, postgres):

    def sql(text):
        if not postgres:
            return text
        parts = text.split("?")
        return parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))

    async def rows(text, *values):
        return [dict(row) for row in await client.execute_query_dict(sql(text), list(values))]

    async def run(text, *values):
        await client.execute_query(sql(text), list(values))

    now = datetime.now(timezone.utc)
    known: dict[int, list[int]] = {}
    sources: dict[tuple[int, int], str] = {}
    for row in sorted(await rows(" UNION ALL ".join(_SOURCES)), key=lambda r: (r["k"], r["n"])):
        orgs = known.setdefault(row["v"], [])
        if row["o"] not in orgs:
            orgs.append(row["o"])
    for row in await rows("SELECT organization_id, volunteer_id, source FROM relationship"):
        sources[(row["volunteer_id"], row["organization_id"])] = row["source"]

    # A number that opted out by SMS before this release opted out of every organization's texts: it stays so,
    # on the shared sender and on every organization's own one (services.people.consent's blocks).
    senders = ["shared"] + [
        row["k"] for row in await rows(
            "SELECT COALESCE(sms_messaging_service_sid, sms_from_number) AS k FROM organization "
            "WHERE sms_messaging_service_sid IS NOT NULL OR sms_from_number IS NOT NULL"
        )
    ]
    stopped = await rows(
        "SELECT DISTINCT v.phone FROM volunteer v JOIN consent_record c ON c.volunteer_id = v.id "
        "WHERE v.phone IS NOT NULL AND v.sms_status = 'opted_out' AND c.channel = 'sms' AND c.action = 'revoked'"
    )
    for row in stopped:
        for sender in senders:
            await run(
                "INSERT INTO sms_block (sender, phone, words, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sender, phone) DO NOTHING",
                sender, row["phone"], "STOP (before records were split per organization)", now,
            )
    blocked_phones = {row["phone"] for row in stopped}

    people = await rows(f"SELECT id, {', '.join(_COPIED)} FROM volunteer")
    for person in people:
        orgs = known.get(person["id"], [])
        if not orgs:  # nobody's record (no sign-up, consent, thread or list names it): nobody can see it
            await run("UPDATE message SET volunteer_id = NULL WHERE volunteer_id = ?", person["id"])
            await run("UPDATE inbound_message SET volunteer_id = NULL WHERE volunteer_id = ?", person["id"])
            await run("DELETE FROM volunteer WHERE id = ?", person["id"])
            continue
        blocked = person["phone"] in blocked_phones
        first, *others = orgs
        await run(
            "UPDATE volunteer SET organization_id = ?, source = ?, sms_blocked = ?, manage_token_seen_at = ?, "
            "feed_token_seen_at = ? WHERE id = ?",
            first, sources.get((person["id"], first), "import"), blocked, now, now, person["id"],
        )
        shared_consents = await rows(
            "SELECT channel, action, source, words, ip, user_agent, created_at FROM consent_record "
            "WHERE volunteer_id = ? AND organization_id IS NULL", person["id"]
        )
        await run("UPDATE consent_record SET organization_id = ? WHERE volunteer_id = ? AND organization_id IS NULL",
                  first, person["id"])
        for org in others:
            copy = await rows(
                f"INSERT INTO volunteer ({', '.join(_COPIED)}, organization_id, source, sms_blocked, manage_token, "
                "feed_token, manage_token_seen_at, feed_token_seen_at, notes) "
                f"VALUES ({', '.join('?' for _ in _COPIED)}, ?, ?, ?, ?, ?, ?, ?, '') RETURNING id",
                *(person[c] for c in _COPIED), org, sources.get((person["id"], org), "import"), blocked,
                secrets.token_urlsafe(24), secrets.token_urlsafe(24), now, now,
            )
            new_id = copy[0]["id"]
            for table, where in _OWNED:
                await run(f"UPDATE {table} SET volunteer_id = ? WHERE {where}", new_id, person["id"], org)
            for c in shared_consents:  # a consent given before records were per organization holds for each
                await run(
                    "INSERT INTO consent_record (volunteer_id, organization_id, channel, action, source, words, ip, "
                    "user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    new_id, org, c["channel"], c["action"], c["source"], c["words"], c["ip"], c["user_agent"],
                    c["created_at"],
                )


class Migration(migrations.Migration):
    dependencies = [('models', '0015_idempotent_requests')]

    initial = False
    atomic = False  # see foreign_keys_off

    operations = [
        ops.RunPython(foreign_keys_off),
        ops.CreateModel(
            name='SmsBlock',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('sender', fields.CharField(max_length=64)),
                ('phone', fields.CharField(max_length=20)),
                ('words', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sms_block', 'app': 'models', 'unique_together': (('sender', 'phone'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VolunteerTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('volunteer', fields.ForeignKeyField('models.Volunteer', source_field='volunteer_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'volunteer_tag', 'app': 'models', 'unique_together': (('volunteer', 'name'),), 'indexes': [Index(fields=['name'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Volunteer',
            name='email',
            field=fields.CharField(null=True, max_length=254),
        ),
        ops.AlterField(
            model_name='Volunteer',
            name='phone',
            field=fields.CharField(null=True, max_length=20),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='feed_token_seen_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='manage_token_seen_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='member_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='notes',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='organization',
            field=fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='volunteers', on_delete=OnDelete.CASCADE, null=True),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='sms_blocked',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Volunteer',
            name='source',
            field=fields.CharField(default='', db_default='', max_length=16),
        ),
        ops.RunPython(split_people),
        ops.AlterField(
            model_name='Volunteer',
            name='organization',
            field=fields.ForeignKeyField('models.Organization', source_field='organization_id', db_constraint=True, to_field='id', related_name='volunteers', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='Volunteer',
            index=Index(fields=['phone']),
        ),
        ops.AddConstraint(
            model_name='Volunteer',
            constraint=UniqueConstraint(fields=('organization', 'phone'), name=None),
        ),
        ops.AddConstraint(
            model_name='Volunteer',
            constraint=UniqueConstraint(fields=('organization', 'email'), name=None),
        ),
        ops.AddConstraint(
            model_name='Volunteer',
            constraint=UniqueConstraint(fields=('organization', 'member_id'), name=None),
        ),
        ops.DeleteModel(name='Relationship'),
        ops.RunPython(foreign_keys_on),
    ]
