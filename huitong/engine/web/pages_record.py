"""One record: its page (details, related lists, history, sharing), its form, and delete with undo."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import Response

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import localized
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import PagePart, Platform
from huitong.engine.records import history
from huitong.engine.records.context import Actor
from huitong.engine.security import sharing
from huitong.engine.web import cells, forms, recent
from huitong.engine.web.pages import PageRoute, redirect, safe_next
from huitong.engine.web.pages_list import run
from huitong.engine.web.render import field_label, navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RELATED_ROWS = 5


def labels(definition: ObjectDef) -> dict[str, str]:
    label = localized(definition.label, definition.name)
    return {"label": label, "plural": localized(definition.plural_label, label)}


def read_record(platform: Platform, connection: Any, schema: Schema, actor: Actor, definition: ObjectDef,
                record_id: int) -> dict[str, Any]:  # fmt: skip
    """The record as the reader may see it, with lookup titles, through the same access check as lists."""
    fields = cells.listing_fields(schema, list(definition.fields.values()))
    query = {"filter": {"field": "id", "op": "eq", "value": record_id}, "fields": fields, "limit": 1}
    records = run(platform, schema, definition, actor, query, connection)["records"]
    if not records:
        platform.records.visible_row(connection, schema, actor, definition, record_id)  # 404 or 403, as the API
    return dict(records[0])


def related_lists(platform: Platform, connection: Any, schema: Schema, actor: Actor, definition: ObjectDef,
                  record_id: int) -> list[dict[str, Any]]:  # fmt: skip
    """For each lookup pointing at this object, the first rows pointing at this record and how many there are."""
    found = []
    for child, field in schema.lookups_to(definition.name):
        if not platform.access.may(actor, child, "read") or field.name not in child.fields:
            continue
        columns = cells.default_columns(child)[:4]
        query = {"filter": {"field": field.name, "op": "eq", "value": record_id}, "count": True,
                 "fields": cells.listing_fields(schema, columns), "limit": RELATED_ROWS}  # fmt: skip
        page = run(platform, schema, child, actor, query, connection)
        names = cells.user_names(connection, cells.users_on(page["records"], columns))
        found.append({
            "object": child, **labels(child), "field": field, "total": page["total"], "columns": columns,
            "rows": [(r, [cells.cell(schema, c, r, names) for c in columns]) for r in page["records"]],
            "address": f"/records/{child.name}?{field.name}={record_id}",
        })  # fmt: skip
    return found


def form_page(request: Request, user: PageUser, definition: ObjectDef, schema: Schema, connection: Any,
              values: dict[str, Any], *, record_id: int | None, error: HuitongError | None = None,
              theirs: dict[str, Any] | None = None, status: int = 200, nav: Any = None,
              back: str | None = None, similar: list[Any] | None = None) -> Response:  # fmt: skip
    """``back``: where saving (and cancelling) a new record returns to, e.g. the account a call was logged from;
    ``similar``: records the new one may duplicate, shown before it is saved."""
    errors = {item.field: item.message for item in (error.errors if error else []) if item.field}
    matched = [{"id": found.id, "title": found.title,
                "fields": ", ".join(field_label(definition.fields[name]) for name in found.fields
                                    if name in definition.fields)} for found in similar or []]  # fmt: skip
    context = {
        "back": back, "similar": matched,
        "definition": definition, **labels(definition), "fields": forms.form_fields(definition), "values": values,
        "record_id": record_id, "errors": errors, "error": error, "theirs": theirs or {},
        "users": forms.active_users(connection), "field_label": field_label, "nav": nav or [],
        "lookup_titles": lookup_titles(schema, definition, values), "wide": forms.WIDE_WIDGETS,
    }  # fmt: skip
    return render(request, "form.html", context, user=user, status=status)


def lookup_titles(schema: Schema, definition: ObjectDef, values: dict[str, Any]) -> dict[str, str]:
    titles = {}
    for field in definition.fields.values():
        path = cells.title_path(schema, field) if field.field_type.widget == "lookup" else None
        if path and values.get(field.name) is not None:
            titles[field.name] = str(values.get(path) or f"#{values[field.name]}")
    return titles


def prefilled_titles(platform: Platform, connection: Any, schema: Schema, actor: Actor, definition: ObjectDef,
                     values: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The titles of the records a prefilled form's lookups point at (``account.name``), those the reader may read;
    so a form opened from a record ("log a call") names it instead of showing its id."""
    titles = {}
    for field in definition.fields.values():
        value, path = str(values.get(field.name) or ""), cells.title_path(schema, field)
        target = schema.objects.get(str(field.options.get("target", "")))
        if field.type != "lookup" or not value.isdigit() or path is None or target is None:
            continue
        if platform.access.may(actor, target, "read"):
            query = {"filter": {"field": "id", "op": "eq", "value": int(value)}, "fields": [target.title_field]}
            found = run(platform, schema, target, actor, {**query, "limit": 1}, connection)["records"]
            if found:
                titles[path] = found[0].get(target.title_field)
    return titles


@router.get("/records/{object_name}/new")
def new_form(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, object_name, "create") as (connection, actor, schema, definition):
        values = {f.name: f.default for f in definition.user_fields if f.default is not None}
        values.update({k: v for k, v in request.query_params.items() if k in definition.fields})
        values.update(prefilled_titles(platform, connection, schema, actor, definition, values))
        return form_page(request, user, definition, schema, connection, values, record_id=None,
                         nav=navigation(platform, schema, actor), back=back_to(request.query_params.get("next")))  # fmt: skip


@router.post("/records/{object_name}/new")
async def create(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    form = await request.form()
    with platform.records.reading(user.actor) as (_connection, _actor, schema):
        definition = schema.object(object_name)
    data = forms.read_form(form, forms.form_fields(definition))
    similar = [] if form.get("confirm_similar") else similar_records(platform, user.actor, object_name, data)
    if similar:
        with platform.records.reading(user.actor) as (connection, actor, schema):
            return form_page(request, user, schema.object(object_name), schema, connection, data, record_id=None,
                             nav=navigation(platform, schema, actor), back=back_to(form.get("next")),
                             similar=similar)  # fmt: skip
    try:
        record = platform.records.create(user.actor, object_name, data)
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        with platform.records.reading(user.actor) as (connection, actor, schema):
            return form_page(request, user, schema.object(object_name), schema, connection, data, record_id=None,
                             error=error, status=422, nav=navigation(platform, schema, actor),
                             back=back_to(form.get("next")))  # fmt: skip
    return redirect(request, back_to(form.get("next")) or f"/records/{object_name}/{record['id']}")


def similar_records(platform: Platform, actor: Actor, object_name: str, values: dict[str, Any]) -> list[Any]:
    """What the modules find that the new record may duplicate (only records the user may read)."""
    return [similar for module in platform.modules if object_name in module.similar_records
            for similar in module.similar_records[object_name](platform, actor, values)]  # fmt: skip


def back_to(target: Any) -> str | None:
    """A page on this site to return to after saving, or None (an address elsewhere is never followed)."""
    if not isinstance(target, str) or not target:
        return None
    return target if safe_next(target) == target else None


@router.get("/records/{object_name}/{record_id}/edit")
def edit_form(object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, object_name, "edit") as (connection, actor, schema, definition):
        record = read_record(platform, connection, schema, actor, definition, record_id)
        return form_page(request, user, definition, schema, connection, record, record_id=record_id,
                         nav=navigation(platform, schema, actor))  # fmt: skip


@router.post("/records/{object_name}/{record_id}/edit")
async def update(
    object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)
) -> Response:
    platform = platform_of(request)
    form = await request.form()
    with platform.records.reading(user.actor) as (_connection, _actor, schema):
        definition = schema.object(object_name)
    data = forms.read_form(form, forms.form_fields(definition))
    version = str(form.get("version") or "")
    try:
        platform.records.update(user.actor, object_name, record_id, data, int(version) if version.isdigit() else None)
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        with platform.records.reading(user.actor) as (connection, actor, schema):
            definition = schema.object(object_name)
            theirs = None
            values = {**data, "version": version}
            if error.status == 409:  # show what the other person saved beside what this one typed
                theirs = read_record(platform, connection, schema, actor, definition, record_id)
                values["version"] = theirs.get("version")
            return form_page(request, user, definition, schema, connection, values, record_id=record_id,
                             error=error, theirs=theirs, status=error.status if error.status == 409 else 422,
                             nav=navigation(platform, schema, actor))  # fmt: skip
    return redirect(request, f"/records/{object_name}/{record_id}")


@router.post("/records/{object_name}/{record_id}/delete")
def delete(object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform_of(request).records.delete(user.actor, object_name, record_id)
    return redirect(request, f"/records/{object_name}?deleted={record_id}")


@router.post("/records/{object_name}/{record_id}/restore")
def restore(object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform_of(request).records.restore(user.actor, object_name, record_id)
    return redirect(request, f"/records/{object_name}/{record_id}")


def record_actions(platform: Platform, object_name: str, record: dict[str, Any]) -> list[tuple[str, str]]:
    """The modules' buttons for this record: (label, address)."""
    return [
        (localized(action.label, action.url), action.url.format(id=record["id"]))
        for module in platform.modules
        for action in module.record_actions
        if action.object == object_name and action.shown_for(record)
    ]


def record_panels(part: PagePart) -> list[Markup]:
    """The modules' panels for this record page, in the modules' order (each renders its own, already escaped)."""
    assert part.definition is not None
    shown = []
    for module in part.platform.modules:
        for panel in module.record_panels:
            if panel.objects is None or part.definition.name in panel.objects:
                html = panel.render(part)
                if html:
                    shown.append(Markup(html))  # the module's own template output, escaped there
    return shown


# After /new: a path parameter would otherwise take "new" for a record id.
@router.get("/records/{object_name}/{record_id}")
def record_page(object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.transaction(user.actor) as context:
        connection, actor, schema = context.connection, context.actor, context.schema
        definition = schema.object(object_name)
        platform.access.check_object(actor, definition, "read")
        record = read_record(platform, connection, schema, actor, definition, record_id)
        all_fields = list(definition.fields.values())
        names = cells.user_names(connection, cells.users_on([record], all_fields))
        shown = {f.name: cells.cell(schema, f, record, names) for f in all_fields}
        hidden = [name for name in platform.cache.current(connection).object(object_name).fields
                  if name not in definition.fields]  # fmt: skip
        changes = cells.shown_changes(connection, schema, definition,
                                history.history_of(connection, object_name, record_id, limit=50, hidden=hidden))  # fmt: skip
        changed_by = cells.user_names(connection, [c["changed_by"] for c in changes])
        shares = sharing.list_shares(connection, object_name, record_id)
        principals = cells.principal_names(connection, shares)
        recent.remember(connection, actor.user_id, object_name, record_id, context.now)
        context_values = {
            "definition": definition, **labels(definition), "record": record, "shown": shown,
            "details": definition.user_fields,
            "system": [definition.fields[n] for n in ("owner", "created_by", "created_at", "updated_by", "updated_at")
                       if n in definition.fields],
            "key_fields": [f for f in cells.default_columns(definition)[1:5]],
            "related": related_lists(platform, connection, schema, actor, definition, record_id),
            "changes": changes, "changed_by": changed_by, "shares": shares, "principals": principals,
            "field_label": field_label,
            "title": shown[definition.title_field].text if definition.title_field in shown else f"#{record_id}",
            "may_edit": platform.access.may(actor, definition, "edit"),
            "may_delete": platform.access.may(actor, definition, "delete"),
            "actions": record_actions(platform, object_name, record),
            "panels": record_panels(PagePart(platform, request, user, connection, actor, schema, definition, record)),
            "nav": navigation(platform, schema, actor),
        }  # fmt: skip
    return render(request, "record.html", context_values, user=user)
