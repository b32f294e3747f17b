"""Demo data for `make run`: a coalition, its action groups, a campaign, a picket schedule, a rally,
volunteers signed up, tags and a saved list. Built through the same services the API uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from mobilize.models import (
    ApiToken,
    EventType,
    Membership,
    Message,
    MessageState,
    Organization,
    Organizer,
    Role,
    SignupSource,
    SignupStatus,
    Volunteer,
)
from mobilize.schemas import CampaignIn, EventIn, GroupIn, LocationIn, RecurrenceIn, ShiftIn, ShiftsCreate
from mobilize.services import events, signups
from mobilize.services.accounts.organizers import actor_for_membership, create_organizer, issue_token
from mobilize.services.events import groups
from mobilize.services.people import ConsentContext, Contact, directory, lists

DEMO_ORG = "demo-coalition"
DEMO_EMAIL = "organizer@example.org"
DEMO_PASSWORD = "mobilize-demo"
ZONE = "America/Chicago"

VOLUNTEERS = [
    ("Rosa Delgado", "+13125550142", "rosa@example.org", "60608"),
    ("Marcus Bell", "+13125550177", "marcus@example.org", "60615"),
    ("Aiyana Brooks", "+17735550123", "aiyana@example.org", "60640"),
    ("Tomasz Nowak", "+17735550188", None, "60618"),
    ("Keisha Grant", None, "keisha@example.org", "60637"),
    ("Luis Ortega", "+13125550199", "luis@example.org", "60623"),
    ("Priya Raman", "+17735550164", "priya@example.org", "60614"),
    ("Dev Patel", "+13125550111", "dev@example.org", "60616"),
]


async def _fresh_token(membership: Membership) -> str:
    await ApiToken.filter(membership=membership, name="demo", revoked_at=None).update(revoked_at=datetime.now(UTC))
    return await issue_token(membership, name="demo")


async def seed(force: bool = False) -> dict[str, str]:
    """Load the demo once. Later calls only hand out a fresh demo API token (the old one is revoked)."""
    existing = await Organization.get_or_none(slug=DEMO_ORG)
    if existing is not None and not force:
        organizer = await Organizer.get(email=DEMO_EMAIL)
        membership = await Membership.get(organizer=organizer, organization=existing)
        return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "token": await _fresh_token(membership), "new": ""}

    async with in_transaction():
        membership, _ = await create_organizer(
            email=DEMO_EMAIL, name="Demo Organizer", org_slug=DEMO_ORG, role=Role.OWNER, password=DEMO_PASSWORD
        )
        org = await Organization.get(slug=DEMO_ORG)
        org.name = "Chicago Labor Coalition (demo)"
        await org.save(update_fields=["name"])
        actor = await actor_for_membership(membership)
        await _fresh_token(membership)

        for slug, name, postal in [
            ("west-side", "West Side Branch", "60612"),
            ("south-side", "South Side Branch", "60615"),
            ("north-side", "North Side Branch", "60640"),
            ("nurses-local", "Nurses Worksite Committee", "60611"),
        ]:
            await groups.create_group(actor, GroupIn(slug=slug, name=name, postal_code=postal))

        tz = ZoneInfo(ZONE)
        today = datetime.now(tz).date()
        action_day = today + timedelta(days=(5 - today.weekday()) % 7 + 7)  # the Saturday after next
        await groups.create_campaign(
            actor,
            CampaignIn(
                slug="day-of-action",
                name="Day of Action for a Fair Contract",
                description="Rallies and pickets across the city on one day.",
                starts_on=action_day,
                ends_on=action_day,
            ),
        )

        def at(day: date, hour: int, minute: int = 0) -> datetime:
            return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

        picket = await events.create_event(
            actor,
            EventIn(
                title="Strike picket at Mercy Hospital, main gate",
                description="Every morning of the strike. Bring water; signs provided.",
                instructions="Check in with the picket captain in the orange vest at the main gate.",
                event_type=EventType.PICKET,
                group="nurses-local",
                campaign=None,
                timezone=ZONE,
                location=LocationIn(
                    venue="Mercy Hospital main gate",
                    address="2525 S Michigan Ave",
                    city="Chicago",
                    region="IL",
                    postal_code="60616",
                ),
            ),
        )
        tomorrow = today + timedelta(days=1)
        for hour in (6, 10):  # two shifts every morning for two weeks: 28 shifts to choose from
            await events.add_shifts(
                actor,
                picket.id,
                ShiftsCreate(
                    recurrence=RecurrenceIn(
                        rrule="FREQ=DAILY;COUNT=14",
                        dtstart=datetime(tomorrow.year, tomorrow.month, tomorrow.day, hour, 0),
                        duration_minutes=240,
                    ),
                    capacity=12,
                    target=8,
                ),
            )
        rallies = []
        for group, title, venue, postal in [
            ("west-side", "Rally at Union Park", "Union Park", "60607"),
            ("south-side", "Rally at Washington Park", "Washington Park", "60637"),
            ("north-side", "Rally at Welles Park", "Welles Park", "60625"),
        ]:
            rallies.append(
                await events.create_event(
                    actor,
                    EventIn(
                        title=title,
                        description="Part of the citywide Day of Action.",
                        event_type=EventType.RALLY,
                        group=group,
                        campaign="day-of-action",
                        timezone=ZONE,
                        location=LocationIn(venue=venue, city="Chicago", region="IL", postal_code=postal),
                        shifts=[
                            ShiftIn(starts_at=at(action_day, 10), ends_at=at(action_day, 12), capacity=60, target=40),
                            ShiftIn(starts_at=at(action_day, 12), ends_at=at(action_day, 14), capacity=30, target=20),
                        ],
                    ),
                )
            )
        await events.create_event(
            actor,
            EventIn(
                title="Phone bank for the Day of Action",
                event_type=EventType.PHONE_BANK,
                group="west-side",
                campaign="day-of-action",
                timezone=ZONE,
                virtual_url="https://meet.example.org/phonebank",
                shifts=[
                    ShiftIn(
                        starts_at=at(today + timedelta(days=3), 18),
                        ends_at=at(today + timedelta(days=3), 20),
                        capacity=25,
                        target=15,
                    )
                ],
            ),
        )

    picket = await events.get_event(actor, picket.id)
    first_picket_shift = picket.shift_list[0]  # type: ignore[attr-defined]
    consent = ConsentContext(source="demo", words="(demo data)")
    for n, (name, phone, email, postal) in enumerate(VOLUNTEERS):
        contact = Contact(name=name, phone=phone, email=email, postal_code=postal)
        result = await signups.sign_up(
            first_picket_shift.id, contact, source=SignupSource.WEB, sms_consent=consent if phone else None
        )
        if n % 3 == 0:
            await signups.set_status(result.signup.id, SignupStatus.CONFIRMED)
        rally = rallies[n % len(rallies)]
        await signups.sign_up(rally.shift_list[0].id, contact, source=SignupSource.SMS)  # type: ignore[attr-defined]
    # Tags, and a saved list of them (services.people.lists): what an organizer messages the stewards through.
    for name, tags in (
        ("Marcus Bell", ["steward"]),
        ("Luis Ortega", ["steward", "spanish"]),
        ("Priya Raman", ["spanish"]),
    ):
        person = await Volunteer.get(organization_id=actor.organization_id, name=name)
        await directory.update_volunteer(actor, person.id, directory.Changes(tags=tags))
    rules = {"name": "Stewards", "description": "Everyone tagged steward.", "tags": "steward"}
    await lists.create_list(actor, await lists.parse_rules(actor, rules))
    # Invented people: their sign-ups planned confirmations and reminders, which must never go anywhere.
    await Message.filter(organization_id=actor.organization_id, state=MessageState.PENDING).update(
        state=MessageState.CANCELLED, skip_reason="demo data", updated_at=datetime.now(UTC)
    )
    token = await _fresh_token(membership)
    return {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "token": token, "new": "yes"}
