"""Security administration: departments, roles, groups, users, profiles, permission sets, sharing defaults and
rules, the audit trail; and, for everyone, what a user may do with an object or a record.

Managing the organization and permissions is for administrators; every change is on the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of, require_admin
from huitong.engine.errors import bad_request
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security import accounts, audit, organization, permissions, sharing

router = APIRouter(prefix="/api/v1/security")
Work = Callable[..., Any]


def administer(platform: Platform, actor: Actor, work: Work) -> Any:
    """Run ``work(connection, schema, actor_id, now)`` in one write transaction, for administrators only."""
    require_admin(actor)
    with platform.db.write() as connection:
        schema = platform.cache.current(connection)
        return work(connection, schema, actor.user_id, platform.now())


def look(platform: Platform, actor: Actor, work: Work) -> Any:
    require_admin(actor)
    with platform.db.read() as connection:
        return work(connection)


async def _write(request: Request, actor: Actor, work: Work, status: int = 200) -> Response:
    result = await run_in_threadpool(administer, platform_of(request), actor, work)
    return Response(status_code=204) if result is None else json_response(result, status=status)


# -- departments and roles ---------------------------------------------------------------------------------------
def _tree_routes(kind: str, path: str) -> None:
    @router.get(f"/{path}", name=f"list_{path}")
    def list_nodes(request: Request, actor: Actor = Depends(current_actor)) -> Response:
        return json_response({path: look(platform_of(request), actor, lambda c: organization.list_nodes(c, kind))})

    @router.post(f"/{path}", name=f"create_{kind}")
    async def create(
        request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
    ) -> Response:
        return await _write(request, actor, lambda c, _s, a, n: organization.create_node(c, kind, body, a, n), 201)

    @router.patch(f"/{path}/{{node_id}}", name=f"update_{kind}")
    async def update(node_id: PathId, request: Request, body: Any = Depends(json_body),
                     actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
        return await _write(request, actor, lambda c, _s, a, n: organization.update_node(c, kind, node_id, body, a, n))

    @router.delete(f"/{path}/{{node_id}}", name=f"delete_{kind}")
    async def remove(node_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
        return await _write(request, actor, lambda c, _s, a, n: organization.delete_node(c, kind, node_id, a, n))


_tree_routes("department", "departments")
_tree_routes("role", "roles")


# -- groups ----------------------------------------------------------------------------------------------------------
@router.get("/groups")
def list_groups(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response({"groups": look(platform_of(request), actor, organization.list_groups)})


@router.post("/groups")
async def create_group(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    return await _write(request, actor, lambda c, _s, a, n: organization.create_group(c, body, a, n), 201)


@router.put("/groups/{group_id}/members")
async def set_group_members(group_id: PathId, request: Request, body: Any = Depends(json_body),
                            actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    return await _write(request, actor, lambda c, _s, a, n: organization.set_members(c, group_id, body, a, n))


# -- users -----------------------------------------------------------------------------------------------------------
@router.get("/users")
def list_users(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response({"users": look(platform_of(request), actor, accounts.list_users)})


@router.get("/users/{user_id}")
def get_user(user_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    if user_id != actor.user_id:
        require_admin(actor)
    with platform_of(request).db.read() as connection:
        return json_response(accounts.user_json(connection, user_id))


@router.post("/users")
async def create_user(
    request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    return await _write(request, actor, lambda c, _s, a, n: accounts.create(c, body, a, n), 201)


@router.patch("/users/{user_id}")
async def change_user(user_id: PathId, request: Request, body: Any = Depends(json_body),
                      actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    return await _write(request, actor, lambda c, _s, a, n: accounts.change(c, user_id, body, a, n))


# -- profiles and permission sets ------------------------------------------------------------------------------------
def _holder_routes(kind: str, path: str) -> None:
    @router.get(f"/{path}", name=f"list_{path}")
    def list_holders(request: Request, actor: Actor = Depends(current_actor)) -> Response:
        return json_response({path: look(platform_of(request), actor, lambda c: permissions.list_holders(c, kind))})

    @router.get(f"/{path}/{{holder_id}}", name=f"get_{kind}")
    def get_holder(holder_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
        return json_response(look(platform_of(request), actor, lambda c: permissions.holder_json(c, kind, holder_id)))

    @router.post(f"/{path}", name=f"create_{kind}")
    async def create(
        request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
    ) -> Response:
        return await _write(request, actor, lambda c, s, a, n: permissions.create_holder(c, s, kind, body, a, n), 201)

    @router.patch(f"/{path}/{{holder_id}}", name=f"update_{kind}")
    async def update(holder_id: PathId, request: Request, body: Any = Depends(json_body),
                     actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
        return await _write(
            request, actor, lambda c, s, a, n: permissions.update_holder(c, s, kind, holder_id, body, a, n)
        )

    @router.delete(f"/{path}/{{holder_id}}", name=f"delete_{kind}")
    async def remove(holder_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
        return await _write(request, actor, lambda c, _s, a, n: permissions.delete_holder(c, kind, holder_id, a, n))


_holder_routes("profile", "profiles")
_holder_routes("permission_set", "permission-sets")


# -- sharing ---------------------------------------------------------------------------------------------------------
@router.put("/sharing-defaults/{object_name}")
async def set_sharing_default(object_name: str, request: Request, body: Any = Depends(json_body),
                              actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    return await _write(request, actor, lambda c, s, a, n: sharing.set_default(c, s, object_name, body, a, n))


@router.get("/sharing-rules")
def list_sharing_rules(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    object_name = request.query_params.get("object")
    return json_response({"rules": look(platform_of(request), actor, lambda c: sharing.list_rules(c, object_name))})


@router.post("/sharing-rules")
async def create_sharing_rule(request: Request, body: Any = Depends(json_body),
                              actor: Actor = Depends(current_actor)) -> Response:  # fmt: skip
    platform = platform_of(request)
    return await _write(
        request, actor, lambda c, s, a, n: sharing.create_rule(c, s, body, a, platform.filter_env(), n), 201
    )


@router.delete("/sharing-rules/{rule_id}")
async def delete_sharing_rule(rule_id: PathId, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    env = platform_of(request).filter_env()
    return await _write(request, actor, lambda c, s, a, n: sharing.delete_rule(c, s, rule_id, a, env, n))


# -- audit -----------------------------------------------------------------------------------------------------------
@router.get("/audit")
def audit_trail(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response({"entries": look(platform_of(request), actor, lambda c: audit.trail(c, limit=200))})


@router.get("/sign-ins")
def sign_in_history(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    return json_response({"entries": look(platform_of(request), actor, lambda c: audit.sign_ins(c, limit=200))})


# -- what may a user do ----------------------------------------------------------------------------------------------
@router.get("/access/{object_name}/{record_id}")
def record_access(
    object_name: str, record_id: PathId, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    platform = platform_of(request)
    subject = _subject(request, actor)
    with platform.records.reading(subject) as (connection, subject, schema):
        definition = schema.object(object_name)
        table = schema.table(object_name)
        return json_response(platform.access.explain(connection, subject, definition, table, record_id))


def _subject(request: Request, actor: Actor) -> Actor:
    """The user asked about: oneself, or anyone when an administrator asks."""
    raw = request.query_params.get("user")
    if raw is None:
        return actor
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 2**53 - 1:
        raise bad_request(_("Give the id of a user."))
    if int(raw) != actor.user_id:
        require_admin(actor)
    return Actor(int(raw))
