"""Checking what enters the daemon: pydantic's validation engine, pydantic-core, without pydantic's models.

A checked value is a frozen, slotted dataclass whose fields each carry a
core schema (``checked``); ``Checker`` builds one ``SchemaValidator`` from
them, so the same engine as ``pydantic.BaseModel``'s applies the same bounds
and says the same messages ("Input should be greater than 0").

Why not ``BaseModel``: the daemon starts for a person's first call (D-Bus
activation) and stays resident.  Measured in one interpreter, importing the
daemon's modules (with dbus-next, before dbus-fast): asyncio and the D-Bus
library 16.7 MiB and 44 ms, then pydantic-core 21.5 MiB and 60 ms, pydantic
21.9 MiB and 66 ms, and the model module defining one ``BaseModel`` 33.0 MiB
and 128 ms (pydantic's types,
annotated_types, its schema generator, the plugin loader importing
importlib.metadata, and building the model's schema).  A schema written out
as plain dicts costs none of that last step.
"""

from collections.abc import Callable
from dataclasses import MISSING, field, fields
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

from pydantic_core import SchemaValidator, ValidationError

__all__ = ["Checker", "ValidationError", "after", "before", "checked", "one_of", "optional"]

_SCHEMA = "agent_console.schema"
"""The key of a field's core schema in its dataclass metadata."""

Schema = dict[str, Any]
Checked = TypeVar("Checked")


def checked(schema: Schema, default: Any = MISSING) -> Any:
    """A dataclass field whose values must pass ``schema``; one without a default must be given."""
    return field(default=default, metadata={_SCHEMA: schema})


def optional(schema: Schema) -> Schema:
    """``schema``, or None (left out, or given as None)."""
    return {"type": "nullable", "schema": schema}


def after(function: Callable[[Any], Any], schema: Schema) -> Schema:
    """``function`` checks (and may replace) what passed ``schema``; a ValueError it raises is the field's error."""
    return {"type": "function-after", "function": {"type": "no-info", "function": function}, "schema": schema}


def before(function: Callable[[Any], Any], schema: Schema) -> Schema:
    """``function`` prepares the input for ``schema``, or refuses it with a ValueError."""
    return {"type": "function-before", "function": {"type": "no-info", "function": function}, "schema": schema}


def one_of(enum: type[Enum], prepare: Callable[[Any], Any]) -> Schema:
    """A member of the string enum ``enum``, from its value as ``prepare`` leaves it."""
    return before(prepare, {"type": "enum", "cls": enum, "members": list(enum), "sub_type": "str"})


class Checker(Generic[Checked]):
    """Builds a ``cls`` from keyword values that pass its fields' schemas, or raises ``ValidationError``."""

    def __init__(self, cls: type[Checked], extra: Literal["ignore", "forbid"] = "ignore") -> None:
        self._cls = cls
        schema_fields = {
            item.name: {"type": "typed-dict-field", "required": item.default is MISSING, "schema": item.metadata[_SCHEMA]}
            for item in fields(cls)  # type: ignore[arg-type]
        }
        self._validator = SchemaValidator({"type": "typed-dict", "fields": schema_fields, "extra_behavior": extra})

    def __call__(self, values: dict[str, Any]) -> Checked:
        return self._cls(**self._validator.validate_python(values))
