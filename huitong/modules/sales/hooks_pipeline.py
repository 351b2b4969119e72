"""The sales module's pipeline hooks on the record write path: process stages, probability, status and close date,
the loss reason, and the stage history (written in the opportunity's own transaction)."""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.records.service import RecordService
from huitong.modules.sales import good_news, targets, team
from huitong.modules.sales.opportunities import STAGE_DAYS
from huitong.modules.sales.process_store import choose, ensure_default_in, list_records, processes_in
from huitong.modules.sales.processes import Process, Stage, read_stages, stages_text

CLOSED_STATUS = {"won": "won", "lost": "lost"}
CENT = Decimal("0.01")


def install(hooks: Hooks) -> None:
    targets.install(hooks)
    team.install(hooks)
    good_news.install(hooks)
    hooks.register("before_create", "sales_process", check_process)
    hooks.register("before_update", "sales_process", check_process)
    hooks.register("before_create", "opportunity", before_create)
    hooks.register("before_update", "opportunity", before_update)
    hooks.register("before_create", "opportunity", weigh)  # after the stage has set the probability
    hooks.register("before_update", "opportunity", weigh)
    hooks.register("after_create", "opportunity", after_create)
    hooks.register("after_update", "opportunity", after_update)


def env_of(call: HookCall, service: RecordService) -> FilterEnv:
    return FilterEnv(now=call.context.now, zone=service.zone)


# -- processes -------------------------------------------------------------------------------------------------
def check_process(call: HookCall) -> None:
    _read.pop(id(call.context), None)  # this transaction's processes change
    if "stages" not in call.values:
        return
    stages = read_stages(call.values["stages"])
    picklist = call.context.schema.object("opportunity").fields["stage"].options.get("values") or []
    known = {entry["value"] for entry in picklist}
    missing = [stage.value for stage in stages if stage.value not in known]
    if missing:
        message = _("Add these values to the opportunity's Stage field first: %(values)s") % {
            "values": ", ".join(missing)}  # fmt: skip
        raise validation_failed([FieldError("stages", "unknown_stage", message)])
    call.values["stages"] = stages_text(stages)


# -- opportunities ---------------------------------------------------------------------------------------------
# The processes one write transaction has read (a bulk import reads them once), dropped with the transaction.
_read: dict[int, list[Process]] = {}


def processes_of(call: HookCall, service: RecordService) -> list[Process]:
    context, key = call.context, id(call.context)
    found = _read.get(key)
    if found is None:
        found = processes_in(context.connection, context.schema, context.actor, service.access, env_of(call, service))
        _read[key] = found
        weakref.finalize(context, _read.pop, key, None)
    return found


def load_process(call: HookCall, service: RecordService, process_id: int | None) -> Process:
    process = choose(processes_of(call, service), process_id)
    if process.id is None:  # nothing stored yet: store the shipped process in this transaction
        ensure_default_in(service, call.context)
        _read.pop(id(call.context), None)
        process = choose(processes_of(call, service), None)
    return process


def before_create(call: HookCall) -> None:
    values = call.values
    service = call.context.records
    process = load_process(call, service, values.get("sales_process"))
    values["sales_process"] = process.id
    stage = process.stage(values.get("stage"))
    if stage is None and values.get("stage") in (None, "initial_contact"):  # the field's default
        stage = process.open_stages[0]
    if stage is None:
        raise validation_failed([_not_in_process(process)])
    if values.get("status") in CLOSED_STATUS and stage.kind == "open":
        stage = process.closing(values["status"])
    values["stage"] = stage.value
    apply_stage(call, process, stage, {}, values, moved=True)


def before_update(call: HookCall) -> None:
    changes, before = call.values, call.before or {}
    touched = {"stage", "status", "probability", "sales_process", "loss_reason", "close_date"} & set(changes)
    if not touched:
        return
    service = call.context.records
    process = load_process(call, service, changes.get("sales_process", before.get("sales_process")))
    if changes.get("sales_process", before.get("sales_process")) is None:
        changes["sales_process"] = process.id
    value = changes.get("stage", before.get("stage"))
    status = changes.get("status")
    if "stage" not in changes and status in CLOSED_STATUS and status != before.get("status"):
        value = process.closing(status).value  # closing through the status moves to the closing stage
    stage = process.stage(value)
    if stage is None:
        raise validation_failed([_not_in_process(process)])
    if status == "open" and stage.kind != "open" and "stage" not in changes:
        message = _("Choose the open stage the opportunity goes back to.")
        raise validation_failed([FieldError("stage", "required", message)])
    moved = stage.value != before.get("stage")
    changes["stage"] = stage.value
    apply_stage(call, process, stage, before, changes, moved=moved)


def apply_stage(
    call: HookCall, process: Process, stage: Stage, before: dict[str, Any], changes: dict[str, Any], *, moved: bool
) -> None:
    """Probability, status, close date and the loss reason as the stage says."""
    now = call.context.now
    if moved:
        add_stage_days(process, before, changes, now)
        changes["stage_entered_at"] = now
        # when the stage's expected duration runs out (the overdue sweep flags the deal then, once per stage)
        late = stage.kind == "open" and stage.expected_days
        changes["stage_due_at"] = now + timedelta(days=stage.expected_days or 0) if late else None
        changes["overdue_notified_at"] = None
        candidates = (before.get("furthest_stage"), before.get("stage"), stage.value)
        reached = [str(v) for v in candidates if process.stage(v)]
        furthest = max(reached, key=process.order)
        if process.order(furthest) >= 0:
            changes["furthest_stage"] = furthest
        if stage.kind != "open" and before.get("created_at"):  # created closed (an import): the cycle is unknown
            changes["days_to_close"] = _days(before["created_at"], now)
        if stage.kind != "open" or "probability" not in changes or changes["probability"] is None:
            changes["probability"] = Decimal(stage.probability)
        if stage.kind == "open":
            if {**before, **changes}.get("status") in CLOSED_STATUS:
                changes["status"] = "open"
        else:
            changes["status"] = CLOSED_STATUS[stage.kind]
            if "close_date" not in changes or changes["close_date"] is None:
                changes["close_date"] = _local_today(call, now)
    elif "probability" in changes and stage.kind != "open":
        changes["probability"] = Decimal(stage.probability)  # a closed deal's probability is fixed
    if stage.kind == "open" and changes.get("probability") is not None:
        check_probability(process, stage, Decimal(changes["probability"]))
    after = {**before, **changes}
    if after.get("status") == "lost" and not after.get("loss_reason"):
        message = _("A lost opportunity needs a loss reason.")
        raise validation_failed([FieldError("loss_reason", "required", message)])


def add_stage_days(process: Process, before: dict[str, Any], changes: dict[str, Any], now: datetime) -> None:
    """The days spent in the stage being left, added to the deal's days in that (open) stage's place."""
    left = process.stage(before.get("stage"))
    if left is None or left.kind != "open" or not before.get("stage_entered_at"):
        return
    place = process.open_stages.index(left) + 1
    if place <= STAGE_DAYS:
        name = f"stage_days_{place}"
        changes[name] = Decimal(before.get(name) or 0) + _days(before["stage_entered_at"], now)


def check_probability(process: Process, stage: Stage, probability: Decimal) -> None:
    """An edited probability stays between the previous and the next stage's (closed deals are 0 or 100)."""
    stages = process.open_stages
    index = stages.index(stage)
    low = stages[index - 1].probability if index > 0 else 1
    high = stages[index + 1].probability if index + 1 < len(stages) else 99
    low, high = max(low, 1), min(high, 99)
    if not low <= probability <= high:
        message = _("In this stage the probability is from %(low)s to %(high)s %%.") % {"low": low, "high": high}
        raise validation_failed([FieldError("probability", "out_of_range", message)])


def _not_in_process(process: Process) -> FieldError:
    message = _("This stage is not a stage of the sales process %(process)s.") % {"process": process.name}
    return FieldError("stage", "not_in_process", message)


def _days(start: Any, end: datetime) -> Decimal:
    if isinstance(start, str):
        start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return Decimal(str(round((end - start).total_seconds() / 86400, 1)))


def _local_today(call: HookCall, now: datetime) -> Any:
    return now.astimezone(call.context.records.zone).date()


# -- stage history ---------------------------------------------------------------------------------------------
def weigh(call: HookCall) -> None:
    """``weighted_amount`` = amount × probability: what the deal adds to the weighted forecast (its summary sums it,
    so the forecast need not group by probability)."""
    after = {**(call.before or {}), **call.values}
    if call.before is not None and not {"amount", "probability"} & set(call.values):
        return
    amount, probability = after.get("amount"), after.get("probability")
    weighted = None if amount is None or probability is None else Decimal(amount) * Decimal(probability) / 100
    call.values["weighted_amount"] = None if weighted is None else weighted.quantize(CENT)


def after_create(call: HookCall) -> None:
    enter_stage(call, call.context.records, call.values)


def after_update(call: HookCall) -> None:
    before = call.before or {}
    if call.values.get("stage") == before.get("stage"):
        return
    service = call.context.records
    context = call.context
    open_stays = list_records(
        context.connection, context.schema, context.actor, service.access, env_of(call, service),
        "opportunity_stage_history",
        {"filter": {"and": [{"field": "opportunity", "op": "eq", "value": call.record_id},
                            {"field": "left_at", "op": "is_null", "value": True}]}, "fields": ["version", "entered_at"]},
    )  # fmt: skip
    for stay in open_stays:
        left = {"left_at": context.now, "days_in_stage": _days(stay["entered_at"], context.now)}
        service.update_in(context, "opportunity_stage_history", stay["id"], left, stay["version"])
    enter_stage(call, service, call.values)


def enter_stage(call: HookCall, service: RecordService, row: dict[str, Any]) -> None:
    service.create_in(
        call.context, "opportunity_stage_history",
        {"opportunity": call.record_id, "stage": row.get("stage"), "probability": row.get("probability"),
         "amount": row.get("amount"), "entered_at": call.context.now},
    )  # fmt: skip
