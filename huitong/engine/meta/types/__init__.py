"""The field-type registry: one class per field type, looked up by name.

A later issue adds a type (formula, roll-up, address, file…) by writing one class and decorating it with
``@register``; nothing else in the engine branches on type names.
"""

from __future__ import annotations

# Importing the modules registers their classes.
from huitong.engine.meta.types import choice, numbers, reference, rich, system, temporal, text  # noqa: F401
from huitong.engine.meta.types.base import FieldType, ValueProblem, field_type, field_types, register

__all__ = ["FieldType", "ValueProblem", "field_type", "field_types", "register"]
