"""Bulk actions on a list's selected rows (edit one field, change the owner, delete, undo the delete) and export of
the list as CSV or Excel.

Every bulk action is all or nothing: one transaction, and if any record fails (permission, validation, someone
else's change since the list was read) nothing is written and the page names each failing record and why. Edits
and owner changes go through the record service's BulkWriter (the API's bulk update); deletes and their undo go
through the service's write path inside one ``records.transaction``. "All records matching this filter" takes at
most ``bulk.MAX_RECORDS`` records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.datastructures import FormData
from starlette.responses import Response, StreamingResponse

from huitong.engine.api.support import platform_of
from huitong.engine.errors import FieldError, HuitongError, bad_request, not_found
from huitong.engine.i18n import _, localized
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.records.bulk import MAX_RECORDS, BulkWriter
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import recycle_bin
from huitong.engine.web import export, forms
from huitong.engine.web.listing_state import ListState
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.pages_list import list_state
from huitong.engine.web.render import field_label, navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
SHOWN_FAILURES = 100  # the failing records a page lists by name; the rest are counted


async def posted_form(request: Request) -> FormData:
    return await request.form()


def bulk_fields(definition: ObjectDef) -> list[FieldDef]:
    """Fields one value can be given to many records at once: editable, not unique (every record would then clash),
    not the owner (that is "Change owner", with its own rules)."""
    return [f for f in forms.form_fields(definition) if f.writable and not f.unique and f.name != "owner"]


class Failed(Exception):
    """Nothing was written: ``failures`` are (record id, messages) of each failing record among ``total``."""

    def __init__(self, failures: list[tuple[int, list[str]]], total: int, back: str) -> None:
        super().__init__("bulk action failed")
        self.failures, self.total, self.back = failures, total, back


# -- which records ---------------------------------------------------------------------------------------------
def selected_ids(form: FormData) -> list[tuple[int, int | None]]:
    """The ticked rows with the version each had when the list was read (so a change since then is caught)."""
    chosen: dict[int, int | None] = {}
    for raw in form.getlist("ids"):
        if isinstance(raw, str) and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**53:
            version = form.get(f"version_{raw}")
            chosen[int(raw)] = int(version) if isinstance(version, str) and version.isdigit() else None
    return list(chosen.items())


def matching_ids(platform: Platform, connection: Any, schema: Schema, actor: Actor, definition: ObjectDef,
                 state: ListState) -> list[tuple[int, int | None]]:  # fmt: skip
    """Every record of the list's filter the actor may read, at most ``MAX_RECORDS`` of them (more is refused)."""
    base = {**state.query(definition, ["id", "version"]), "limit": 1000}
    base.pop("cursor", None)
    env = platform.filter_env()
    total = Listing(schema, definition, actor, platform.access, env, {**base, "limit": 1, "count": True}).run(
        connection
    )
    if total["total"] > MAX_RECORDS:
        message = _("%(count)s records match; a bulk change takes at most %(limit)s. Narrow the filter first.")
        raise bad_request(message % {"count": f"{total['total']:,}", "limit": f"{MAX_RECORDS:,}"})
    found: list[tuple[int, int | None]] = []
    cursor = None
    while True:
        page = Listing(
            schema, definition, actor, platform.access, env, {**base, **({"cursor": cursor} if cursor else {})}
        )
        body = page.run(connection)
        found += [(int(r["id"]), None) for r in body["records"]]  # read just now: no older version to compare
        cursor = body["next_cursor"]
        if not cursor or len(found) > MAX_RECORDS:
            return found[:MAX_RECORDS]


def chosen_records(platform: Platform, user: PageUser, object_name: str, form: FormData,
                   action: str) -> tuple[list[tuple[int, int | None]], str]:  # fmt: skip
    """The records the action applies to, and the list's address to go back to afterwards."""
    with platform.records.reading_object(user.actor, object_name, action) as (connection, actor, schema, definition):
        state = list_state(connection, definition, user, parse_qsl(str(form.get("query") or "")))
        back = state.address(object_name, cursor=state.cursor)
        if form.get("all_matching") == "1":
            chosen = matching_ids(platform, connection, schema, actor, definition, state)
        else:
            chosen = selected_ids(form)
    if not chosen:
        raise bad_request(_("Select at least one record."))
    if len(chosen) > MAX_RECORDS:
        raise bad_request(_("A bulk change takes at most %(limit)s records.") % {"limit": f"{MAX_RECORDS:,}"})
    return chosen, back


def done(back: str, **values: Any) -> str:
    return back + ("&" if "?" in back else "?") + urlencode({f"bulk_{key}": value for key, value in values.items()})


# -- results ---------------------------------------------------------------------------------------------------
def messages(definition: ObjectDef, errors: Iterable[dict[str, Any]]) -> list[str]:
    shown = []
    for error in errors:
        name = error.get("field")
        field = definition.fields.get(name) if isinstance(name, str) else None
        prefix = f"{field_label(field)}: " if field is not None and name not in ("id", "version") else ""
        shown.append(prefix + str(error.get("message", "")))
    return shown


def writer_failures(definition: ObjectDef, chosen: list[tuple[int, int | None]],
                    results: list[dict[str, Any]]) -> list[tuple[int, list[str]]]:  # fmt: skip
    """The records BulkWriter refused ("not written because another failed" is not a reason of their own)."""
    failures = []
    for (record_id, _version), result in zip(chosen, results, strict=True):
        errors = [e for e in result.get("errors", []) if e.get("code") != "not_written"]
        if not result.get("ok") and errors:
            failures.append((record_id, messages(definition, errors)))
    return failures


def error_messages(definition: ObjectDef, error: HuitongError) -> list[str]:
    return messages(definition, [e.as_json() for e in error.errors]) if error.errors else [error.detail]


def titles(platform: Platform, connection: Any, schema: Schema, actor: Actor, definition: ObjectDef,
           ids: list[int]) -> dict[int, str]:  # fmt: skip
    """Titles of the records the actor may read; the others are named by their id only."""
    title = definition.title_field
    if not ids or title not in definition.fields:
        return {}
    query = {"filter": {"field": "id", "op": "in", "value": ids}, "fields": ["id", title], "limit": len(ids)}
    records = Listing(schema, definition, actor, platform.access, platform.filter_env(), query).run(connection)
    field = definition.fields[title]
    return {int(r["id"]): field.field_type.display(field, r.get(title)) for r in records["records"]}


def failure_page(request: Request, user: PageUser, object_name: str, heading: str, total: int,
                 failures: list[tuple[int, list[str]]], back: str) -> Response:  # fmt: skip
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        definition = schema.object(object_name)
        shown = failures[:SHOWN_FAILURES]
        named = titles(platform, connection, schema, actor, definition, [record_id for record_id, _m in shown])
        context = {
            "definition": definition, "heading": heading, "back": back, "total": total, "failed": len(failures),
            "failures": [(record_id, named.get(record_id) or f"#{record_id}", reasons) for record_id, reasons in shown],
            "more": max(0, len(failures) - SHOWN_FAILURES),
            "plural": localized(definition.plural_label, localized(definition.label, definition.name)),
        }  # fmt: skip
        if request.headers.get("hx-request") == "true":
            return render(request, "bulk_errors.html", context, user=user)  # swapped into the list page
        context["nav"] = navigation(platform, schema, actor)
    return render(request, "bulk_failed.html", context, user=user, status=422)


def acting(request: Request, user: PageUser, object_name: str, heading: str,
           work: Callable[[], str]) -> Response:  # fmt: skip
    """Run ``work`` (which returns the address to go on to); a refusal is shown on the list page (htmx) or on a
    page of its own, naming what failed."""
    try:
        address = work()
    except Failed as failed:
        return failure_page(request, user, object_name, heading, failed.total, failed.failures, failed.back)
    except HuitongError as error:
        if request.headers.get("hx-request") != "true" or error.status == 401:
            raise
        context = {"heading": heading, "detail": error.detail, "failures": [], "failed": 0, "more": 0, "total": 0,
                   "back": ""}  # fmt: skip
        return render(request, "bulk_errors.html", context, user=user)
    return redirect(request, address)


# -- edit and owner --------------------------------------------------------------------------------------------
@router.get("/records/{object_name}/bulk/{kind}")
def bulk_form(object_name: str, kind: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    """The inside of the bulk edit ("edit") or change-owner ("owner") dialog, loaded when it first opens."""
    if kind not in ("edit", "owner"):
        raise not_found()
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, object_name, "edit") as (connection, _actor, _schema, definition):
        context = {"kind": kind, "fields": bulk_fields(definition), "users": forms.active_users(connection),
                   "field_label": field_label, "definition": definition}  # fmt: skip
    return render(request, "bulk_form.html", context, user=user)


def write_all(platform: Platform, user: PageUser, object_name: str, chosen: list[tuple[int, int | None]],
              values: dict[str, Any], back: str) -> None:  # fmt: skip
    records = [{"id": record_id, **({"version": v} if v is not None else {}), **values} for record_id, v in chosen]
    failed, results = BulkWriter(platform.records).run(
        user.actor, object_name, {"operation": "update", "all_or_none": True, "records": records}
    )
    if failed:
        with platform.records.reading(user.actor) as (_connection, _actor, schema):
            definition = schema.object(object_name)
        raise Failed(writer_failures(definition, chosen, results), len(chosen), back)


@router.post("/records/{object_name}/bulk/edit")
def bulk_edit(object_name: str, request: Request, form: FormData = Depends(posted_form),
              user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    platform = platform_of(request)

    def work() -> str:
        chosen, back = chosen_records(platform, user, object_name, form, "edit")
        with platform.records.reading(user.actor) as (_connection, _actor, schema):
            fields = {f.name: f for f in bulk_fields(schema.object(object_name))}
        field = fields.get(str(form.get("bulk_field") or ""))
        if field is None:
            message = _("Choose a field to change.")
            raise bad_request(message, [FieldError("bulk_field", "required", message)])
        value = forms.read_form(form, [field]).get(field.name)
        write_all(platform, user, object_name, chosen, {field.name: value}, back)
        return done(back, done="updated", count=len(chosen))

    return acting(request, user, object_name, _("Bulk edit"), work)


@router.post("/records/{object_name}/bulk/owner")
def bulk_owner(object_name: str, request: Request, form: FormData = Depends(posted_form),
               user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    """Transfer: the same rules as the API's (whoever may manage each record's current owner; an active user)."""
    platform = platform_of(request)

    def work() -> str:
        chosen, back = chosen_records(platform, user, object_name, form, "edit")
        owner = str(form.get("owner") or "")
        if not (owner.isascii() and owner.isdigit()):
            message = _("Choose the new owner.")
            raise bad_request(message, [FieldError("owner", "required", message)])
        write_all(platform, user, object_name, chosen, {"owner": int(owner)}, back)
        return done(back, done="transferred", count=len(chosen))

    return acting(request, user, object_name, _("Change owner"), work)


# -- delete and undo -------------------------------------------------------------------------------------------
@router.post("/records/{object_name}/bulk/delete")
def bulk_delete(object_name: str, request: Request, form: FormData = Depends(posted_form),
                user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    """To the recycle bin, all in one transaction; the address carries the moment, which names them for Undo."""
    platform = platform_of(request)

    def work() -> str:
        chosen, back = chosen_records(platform, user, object_name, form, "delete")
        failures: list[tuple[int, list[str]]] = []
        with platform.records.transaction(user.actor) as context:
            definition = context.schema.object(object_name)
            platform.access.check_object(context.actor, definition, "delete")
            for record_id, version in chosen:
                try:
                    platform.records.delete_in(context, object_name, record_id, version)
                except HuitongError as error:
                    failures.append((record_id, error_messages(definition, error)))
            if failures:
                raise Failed(failures, len(chosen), back)  # rolls the deletes back
            moment = context.now
        batch = moment.astimezone(UTC).isoformat()
        return done(back, done="deleted", count=len(chosen), batch=batch)

    return acting(request, user, object_name, _("Delete"), work)


@router.post("/records/{object_name}/bulk/restore")
def bulk_restore(object_name: str, request: Request, form: FormData = Depends(posted_form),
                 user: PageUser = Depends(page_user)) -> Response:  # fmt: skip
    """Undo of a bulk delete: every record this user deleted from this object in that one transaction."""
    platform = platform_of(request)

    def work() -> str:
        try:
            moment = datetime.fromisoformat(str(form.get("batch") or ""))
        except ValueError:
            raise bad_request(_("These records are no longer in the recycle bin.")) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        with platform.records.reading(user.actor) as (connection, _actor, schema):
            definition = schema.object(object_name)
            back = list_state(connection, definition, user, parse_qsl(str(form.get("query") or ""))).address(
                object_name
            )
        failures: list[tuple[int, list[str]]] = []
        with platform.records.transaction(user.actor) as context:
            definition = context.schema.object(object_name)
            platform.access.check_object(context.actor, definition, "delete")
            ids = list(context.connection.execute(
                select(recycle_bin.c.record_id).where(
                    recycle_bin.c.object_name == object_name, recycle_bin.c.deleted_by == context.actor.user_id,
                    recycle_bin.c.deleted_at == moment,
                ).order_by(recycle_bin.c.record_id)
            ).scalars())  # fmt: skip
            if not ids:
                raise not_found(_("These records are no longer in the recycle bin."))
            for record_id in ids:
                try:
                    platform.records.restore_in(context, object_name, record_id)
                except HuitongError as error:
                    failures.append((record_id, error_messages(definition, error)))
            if failures:
                raise Failed(failures, len(ids), back)
        return done(back, done="restored", count=len(ids))

    return acting(request, user, object_name, _("Undo"), work)


# -- export ----------------------------------------------------------------------------------------------------
def export_state(request: Request, user: PageUser, object_name: str) -> ListState:
    platform = platform_of(request)
    with platform.records.reading_object(user.actor, object_name) as (connection, _actor, _schema, definition):
        state = list_state(connection, definition, user, list(request.query_params.multi_items()))
    state.cursor = None  # every page, not the one on screen
    return state


def attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store"}  # fmt: skip


@router.get("/records/{object_name}/export.csv")
def export_csv(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    plan = export.prepare(platform, user, object_name, export_state(request, user, object_name), "csv")
    name = export.filename(object_name, "csv", platform.now().astimezone(user.zone).date())
    return StreamingResponse(export.csv_chunks(platform, user, plan), media_type="text/csv; charset=utf-8",
                             headers=attachment(name))  # fmt: skip


@router.get("/records/{object_name}/export.xlsx")
def export_xlsx(object_name: str, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    plan = export.prepare(platform, user, object_name, export_state(request, user, object_name), "xlsx")
    file = export.xlsx_file(platform, user, plan)
    name = export.filename(object_name, "xlsx", platform.now().astimezone(user.zone).date())
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return StreamingResponse(export.file_chunks(file), media_type=media, headers=attachment(name))
