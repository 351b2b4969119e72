"""Sharing and transferring single records, and moving all of one owner's records to another."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.types import ValueProblem
from huitong.engine.meta.types.reference import coerce_id
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.records.transfer import transfer, transfer_all
from huitong.engine.security import sharing

router = APIRouter(prefix="/api/v1")
RecordId = Annotated[int, Path(ge=1, le=2**53 - 1)]


def _user_id(body: Any, key: str) -> int:
    try:
        return coerce_id(body.get(key) if isinstance(body, dict) else None)
    except ValueProblem:
        raise validation_failed([FieldError(key, "required", _("Give the id of a user."))]) from None


def _with_record(platform: Platform, actor: Actor, object_name: str, record_id: int, work: Any, *, write: bool) -> Any:
    """Run ``work(connection, actor, may_share)`` on a record the actor may read (in a transaction to write)."""
    if write:
        with platform.records.transaction(actor) as context:
            return _on_record(platform, context.connection, context.actor, context.schema, object_name, record_id, work)
    with platform.records.reading(actor) as (connection, bound, schema):
        return _on_record(platform, connection, bound, schema, object_name, record_id, work)


def _on_record(platform: Platform, connection: Any, actor: Actor, schema: Any, object_name: str, record_id: int,
               work: Any) -> Any:  # fmt: skip
    definition = schema.object(object_name)
    row = platform.records.visible_row(connection, schema, actor, definition, record_id)
    return work(connection, actor, platform.access.may_manage(actor, definition, row["owner"]))


@router.get("/records/{object_name}/{record_id}/shares")
def list_shares(
    object_name: str, record_id: RecordId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    shares = _with_record(
        platform_of(request), actor, object_name, record_id,
        lambda connection, _actor, _may: sharing.list_shares(connection, object_name, record_id), write=False,
    )  # fmt: skip
    return json_response({"shares": shares})


@router.post("/records/{object_name}/{record_id}/shares")
async def add_share(object_name: str, record_id: RecordId, request: Request, body: Any = Depends(json_body),
                    actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    platform = platform_of(request)

    def work(connection: Any, bound: Actor, may_share: bool) -> Any:
        return sharing.add_share(
            connection, object_name, record_id, body, bound.user_id, may_share=may_share, reason="manual",
            now=platform.now(),
        )  # fmt: skip

    share = await run_in_threadpool(lambda: _with_record(platform, actor, object_name, record_id, work, write=True))
    return json_response(share, status=201)


@router.delete("/records/{object_name}/{record_id}/shares/{share_id}")
def remove_share(object_name: str, record_id: RecordId, share_id: PathId, request: Request,
                 actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    _with_record(
        platform_of(request), actor, object_name, record_id,
        lambda connection, _actor, may: sharing.remove_share(connection, object_name, record_id, share_id, may_share=may),
        write=True,
    )  # fmt: skip
    return Response(status_code=204)


@router.post("/records/{object_name}/{record_id}/transfer")
async def transfer_record(object_name: str, record_id: RecordId, request: Request, body: Any = Depends(json_body),
                          actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    platform = platform_of(request)
    owner = _user_id(body, "owner")
    record = await run_in_threadpool(transfer, platform.records, actor, object_name, record_id, owner)
    return json_response(record.json())


@router.post("/security/transfer")
async def transfer_owner(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    """Move all records of one object from one owner to another: {"object", "from_owner", "to_owner"}."""
    platform = platform_of(request)
    object_name = body.get("object") if isinstance(body, dict) else None
    if not isinstance(object_name, str):
        raise validation_failed([FieldError("object", "required", _("Name the object."))])
    moved = await run_in_threadpool(
        transfer_all, platform.records, actor, object_name, _user_id(body, "from_owner"), _user_id(body, "to_owner")
    )
    return json_response({"moved": moved})
