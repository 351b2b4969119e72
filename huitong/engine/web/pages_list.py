"""List pages for every object: filters, sort, keyset pages, columns, saved views, and type-ahead for lookups."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from huitong.engine.api.support import json_response, platform_of
from huitong.engine.i18n import _, localized
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web import cells, views
from huitong.engine.web.listing_state import ListState
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import field_label, navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
OPERATORS = ("eq", "ne", "contains", "starts_with", "gt", "gte", "lt", "lte", "in", "is_null", "between")


def operator_labels() -> dict[str, str]:
    return {
        "eq": _("is"), "ne": _("is not"), "contains": _("contains"), "starts_with": _("starts with"),
        "gt": _("greater than"), "gte": _("at least"), "lt": _("less than"), "lte": _("at most"),
        "in": _("is one of"), "is_null": _("is empty"), "between": _("between"),
    }  # fmt: skip


def run(platform: Platform, schema: Schema, definition: ObjectDef, actor: Actor, request: dict[str, Any],
        connection: Any) -> dict[str, Any]:  # fmt: skip
    return Listing(schema, definition, actor, platform.access, platform.filter_env(), request).run(connection)


def list_state(connection: Any, definition: ObjectDef, user: PageUser, params: list[tuple[str, str]]) -> ListState:
    state = ListState.from_query(params)
    if state.view is not None and len(params) == 1:
        return ListState.from_saved(state.view, views.find_view(connection, definition.name, user.actor.user_id,
                                                                state.view).definition)  # fmt: skip
    return state


@router.get("/records/{object_name}")
def list_page(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    params = list(request.query_params.multi_items())
    with platform.records.reading_object(user.actor, object_name) as (connection, actor, schema, definition):
        state = list_state(connection, definition, user, params)
        columns = cells.columns_named(definition, state.columns or []) or cells.default_columns(definition)
        page = run(platform, schema, definition, actor, state.query(definition, cells.listing_fields(schema, columns)),
                   connection)  # fmt: skip
        names = cells.user_names(connection, cells.users_on(page["records"], columns))
        rows = [(record, [cells.cell(schema, f, record, names) for f in columns]) for record in page["records"]]
        context = {
            "definition": definition, "label": localized(definition.label, definition.name),
            "plural": localized(definition.plural_label, localized(definition.label, definition.name)),
            "columns": columns, "rows": rows, "state": state, "next_cursor": page["next_cursor"],
            "field_label": field_label, "filterable": filterable_fields(definition), "operators": operator_labels(),
            "chip_value": chip_value,
            "may_create": platform.access.may(actor, definition, "create"),
            "may_edit": platform.access.may(actor, definition, "edit"),
            "may_delete": platform.access.may(actor, definition, "delete"),
            "saved_views": views.views_for(connection, object_name, actor.user_id),
            "count_address": f"/records/{object_name}/count?" + str(request.url.query),
        }  # fmt: skip
        if request.headers.get("hx-target") == "record-rows":
            return render(request, "list_rows.html", context, user=user)
        context["nav"] = navigation(platform, schema, actor)
    return render(request, "list.html", context, user=user)


def chip_value(definition: ObjectDef, name: str, value: str) -> str:
    """A filter's value as the list shows it: a picklist's labels rather than its codes (A（重点） for A)."""
    field = definition.fields.get(name)
    if field is None or field.field_type.widget not in ("select", "multiselect"):
        return value
    return "、".join(field.field_type.display(field, [code]) if field.field_type.widget == "multiselect"
                    else field.field_type.display(field, code) for code in value.split(","))  # fmt: skip


def filterable_fields(definition: ObjectDef) -> list[Any]:
    return [f for f in definition.fields.values() if f.field_type.operators and f.name not in ("deleted_at",)]


@router.get("/records/{object_name}/count")
def count_fragment(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The total, fetched after the page has shown its rows: counting a million rows must not hold up the first."""
    platform = platform_of(request)
    params = list(request.query_params.multi_items())
    with platform.records.reading_object(user.actor, object_name) as (connection, actor, schema, definition):
        state = list_state(connection, definition, user, params)
        query = {**state.query(definition, ["id"]), "limit": 1, "count": True}
        query.pop("cursor", None)
        total = run(platform, schema, definition, actor, query, connection)["total"]
    return Response(_("%(count)s records") % {"count": f"{total:,}"}, media_type="text/html")


@router.post("/records/{object_name}/views")
async def save_view(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await request.form()
    platform = platform_of(request)
    source = str(form.get("query") or "")
    state = ListState.from_query(parse_qsl(source))
    with platform.records.transaction(user.actor) as context:
        definition = context.schema.object(object_name)
        platform.access.check_object(context.actor, definition, "read")
        view_id = views.save_view(
            context.connection, object_name, user.actor.user_id, str(form.get("name") or ""),
            form.get("shared") == "on", state.definition(), context.now,
        )  # fmt: skip
    return redirect(request, f"/records/{object_name}?view={view_id}")


@router.post("/records/{object_name}/views/{view_id}/delete")
def delete_view(object_name: str, view_id: int, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.transaction(user.actor) as context:
        views.delete_view(context.connection, object_name, user.actor.user_id, view_id)
    return redirect(request, f"/records/{object_name}")


@router.get("/lookup/{object_name}")
def lookup_options(object_name: str, request: Request, q: str = "", user: PageUser = Depends(page_user)) -> Response:
    """Type-ahead for lookup fields: records of the target the user may read whose title contains ``q``."""
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, object_name) as (connection, actor, schema, definition):
        title = definition.title_field
        query: dict[str, Any] = {"fields": ["id", title], "limit": 20, "sort": [title]}
        if q.strip():
            query["filter"] = {"field": title, "op": "contains", "value": q.strip()[:100]}
        records = run(platform, schema, definition, actor, query, connection)["records"]
        field = definition.fields[title]
        results = [
            {"id": r["id"], "title": field.field_type.display(field, r[title]) or f"#{r['id']}"} for r in records
        ]
    return json_response({"results": results})
