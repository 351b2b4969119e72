"""The work reports' API: the numbers a new report starts with, submitting, and the team's reports of a period.
Reports themselves are records: the generic record API lists, reads, creates and changes them (the hooks keep the
rules), and ``work_report_comment`` records are the reviews."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.routes_records import RecordId
from huitong.engine.api.support import current_actor, json_response, platform_of
from huitong.engine.records.context import Actor
from huitong.modules.work_reports import service
from huitong.modules.work_reports.numbers import Item
from huitong.modules.work_reports.periods import read_day, read_kind
from huitong.modules.work_reports.team import team_reports

api = APIRouter(prefix="/api/v1/work-reports", tags=["work reports"])


def item_json(item: Item) -> dict[str, Any]:
    return {"kind": item.kind, "object": item.object, "id": item.id, "title": item.title, "at": item.at,
            "detail": item.detail or None}  # fmt: skip


@api.get("/prefill")
async def prefill(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """The signed-in user's numbers and activities for the period of ``kind`` (daily, weekly) containing ``date``
    (today in their time zone when absent), and the report they already have for it, if any."""
    kind = read_kind(request.query_params.get("kind"))
    raw = request.query_params.get("date")
    day = read_day(raw, service.date.min) if raw else None
    draft = await run_in_threadpool(service.prefill, platform_of(request), actor, kind, day)
    return json_response({
        "kind": draft.period.kind, "period": {"start": draft.period.start.isoformat(),
                                              "end": draft.period.end.isoformat()},
        "existing": draft.existing, "numbers": draft.tally.numbers,
        "items": [item_json(item) for item in draft.tally.items],
    })  # fmt: skip


@api.post("/{report_id}/submit")
async def submit(report_id: RecordId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Submit a draft: the numbers are counted again and kept, and the manager is told."""
    record = await run_in_threadpool(service.submit, platform_of(request), actor, report_id)
    return json_response(record)


@api.get("/team")
async def team(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Who of the reader's team has (and has not) submitted the report of ``kind`` for the period of ``date``."""
    kind = read_kind(request.query_params.get("kind"))
    raw = request.query_params.get("date")
    day = read_day(raw, service.date.min) if raw else None
    found = await run_in_threadpool(team_reports, platform_of(request), actor, kind, day)
    return json_response(found.as_json())
