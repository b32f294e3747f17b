"""New model instances and the INSERT rows of new instances, exactly as Tortoise builds them, for less.

The sign-up of someone new builds a record of them and its INSERT on every request of a surge. Tortoise's
`Model.construct` walks every field to set the defaults (asking of each whether its default is a coroutine
function), and `Field.to_db_value` runs per column; together a third of the sign-up service's own Python.
Here each model's defaults are taken once from an instance `construct` built, and each column gets a
converter chosen once from its field: for the values a field passes through unchanged (a `str` within a
CharField's length, an `int`, a `bool`, a member of the field's enum, None where that is what the field
writes) the value itself; for anything else, and for every DatetimeField (its `auto_now` sets the instance's
timestamp), the field's own `to_db_value`. tests/test_instances.py holds both to Tortoise's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from inspect import iscoroutinefunction
from typing import Any, TypeVar

from tortoise import fields
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model
from tortoise.validators import MaxLengthValidator

M = TypeVar("M", bound=Model)

# How a column's value is converted for the INSERT (see the module).
_FIELD = 0  # the field's to_db_value
_SAME = 1  # a value of the field's exact type, or None: itself (no validators to run)
_TEXT = 2  # a str within max_length (None where the field is nullable): itself
_ENUM = 3  # a member of the field's enum within max_length: str(member.value)


@cache
def _prototype(model: type[Model]) -> tuple[dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...], frozenset[str]]:
    """What `model.construct()` sets on every instance: the attributes it copies, the defaults it calls, and
    the names `construct` below may be given (data fields, foreign keys' id columns)."""
    meta = model._meta
    calls = tuple(
        (name, field.default)
        for name, field in meta.fields_map.items()
        if name in meta.fields
        and name not in meta.fetch_fields
        and callable(field.default)
        and not iscoroutinefunction(field.default)
    )
    called = {name for name, _ in calls}
    fixed = {key: value for key, value in model.construct().__dict__.items() if key not in called}
    return fixed, calls, frozenset(meta.fields_db_projection)


def construct(model: type[M], **values: Any) -> M:
    """`model.construct(**values)` (an unsaved instance: no validation, the defaults of the fields not given),
    for data fields and the id columns of foreign keys (a related object goes through `model.construct`)."""
    fixed, calls, known = _prototype(model)
    if not known.issuperset(values):
        raise TypeError(f"not a column of {model.__name__}: {sorted(set(values) - known)}")
    instance = model.__new__(model)
    state = instance.__dict__
    state.update(fixed)
    state["_await_when_save"] = {}  # its own (construct gives each instance a new one)
    for name, default in calls:
        if name not in values:
            state[name] = default()
    state.update(values)
    return instance


def _kind(field: fields.Field[Any]) -> tuple[int, Any]:
    """How a column of this field converts (see the module), and what that needs (a type, a length)."""
    kind = type(field)
    if kind in (fields.IntField, fields.TextField, fields.BooleanField) and not field.validators:
        return _SAME, field.field_type
    lengths = [v.max_length for v in field.validators if type(v) is MaxLengthValidator]
    if len(lengths) != len(field.validators) or len(lengths) != 1:
        return _FIELD, None
    if kind is fields.CharField:
        return _TEXT, lengths[0]
    if kind is CharEnumFieldInstance:
        return _ENUM, (field.enum_type, lengths[0])  # type: ignore[attr-defined]
    return _FIELD, None


@cache
def _plan(model: type[Model]) -> tuple[tuple[str, str, fields.Field[Any], int, Any], ...]:
    """(attribute, column, field, kind, what the kind needs) for each column an INSERT writes."""
    meta = model._meta
    plan = []
    for name, column in meta.fields_db_projection.items():
        field = meta.fields_map[name]
        if not field.generated:
            plan.append((name, column, field, *_kind(field)))
    return tuple(plan)


def insert_row(instance: Model) -> dict[str, Any]:
    """Column -> value of the INSERT of a new (unsaved) instance, as the ORM would write it: defaults
    applied, `auto_now` timestamps set, the generated primary key left out. Hand-written INSERTs built
    from this keep up with every column a model gains."""
    row: dict[str, Any] = {}
    for name, column, field, kind, need in _plan(type(instance)):
        value = getattr(instance, name)
        if kind == _SAME and (value is None or type(value) is need):
            row[column] = value
        elif kind == _TEXT and ((type(value) is str and len(value) <= need) or (value is None and field.null)):
            row[column] = value
        elif kind == _ENUM and type(value) is need[0] and type(value.value) is str and len(value.value) <= need[1]:
            row[column] = str(value.value)
        else:
            row[column] = field.to_db_value(value, instance)
    return row
