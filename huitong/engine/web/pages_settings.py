"""Settings for administrators: the object manager's objects (list, create a custom object, change, delete).

Every change goes through the metadata service the API uses (``huitong.engine.meta.service``); the pages only turn
form posts into the same request shapes and show the service's errors beside the inputs they concern.
Fields are in ``pages_settings_fields``, users and the organization in ``pages_settings_users``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from huitong.engine.api.support import platform_of, require_admin
from huitong.engine.errors import FieldError, HuitongError, validation_failed
from huitong.engine.i18n import LOCALES, _, localized
from huitong.engine.meta import service, specs
from huitong.engine.meta.model import CUSTOM_PREFIX, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.render import NavGroup, navigation, render
from huitong.engine.web.session import PageUser, page_user

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Errors a form shows beside its inputs; anything else (403, 404 …) is an error page.
FORM_STATUSES = (400, 409, 422)
TITLE_TYPES = ("text", "auto_number")


async def admin_user(user: PageUser = Depends(page_user)) -> PageUser:
    """The signed-in administrator; anyone else gets the 403 page (the same check as the API's)."""
    require_admin(user.actor)
    return user


def admin_schema(platform: Platform, user: PageUser) -> tuple[Schema, list[NavGroup]]:
    """Every object and field as stored (no field-level security applies to setup), and the sidebar."""
    with platform.records.reading(user.actor) as (connection, actor, schema):
        return platform.cache.current(connection), navigation(platform, schema, actor)


def object_or_404(schema: Schema, object_name: str) -> ObjectDef:
    return schema.object(object_name)  # raises not_found with the API's message


def form_text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def form_labels(form: FormData, prefix: str) -> dict[str, str] | None:
    """``{prefix}_zh_CN`` and ``{prefix}_en`` as a labels mapping, without the blank ones (None when both are)."""
    labels = {locale: form_text(form, f"{prefix}_{locale}") for locale in LOCALES}
    return {locale: text for locale, text in labels.items() if text} or None


def label_values(prefix: str, labels: Mapping[str, str] | None) -> dict[str, str]:
    """A stored labels mapping as the form's ``{prefix}_{locale}`` inputs."""
    return {f"{prefix}_{locale}": (labels or {}).get(locale, "") for locale in LOCALES}


def slug(text: str) -> str:
    """An API name from a label: lower-case ASCII letters, digits and _ (the browser suggests the same)."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if name and not name[0].isalpha():
        name = "n_" + name
    return name[:60]


def api_name(typed: str, *fallbacks: str) -> str:
    """The custom name for what was typed (the x_ prefix added when missing), else one made from a label."""
    name = typed.strip().lower()
    if not name:
        name = next((slug(text) for text in fallbacks if slug(text)), "")
        if not name:
            return ""
    return name if name.startswith(CUSTOM_PREFIX) else CUSTOM_PREFIX + name


def errors_by_input(error: HuitongError | None, renames: Mapping[str, str] | None = None) -> dict[str, str]:
    """The service's field errors keyed by the form input they concern (``renames`` maps service keys)."""
    found: dict[str, str] = {}
    for item in error.errors if error else []:
        if item.field:
            key = (renames or {}).get(item.field, item.field)
            found.setdefault(key, item.message)
    return found


def general_errors(
    error: HuitongError | None, shown: Mapping[str, str], renames: Mapping[str, str] | None = None
) -> list[str]:
    """Messages that no input shows: the error's own, or those of field errors without a place on the form."""
    if error is None:
        return []
    placed = set(shown.values())
    loose = [
        item.message
        for item in error.errors
        if item.message not in placed and (not item.field or (renames or {}).get(item.field, item.field) not in shown)
    ]
    return loose or ([error.detail] if not shown else [])


def missing_labels(
    errors: dict[str, str], labels: Mapping[str, Mapping[str, str] | None], names: Mapping[str, str] | None = None
) -> None:
    """Say in words what a blank pair of label inputs or a blank API name needs (the API's words are for JSON)."""
    for key, given in labels.items():
        if not given:
            errors[key] = _("Enter a label in Chinese, English or both.")
    for key, name in (names or {}).items():
        if not name:
            errors[key] = _("Enter an API name, or an English label to make one from.")


# The order the field types are offered in: the everyday ones first; a type added later comes at the end.
TYPE_ORDER = ("text", "long_text", "integer", "decimal", "currency", "percent", "date", "datetime", "boolean",
              "picklist", "multi_picklist", "lookup", "user", "email", "phone", "url", "auto_number")  # fmt: skip


def type_label(kind: str) -> str:
    names = {
        "text": _("Text"), "long_text": _("Long text"), "integer": _("Whole number"), "decimal": _("Decimal"),
        "currency": _("Currency"), "percent": _("Percent"), "date": _("Date"), "datetime": _("Date and time"),
        "boolean": _("Checkbox"), "picklist": _("Picklist"), "multi_picklist": _("Multi-select picklist"),
        "lookup": _("Lookup relationship"), "user": _("User"), "email": _("Email"), "phone": _("Phone"),
        "url": _("URL"), "auto_number": _("Auto number"), "id": _("Record id"),
    }  # fmt: skip
    return names.get(kind, kind)


def object_label(definition: ObjectDef) -> str:
    return localized(definition.label, definition.name)


# -- pages -----------------------------------------------------------------------------------------------------
@router.get("/settings")
def settings_home(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    return redirect(request, "/settings/objects")


@router.get("/settings/objects")
def objects_page(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    schema, nav = admin_schema(platform_of(request), user)
    objects = sorted(schema.objects.values(), key=lambda d: (d.is_custom, object_label(d)))
    context = {"nav": nav, "objects": objects, "object_label": object_label, "tab": "objects"}
    return render(request, "settings/objects.html", context, user=user)


def new_object_page(request: Request, user: PageUser, nav: list[NavGroup], values: Mapping[str, str],
                    error: HuitongError | None = None, errors: Mapping[str, str] | None = None) -> Response:  # fmt: skip
    shown = dict(errors or {})
    context = {
        "nav": nav, "values": values, "errors": shown, "general": general_errors(error, shown), "tab": "objects",
        "title_types": [(kind, type_label(kind)) for kind in TITLE_TYPES],
    }  # fmt: skip
    return render(request, "settings/object_new.html", context, user=user, status=422 if error else 200)


@router.get("/settings/objects/new")
def new_object_form(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    _schema, nav = admin_schema(platform_of(request), user)
    values = {"title_name": "x_name", "title_label_zh_CN": "名称", "title_label_en": "Name", "title_type": "text"}
    return new_object_page(request, user, nav, values)


def object_request(form: FormData) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The object and its title field as the metadata API takes them, and the form's values to show again."""
    values = {key: form_text(form, key) for key in form if key != "csrf_token"}
    name = api_name(values.get("name", ""), values.get("label_en", ""))
    title_name = api_name(values.get("title_name", ""), values.get("title_label_en", ""), "name")
    values.update(name=name, title_name=title_name)
    kind = values.get("title_type") if values.get("title_type") in TITLE_TYPES else "text"
    title: dict[str, Any] = {"name": title_name, "type": kind, "label": form_labels(form, "title_label")}
    if kind == "text":
        title["required"] = True
    else:
        title["pattern"] = values.get("title_pattern", "")
    body = {"name": name, "label": form_labels(form, "label"), "title_field": title_name, "fields": [title]}
    plural = form_labels(form, "plural")
    if plural:
        body["plural_label"] = plural
    return body, title, values


@router.post("/settings/objects/new")
async def create_object(request: Request, user: PageUser = Depends(admin_user)) -> Response:
    platform = platform_of(request)
    body, title, values = object_request(await request.form())
    title_inputs = {"name": "title_name", "label": "title_label", "pattern": "title_pattern", "type": "title_type"}
    # The object and its title field read alone first, so that all their errors show at once and apart.
    errors: dict[str, str] = {}
    for check, renames in (
        (lambda: specs.read_object({**body, "fields": []}, custom=True), {"plural_label": "plural"}),
        (lambda: specs.read_field(title, custom=True, position=0), title_inputs),
    ):
        try:
            check()
        except HuitongError as error:
            errors.update({key: text for key, text in errors_by_input(error, renames).items() if key not in errors})
    missing_labels(
        errors,
        {"label": body["label"], "title_label": title["label"]},
        {"name": body["name"], "title_name": title["name"]},
    )
    if errors:
        _schema, nav = admin_schema(platform, user)
        return new_object_page(request, user, nav, values, validation_failed([]), errors)
    try:
        await run_in_threadpool(service.create_object, platform.db, body, user.actor.user_id)
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        renames = {"plural_label": "plural", "title_field": "title_name", str(title["name"]): "title_name"}
        renames.update({f"{title['name']}.{key}": value for key, value in title_inputs.items()})
        _schema, nav = admin_schema(platform, user)
        return new_object_page(request, user, nav, values, error, errors_by_input(error, renames))
    return redirect(request, f"/settings/objects/{body['name']}?done=object_created")


NOTICES = {
    "object_created": lambda: _("The object was created. It is in the sidebar now; add its fields here."),
    "object_saved": lambda: _("The object was saved."),
    "field_created": lambda: _("The field was added."),
    "field_saved": lambda: _("The field was saved."),
    "field_deleted": lambda: _("The field was deleted."),
}


def object_page(request: Request, user: PageUser, object_name: str, *, values: Mapping[str, str] | None = None,
                error: HuitongError | None = None, errors: Mapping[str, str] | None = None) -> Response:  # fmt: skip
    schema, nav = admin_schema(platform_of(request), user)
    definition = object_or_404(schema, object_name)
    fields = sorted(definition.user_fields, key=lambda f: (f.position, f.name))
    titles = [f for f in fields if f.type not in ("multi_picklist", "long_text")]
    if values is None:
        values = {**label_values("label", definition.label), **label_values("plural", definition.plural_label),
                  "title_field": definition.title_field}  # fmt: skip
    done = request.query_params.get("done", "")
    shown = dict(errors or {})
    context = {
        "nav": nav, "tab": "objects", "definition": definition, "label": object_label(definition), "fields": fields,
        "system_fields": [f for f in definition.fields.values() if f.is_system], "title_choices": titles,
        "values": values, "errors": shown, "general": general_errors(error, shown), "type_label": type_label,
        "notice": NOTICES[done]() if done in NOTICES else None, "lookups_here": schema.lookups_to(object_name),
        "object_label": object_label, "labels": {name: object_label(d) for name, d in schema.objects.items()},
    }  # fmt: skip
    return render(request, "settings/object.html", context, user=user, status=422 if error else 200)


@router.get("/settings/objects/{object_name}")
def object_settings(object_name: str, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    return object_page(request, user, object_name)


@router.post("/settings/objects/{object_name}")
async def update_object(object_name: str, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    platform = platform_of(request)
    form = await request.form()
    values = {key: form_text(form, key) for key in form if key != "csrf_token"}
    body: dict[str, Any] = {"label": form_labels(form, "label"), "plural_label": form_labels(form, "plural")}
    if values.get("title_field"):
        body["title_field"] = values["title_field"]
    try:
        await run_in_threadpool(service.update_object, platform.db, object_name, body, user.actor.user_id)
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        errors = errors_by_input(error, {"plural_label": "plural"})
        missing_labels(errors, {"label": body["label"]})
        return object_page(request, user, object_name, values=values, error=error, errors=errors)
    return redirect(request, f"/settings/objects/{object_name}?done=object_saved")


@router.post("/settings/objects/{object_name}/delete")
async def delete_object(object_name: str, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    platform = platform_of(request)
    form = await request.form()
    if form_text(form, "confirm_name") != object_name:
        message = _("Type the object's API name to confirm that it and all its records are deleted.")
        error = HuitongError(message, [FieldError("confirm_name", "confirm", message)], status=422)
        return object_page(request, user, object_name, error=error, errors={"confirm_name": message})
    try:
        await run_in_threadpool(service.delete_object, platform.db, object_name, user.actor.user_id)
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        return object_page(request, user, object_name, error=error, errors={})
    return redirect(request, "/settings/objects")
