"""`mobilize import volunteers` with a member id column: the union's member list becomes its members (and a
member id already another person's is refused for that line, the same id in another organization is fine)."""

from __future__ import annotations

from pathlib import Path

from mobilize.models import Volunteer
from tests.factories import make_person, make_world
from tests.test_cli import run_cli


async def test_member_ids_are_imported(migrated: str, tmp_path: Path) -> None:
    world = await make_world("local-7")
    other = await make_world("local-8")
    await make_person(other["membership"].organization_id, name="Elsewhere", member_id="7001")
    await make_person(world["membership"].organization_id, name="Taken", email="taken@example.org", member_id="7099")
    path = tmp_path / "members.csv"
    path.write_text(
        "name,phone,member_id\n"
        "Ana,(312) 555-0101,7001\n"
        "Ben,(312) 555-0102,7002\n"
        "Cy,(312) 555-0103,7099\n"
        "Supporter,(312) 555-0104,\n"
    )
    for _ in range(2):  # a second run changes nothing
        code, out, err = await run_cli(migrated, "import", "volunteers", str(path), "--org", "local-7")
        assert code == 0, err
        assert "line 4: member_id: 7099 is another person's" in out, out
    org = world["membership"].organization_id
    found = dict(await Volunteer.filter(organization_id=org).values_list("name", "member_id"))
    assert found["Ana"] == "7001" and found["Ben"] == "7002" and found["Supporter"] is None
    assert found["Taken"] == "7099" and "Cy" not in found  # the line is refused whole: never half a row
