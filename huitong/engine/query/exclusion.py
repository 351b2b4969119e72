"""Whether two checked filters exclude each other: no record can meet both.

The access policy uses it to leave out of a list query the sharing rules whose criteria the list's own filter rules
out (a list of *lead* deals needs no rule that shares *won* deals). It only answers "yes" when it is sure: both
filters require, on the same field of the queried object, values that cannot coincide (disjoint sets of equal
values, or ranges with no common value). Anything else — ``or``, ``not``, text ranges, other operators, values of
different kinds — answers "not known", so leaving a rule out never changes which records a list returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from huitong.engine.meta.types.base import FieldType
from huitong.engine.meta.types.temporal import Span, TemporalType
from huitong.engine.query.filters import AllOf, Condition, Node

Bound = tuple[Any, bool] | None  # (value, inclusive), None: unbounded


@dataclass(frozen=True)
class Values:
    """The values a condition lets through (never the empty value): a finite set, or a range."""

    points: frozenset[Any] | None = None
    low: Bound = None
    high: Bound = None

    def admits(self, value: Any) -> bool:
        if self.low is not None and (value < self.low[0] or (value == self.low[0] and not self.low[1])):
            return False
        return not (self.high is not None and (value > self.high[0] or (value == self.high[0] and not self.high[1])))


def exclude_each_other(first: Node | None, second: Node | None) -> bool:
    """True only when no record can meet both filters (None, no filter, is met by every record)."""
    if first is None or second is None:
        return False
    mine = _by_field(first)
    for name, values in _by_field(second).items():
        for one in mine.get(name, []):
            for other in values:
                try:
                    if _disjoint(one, other):
                        return True
                except TypeError:  # values that do not compare: not known
                    continue
    return False


def _by_field(node: Node) -> dict[str, list[Values]]:
    found: dict[str, list[Values]] = {}
    for condition in _conjuncts(node):
        try:
            values = _values(condition)
        except TypeError:  # a value that cannot be a set member: not known
            continue
        if values is not None:
            found.setdefault(condition.path.field.name, []).append(values)
    return found


def _conjuncts(node: Node) -> list[Condition]:
    if isinstance(node, Condition):
        return [node] if node.path.via is None else []
    if isinstance(node, AllOf):
        return [condition for item in node.items for condition in _conjuncts(item)]
    return []  # or / not: nothing every matching record must meet on one field


def _orderable(value: Any) -> bool:
    """Values whose order in Python is their order in both databases (not text: collations differ)."""
    return isinstance(value, int | Decimal | float | date) and not isinstance(value, bool)


def _values(condition: Condition) -> Values | None:
    kind, operator, value = condition.path.field.field_type, condition.operator, condition.value
    if isinstance(kind, TemporalType):
        return _temporal(operator, value)
    if type(kind).condition is not FieldType.condition:
        return None  # a type with its own SQL for conditions (multi-select picklists …): not known
    if operator == "eq":
        return Values(points=frozenset([value]))
    if operator == "in":
        return Values(points=frozenset(value))
    if operator == "between":
        low, high = value
        return Values(low=(low, True), high=(high, True)) if _orderable(low) and _orderable(high) else None
    if operator in ("gt", "gte", "lt", "lte") and _orderable(value):
        bound = (value, operator in ("gte", "lte"))
        return Values(low=bound) if operator in ("gt", "gte") else Values(high=bound)
    return None


def _temporal(operator: str, value: Any) -> Values | None:
    """The SQL of ``TemporalType.condition`` as a range: spans are [start, end), or one instant when exact."""
    if operator == "between":
        low, high = value
        return Values(low=(low.start, True), high=(high.start, True) if high.exact else (high.end, False))
    if not isinstance(value, Span):
        return None
    if operator == "eq":
        return Values(low=(value.start, True), high=(value.start, True) if value.exact else (value.end, False))
    if operator == "gt":
        return Values(low=(value.start, False) if value.exact else (value.end, True))
    if operator == "gte":
        return Values(low=(value.start, True))
    if operator == "lt":
        return Values(high=(value.start, False))
    if operator == "lte":
        return Values(high=(value.start, True) if value.exact else (value.end, False))
    return None


def _disjoint(one: Values, other: Values) -> bool:
    if one.points is not None and other.points is not None:
        return not (one.points & other.points)
    if one.points is not None:
        return not any(other.admits(value) for value in one.points)
    if other.points is not None:
        return not any(one.admits(value) for value in other.points)
    return _below(one.high, other.low) or _below(other.high, one.low)


def _below(high: Bound, low: Bound) -> bool:
    """Every value under ``high`` is below every value over ``low``."""
    if high is None or low is None:
        return False
    return bool(high[0] < low[0] or (high[0] == low[0] and not (high[1] and low[1])))
