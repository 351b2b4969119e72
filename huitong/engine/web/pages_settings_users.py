"""Settings: users (list, create, change, deactivate) and, to read, the department and role trees and profiles.

Changes go through ``huitong.engine.security.accounts`` in one write transaction, as the security API does, so that
each is checked the same way and lands on the setup audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection, func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.errors import FieldError, HuitongError, validation_failed
from huitong.engine.i18n import LOCALES, _
from huitong.engine.platform import Platform
from huitong.engine.security import accounts, organization, permissions
from huitong.engine.security.tables import login_history
from huitong.engine.system_tables import users
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.pages_settings import (
    FORM_STATUSES,
    admin_schema,
    admin_user,
    errors_by_input,
    form_text,
    general_errors,
)
from huitong.engine.web.render import render
from huitong.engine.web.session import PageUser

router = APIRouter(route_class=PageRoute, include_in_schema=False)
REFERENCES = ("department", "role", "profile", "manager")
TEXTS = ("display_name", "email", "mobile", "time_zone")
ZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Europe/London",
         "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC")  # fmt: skip


def locale_names() -> dict[str, str]:
    return {"zh_CN": "简体中文", "en": "English"}


def shown_profiles(connection: Connection) -> list[dict[str, Any]]:
    """The profiles, the two shipped ones named in the reader's language (an administrator may rename them)."""
    shipped = {"System administrator": _("System administrator"), "Standard user": _("Standard user")}
    return [
        {**holder, "name": shipped.get(holder["name"], holder["name"]) if holder.get("system") else holder["name"]}
        for holder in permissions.list_holders(connection, "profile")
    ]


def tree(connection: Connection, kind: str) -> list[dict[str, Any]]:
    """A department or role tree in path order, each node with its depth and the number of its people."""
    column = users.c.department_id if kind == "department" else users.c.role_id
    counts: dict[int, int] = dict(connection.execute(select(column, func.count()).group_by(column)).all())
    return [
        {**node, "depth": node["path"].count("/") - 2, "people": counts.get(node["id"], 0)}
        for node in organization.list_nodes(connection, kind)
    ]


def choices(connection: Connection) -> dict[str, Any]:
    """Everything a user form offers: departments and roles (indented), profiles, permission sets, managers."""
    people = connection.execute(
        select(users.c.id, users.c.display_name, users.c.username).where(users.c.active.is_(True))
        .order_by(users.c.display_name)
    ).all()  # fmt: skip
    return {
        "departments": tree(connection, "department"), "roles": tree(connection, "role"),
        "profiles": shown_profiles(connection),
        "permission_sets": permissions.list_holders(connection, "permission_set"),
        "managers": [(row.id, f"{row.display_name} ({row.username})") for row in people],
        "locales": locale_names(), "zones": ZONES,
    }  # fmt: skip


def last_sign_ins(connection: Connection) -> dict[int, Any]:
    query = (
        select(login_history.c.user_id, func.max(login_history.c.at))
        .where(login_history.c.success.is_(True), login_history.c.user_id.is_not(None))
        .group_by(login_history.c.user_id)
    )
    return dict(connection.execute(query).all())


def read(platform: Platform, work: Any) -> Any:
    with platform.db.read() as connection:
        return work(connection)


def write(platform: Platform, user: PageUser, work: Any) -> Any:
    """``work(connection, actor_id, now)`` in one write transaction, as the security API's ``administer``."""
    with platform.db.write() as connection:
        return work(connection, user.actor.user_id, platform.now())


# -- users -----------------------------------------------------------------------------------------------------
@router.get("/settings/users")
def users_page(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    platform = platform_of(request)
    _schema, nav = admin_schema(platform, user)

    def work(connection: Connection) -> dict[str, Any]:
        found = choices(connection)
        names = {
            "department": {node["id"]: node["name"] for node in found["departments"]},
            "role": {node["id"]: node["name"] for node in found["roles"]},
            "profile": {holder["id"]: holder["name"] for holder in found["profiles"]},
        }
        return {"people": accounts.list_users(connection), "names": names, "signed_in": last_sign_ins(connection)}

    context = {"nav": nav, "tab": "users", "done": request.query_params.get("done"), **read(platform, work)}
    return render(request, "settings/users.html", context, user=user)


def user_form(request: Request, user: PageUser, values: Mapping[str, Any], *, user_id: int | None,
              error: HuitongError | None = None) -> Response:  # fmt: skip
    platform = platform_of(request)
    _schema, nav = admin_schema(platform, user)
    errors = errors_by_input(error)
    context = {
        "nav": nav, "tab": "users", "values": values, "user_id": user_id, "errors": errors,
        "general": general_errors(error, errors), "myself": user_id == user.actor.user_id,
        **read(platform, choices),
    }  # fmt: skip
    return render(request, "settings/user_form.html", context, user=user, status=422 if error else 200)


def user_request(form: FormData, *, new: bool) -> tuple[dict[str, Any], list[FieldError]]:
    """The form as the security API's user body: blanks are no value, ids are numbers."""
    body: dict[str, Any] = {}
    errors = []
    for key in TEXTS:
        if key in form:
            body[key] = form_text(form, key) or None
    for key in REFERENCES:
        text = form_text(form, key)
        if text.isdigit():
            body[key] = int(text)
        elif text:
            errors.append(FieldError(key, "not_found", _("There is no such item.")))
        elif key != "profile":
            body[key] = None
    if form_text(form, "locale") in LOCALES:
        body["locale"] = form_text(form, "locale")
    body["permission_sets"] = [int(v) for v in form.getlist("permission_sets") if isinstance(v, str) and v.isdigit()]
    password = form.get("password")
    if new:
        body.update(username=form_text(form, "username"), password=password if isinstance(password, str) else "")
        if not body.get("display_name"):
            body.pop("display_name", None)
    else:
        body["active"] = form.get("active") == "true"
        if isinstance(password, str) and password:
            body["password"] = password
    return body, errors


def posted(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: form_text(form, key) for key in form if key not in ("csrf_token", "password")}
    values["permission_sets"] = [v for v in form.getlist("permission_sets") if isinstance(v, str)]
    return values


@router.get("/settings/users/new")
def new_user_form(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    values = {"locale": "zh_CN", "time_zone": "Asia/Shanghai", "active": "true"}
    return user_form(request, user, values, user_id=None)


@router.post("/settings/users/new")
async def create_user(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    form = await request.form()
    body, problems = user_request(form, new=True)
    platform = platform_of(request)
    try:
        if problems:
            raise validation_failed(problems)
        created = await run_in_threadpool(write, platform, user, lambda c, a, n: accounts.create(c, body, a, n))
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        return user_form(request, user, posted(form), user_id=None, error=error)
    return redirect(request, f"/settings/users?done=created&user={created['id']}")


def stored(found: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        key: "" if found.get(key) is None else str(found[key]) for key in (*TEXTS, *REFERENCES, "locale")
    }
    values.update(username=found["username"], active="true" if found["active"] else "",
                  permission_sets=[str(i) for i in found["permission_sets"]])  # fmt: skip
    return values


@router.get("/settings/users/{user_id}")
def edit_user_form(user_id: PathId, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    found = read(platform_of(request), lambda c: accounts.user_json(c, user_id))
    return user_form(request, user, stored(found), user_id=user_id)


@router.post("/settings/users/{user_id}")
async def update_user(user_id: PathId, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    form = await request.form()
    body, problems = user_request(form, new=False)
    if user_id == user.actor.user_id and not body.get("active"):
        problems.append(FieldError("active", "myself", _("You cannot deactivate your own account.")))
    platform = platform_of(request)
    try:
        if problems:
            raise validation_failed(problems)
        await run_in_threadpool(write, platform, user, lambda c, a, n: accounts.change(c, user_id, body, a, n))
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        values = {**posted(form), "username": read(platform, lambda c: accounts.user_json(c, user_id))["username"]}
        return user_form(request, user, values, user_id=user_id, error=error)
    return redirect(request, f"/settings/users?done=saved&user={user_id}")


@router.post("/settings/users/{user_id}/active")
async def set_active(user_id: PathId, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    """Deactivate (or activate again) in one click from the list; one's own account stays active."""
    form = await request.form()
    active = form.get("active") == "true"
    platform = platform_of(request)
    if user_id == user.actor.user_id and not active:
        raise validation_failed([], _("You cannot deactivate your own account."))
    await run_in_threadpool(
        write, platform, user, lambda c, a, n: accounts.change(c, user_id, {"active": active}, a, n)
    )
    return redirect(request, f"/settings/users?done={'activated' if active else 'deactivated'}&user={user_id}")


# -- organization, to read ---------------------------------------------------------------------------------------
@router.get("/settings/departments")
def departments_page(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    return tree_page(request, user, "department")


@router.get("/settings/roles")
def roles_page(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    return tree_page(request, user, "role")


def tree_page(request: Request, user: PageUser, kind: str) -> Response:
    platform = platform_of(request)
    _schema, nav = admin_schema(platform, user)
    nodes = read(platform, lambda c: tree(c, kind))
    title = _("Departments") if kind == "department" else _("Roles")
    hint = (
        _("People see the records of their department and of its sub-departments where sharing allows it.")
        if kind == "department"
        else _("Managers see the records owned by the roles below theirs.")
    )
    context = {"nav": nav, "tab": f"{kind}s", "nodes": nodes, "title": title, "hint": hint, "kind": kind}
    return render(request, "settings/tree.html", context, user=user)


@router.get("/settings/profiles")
def profiles_page(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    platform = platform_of(request)
    schema, nav = admin_schema(platform, user)

    def work(connection: Connection) -> dict[str, Any]:
        query = select(users.c.profile_id, func.count()).group_by(users.c.profile_id)
        counts: dict[int, int] = dict(connection.execute(query).all())
        return {"profiles": shown_profiles(connection), "people": counts,
                "permission_sets": permissions.list_holders(connection, "permission_set")}  # fmt: skip

    context = {"nav": nav, "tab": "profiles", "schema": schema, **read(platform, work)}
    return render(request, "settings/profiles.html", context, user=user)
