"""mobilize.instances gives what Tortoise gives: the same new instances, the same INSERT values, the same errors."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise import fields
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

import mobilize.models as models
from mobilize import instances
from mobilize.models import EmailStatus, Signup, SignupStatus, SmsStatus, Volunteer

pytestmark = pytest.mark.usefixtures("app")  # the models initialized

MODELS = sorted(
    (m for m in vars(models).values() if inspect.isclass(m) and issubclass(m, Model) and m is not Model),
    key=lambda m: m.__name__,
)


def reference_row(instance: Model) -> dict[str, Any]:
    """The INSERT values as Tortoise converts them, column by column."""
    meta = instance._meta
    return {
        column: meta.fields_map[name].to_db_value(getattr(instance, name), instance)
        for name, column in meta.fields_db_projection.items()
        if not meta.fields_map[name].generated
    }


def outcome(build: Any, instance: Model) -> tuple[str, Any]:
    try:
        return "row", build(instance)
    except Exception as exc:  # noqa: BLE001 - the same failure is what is compared
        return "error", type(exc)


def without(row: dict[str, Any], columns: set[str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in columns}


def candidates(field: fields.Field[Any]) -> list[Any]:
    """Values a column may hold on a new instance: right, wrong, too long, missing."""
    values: list[Any] = [None, "", "x" * 10, "x" * 300, 0, 7, 2**40, True, False, 1.5, datetime.now(UTC)]
    if isinstance(field, CharEnumFieldInstance):
        values += list(field.enum_type) + [member.value for member in field.enum_type]
    return values


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_insert_row_converts_every_column_as_tortoise_does(model: type[Model]) -> None:
    meta = model._meta
    auto = {
        meta.fields_db_projection[name]
        for name, field in meta.fields_map.items()
        if isinstance(field, fields.DatetimeField) and (field.auto_now or field.auto_now_add)
    }
    compared = 0
    for name, field in meta.fields_map.items():
        if name not in meta.fields_db_projection or field.generated:
            continue
        for value in candidates(field):
            fast, slow = model.construct(), model.construct()
            setattr(fast, name, value)
            setattr(slow, name, value)
            for key, _ in instances._prototype(model)[1]:  # the same called defaults (a uuid) on both
                if key != name:
                    setattr(slow, key, getattr(fast, key))
            got, expected = outcome(instances.insert_row, fast), outcome(reference_row, slow)
            assert got[0] == expected[0], (model.__name__, name, value, got, expected)
            if got[0] == "row":
                ours, theirs = without(got[1], auto), without(expected[1], auto)
                assert ours == theirs, (model.__name__, name, value)
                assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]
            else:
                assert got[1] is expected[1], (model.__name__, name, value)
            compared += 1
    assert compared > 0


def test_insert_row_sets_the_timestamps_as_tortoise_does() -> None:
    person = instances.construct(Volunteer, organization_id=1, name="R.", manage_token="m", feed_token="f")
    assert person.created_at is None
    row = instances.insert_row(person)
    assert row["created_at"] is not None and person.created_at is not None
    assert row["updated_at"] is not None and person.updated_at is not None


def state(instance: Model, skip: set[str]) -> dict[str, Any]:
    return {k: v for k, v in instance.__dict__.items() if k not in skip}


@pytest.mark.parametrize("model", [Volunteer, Signup], ids=lambda m: m.__name__)
def test_construct_builds_what_tortoise_construct_builds(model: type[Model]) -> None:
    values: dict[str, Any] = (
        {"organization_id": 3, "name": "R.", "phone": "+13125550100", "email_status": EmailStatus.OK}
        if model is Volunteer
        else {"shift_id": 4, "volunteer_id": 5, "holder": 4, "status": SignupStatus.WAITLISTED}
    )
    ours, theirs = instances.construct(model, **values), model.construct(**values)
    called = {name for name, _ in instances._prototype(model)[1]}
    assert called  # the uuid
    assert state(ours, called) == state(theirs, called)
    assert set(ours.__dict__) == set(theirs.__dict__)
    again = instances.construct(model, **values)
    for name in called:  # each instance its own default
        assert getattr(ours, name) != getattr(again, name)
    assert ours._await_when_save is not again._await_when_save
    assert not ours._saved_in_db
    if model is Volunteer:
        assert ours.sms_status is SmsStatus.UNKNOWN and ours.notes == "" and ours.email_status is EmailStatus.OK


def test_construct_refuses_what_is_not_a_column() -> None:
    with pytest.raises(TypeError, match="organization"):
        instances.construct(Volunteer, organization=object())
    with pytest.raises(TypeError, match="nickname"):
        instances.construct(Volunteer, nickname="R.")


def test_the_fast_kinds_cover_the_hot_models_columns() -> None:
    """The point of the module: most of a new record's columns skip the field's own conversion."""
    kinds = [kind for *_, kind, _ in instances._plan(Volunteer)]
    assert kinds.count(instances._FIELD) <= 5  # the uuid and the four timestamps
