"""Sales process pages: the processes with their stages, and an editor (stages as rows) that saves through the same
function as ``POST/PATCH /api/v1/sales/processes``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.platform import Platform
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales.process_store import read_processes, save_process
from huitong.modules.sales.processes import Process, default_stages

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def editor_stages(process: Process | None) -> list[dict[str, Any]]:
    """Stages as the editor's rows: one label per language, tasks one per line."""
    stages = [s.as_json() for s in process.stages] if process else default_stages()
    return [
        {"value": s["value"], "en": s["label"].get("en", ""), "zh_CN": s["label"].get("zh_CN", ""),
         "probability": s["probability"], "expected_days": s.get("expected_days"),
         "tasks": "\n".join(s.get("tasks") or []), "kind": s.get("kind", "open")}
        for s in stages
    ]  # fmt: skip


def page_context(platform: Platform, user: PageUser) -> dict[str, Any]:
    with platform.records.reading(user.actor) as (_connection, actor, schema):
        definition = schema.object("sales_process")
        return {
            "nav": navigation(platform, schema, actor),
            "may_create": platform.access.may(actor, definition, "create"),
            "may_edit": platform.access.may(actor, definition, "edit"),
        }


@router.get("/sales/processes")
def processes_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    processes = read_processes(platform, user.actor)
    context = {**page_context(platform, user), "processes": processes, "saved": request.query_params.get("saved")}
    return render(request, "pipeline_processes.html", context, user=user)


@router.get("/sales/processes/{process_id}")
def process_editor(process_id: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    found = next((p for p in read_processes(platform, user.actor) if str(p.id) == process_id), None)
    form = {"id": found.id if found else "", "version": found.version if found else "",
            "name": found.name if found else "", "business_type": (found.business_type or "") if found else "",
            "is_default": found.is_default if found else False}  # fmt: skip
    context = {**page_context(platform, user), "form": form, "stages": editor_stages(found), "errors": []}
    return render(request, "pipeline_process_form.html", context, user=user)


@router.post("/sales/processes")
async def save_process_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    posted = await request.form()
    form = {key: str(posted.get(key) or "") for key in ("id", "version", "name", "business_type", "stages")}
    rows: list[dict[str, Any]] = json.loads(form["stages"] or "[]") if form["stages"].startswith("[") else []
    body: dict[str, Any] = {
        "name": form["name"], "business_type": form["business_type"] or None,
        "is_default": posted.get("is_default") == "on", "stages": [stage_body(row) for row in rows],
    }  # fmt: skip
    process_id = int(form["id"]) if form["id"].isdigit() else None
    try:
        version = int(form["version"]) if form["version"].isdigit() else None
        saved = save_process(platform, user.actor, body, process_id, version)
    except HuitongError as error:
        problems = [f"{e.field}: {e.message}" if e.field else e.message for e in error.errors] or [error.detail]
        context = {**page_context(platform, user), "form": {**form, "is_default": body["is_default"]},
                   "stages": rows, "errors": problems}  # fmt: skip
        return render(request, "pipeline_process_form.html", context, user=user, status=422)
    return redirect(request, f"/sales/processes?saved={saved.id}")


def stage_body(row: dict[str, Any]) -> dict[str, Any]:
    """One editor row as the API's stage (numbers kept as typed, so that the API's checks name what is wrong)."""

    def number(raw: Any) -> Any:
        text = str(raw if raw is not None else "").strip()
        return int(text) if text.isdigit() else (text or None)

    return {
        "value": str(row.get("value") or "").strip(),
        "label": {k: str(row.get(k) or "").strip() for k in ("en", "zh_CN") if str(row.get(k) or "").strip()},
        "probability": number(row.get("probability")), "expected_days": number(row.get("expected_days")),
        "tasks": [t.strip() for t in str(row.get("tasks") or "").splitlines() if t.strip()],
        "kind": row.get("kind") or "open",
    }  # fmt: skip
