"""The sales module's customers routes: lead conversion, duplicate checks and merges (API), and the conversion page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from huitong.engine.api.support import PathId, current_actor, json_body, json_response, platform_of
from huitong.engine.errors import FieldError, HuitongError, bad_request, validation_failed
from huitong.engine.i18n import _, localized
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform, RecordAction
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import navigation, render
from huitong.engine.web.session import PageUser, page_user
from huitong.modules.sales import account_overview, conversion, duplicates, merge, merge_pages, visits

router = APIRouter()
pages = APIRouter(route_class=PageRoute, include_in_schema=False)
PLURALS = {"leads": "lead", "accounts": "account", "contacts": "contact"}
RECORD_ACTIONS = [
    RecordAction("lead", {"en": "Convert", "zh_CN": "转化"}, "/sales/leads/{id}/convert", {"status": "converted"}),
    RecordAction("account", {"en": "360° view", "zh_CN": "客户全景"}, "/sales/accounts/{id}/overview"),
    # a converted lead is history: its look-alikes are merged through what it became
    *(RecordAction(name, {"en": "Duplicates", "zh_CN": "查重"}, f"/sales/{name}/{{id}}/duplicates",
                   {"status": "converted"} if name == "lead" else {})
      for name in ("lead", "account", "contact")),
]  # fmt: skip


# -- API ---------------------------------------------------------------------------------------------------------
@router.post("/api/v1/sales/leads/{lead_id}/convert")
async def convert_lead(
    lead_id: PathId, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    """``{"account": id | null, "contact": id | null, "opportunity": {...} | null}`` → the ids it became."""
    result = await run_in_threadpool(conversion.convert, platform_of(request), actor, lead_id, body)
    return json_response(result)


@router.get("/api/v1/sales/duplicates/{object_name}")
def duplicates_by_query(object_name: str, request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """``?mobile=…&email=…&exclude=<id>`` → ``{"matches": [...]}``."""
    values: dict[str, Any] = dict(request.query_params)
    exclude = values.pop("exclude", None)
    if exclude is not None and not (exclude.isascii() and exclude.isdigit() and len(exclude) < 16):
        raise bad_request(
            _("Give the id of a record."), [FieldError("exclude", "invalid_type", _("Give the id of a record."))]
        )
    return check(platform_of(request), actor, object_name, values, int(exclude) if exclude else None)


@router.post("/api/v1/sales/duplicates/{object_name}/check")
async def duplicates_of_values(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    """The record's values (``id``: the record itself, left out of the matches) → ``{"matches": [...]}``."""
    values = duplicates.read_values(PLURALS.get(object_name, object_name), body)
    exclude = values.get("id") if conversion.is_id(values.get("id")) else None
    return await run_in_threadpool(check, platform_of(request), actor, object_name, values, exclude)


def check(platform: Platform, actor: Actor, object_name: str, values: Any, exclude: int | None) -> Response:
    """Matches among the same object; for a lead also the contacts and accounts it may already be (a lead from a
    customer is worth knowing about before anyone calls them)."""
    name = PLURALS.get(object_name, object_name)
    values = duplicates.read_values(name, values)
    body: dict[str, Any] = {"matches": duplicates.find(platform, actor, name, values, exclude)}
    if name == "lead":
        body["contacts"] = duplicates.find(platform, actor, "contact", values)
        body["accounts"] = duplicates.find(platform, actor, "account", {"name": values.get("company"),
                                                                        "phone": values.get("phone")})  # fmt: skip
    return json_response(body)


@router.post("/api/v1/sales/{object_name}/merge")
async def merge_records(
    object_name: str, request: Request, body: Any = Depends(json_body), actor: Actor = Depends(current_actor)
) -> Response:
    """``{"keep": id, "merge": [ids], "values": {field: id}}`` → ``{"id", "merged", "moved"}``."""
    name = PLURALS.get(object_name, object_name)
    return json_response(await run_in_threadpool(merge.merge, platform_of(request), actor, name, body))


# -- the conversion page -----------------------------------------------------------------------------------------
@pages.get("/sales/leads/{lead_id}/convert")
def conversion_page(lead_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    return show_conversion(request, user, lead_id)


@pages.post("/sales/leads/{lead_id}/convert")
async def convert_from_page(lead_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    form = await request.form()
    chosen = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    body = request_from_form(chosen)
    try:
        unpicked = [part for part in ("account", "contact") if chosen.get(part) == "other" and body[part] is None]
        if unpicked:  # "link to another" without choosing one: never quietly create a new record instead
            message = _("Choose the record to link to.")
            raise validation_failed([FieldError(part, "required", message) for part in unpicked])
        await run_in_threadpool(conversion.convert, platform_of(request), user.actor, lead_id, body)
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        return show_conversion(request, user, lead_id, error=error, chosen=chosen)
    return redirect(request, f"/records/lead/{lead_id}")


def request_from_form(form: dict[str, str]) -> dict[str, Any]:
    """The page's choices as the API's request: "new", or the id of a match, or "other" with a looked-up id."""
    body: dict[str, Any] = {}
    for part in ("account", "contact"):
        choice = form.get(part, "new")
        picked = form.get(f"{part}_other", "") if choice == "other" else choice
        body[part] = int(picked) if picked.isascii() and picked.isdigit() and len(picked) < 16 else None
    if form.get("create_opportunity"):
        body["opportunity"] = {key: form.get(f"opportunity_{key}") or None for key in ("name", "amount", "close_date")}
    return body


def show_conversion(
    request: Request, user: PageUser, lead_id: int, *, error: HuitongError | None = None,
    chosen: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        definition = schema.object("lead")
        platform.access.check_object(actor, definition, "read")
        fields = [name for name in definition.fields if name != "deleted_at"]
        fields += [f"{name}.{target}" for name, target in LINK_TITLES.items() if name in definition.fields]
        query = {"filter": {"field": "id", "op": "eq", "value": lead_id}, "fields": fields, "limit": 1}
        found = Listing(schema, definition, actor, platform.access, platform.filter_env(), query).run(connection)
        if not found["records"]:
            platform.records.visible_row(connection, schema, actor, definition, lead_id)  # 404 as a record page
        lead = found["records"][0]
        nav = navigation(platform, schema, actor)
        may_convert = platform.access.may(actor, definition, "edit")
    converted = lead.get("status") == "converted"
    matches: dict[str, list[dict[str, Any]]] = {"account": [], "contact": []}
    if not converted:
        matches = {
            "account": duplicates.find(platform, user.actor, "account", {"name": lead.get("company"),
                                                                         "phone": lead.get("phone")}),
            "contact": duplicates.find(platform, user.actor, "contact", {key: lead.get(key) for key in
                                                                         ("mobile", "phone", "email")}),
        }  # fmt: skip
    for part, found_matches in matches.items():
        labels = {name: localized(field.label, name) for name, field in schema.object(part).fields.items()}
        for match in found_matches:
            match["matched"] = "、".join(labels.get(name, name) for name in match["fields"])
    errors = {item.field: item.message for item in (error.errors if error else []) if item.field}
    context = {
        "lead": lead, "converted": converted, "matches": matches, "error": error, "errors": errors,
        "error_lines": error_lines(schema, error), "chosen": chosen or default_choices(lead, matches), "nav": nav,
        "may_convert": may_convert,
    }  # fmt: skip
    return render(request, "leads_convert.html", context, user=user, status=422 if error else 200)


LINK_TITLES = {"converted_account": "name", "converted_contact": "name", "converted_opportunity": "name"}


def default_choices(lead: dict[str, Any], matches: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Link to the closest match when there is one (a duplicate is harder to undo than a link), else create."""
    return {
        "account": str(matches["account"][0]["id"]) if matches["account"] else "new",
        "contact": str(matches["contact"][0]["id"]) if matches["contact"] else "new",
        "create_opportunity": "on", "opportunity_name": str(lead.get("company") or lead.get("name") or ""),
    }  # fmt: skip


def error_lines(schema: Schema, error: HuitongError | None) -> list[tuple[str, str]]:
    """The errors of the records conversion would create, as "Opportunity · Amount: …" (the account and contact
    choices show theirs beside them)."""
    lines = []
    for item in error.errors if error else []:
        if item.field in (None, "account", "contact"):
            continue
        object_name, _dot, field_name = str(item.field).partition(".")
        definition = schema.objects.get(object_name)
        field = definition.fields.get(field_name) if definition else None
        where = [localized(definition.label, object_name)] if definition else [object_name]
        where += [localized(field.label, field_name)] if field else [field_name] if field_name else []
        lines.append((" · ".join(where), item.message))
    return lines


# -- duplicates and merge page -----------------------------------------------------------------------------------
@pages.get("/sales/{object_name}/{record_id}/duplicates")
def duplicates_page(
    object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)
) -> Response:
    return merge_pages.show(request, user, object_name, record_id)


@pages.post("/sales/{object_name}/{record_id}/duplicates")
async def merge_from_page(
    object_name: str, record_id: PathId, request: Request, user: PageUser = Depends(page_user)
) -> Response:
    form = await request.form()
    merged = [
        int(v) for v in form.getlist("merge") if isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 16
    ]
    values = {
        key.removeprefix("take_"): int(value)
        for key, value in form.items()
        if key.startswith("take_")
        and isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) < 16
    }
    # a value picked from a record left unticked is not part of this merge
    values = {name: source for name, source in values.items() if source in merged}
    body = {"keep": record_id, "merge": merged, "values": values}
    try:
        await run_in_threadpool(merge.merge, platform_of(request), user.actor, object_name, body)
    except HuitongError as error:
        if error.status not in (400, 409, 422):
            raise
        return merge_pages.show(request, user, object_name, record_id, error=error)
    return redirect(request, f"/records/{object_name}/{record_id}")


router.include_router(pages)
router.include_router(account_overview.pages)
router.include_router(visits.router)
router.include_router(visits.pages)
