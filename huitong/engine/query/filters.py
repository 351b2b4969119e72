"""Read a filter description into a checked tree.

    {"and": [...]} | {"or": [...]} | {"not": {...}} | {"field": "account.name", "op": "contains", "value": "华"}

Every problem (unknown field, operator the type does not support, malformed value) is reported with where it is,
for example ``filter.and[1].or[0].value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huitong.engine.errors import FieldError, bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types import ValueProblem
from huitong.engine.meta.types.base import FilterEnv

MAX_DEPTH = 8
MAX_CONDITIONS = 200


@dataclass(frozen=True)
class FieldPath:
    """A field of the queried object, or of the record one of its lookups points to (``account.name``)."""

    text: str
    field: FieldDef
    via: FieldDef | None = None
    target: ObjectDef | None = None


@dataclass(frozen=True)
class Condition:
    path: FieldPath
    operator: str
    value: Any


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class NotNode:
    item: Node


Node = Condition | AllOf | AnyOf | NotNode


def resolve_path(schema: Schema, definition: ObjectDef, text: Any, where: str) -> FieldPath:
    if not isinstance(text, str) or not text:
        raise bad_request(_("Name a field."), [FieldError(where, "invalid_field", _("Name a field."))])
    head, _dot, tail = text.partition(".")
    field = definition.fields.get(head)
    unknown = FieldError(where, "unknown_field", _("There is no field %(field)s.") % {"field": text[:100]})
    if field is None or (field.name == "deleted_at"):
        raise bad_request(unknown.message, [unknown])
    if not tail:
        return FieldPath(text, field)
    if field.type != "lookup" or "." in tail:
        error = FieldError(where, "invalid_path", _("Only a lookup field can be followed, one level deep."))
        raise bad_request(error.message, [error])
    target = schema.object(str(field.options["target"]))
    inner = target.fields.get(tail)
    if inner is None or inner.name == "deleted_at":
        raise bad_request(unknown.message, [unknown])
    return FieldPath(text, inner, via=field, target=target)


class _Reader:
    def __init__(self, schema: Schema, definition: ObjectDef, env: FilterEnv) -> None:
        self.schema = schema
        self.definition = definition
        self.env = env
        self.conditions = 0

    def read(self, raw: Any, where: str, depth: int) -> Node:
        if depth > MAX_DEPTH:
            self.fail(where, "too_deep", _("Filters may nest at most 8 levels."))
        if not isinstance(raw, dict):
            self.fail(where, "invalid_filter", _("A filter is an object with and, or, not, or field/op/value."))
        keys = set(raw)
        if keys in ({"and"}, {"or"}):
            key = keys.pop()
            items = raw[key]
            if not isinstance(items, list) or not items:
                self.fail(f"{where}.{key}", "invalid_filter", _("and/or take a non-empty list of filters."))
            nodes = tuple(self.read(item, f"{where}.{key}[{index}]", depth + 1) for index, item in enumerate(items))
            return AllOf(nodes) if key == "and" else AnyOf(nodes)
        if keys == {"not"}:
            return NotNode(self.read(raw["not"], f"{where}.not", depth + 1))
        if keys in ({"field", "op", "value"}, {"field", "op"}):
            return self.condition(raw, where)
        self.fail(where, "invalid_filter", _("A filter is an object with and, or, not, or field/op/value."))
        raise AssertionError

    def condition(self, raw: dict[str, Any], where: str) -> Condition:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            self.fail(where, "too_many", _("A filter may have at most 200 conditions."))
        path = resolve_path(self.schema, self.definition, raw["field"], f"{where}.field")
        operator = raw["op"]
        kind = path.field.field_type
        if not isinstance(operator, str) or operator not in kind.operators:
            self.fail(
                f"{where}.op",
                "invalid_operator",
                _("The operator %(op)s does not apply to %(field)s; use one of: %(ops)s.")
                % {"op": str(operator)[:20], "field": path.text, "ops": ", ".join(sorted(kind.operators))},
            )
        if "value" not in raw:
            self.fail(f"{where}.value", "missing_value", _("Give a value."))
        try:
            value = kind.filter_value(path.field, operator, raw["value"], self.env)
        except ValueProblem as problem:
            self.fail(f"{where}.value", problem.code, problem.message)
        return Condition(path, operator, value)

    def fail(self, where: str, code: str, message: str) -> None:
        raise bad_request(message, [FieldError(where, code, message)], code="invalid_filter")


def read_filter(schema: Schema, definition: ObjectDef, raw: Any, env: FilterEnv, where: str = "filter") -> Node | None:
    if raw is None:
        return None
    return _Reader(schema, definition, env).read(raw, where, 0)


def paths_in(node: Node | None) -> list[FieldPath]:
    if node is None:
        return []
    if isinstance(node, Condition):
        return [node.path]
    if isinstance(node, NotNode):
        return paths_in(node.item)
    return [path for item in node.items for path in paths_in(item)]
