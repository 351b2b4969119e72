"""The pipeline board: a kanban of one sales process's stages, with column totals and weighted totals; dragging a
card to another column changes the opportunity's stage through the record service (same rules as the form)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import _, localized
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales.process_store import ensure_default, processes_in
from huitong.modules.sales.processes import Process, Stage, default_process

MAX_COMPETITORS = 200
router = APIRouter(route_class=PageRoute, include_in_schema=False)
CARDS_PER_COLUMN = 50
CARD_FIELDS = ["name", "account", "account.name", "amount", "close_date", "owner", "probability", "status", "version",
               "stage_entered_at"]  # fmt: skip
PERIODS = ("", "this_month", "next_month", "this_quarter", "next_quarter", "this_year", "overdue")


def period_labels() -> dict[str, str]:
    return {
        "": _("Any close date"), "this_month": _("Closing this month"), "next_month": _("Closing next month"),
        "this_quarter": _("Closing this quarter"), "next_quarter": _("Closing next quarter"),
        "this_year": _("Closing this year"), "overdue": _("Close date passed"),
    }  # fmt: skip


@dataclass
class Column:
    stage: Stage
    cards: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)


@dataclass(frozen=True)
class BoardFilter:
    process: int | None
    owner: str  # "" (everyone I may see), "mine", a user id, or "d" and a department id (its tree's people)
    period: str

    @staticmethod
    def read(params: Mapping[str, Any]) -> BoardFilter:
        raw = str(params.get("process") or "")
        owner = str(params.get("owner") or "")
        period = str(params.get("close") or "")
        return BoardFilter(
            int(raw) if raw.isascii() and raw.isdigit() else None,
            owner
            if owner == "mine" or (owner.removeprefix("d").isascii() and owner.removeprefix("d").isdigit())
            else "",
            period if period in PERIODS else "",
        )

    def conditions(self, actor: Actor, process: Process, stage: Stage | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = [{"field": "sales_process", "op": "eq", "value": process.id}]
        if self.owner.startswith("d"):
            people = members(actor.model, int(self.owner[1:]))
            found.append({"field": "owner", "op": "in", "value": people} if people else
                         {"field": "id", "op": "is_null", "value": True})  # fmt: skip
        elif self.owner:
            owner = actor.user_id if self.owner == "mine" else int(self.owner)
            found.append({"field": "owner", "op": "eq", "value": owner})
        if self.period == "overdue":
            found.append({"field": "close_date", "op": "lt", "value": "today"})
        elif self.period:
            found.append({"field": "close_date", "op": "eq", "value": self.period})
        if stage is None:
            return found
        found.append({"field": "stage", "op": "eq", "value": stage.value})
        if stage.kind == "open":  # terminated deals leave the board; suspended ones stay, marked
            found.append({"field": "status", "op": "in", "value": ["open", "suspended"]})
        if stage.kind != "open" and not self.period:  # closed deals: those that closed this quarter
            found.append({"field": "close_date", "op": "eq", "value": "this_quarter"})
        return found

    def query(self) -> str:
        parts = [f"process={self.process}" if self.process else "", f"owner={self.owner}" if self.owner else "",
                 f"close={self.period}" if self.period else ""]  # fmt: skip
        return "&".join(part for part in parts if part)


class Board:
    """One board read as the signed-in user: the cards through ``Listing``, the totals through ``Aggregation``."""

    def __init__(self, platform: Platform, connection: Connection, schema: Schema, actor: Actor) -> None:
        self.platform, self.connection, self.schema, self.actor = platform, connection, schema, actor
        self.definition: ObjectDef = schema.object("opportunity")
        platform.access.check_object(actor, self.definition, "read")

    def listing(self, request: dict[str, Any]) -> dict[str, Any]:
        env = self.platform.filter_env()
        return Listing(self.schema, self.definition, self.actor, self.platform.access, env, request).run(
            self.connection
        )

    def aggregate(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        env = self.platform.filter_env()
        result = Aggregation(self.schema, self.definition, self.actor, self.platform.access, env, request)
        rows: list[dict[str, Any]] = result.run(self.connection)["rows"]
        return rows

    def columns(self, process: Process, chosen: BoardFilter) -> list[Column]:
        columns = []
        for stage in process.stages:
            where = {"and": chosen.conditions(self.actor, process, stage)}
            column = Column(stage)
            order = ["close_date"] if stage.kind == "open" else ["-close_date"]  # closed: the latest first
            page = self.listing({"filter": where, "sort": order, "fields": CARD_FIELDS,
                                 "limit": CARDS_PER_COLUMN})  # fmt: skip
            column.cards = page["records"]
            for row in self.aggregate({"filter": where, "group_by": ["probability"], "measures": [
                    {"fn": "count", "as": "count"}, {"fn": "sum", "field": "amount", "as": "amount"}]}):  # fmt: skip
                amount = Decimal(row["amount"] or 0)
                column.count += row["count"]
                column.total += amount
                column.weighted += amount * Decimal(row["probability"] or 0) / 100
            columns.append(column)
        return columns

    def owners(self, process: Process) -> dict[int, str]:
        where = {"field": "sales_process", "op": "eq", "value": process.id}
        rows = self.aggregate({"filter": where, "group_by": ["owner"], "measures": [{"fn": "count"}], "limit": 500})
        return cells.user_names(self.connection, [row["owner"] for row in rows])


def members(model: Any, department: int) -> list[int]:
    """The people of a department and of the departments below it."""
    path = None if model is None else model.department_paths.get(department)
    if path is None:
        return []
    return sorted(
        user.id for user in model.users.values()
        if user.department_id is not None and model.department_paths.get(user.department_id, "").startswith(path)
    )  # fmt: skip


def card_view(card: dict[str, Any], stage: Stage, now: datetime, amount: Any, names: dict[int, str]) -> dict[str, Any]:
    entered = card.get("stage_entered_at")
    since = datetime.fromisoformat(entered.replace("Z", "+00:00")) if entered else None
    days = None if since is None else max(0, (now - since).days)
    expected = stage.expected_days if stage.kind == "open" else None
    spent = None if since is None else now - since
    overdue = expected is not None and spent is not None and spent > timedelta(days=expected)
    # soon overdue: in the last fifth of the expected days (at least the last two)
    soon = (expected is not None and spent is not None and not overdue
            and spent > timedelta(days=expected - max(2, expected / 5)))  # fmt: skip
    return {
        **card, "amount_text": amount.field_type.display(amount, None if card["amount"] is None
                                                         else Decimal(card["amount"])),
        "owner_name": names.get(card["owner"], ""), "days": days, "overdue": overdue, "soon": soon,
    }  # fmt: skip


def board_context(platform: Platform, user: PageUser, params: Mapping[str, Any]) -> dict[str, Any]:
    chosen = BoardFilter.read(params)
    ensure_default(platform, user.actor)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        processes = processes_in(connection, schema, actor, platform.access, platform.filter_env())
        process = next((p for p in processes if p.id == chosen.process), None) or next(
            (p for p in processes if p.is_default), processes[0] if processes else default_process()
        )
        board = Board(platform, connection, schema, actor)
        columns = board.columns(process, chosen)
        owners = board.owners(process)
        tree = sorted(actor.model.department_paths.items(), key=lambda item: item[1]) if actor.model else []
        labels = cells.principal_names(connection, [{"department": department} for department, _path in tree])
        indent = "\u3000"  # an ideographic space per level below the top department
        departments = [
            (f"d{d}", indent * (path.count("/") - 2) + labels.get(("department", d), "")) for d, path in tree
        ]
        names = {**owners, **cells.user_names(connection, [c["owner"] for col in columns for c in col.cards])}
        amount = board.definition.fields["amount"]
        loss = board.definition.fields.get("loss_reason")
        for column in columns:
            column.cards = [card_view(c, column.stage, platform.now(), amount, names) for c in column.cards]
        return {
            "processes": processes, "process": process, "columns": columns, "chosen": chosen, "owners": owners,
            "departments": departments,
            "periods": period_labels(), "money": lambda value: amount.field_type.display(amount, value),
            "loss_reasons": [(v["value"], localized(v.get("label"), v["value"])) for v in
                             (loss.options.get("values") or [] if loss else []) if v.get("active", True)],
            "may_edit": platform.access.may(actor, board.definition, "edit"),
            "competitors": competitors(platform, connection, schema, actor),
            "nav": navigation(platform, schema, actor),
        }  # fmt: skip


def competitors(platform: Platform, connection: Connection, schema: Schema, actor: Actor) -> list[tuple[int, str]]:
    """The competitors a lost deal can name as the winner (those the user may read, by name)."""
    definition = schema.objects.get("competitor")
    if definition is None or "winner" not in schema.object("opportunity").fields:
        return []
    if not platform.access.may(actor, definition, "read"):
        return []
    request = {"fields": ["name"], "sort": ["name"], "limit": MAX_COMPETITORS}
    rows = Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)
    return [(row["id"], row["name"]) for row in rows["records"]]


@router.get("/sales/pipeline")
def pipeline_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    context = board_context(platform, user, request.query_params)
    if request.headers.get("hx-target") == "pipeline-board":
        return render(request, "pipeline_columns.html", context, user=user)
    return render(request, "pipeline_board.html", context, user=user)


@router.post("/sales/pipeline/move")
async def move_card(request: Request, user: PageUser = Depends(page_user)) -> Response:
    """Move a card: update the stage (and the loss reason, when given) with the version the card was drawn with;
    answer the board's columns as they now are, with a message (an error snaps the card back)."""
    platform = platform_of(request)
    form = await request.form()
    values = {key: str(form.get(key) or "") for key in ("id", "version", "stage", "loss_reason", "winner",
                                                         "process", "owner", "close")}  # fmt: skip
    message, failed = move(platform, user.actor, values)
    context = {**board_context(platform, user, values), "message": message, "failed": failed}
    return render(request, "pipeline_columns.html", context, user=user, status=200)


def move(platform: Platform, actor: Actor, values: Mapping[str, str]) -> tuple[str, bool]:
    if not (values["id"].isdigit() and values["version"].isdigit() and values["stage"]):
        return _("This card could not be moved; reload the board."), True
    change = {"stage": values["stage"]}
    if values.get("loss_reason"):
        change["loss_reason"] = values["loss_reason"]
    if values.get("winner", "").isdigit():
        change["winner"] = values["winner"]
    try:
        record = platform.records.update(actor, "opportunity", int(values["id"]), change, int(values["version"]))
    except HuitongError as error:
        details = [problem.message for problem in error.errors] or [error.detail]
        return " ".join(details), True
    return _("%(name)s moved.") % {"name": record.values.get("name") or ""}, False
