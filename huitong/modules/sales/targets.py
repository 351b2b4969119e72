"""Sales targets (quotas) per user or department per year, quarter or month.

A target is entered at any level; ``split`` spreads a year over its quarters and months (a quarter over its months)
evenly, cent-exact. The forecast reads a period's target as entered, else as the sum of the finer targets entered
for it, else as the even share of a coarser one; a department without its own target has its members' (its
sub-departments' included) summed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.declare import choices, field, standard_object
from huitong.engine.records.context import HookCall, Hooks

PERIOD = re.compile(r"^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$")
CENT = Decimal("0.01")

sales_target = standard_object(
    "sales_target", "Sales target", "销售目标",
    [
        field("name", "text", "Target", "目标", max_length=200),
        field("user", "user", "User", "人员"),
        field("department", "integer", "Department (id)", "部门（编号）", min=1),
        field("period_type", "picklist", "Period type", "期间类型", values=choices(
            ("year", "Year", "年度"), ("quarter", "Quarter", "季度"), ("month", "Month", "月度"))),
        field("period", "text", "Period", "期间", required=True, indexed=True, max_length=7),
        field("amount", "currency", "Target amount", "目标金额", required=True, currency="CNY", min=0),
        field("target_key", "text", "Key", "唯一键", unique=True, max_length=64),
    ],
    module="sales",
    title_field="name",
)  # fmt: skip


def period_kind(period: str) -> str | None:
    match = PERIOD.match(period or "")
    if match is None:
        return None
    return "quarter" if match.group(2) else "month" if match.group(3) else "year"


def finer(period: str) -> list[str]:
    """The quarters of a year, the months of a quarter; nothing for a month."""
    kind, year = period_kind(period), period[:4]
    if kind == "year":
        return [f"{year}-Q{quarter}" for quarter in range(1, 5)]
    if kind == "quarter":
        first = 3 * (int(period[-1]) - 1) + 1
        return [f"{year}-{month:02d}" for month in range(first, first + 3)]
    return []


def coarser(period: str) -> str | None:
    kind, year = period_kind(period), period[:4]
    if kind == "month":
        return f"{year}-Q{(int(period[5:]) - 1) // 3 + 1}"
    return year if kind == "quarter" else None


def spread(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` in ``parts`` even shares that add up to it exactly (the first shares take the odd cents)."""
    share = (amount / parts).quantize(CENT, rounding=ROUND_DOWN)
    rest = int((amount - share * parts) / CENT)
    return [share + (CENT if index < rest else 0) for index in range(parts)]


def split_down(period: str, amount: Decimal) -> list[tuple[str, Decimal]]:
    """The period and every finer period below it with their even shares (a year: 4 quarters and 12 months)."""
    found = [(period, amount)]
    for child, share in zip(finer(period), spread(amount, len(finer(period)) or 1), strict=False):
        found += split_down(child, share)
    return found


# -- hook --------------------------------------------------------------------------------------------------------
def install(hooks: Hooks) -> None:
    hooks.register("before_create", "sales_target", check_target)
    hooks.register("before_update", "sales_target", check_target)


def check_target(call: HookCall) -> None:
    values = {**(call.before or {}), **call.values}
    errors = []
    kind = period_kind(str(values.get("period") or ""))
    if kind is None:
        message = _("Enter a period such as 2026, 2026-Q1 or 2026-03.")
        errors.append(FieldError("period", "invalid_period", message))
    if (values.get("user") is None) == (values.get("department") is None):
        errors.append(FieldError("user", "required", _("A target is for one user or one department.")))
    department = values.get("department")
    model = call.context.actor.model
    if department is not None and model is not None and department not in model.department_paths:
        errors.append(FieldError("department", "not_found", _("There is no such department.")))
    if errors:
        raise validation_failed(errors)
    holder = f"u{values['user']}" if values.get("user") is not None else f"d{department}"
    call.values["period_type"] = kind
    call.values["target_key"] = f"{holder}:{values['period']}"
    if not values.get("name"):
        call.values["name"] = f"{values['period']} {holder}"


# -- reading for the forecast ------------------------------------------------------------------------------------
class Targets:
    """The targets a user may see, by holder (``("user", id)`` or ``("department", id)``) and period."""

    def __init__(self, records: Sequence[Mapping[str, Any]], model: Any) -> None:
        self.model = model
        self.amounts: dict[tuple[str, int, str], Decimal] = {}
        for record in records:
            kind, holder = ("user", record["user"]) if record.get("user") is not None else (
                "department", record["department"])  # fmt: skip
            self.amounts[(kind, int(holder), str(record["period"]))] = Decimal(str(record["amount"]))
        # the forecast asks for every (holder, period) it has a row for: most holders have no target at all
        self.holders = {(kind, holder) for kind, holder, _period in self.amounts}
        self.for_users = any(kind == "user" for kind, _holder in self.holders)
        self._members: dict[int, list[int]] = {}

    def of(self, kind: str, holder: int, period: str) -> Decimal | None:
        found = self.entered(kind, holder, period)
        if found is None and kind == "department" and self.for_users:
            members = [self.entered("user", user_id, period) for user_id in self.members(holder)
                       if ("user", user_id) in self.holders]  # fmt: skip
            present = [amount for amount in members if amount is not None]
            found = sum(present, Decimal(0)) if present else None
        return found

    def entered(self, kind: str, holder: int, period: str) -> Decimal | None:
        if (kind, holder) not in self.holders or period_kind(period) is None:
            return None  # no target for this holder; weeks have no targets
        found = self.below(kind, holder, period)
        if found is not None:
            return found
        parent, parts = coarser(period), len(finer(coarser(period) or "")) or 1
        while parent is not None:
            above = self.amounts.get((kind, holder, parent))
            if above is not None:
                return (above / parts).quantize(CENT)
            parts *= len(finer(coarser(parent) or "")) or 1
            parent = coarser(parent)
        return None

    def below(self, kind: str, holder: int, period: str) -> Decimal | None:
        exact = self.amounts.get((kind, holder, period))
        if exact is not None:
            return exact
        children = [self.below(kind, holder, child) for child in finer(period)]
        if children and all(child is not None for child in children):
            return sum((child for child in children if child is not None), Decimal(0))
        return None

    def members(self, department: int) -> list[int]:
        if department not in self._members:
            self._members[department] = self._members_of(department)
        return self._members[department]

    def _members_of(self, department: int) -> list[int]:
        if self.model is None:
            return []
        path = self.model.department_paths.get(department)
        if path is None:
            return []
        return [
            user.id for user in self.model.users.values()
            if user.department_id is not None and self.model.department_paths.get(user.department_id, "").startswith(path)
        ]  # fmt: skip
