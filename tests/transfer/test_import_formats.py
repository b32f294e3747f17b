"""`mobilize import volunteers` on the export files of the tools people leave: Mobilize and Action Network
column names, names, ZIPs, phones and SMS status kept, unused columns reported, rows never half-imported."""

from __future__ import annotations

from pathlib import Path

from mobilize.models import ConsentAction, ConsentRecord, SmsStatus, Volunteer, VolunteerTag
from tests.factories import make_organization, make_person
from tests.test_cli import run_cli

WORDS = "Yes, send me text messages about events (msg & data rates may apply; reply STOP to stop)"

MOBILIZE = (
    "First name,Last name,Email,Phone,Zip,SMS opt-in status,Event name,Tags,Referrer\n"
    "Rosa,Ávila,rosa@example.org,(312) 555-0142,60614,OPT_IN,Picket at the gate,steward; has-car,twitter\n"
    "Ben,Ng,ben@example.org,312-555-0143,60615,OPT_OUT,Picket at the gate,,\n"
    "Cy,Diaz,,not a phone,60616,OPT_IN,Picket at the gate,,\n"
    "Di,Eze,di@example.org,,60617,UNSPECIFIED,Rally,,\n"
)
ACTION_NETWORK = (
    "uuid,first_name,last_name,email,zip_code,can2_phone,can2_sms_status,can2_user_city,can2_state_abbreviated\n"
    "action_network:1,Rosa,Ávila,ROSA@example.org,60614,+1 312 555 0142,subscribed,Chicago,IL\n"
    "action_network:2,Ed,Fox,ed@example.org,60618,3125550144,unsubscribed,Chicago,IL\n"
    "action_network:3,Fay,Gil,fay@,60619,,,Chicago,IL\n"
)


async def test_a_mobilize_export_keeps_names_zips_phones_and_sms_status(migrated: str, tmp_path: Path) -> None:
    org = await make_organization("local-9")
    other = await make_organization("local-10")
    await make_person(other, name="Someone else", phone="+13125550142")  # the same phone, another organization
    path = tmp_path / "mobilize.csv"
    path.write_text(MOBILIZE)
    args = ("import", "volunteers", str(path), "--org", "local-9", "--sms-consent-words", WORDS)
    code, out, err = await run_cli(migrated, *args)
    assert code == 0, err
    assert "read as Mobilize columns" in out
    assert "columns not used: Event name, Referrer" in out
    assert "imported 3 volunteers; rejected 1 rows" in out and "line 4: Phone:" in out
    rosa = await Volunteer.get(organization_id=org.id, phone="+13125550142")
    assert (rosa.name, rosa.email, rosa.postal_code, rosa.sms_status) == ("Rosa Ávila", "rosa@example.org", "60614",
                                                                         SmsStatus.OPTED_IN)  # fmt: skip
    assert await ConsentRecord.filter(volunteer=rosa, action=ConsentAction.GRANTED, words=WORDS).count() == 1
    assert sorted(await VolunteerTag.filter(volunteer=rosa).values_list("name", flat=True)) == ["has-car", "steward"]
    ben = await Volunteer.get(organization_id=org.id, email="ben@example.org")
    assert ben.sms_status == SmsStatus.OPTED_OUT and ben.phone == "+13125550143"
    assert await ConsentRecord.filter(volunteer=ben, action=ConsentAction.REVOKED).count() == 1
    di = await Volunteer.get(organization_id=org.id, email="di@example.org")
    assert di.sms_status == SmsStatus.UNKNOWN
    assert (await Volunteer.get(organization_id=other.id)).name == "Someone else"  # untouched

    code, out, _ = await run_cli(migrated, *args)  # a second run changes nothing
    assert "imported 3 volunteers" in out
    assert await Volunteer.filter(organization_id=org.id).count() == 3
    assert await ConsentRecord.filter(volunteer__organization_id=org.id).count() == 2
    assert await VolunteerTag.all().count() == 2


async def test_without_the_consent_words_an_opt_in_is_not_recorded(migrated: str, tmp_path: Path) -> None:
    org = await make_organization("local-9")
    path = tmp_path / "mobilize.csv"
    path.write_text(MOBILIZE)
    code, out, err = await run_cli(migrated, "import", "volunteers", str(path), "--org", "local-9")
    assert code == 0, err
    rosa = await Volunteer.get(organization_id=org.id, phone="+13125550142")
    assert rosa.sms_status == SmsStatus.UNKNOWN and not await ConsentRecord.filter(volunteer=rosa).exists()
    assert (await Volunteer.get(organization_id=org.id, email="ben@example.org")).sms_status == SmsStatus.OPTED_OUT


async def test_an_action_network_export(migrated: str, tmp_path: Path) -> None:
    org = await make_organization("local-9")
    path = tmp_path / "an.csv"
    path.write_text(ACTION_NETWORK)
    args = ("import", "volunteers", str(path), "--org", "local-9", "--sms-consent-words", WORDS)
    code, out, err = await run_cli(migrated, *args, "--format", "auto")
    assert code == 0, err
    assert "read as Action Network columns" in out
    assert "columns not used: uuid, can2_user_city, can2_state_abbreviated" in out
    assert "imported 2 volunteers; rejected 1 rows" in out and "line 4: email:" in out
    rosa = await Volunteer.get(organization_id=org.id, phone="+13125550142")
    assert (rosa.name, rosa.email, rosa.postal_code, rosa.sms_status) == ("Rosa Ávila", "rosa@example.org", "60614",
                                                                         SmsStatus.OPTED_IN)  # fmt: skip
    ed = await Volunteer.get(organization_id=org.id, email="ed@example.org")
    assert ed.sms_status == SmsStatus.OPTED_OUT and ed.phone == "+13125550144"
    assert not await Volunteer.filter(email="fay@").exists()
    code, out, _ = await run_cli(migrated, *args)
    assert await Volunteer.filter(organization_id=org.id).count() == 2
    assert await ConsentRecord.filter(volunteer__organization_id=org.id).count() == 2
    # read with the wrong format, what it could not use is said, not dropped silently
    code, out, err = await run_cli(migrated, "import", "volunteers", str(path), "--org", "local-9", "--format", "plain")
    assert code == 0, err
    assert "columns not used: uuid, can2_phone, can2_sms_status, can2_user_city, can2_state_abbreviated" in out
