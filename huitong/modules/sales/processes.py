"""Sales processes: ordered stages with a win probability, key tasks and an expected duration, per business type.

A process keeps its stages as one JSON document in a long text field (``stages``), checked and normalized by a hook
on every write. A process is defined and changed as a whole (an ordered list), and every opportunity write and every
board reads all of its stages at once: one row to read and one record to version, where a child object would need
ordering, several writes per change and a join per read. The stage values are also values of the opportunity's
``stage`` picklist (so lists, filters and reports know them); creating a process adds the values it brings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _, localized
from huitong.engine.meta.declare import field, standard_object
from huitong.modules.sales.choices import DEFAULT_STAGES

KINDS = ("open", "won", "lost")
VALUE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_STAGES = 30
DEFAULT_NAME = "标准销售流程"

sales_process = standard_object(
    "sales_process", "Sales process", "销售流程",
    [
        field("name", "text", "Process name", "流程名称", required=True, unique=True, max_length=100),
        field("business_type", "text", "Business type", "业务类型", indexed=True, max_length=64),
        field("is_default", "boolean", "Default process", "默认流程", default=False),
        field("active", "boolean", "Active", "启用", default=True),
        field("stages", "long_text", "Stages (JSON)", "阶段（JSON）", required=True, max_length=65536),
        field("description", "long_text", "Description", "说明", max_length=4000),
    ],
    module="sales",
    plural_en="Sales processes",
)  # fmt: skip


@dataclass(frozen=True)
class Stage:
    value: str
    label: Mapping[str, str]
    probability: int
    expected_days: int | None
    tasks: tuple[str, ...]
    kind: str  # open | won | lost

    @property
    def title(self) -> str:
        return localized(self.label, self.value)

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value, "label": dict(self.label), "probability": self.probability,
            "expected_days": self.expected_days, "tasks": list(self.tasks), "kind": self.kind,
        }  # fmt: skip


@dataclass(frozen=True)
class Process:
    id: int | None
    name: str
    business_type: str | None
    is_default: bool
    active: bool
    stages: tuple[Stage, ...]
    version: int | None = None

    def stage(self, value: str | None) -> Stage | None:
        return next((stage for stage in self.stages if stage.value == value), None)

    @property
    def open_stages(self) -> list[Stage]:
        return [stage for stage in self.stages if stage.kind == "open"]

    def closing(self, kind: str) -> Stage:
        return next(stage for stage in self.stages if stage.kind == kind)

    def order(self, value: str) -> int:
        """The stage's place in the funnel: open stages in order, then won; lost is before everything."""
        stage = self.stage(value)
        if stage is None or stage.kind == "lost":
            return -1
        return len(self.open_stages) if stage.kind == "won" else self.open_stages.index(stage)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "business_type": self.business_type, "is_default": self.is_default,
            "active": self.active, "stages": [stage.as_json() for stage in self.stages], "version": self.version,
        }  # fmt: skip


def default_stages() -> list[dict[str, Any]]:
    return [
        {"value": value, "label": {"en": en, "zh_CN": zh}, "probability": probability, "expected_days": days,
         "tasks": [], "kind": value if value in ("won", "lost") else "open"}
        for value, en, zh, probability, days in DEFAULT_STAGES
    ]  # fmt: skip


def _whole(raw: Any, low: int, high: int) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float, Decimal)) and low <= raw <= high and int(raw) == raw:
        return int(raw)
    return None


def read_stages(raw: Any, where: str = "stages") -> list[Stage]:
    """Stages from client JSON (a list, or the text of one), checked; raises with every problem found."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise validation_failed([FieldError(where, "invalid_json", _("The stages are not valid JSON."))]) from None
    if not isinstance(raw, list) or not 2 <= len(raw) <= MAX_STAGES:
        message = _("A process has from 2 to %(limit)s stages.") % {"limit": MAX_STAGES}
        raise validation_failed([FieldError(where, "invalid_stages", message)])
    errors: list[FieldError] = []
    stages: list[Stage] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            errors.append(FieldError(at, "invalid_stage", _("Each stage is an object with value, label, probability.")))
            continue
        value = item.get("value")
        if not isinstance(value, str) or not VALUE.match(value):
            errors.append(FieldError(f"{at}.value", "invalid_value", _("Use lower-case letters, digits and _.")))
            value = f"?{index}"
        elif value in seen:
            errors.append(FieldError(f"{at}.value", "duplicate_value", _("Each stage needs its own value.")))
        seen.add(value)
        label = item.get("label")
        if not isinstance(label, dict) or not any(isinstance(t, str) and t.strip() for t in label.values()):
            errors.append(FieldError(f"{at}.label", "required", _("Give the stage a label (en, zh_CN).")))
            label = {}
        kind = item.get("kind", "open")
        if kind not in KINDS:
            errors.append(FieldError(f"{at}.kind", "invalid_kind", _("kind is open, won or lost.")))
            kind = "open"
        probability = _whole(item.get("probability"), 0, 100)
        if probability is None:
            errors.append(FieldError(f"{at}.probability", "invalid", _("probability is a whole number from 0 to 100.")))
            probability = 0
        expected = item.get("expected_days")
        days = None if expected is None else _whole(expected, 0, 3650)
        if expected is not None and days is None:
            errors.append(FieldError(f"{at}.expected_days", "invalid", _("expected_days is a whole number of days.")))
        tasks = item.get("tasks") or []
        if not isinstance(tasks, list) or len(tasks) > 20 or not all(isinstance(t, str) and t for t in tasks):
            errors.append(FieldError(f"{at}.tasks", "invalid", _("tasks is a list of at most 20 texts.")))
            tasks = []
        unknown = set(item) - {"value", "label", "probability", "expected_days", "tasks", "kind"}
        if unknown:
            errors.append(FieldError(f"{at}.{sorted(unknown)[0]}", "unknown_key", _("Unknown property.")))
        text_label = {str(k): str(v).strip()[:100] for k, v in label.items() if isinstance(v, str) and v.strip()}
        tasks_text = tuple(task.strip()[:200] for task in tasks)
        stages.append(Stage(value, text_label, probability, days, tasks_text, str(kind)))
    errors += _shape_errors(stages, where)
    if errors:
        raise validation_failed(errors)
    return stages


def _shape_errors(stages: list[Stage], where: str) -> list[FieldError]:
    errors = []
    for kind, probability in (("won", 100), ("lost", 0)):
        found = [i for i, stage in enumerate(stages) if stage.kind == kind]
        if len(found) != 1:
            message = _("A process has exactly one %(kind)s stage.") % {"kind": kind}
            errors.append(FieldError(where, f"{kind}_stage", message))
        elif stages[found[0]].probability != probability:
            message = _("The %(kind)s stage's probability is %(probability)s.") % {
                "kind": kind, "probability": probability}  # fmt: skip
            errors.append(FieldError(f"{where}[{found[0]}].probability", "invalid", message))
    open_stages = [(i, s) for i, s in enumerate(stages) if s.kind == "open"]
    if not open_stages:
        errors.append(FieldError(where, "open_stage", _("A process needs at least one open stage.")))
    if open_stages and open_stages[-1][0] > min(i for i, s in enumerate(stages) if s.kind != "open"):
        errors.append(FieldError(where, "order", _("Open stages come first, then the won and lost stages.")))
    last = 0
    for index, stage in open_stages:
        if not 0 < stage.probability < 100:
            message = _("An open stage's probability is from 1 to 99.")
            errors.append(FieldError(f"{where}[{index}].probability", "invalid", message))
        elif stage.probability < last:
            message = _("Probabilities do not go down from one stage to the next.")
            errors.append(FieldError(f"{where}[{index}].probability", "order", message))
        last = max(last, stage.probability)
    return errors


def stages_text(stages: list[Stage]) -> str:
    return json.dumps([stage.as_json() for stage in stages], ensure_ascii=False)


def from_record(record: Mapping[str, Any]) -> Process:
    return Process(
        id=record.get("id"),
        name=str(record.get("name") or ""),
        business_type=record.get("business_type"),
        is_default=bool(record.get("is_default")),
        active=record.get("active") is not False,
        stages=tuple(read_stages(record.get("stages") or "[]")),
        version=record.get("version"),
    )


def default_process() -> Process:
    """The shipped process as it is before it is stored (id None)."""
    return Process(None, DEFAULT_NAME, None, True, True, tuple(read_stages(default_stages())))
