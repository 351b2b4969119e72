"""The sales module's pipeline routes: processes, forecast and funnel (API); the pipeline board and forecast page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.routes_records import RecordId
from huitong.engine.api.support import current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.modules.sales import board, forecast_page, forecast_snapshots, processes_page
from huitong.modules.sales.forecast import forecast
from huitong.modules.sales.funnel import funnel
from huitong.modules.sales.process_store import create_process, read_processes, save_process
from huitong.modules.sales.target_store import create_targets, read_targets

api = APIRouter(prefix="/api/v1/sales", tags=["sales"])


@api.get("/processes")
async def list_processes(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    found = await run_in_threadpool(read_processes, platform_of(request), actor)
    return json_response({"processes": [process.as_json() for process in found]})


@api.post("/processes")
async def add_process(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    process = await run_in_threadpool(create_process, platform_of(request), actor, body)
    return json_response(process.as_json(), status=201)


@api.patch("/processes/{process_id}")
async def change_process(
    process_id: RecordId, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    version = body.get("version") if isinstance(body, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        message = _("Send the version you read (in the body or an If-Match header), so no change is lost.")
        raise validation_failed([FieldError("version", "version_required", message)])
    process = await run_in_threadpool(save_process, platform_of(request), actor, body, process_id, version)
    return json_response(process.as_json())


@api.get("/targets")
async def list_targets(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    found = await run_in_threadpool(read_targets, platform_of(request), actor, request.query_params.get("year"))
    return json_response({"targets": found})


@api.post("/targets")
async def add_targets(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    made = await run_in_threadpool(create_targets, platform_of(request), actor, body)
    return json_response({"targets": made}, status=201)


@api.get("/forecast")
async def read_forecast(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    params = dict(request.query_params)
    return json_response(await run_in_threadpool(forecast, platform_of(request), actor, params))


@api.get("/forecast/accuracy")
async def read_forecast_accuracy(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    params = dict(request.query_params)
    return json_response(await run_in_threadpool(forecast_snapshots.accuracy, platform_of(request), actor, params))


@api.get("/funnel")
async def read_funnel(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    params = dict(request.query_params)
    return json_response(await run_in_threadpool(funnel, platform_of(request), actor, params))


router = APIRouter()
router.include_router(api)
router.include_router(board.router)
router.include_router(forecast_page.router)
router.include_router(processes_page.router)
