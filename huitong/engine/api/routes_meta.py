"""Metadata routes: list and read objects; administrators create, change and delete custom objects and fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import current_actor, json_body, json_response, platform_of, require_admin
from huitong.engine.meta import service
from huitong.engine.meta.specs import USER_TYPES, field_json, object_json
from huitong.engine.meta.types import field_type
from huitong.engine.records.context import Actor

router = APIRouter(prefix="/api/v1/meta")


@router.get("/objects")
def list_objects(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    platform = platform_of(request)
    with platform.records.reading(actor) as (_connection, actor, schema):
        objects = [
            object_json(d, with_fields=False) for d in schema.objects.values() if platform.access.may(actor, d, "read")
        ]
    return json_response({"objects": objects})


@router.get("/objects/{object_name}")
def get_object(object_name: str, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    platform = platform_of(request)
    with platform.records.reading(actor) as (_connection, actor, schema):
        definition = schema.object(object_name)
        platform.access.check_object(actor, definition, "read")
    return json_response(object_json(definition))


@router.get("/field-types")
def list_field_types(actor: Actor = Depends(current_actor)) -> Response:
    types = [
        {
            "type": name,
            "operators": sorted(field_type(name).operators),
            "options": sorted(field_type(name).option_schema()),
        }
        for name in USER_TYPES
    ]
    return json_response({"types": types})


@router.post("/objects")
async def create_object(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    require_admin(actor)
    definition = await run_in_threadpool(service.create_object, platform_of(request).db, body, actor.user_id)
    return json_response(object_json(definition), status=201)


@router.patch("/objects/{object_name}")
async def update_object(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    require_admin(actor)
    definition = await run_in_threadpool(
        service.update_object, platform_of(request).db, object_name, body, actor.user_id
    )
    return json_response(object_json(definition))


@router.delete("/objects/{object_name}")
def delete_object(object_name: str, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    require_admin(actor)
    service.delete_object(platform_of(request).db, object_name, actor.user_id)
    return Response(status_code=204)


@router.post("/objects/{object_name}/fields")
async def add_field(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    require_admin(actor)
    platform = platform_of(request)
    definition = await run_in_threadpool(
        service.add_field, platform.db, object_name, body, actor.user_id, platform.filter_env()
    )
    return json_response(field_json(definition), status=201)


@router.patch("/objects/{object_name}/fields/{field_name}")
async def update_field(
    object_name: str,
    field_name: str,
    request: Request,
    body: Any = Depends(json_body),
    actor: Actor = Depends(current_actor),
) -> Response:
    require_admin(actor)
    platform = platform_of(request)
    definition = await run_in_threadpool(
        service.update_field, platform.db, object_name, field_name, body, actor.user_id, platform.filter_env()
    )
    return json_response(field_json(definition))


@router.delete("/objects/{object_name}/fields/{field_name}")
def delete_field(
    object_name: str, field_name: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    require_admin(actor)
    service.delete_field(platform_of(request).db, object_name, field_name, actor.user_id)
    return Response(status_code=204)
