"""Record routes, the same for every object: list, query, aggregate, bulk, and one record by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, bad_request, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import Listing
from huitong.engine.records import history, recycle
from huitong.engine.records.bulk import BulkWriter, results_error
from huitong.engine.records.context import Actor
from huitong.engine.records.values import Record

router = APIRouter(prefix="/api/v1")
# Ids JSON clients can hold exactly; anything else is a bad request, not a database error.
MAX_ID = 2**53 - 1
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]
LIST_PARAMETERS = {"sort", "limit", "cursor", "offset", "fields", "count"}
SUFFIXES = (
    "eq",
    "ne",
    "lt",
    "lte",
    "gt",
    "gte",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "ends_with",
    "is_null",
    "between",
)


def query_string_request(params: list[tuple[str, str]]) -> dict[str, Any]:
    """``?x_status=active&x_price__gte=100&sort=-x_price,x_serial&limit=50`` as a query request."""
    request: dict[str, Any] = {}
    conditions = []
    for key, value in params:
        if key in LIST_PARAMETERS:
            request[key] = _parameter(key, value)
            continue
        field, _sep, operator = key.partition("__")
        operator = operator or "eq"
        if operator not in SUFFIXES:
            raise bad_request(_("Unknown operator."), [FieldError(key, "invalid_operator", _("Unknown operator."))])
        parsed: Any = value
        if operator in ("in", "not_in", "between"):
            parsed = value.split(",")
        elif operator == "is_null":
            parsed = value.lower() in ("true", "1", "yes")
        conditions.append({"field": field, "op": operator, "value": parsed})
    if conditions:
        request["filter"] = {"and": conditions}
    return request


def _parameter(key: str, value: str) -> Any:
    if key in ("limit", "offset"):
        if not _is_whole_number(value):
            raise bad_request(_("Enter a whole number."), [FieldError(key, "invalid_type", _("Enter a whole number."))])
        return int(value)
    if key in ("sort", "fields"):
        return [item.strip() for item in value.split(",") if item.strip()] or None
    if key == "count":
        return value.lower() in ("true", "1", "yes")
    return value


def _is_whole_number(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts characters such as "²" that ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _id_parameter(key: str, value: str) -> int:
    if not _is_whole_number(value) or not 1 <= int(value) <= MAX_ID:
        message = _("Give the id of a record.")
        raise bad_request(message, [FieldError(key, "invalid_type", message)])
    return int(value)


def read_with(platform: Platform, actor: Actor, object_name: str, work: Callable[..., Any]) -> Any:
    """Run ``work(connection, actor, schema, definition)`` with the actor bound and the schema as they see it."""
    with platform.records.reading_object(actor, object_name) as (connection, actor, schema, definition):
        return work(connection, actor, schema, definition)


def run_listing(platform: Platform, actor: Actor, object_name: str, request: Any) -> Any:
    if not isinstance(request, dict):
        raise bad_request(_("Send a JSON object."))

    def work(connection: Any, actor: Actor, schema: Any, definition: Any) -> Any:
        listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
        return listing.run(connection)

    return read_with(platform, actor, object_name, work)


@router.get("/records/{object_name}")
def list_records(object_name: str, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    query = query_string_request(list(request.query_params.multi_items()))
    return json_response(run_listing(platform_of(request), actor, object_name, query))


@router.post("/records/{object_name}/query")
async def query_records(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    result = await run_in_threadpool(run_listing, platform_of(request), actor, object_name, body)
    return json_response(result)


@router.post("/records/{object_name}/aggregate")
async def aggregate_records(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))

    def work(connection: Any, actor: Actor, schema: Any, definition: Any) -> Any:
        return Aggregation(schema, definition, actor, platform.access, platform.filter_env(), body).run(connection)

    return json_response(await run_in_threadpool(read_with, platform, actor, object_name, work))


@router.post("/records/{object_name}/bulk")
async def bulk_records(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    failed, results = await run_in_threadpool(BulkWriter(platform.records).run, actor, object_name, body)
    if failed and not (isinstance(body, dict) and body.get("all_or_none") is False):
        raise results_error(results)
    return json_response({"results": results}, status=200)


@router.post("/records/{object_name}")
async def create_record(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))
    values = await run_in_threadpool(platform.records.create, actor, object_name, body)
    return _record_response(values, status=201)


@router.get("/records/{object_name}/{record_id}")
def get_record(
    object_name: str, record_id: RecordId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    return _record_response(platform.records.get(actor, object_name, record_id))


@router.patch("/records/{object_name}/{record_id}")
async def update_record(
    object_name: str,
    record_id: RecordId,
    request: Request,
    body: Any = Depends(json_body),
    actor: Actor = Depends(current_actor),
) -> Response:
    platform = platform_of(request)
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))
    version = _expected_version(body.get("version"), request.headers.get("if-match"), required=True)
    values = await run_in_threadpool(platform.records.update, actor, object_name, record_id, body, version)
    return _record_response(values)


@router.delete("/records/{object_name}/{record_id}")
def delete_record(
    object_name: str, record_id: RecordId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    version = _expected_version(None, request.headers.get("if-match"), required=False)
    platform_of(request).records.delete(actor, object_name, record_id, version)
    return Response(status_code=204)


@router.get("/records/{object_name}/{record_id}/history")
def record_history(
    object_name: str, record_id: RecordId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)

    def work(connection: Any, actor: Actor, schema: Any, definition: Any) -> Any:
        platform.records.visible_row(connection, schema, actor, definition, record_id)
        hidden = set(platform.cache.current(connection).object(object_name).fields) - set(definition.fields)
        return {"history": history.history_of(connection, object_name, record_id, hidden=hidden)}

    return json_response(read_with(platform, actor, object_name, work))


@router.get("/recycle-bin")
def list_recycle_bin(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    platform = platform_of(request)
    params = request.query_params
    limit = _parameter("limit", params.get("limit", "50"))
    before = _id_parameter("before", params["before"]) if "before" in params else None
    with platform.records.reading(actor) as (connection, actor, schema):
        body = recycle.list_deleted(connection, schema, actor, platform.access, params.get("object"), limit, before)
    return json_response(body)


@router.post("/recycle-bin/{object_name}/{record_id}/restore")
def restore_record(
    object_name: str, record_id: RecordId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    return _record_response(platform.records.restore(actor, object_name, record_id))


def _record_response(record: Record, status: int = 200) -> Response:
    return json_response(record.json(), status=status, headers={"ETag": f'"{record["version"]}"'})


def _expected_version(in_body: Any, if_match: str | None, *, required: bool) -> int | None:
    raw: Any = in_body
    if raw is None and if_match:
        raw = if_match.strip().removeprefix("W/").strip('"')
        raw = int(raw) if _is_whole_number(raw) else raw
    if raw is None:
        if required:
            message = _("Send the version you read (in the body or an If-Match header), so no change is lost.")
            raise validation_failed([FieldError("version", "version_required", message)])
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise validation_failed([FieldError("version", "invalid_type", _("Enter a whole number."))])
    return raw
