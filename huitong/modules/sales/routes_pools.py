"""Pools (公海): the API (``/api/v1/sales/pools/…``, release under ``/api/v1/sales/{leads|accounts}/{id}/release``),
the pools page (claim, assign) and the release page a lead's or account's record page links to."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, HuitongError, bad_request, forbidden
from huitong.engine.i18n import _
from huitong.engine.platform import Platform, RecordAction
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web.cells import user_names
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales import pool_actions, pool_reclaim
from huitong.modules.sales.conversion import is_id
from huitong.modules.sales.pool_records import Rules, load_rules

router = APIRouter()
pages = APIRouter(route_class=PageRoute, include_in_schema=False)
RECORD_ACTIONS = [
    # shown while the record sits in a pool (hidden while ``pool`` is empty)
    *(RecordAction(name, {"en": "Claim", "zh_CN": "领取"}, f"/sales/{name}/{{id}}/claim", {"pool": None})
      for name in ("lead", "account")),
    RecordAction("lead", {"en": "Release to pool", "zh_CN": "退回公海"}, "/sales/lead/{id}/release",
                 {"status": "converted"}, ("pool",)),
    RecordAction("account", {"en": "Release to pool", "zh_CN": "退回公海"}, "/sales/account/{id}/release",
                 hidden_when_set=("pool",)),
]  # fmt: skip
SHOWN = 50
TITLE_FIELDS = {"lead": ["name", "company", "province", "city", "source", "status"],
                "account": ["name", "level", "industry", "province", "city"]}  # fmt: skip
RECORD_FIELDS = ["pool_entered_at", "release_reason", "previous_owner", "version"]


# -- reading -----------------------------------------------------------------------------------------------------
def my_pools(platform: Platform, actor: Actor) -> list[dict[str, Any]]:
    """The active pools the user belongs to or administers, with what is in each and their own counts."""
    request = {"filter": {"field": "active", "op": "eq", "value": True}, "sort": ["-kind", "name"], "limit": 1000}
    with platform.records.reading(actor) as (connection, bound, schema):
        if not platform.access.may(bound, schema.object("pool"), "read"):
            return []
        rows = Listing(schema, schema.object("pool"), bound, platform.access, platform.filter_env(), request).run(
            connection
        )["records"]
        found = []
        for row in rows:
            rules = Rules.of(row)
            member = bound.user_id in rules.members(bound.model)
            administers = pool_actions.may_administer(platform, bound, schema, rules)
            if not (member or administers) or not platform.access.may(bound, schema.object(rules.kind), "read"):
                continue
            found.append({
                "id": rules.id, "name": rules.name, "kind": rules.kind, "administrator": rules.administrator,
                "member": member, "may_assign": administers,
                "in_pool": pool_actions.count(platform, connection, bound, schema, rules.kind,
                                              {"field": "pool", "op": "eq", "value": rules.id}),
                "claimed_today": pool_actions.claimed_today(platform, connection, bound, schema, rules),
                "daily_claim_limit": rules.daily_claim_limit,
                "owned": pool_actions.owned(platform, connection, bound, schema, rules.kind),
                "owned_limit": rules.owned_limit, "protection_days": rules.protection_days,
                "reclaim_days": rules.reclaim_days, "warn_days": rules.warn_days,
                "reclaim_block_days": rules.reclaim_block_days, "description": row.get("description"),
            })  # fmt: skip
    return found


def records_in(platform: Platform, actor: Actor, pool: dict[str, Any], query: dict[str, Any],
               search: str = "") -> dict[str, Any]:  # fmt: skip
    """What sits in the pool, newest first; ``search``: a part of the name (or a lead's company)."""
    fields = [*TITLE_FIELDS[pool["kind"]], *RECORD_FIELDS]
    condition: dict[str, Any] = {"field": "pool", "op": "eq", "value": pool["id"]}
    if search.strip():
        named = [{"field": name, "op": "contains", "value": search.strip()[:100]}
                 for name in ("name", "company") if name in TITLE_FIELDS[pool["kind"]]]  # fmt: skip
        condition = {"and": [condition, {"or": named}]}
    request = {"filter": condition, "sort": ["-pool_entered_at", "-id"], "fields": fields, "limit": SHOWN,
               "count": True, **query}  # fmt: skip
    with platform.records.reading(actor) as (connection, bound, schema):
        definition = schema.object(pool["kind"])
        request["fields"] = [name for name in request["fields"] if name in definition.fields]
        found = Listing(schema, definition, bound, platform.access, platform.filter_env(), request).run(connection)
        found["names"] = user_names(connection, [r.get("previous_owner") for r in found["records"]])
    return found


def returning_soon(platform: Platform, actor: Actor, pool: dict[str, Any]) -> list[dict[str, Any]]:
    """The caller's own records from this pool that return first unless followed up (即将回收)."""
    condition = {"and": [{"field": "owner", "op": "eq", "value": actor.user_id},
                         {"field": "home_pool", "op": "eq", "value": pool["id"]},
                         {"field": "pool", "op": "is_null", "value": True},
                         {"field": "reclaim_due_at", "op": "is_null", "value": False}]}  # fmt: skip
    request = {"filter": condition, "sort": ["reclaim_due_at", "id"], "limit": 5,
               "fields": ["name", "reclaim_due_at", "reclaim_warned_at"]}  # fmt: skip
    with platform.records.reading(actor) as (connection, bound, schema):
        listing = Listing(schema, schema.object(pool["kind"]), bound, platform.access, platform.filter_env(), request)
        return list(listing.run(connection)["records"])


def chosen_pool(pools: list[dict[str, Any]], pool_id: int) -> dict[str, Any]:
    found = next((pool for pool in pools if pool["id"] == pool_id), None)
    if found is None:
        raise HuitongError(_("This pool does not exist or you are not one of its members."), status=404,
                           code="not_found")  # fmt: skip
    return found


# -- API ---------------------------------------------------------------------------------------------------------
@router.get("/api/v1/sales/pools")
def pools_api(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``{"pools": [{"id", "name", "kind", "in_pool", "claimed_today", "daily_claim_limit", "owned", …}]}``."""
    return json_response({"pools": my_pools(platform_of(request), actor)})


@router.get("/api/v1/sales/pools/{pool_id}/records")
def pool_records_api(pool_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``?q=&limit=&cursor=`` → ``{"records", "next_cursor", "total"}``: what sits in the pool, newest first."""
    platform = platform_of(request)
    pool = chosen_pool(my_pools(platform, actor), pool_id)
    query: dict[str, Any] = {}
    if "cursor" in request.query_params:
        query["cursor"] = request.query_params["cursor"]
    if "limit" in request.query_params:
        raw = request.query_params["limit"]
        if not (raw.isascii() and raw.isdigit() and len(raw) < 6):
            message = _("limit is a whole number from 1 to 1000.")
            raise bad_request(message, [FieldError("limit", "invalid_limit", message)])
        query["limit"] = int(raw)
    found = records_in(platform, actor, pool, query, request.query_params.get("q", ""))
    return json_response({key: found[key] for key in ("records", "next_cursor", "total")})


@router.post("/api/v1/sales/pools/{pool_id}/claim")
async def claim_api(pool_id: PathId, request: Request, body: Any = Depends(json_body),
                    actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    """``{"id": record}`` → the record, now the caller's (409 when someone claimed it first)."""
    record_id: Any = body.get("id") if isinstance(body, dict) else None
    if not is_id(record_id):
        message = _("Give the id of a record.")
        raise bad_request(message, [FieldError("id", "invalid_type", message)])
    platform = platform_of(request)
    return json_response(await run_in_threadpool(pool_actions.claim, platform, actor, pool_id, int(record_id)))


@router.post("/api/v1/sales/pools/{pool_id}/assign")
async def assign_api(pool_id: PathId, request: Request, body: Any = Depends(json_body),
                     actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    """``{"id": record, "owner": user}`` → the record (pool administrators, their managers, administrators)."""
    return json_response(await run_in_threadpool(pool_actions.assign, platform_of(request), actor, pool_id, body))


@router.post("/api/v1/sales/{object_name}/{record_id}/release")
async def release_api(object_name: str, record_id: PathId, request: Request, body: Any = Depends(json_body),
                      actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    """``{"reason": "…", "pool": id?}`` (object: leads or accounts) → the record, now in the pool."""
    platform = platform_of(request)
    return json_response(await run_in_threadpool(pool_actions.release, platform, actor, object_name, record_id, body))


@router.post("/api/v1/sales/pools/reclaim")
async def reclaim_api(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Run the reclaim job now (administrators) → ``{"handled": n}``."""
    platform = platform_of(request)
    with platform.records.reading(actor) as (_connection, bound, _schema):
        if not bound.is_admin:
            raise forbidden(_("Only administrators may run the reclaim now."))
    return json_response({"handled": await run_in_threadpool(pool_reclaim.run, platform)})


# -- pages -------------------------------------------------------------------------------------------------------
@pages.get("/sales/pools")
def pools_page(request: Request, user: PageUser = Depends(page_user)) -> Response:
    return show_pools(request, user)


def show_pools(request: Request, user: PageUser, *, error: HuitongError | None = None,
               selected: int | None = None) -> Response:  # fmt: skip
    platform = platform_of(request)
    pools = my_pools(platform, user.actor)
    raw = request.query_params.get("pool", "")
    wanted = selected or (int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 16 else None)
    pool = next((p for p in pools if p["id"] == wanted), pools[0] if pools else None)
    search, cursor = request.query_params.get("q", ""), request.query_params.get("cursor")
    found: dict[str, Any] = {"records": [], "total": 0, "names": {}}
    if pool:
        found = records_in(platform, user.actor, pool, {"cursor": cursor} if cursor else {}, search)
        found["returning"] = returning_soon(platform, user.actor, pool)
    with platform.records.reading(user.actor) as (connection, bound, schema):
        nav = navigation(platform, schema, bound)
        members = member_choices(connection, bound, schema, pool) if pool and pool["may_assign"] else []
    context = {"pools": pools, "pool": pool, "found": found, "nav": nav, "error": error, "members": members,
               "claimed": request.query_params.get("claimed"), "search": search, "kinds": {"lead": _("Lead pool"),
                                                                         "account": _("Customer pool")}}  # fmt: skip
    return render(request, "pools.html", context, user=user, status=error.status if error else 200)


def member_choices(connection: Any, actor: Actor, schema: Any, pool: dict[str, Any]) -> list[tuple[int, str]]:
    """Whom a pool administrator may assign to: the pool's members, by name."""
    rules = load_rules(connection, schema, pool["id"])
    members = rules.members(actor.model) if rules else frozenset()
    return sorted(user_names(connection, members).items(), key=lambda item: item[1])


async def form_of(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


def number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 16 else None


@pages.post("/sales/pools/{pool_id}/claim")
async def claim_from_page(pool_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    record_id = number(form.get("id"))
    try:
        if record_id is None:
            raise bad_request(_("Give the id of a record."))
        await run_in_threadpool(pool_actions.claim, platform_of(request), user.actor, pool_id, record_id)
    except HuitongError as error:
        if error.status not in (400, 404, 409, 422):
            raise
        return show_pools(request, user, error=error, selected=pool_id)
    return redirect(request, f"/sales/pools?pool={pool_id}&claimed={record_id}")


@pages.post("/sales/pools/{pool_id}/assign")
async def assign_from_page(pool_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await form_of(request)
    body = {"id": number(form.get("id")), "owner": number(form.get("owner"))}
    try:
        await run_in_threadpool(pool_actions.assign, platform_of(request), user.actor, pool_id, body)
    except HuitongError as error:
        if error.status not in (400, 403, 404, 409, 422):
            raise
        return show_pools(request, user, error=error, selected=pool_id)
    return redirect(request, f"/sales/pools?pool={pool_id}")


@pages.get("/sales/{object_name}/{record_id}/release")
def release_page(
    object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)
) -> Response:
    return show_release(request, user, object_name, record_id)


def show_release(request: Request, user: PageUser, object_name: str, record_id: int, *,
                 error: HuitongError | None = None, reason: str = "") -> Response:  # fmt: skip
    name = pool_actions.PLURALS.get(object_name)
    if name is None:
        raise HuitongError(_("This page does not exist."), status=404, code="not_found")
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, name) as (connection, bound, schema, definition):
        fields = [n for n in ("name", "pool", "home_pool", "owner", "status") if n in definition.fields]
        record = pool_actions.find(platform, connection, bound, schema, name, record_id, fields)
        if record is None:
            platform.records.visible_row(connection, schema, bound, definition, record_id)  # 404 as a record page
        pools_request = {"filter": {"and": [{"field": "kind", "op": "eq", "value": name},
                                            {"field": "active", "op": "eq", "value": True}]}, "sort": ["name"]}  # fmt: skip
        choices = Listing(schema, schema.object("pool"), bound, platform.access, platform.filter_env(),
                          {**pools_request, "fields": ["name"], "limit": 200}).run(connection)["records"]  # fmt: skip
        nav = navigation(platform, schema, bound)
    errors = {item.field: item.message for item in (error.errors if error else []) if item.field}
    context = {"object_name": name, "record": record, "pools": choices, "nav": nav, "error": error,
               "errors": errors, "reason": reason,
               "object_label": _("Lead") if name == "lead" else _("Account")}  # fmt: skip
    return render(request, "pools_release.html", context, user=user, status=error.status if error else 200)


@pages.post("/sales/{object_name}/{record_id}/release")
async def release_from_page(object_name: str, record_id: PathId, request: Request,
                            user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    form = await form_of(request)
    body = {"reason": form.get("reason", ""), "pool": number(form.get("pool"))}
    try:
        await run_in_threadpool(pool_actions.release, platform_of(request), user.actor, object_name, record_id, body)
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        return show_release(request, user, object_name, record_id, error=error, reason=form.get("reason", ""))
    return redirect(request, f"/records/{pool_actions.PLURALS[object_name]}/{record_id}")


@pages.get("/sales/{object_name}/{record_id}/claim")
def claim_page(object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    return show_claim(request, user, object_name, record_id)


def show_claim(request: Request, user: PageUser, object_name: str, record_id: int, *,
               error: HuitongError | None = None) -> Response:  # fmt: skip
    """The record's pool, its rules and the user's counts, and a Claim button (from the record's page)."""
    name = pool_actions.PLURALS.get(object_name)
    if name is None:
        raise HuitongError(_("This page does not exist."), status=404, code="not_found")
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, name) as (connection, bound, schema, definition):
        record = pool_actions.find(platform, connection, bound, schema, name, record_id, ["name", "pool"])
        if record is None:
            platform.records.visible_row(connection, schema, bound, definition, record_id)  # 404 as a record page
        nav = navigation(platform, schema, bound)
    pool = next((p for p in my_pools(platform, user.actor) if record and p["id"] == record["pool"]), None)
    context = {"object_name": name, "record": record, "pool": pool, "nav": nav, "error": error}
    return render(request, "pools_claim.html", context, user=user, status=error.status if error else 200)


@pages.post("/sales/{object_name}/{record_id}/claim")
async def claim_record_from_page(object_name: str, record_id: PathId, request: Request,
                                 user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    form = await form_of(request)
    pool_id = number(form.get("pool"))
    try:
        if pool_id is None or object_name not in pool_actions.PLURALS:
            raise bad_request(_("This record is not in a pool."))
        await run_in_threadpool(pool_actions.claim, platform_of(request), user.actor, pool_id, record_id)
    except HuitongError as error:
        if error.status not in (400, 404, 409, 422):
            raise
        return show_claim(request, user, object_name, record_id, error=error)
    return redirect(request, f"/records/{pool_actions.PLURALS[object_name]}/{record_id}")


router.include_router(pages)
