"""The sales module's customers hooks on the record write path: converted leads stay as they were, account and
contact trees stay trees, visit cycles follow the account's level, and conversion mappings stay sound."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from huitong.config import Settings
from huitong.engine.errors import FieldError, conflict, forbidden, validation_failed
from huitong.engine.formatting import current_zone
from huitong.engine.i18n import _
from huitong.engine.records.context import Event, HookCall, Hooks
from huitong.modules.sales import assignment
from huitong.modules.sales.choices import VISIT_CYCLE_DAYS

CONVERSION_FIELDS = ("converted_account", "converted_contact", "converted_opportunity", "converted_at")
MAPPING_TARGETS = ("account", "contact", "opportunity")
TEXT_TYPES = frozenset({"text", "long_text", "email", "phone", "url"})
CHANGES: tuple[Event, ...] = ("before_create", "before_update", "before_delete")
MAX_DEPTH = 100  # a tree deeper than this is a mistake in itself; stop walking rather than loop

# Which of the module's own actions is writing ("convert", "merge"): they may write what a user's edit may not.
# A context variable, because the record service passes hooks only the record and its transaction.
_action: ContextVar[str | None] = ContextVar("sales_action", default=None)


@contextmanager
def acting(name: str) -> Iterator[None]:
    token = _action.set(name)
    try:
        yield
    finally:
        _action.reset(token)


# -- leads -------------------------------------------------------------------------------------------------------
def keep_converted_leads(call: HookCall) -> None:
    """A converted lead is a record of what happened: only the module's own actions change it (a merge moves its
    links). Marking a lead converted by hand would leave it without the records it became."""
    before = call.before or {}
    if _action.get() is not None:
        return
    if before.get("status") == "converted":
        raise conflict(
            _("This lead has been converted and can no longer be changed. Edit the account, contact or "
              "opportunity it became instead."),
            code="lead_converted",
        )  # fmt: skip
    errors = [
        FieldError(name, "read_only", _("Set by converting the lead."))
        for name in CONVERSION_FIELDS
        if name in call.values and call.values[name] != before.get(name)
    ]
    if call.values.get("status") == "converted":
        errors.append(FieldError("status", "use_conversion", _("Convert the lead to mark it converted.")))
    if errors:
        raise validation_failed(errors)


# -- trees -------------------------------------------------------------------------------------------------------
def refuse_cycles(field_name: str) -> Any:
    """A before_update hook: the record may not sit below itself in the tree ``field_name`` draws. A new record has
    nothing below it, so only updates are checked."""

    def check(call: HookCall) -> None:
        parent = call.values.get(field_name)
        if parent is None or call.record_id is None or field_name not in call.values:
            return
        if parent == call.record_id or call.record_id in ancestors(call, field_name, parent):
            message = {
                "parent": _("An account cannot be its own parent or sit below one of its own child accounts."),
                "reports_to": _("A contact cannot report to themselves or to someone who reports to them."),
            }.get(field_name, _("A record cannot sit below itself."))
            raise validation_failed([FieldError(field_name, "cycle", message)])

    return check


def ancestors(call: HookCall, field_name: str, start: int) -> set[int]:
    """Ids above ``start`` (itself included), whoever may read them: the tree's shape is not a matter of access."""
    table = call.context.schema.table(call.object.name)
    found: set[int] = set()
    current: int | None = start
    while current is not None and current not in found and len(found) < MAX_DEPTH:
        found.add(current)
        current = call.context.connection.execute(
            select(table.c[field_name]).where(table.c.id == current)
        ).scalar_one_or_none()
    return found


# -- accounts ----------------------------------------------------------------------------------------------------
def follow_visit_cycle(call: HookCall) -> None:
    """The visit cycle follows the level unless someone set its own; the next visit is due one cycle after the last
    contact (ACC-6)."""
    values, before = call.values, call.before or {}
    level = values.get("level", before.get("level"))
    if "visit_cycle_days" not in values:
        old_default = VISIT_CYCLE_DAYS.get(before.get("level") or "")
        follows_level = before.get("visit_cycle_days") in (None, old_default)
        if follows_level and level in VISIT_CYCLE_DAYS and (call.before is None or "level" in values):
            values["visit_cycle_days"] = VISIT_CYCLE_DAYS[level]
    if call.before is not None and not {"visit_cycle_days", "last_contacted_at"} & set(values):
        return  # nothing the due date depends on changed: a date set by hand stays
    cycle = values.get("visit_cycle_days", before.get("visit_cycle_days"))
    last = values.get("last_contacted_at", before.get("last_contacted_at"))
    if cycle and last:
        # The day as the person writing sees it; else the company's zone (jobs and imports).
        zone = current_zone.get() or ZoneInfo(Settings.timezone)
        day = last.astimezone(zone).date()
        if day.year < 9990:  # a date near the calendar's end has no next visit to speak of (and would overflow)
            values["next_visit_due"] = day + timedelta(days=int(cycle))


# -- relationships between accounts -----------------------------------------------------------------------------
def name_relationship(call: HookCall) -> None:
    """A relationship joins two different accounts; its name shows both, so lists and search read naturally."""
    values = {**(call.before or {}), **call.values}
    account, related = values.get("account"), values.get("related_account")
    if account is not None and account == related:
        message = _("An account cannot have a relationship with itself.")
        raise validation_failed([FieldError("related_account", "same_account", message)])
    if account is None or related is None or not {"account", "related_account"} & set(call.values):
        return
    table = call.context.schema.table("account")
    # the names whoever may read the accounts: the record service checks the user may read both lookups
    query = select(table.c.id, table.c.name).where(table.c.id.in_([account, related]))
    names = {row.id: row.name for row in call.context.connection.execute(query)}
    call.values["name"] = f"{names.get(account, account)} → {names.get(related, related)}"[:255]


# -- conversion mappings -----------------------------------------------------------------------------------------
def only_administrators(call: HookCall) -> None:
    """Only administrators define what carries over on conversion and where new leads go (everyone follows it)."""
    if not call.context.actor.is_admin:
        if call.object.name == "lead_assignment_rule":
            raise forbidden(_("Only administrators may change how leads are assigned."))
        raise forbidden(_("Only administrators may change how leads convert."))


def check_mapping(call: HookCall) -> None:
    """Both fields must exist and hold the same kind of value, or conversion would fail for every lead."""
    values = {**(call.before or {}), **call.values}
    schema = call.context.schema
    source = schema.object("lead").fields.get(values.get("lead_field") or "")
    target_name = values.get("target")
    errors = []
    if source is None or source.is_system or source.name in CONVERSION_FIELDS:
        errors.append(FieldError("lead_field", "unknown_field", _("The lead has no such field.")))
    target = None
    if target_name in MAPPING_TARGETS and target_name in schema.objects:
        target = schema.object(target_name).fields.get(values.get("target_field") or "")
        if target is None or target.is_system:
            errors.append(FieldError("target_field", "unknown_field", _("This object has no such field.")))
    if source is not None and target is not None and not fits(source.type, target.type):
        errors.append(FieldError("target_field", "type_mismatch", _("This field cannot hold the lead field's values.")))
    if errors:
        raise validation_failed(errors)


def fits(source: str, target: str) -> bool:
    return source == target or (source in TEXT_TYPES and target in ("text", "long_text"))


def install(hooks: Hooks) -> None:
    """Register this part's hooks."""
    hooks.register("before_update", "lead", keep_converted_leads)
    hooks.register("before_create", "lead", assignment.assign_new_lead)
    hooks.register("after_create", "lead", assignment.written)
    hooks.register("before_update", "account", refuse_cycles("parent"))
    hooks.register("before_update", "contact", refuse_cycles("reports_to"))
    hooks.register("before_create", "account_relationship", name_relationship)
    hooks.register("before_update", "account_relationship", name_relationship)
    hooks.register("before_create", "account", follow_visit_cycle)
    hooks.register("before_update", "account", follow_visit_cycle)
    for event in CHANGES:
        hooks.register(event, "lead_mapping", only_administrators)
    hooks.register("before_create", "lead_mapping", check_mapping)
    hooks.register("before_update", "lead_mapping", check_mapping)
    for event in CHANGES:
        hooks.register(event, "lead_assignment_rule", only_administrators)
    hooks.register("before_create", "lead_assignment_rule", assignment.check_rule)
    hooks.register("before_update", "lead_assignment_rule", assignment.check_rule)
