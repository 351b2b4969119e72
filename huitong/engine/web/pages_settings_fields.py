"""Settings: an object's fields. Add a custom field of any type, change a field, delete a custom field.

Each type's options come from its ``option_schema()``: the form shows one input per option the type declares, so a
new field type gets a working form without a change here (known options get friendlier inputs and words).
Picklist values are rows of code + label per language + active, in the order the rows are posted (drag to reorder).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from huitong.engine.api.support import platform_of
from huitong.engine.errors import FieldError, HuitongError, not_found, validation_failed
from huitong.engine.i18n import _, localized
from huitong.engine.meta import service
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.specs import USER_TYPES
from huitong.engine.meta.types import field_type
from huitong.engine.web.pages import PageRoute, redirect
from huitong.engine.web.pages_settings import (
    FORM_STATUSES,
    TYPE_ORDER,
    admin_schema,
    admin_user,
    api_name,
    errors_by_input,
    form_labels,
    form_text,
    general_errors,
    label_values,
    missing_labels,
    object_label,
    object_or_404,
    slug,
    type_label,
)  # fmt: skip
from huitong.engine.web.render import render
from huitong.engine.web.session import PageUser

router = APIRouter(route_class=PageRoute, include_in_schema=False)
FLAGS = ("required", "unique", "tracked")
CLEARABLE = frozenset({"min", "max"})  # an emptied input removes these options; others keep their value
PICKLIST_TYPES = frozenset({"picklist", "multi_picklist"})
BLANK_ROWS = 2


def option_specs(kind: str) -> list[dict[str, Any]]:
    """One input per option the type declares: its key, the control it needs, its label and a hint."""
    known = {
        "max_length": ("integer", _("Maximum length"), _("Characters; it can grow later but not shrink.")),
        "min": ("number", _("Minimum value"), ""),
        "max": ("number", _("Maximum value"), ""),
        "scale": ("integer", _("Decimal places"), _("From 0 to 8.")),
        "currency": ("text", _("Currency code"), _("Three capital letters, such as CNY or USD.")),
        "values": ("values", _("Picklist values"), ""),
        "target": ("target", _("Related object"), _("The object this field points to; it cannot be changed later.")),
        "master_detail": ("boolean", _("Master-detail relationship"),
                          _("Records of this object are seen and changed by whoever may see and change the related "
                            "record (its master).")),
        "pattern": ("text", _("Number pattern"), _("For example EQ-{YYYY}-{0000}: {0000} is the counter, {YYYY} "
                                                   "the year (the counter restarts each year).")),
    }  # fmt: skip
    found = []
    for key, schema in sorted(field_type(kind).option_schema().items(), key=lambda item: list(known).index(item[0])
                              if item[0] in known else len(known)):  # fmt: skip
        declared = schema.get("type")
        control, label, hint = known.get(key) or (
            "integer" if declared == "integer" else "boolean" if declared == "boolean" else "text",
            key,
            "",
        )
        found.append({"key": key, "control": control, "label": label, "hint": hint})
    return found


def no_such_field(field_name: str) -> HuitongError:
    return not_found(_("This object has no field named %(name)s.") % {"name": field_name[:63]})


def field_types() -> list[tuple[str, str]]:
    ordered = sorted(USER_TYPES, key=lambda k: TYPE_ORDER.index(k) if k in TYPE_ORDER else len(TYPE_ORDER))
    return [(kind, type_label(kind)) for kind in ordered]


# -- reading the form ------------------------------------------------------------------------------------------
def picklist_rows(form: FormData) -> list[dict[str, Any]]:
    """The posted value rows in order; a new row's code, when left blank, is made from its English label."""
    texts = [[value.strip() for value in form.getlist(key) if isinstance(value, str)]
             for key in ("pv_code", "pv_zh_CN", "pv_en")]  # fmt: skip
    existing = {value for value in form.getlist("pv_existing") if isinstance(value, str)}
    active = {value for value in form.getlist("pv_active") if isinstance(value, str)}
    rows = [
        {"code": code, "zh_CN": zh, "en": en, "existing": code in existing,
         "active": code in active or code not in existing}
        for code, zh, en in zip(*texts, strict=False) if code or zh or en
    ]  # fmt: skip
    used = {row["code"] for row in rows}
    for number, row in enumerate(rows, start=1):
        if not row["code"]:
            code = slug(row["en"]) or f"value_{number}"
            while code in used:
                code = f"{code}_{number}"
            row["code"] = code
            used.add(code)
    return rows


def picklist_values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    values = []
    for row in rows:
        entry: dict[str, Any] = {"value": row["code"], "active": bool(row["active"])}
        labels = {locale: row[locale] for locale in ("zh_CN", "en") if row[locale]}
        if labels:
            entry["label"] = labels
        values.append(entry)
    return values


def read_options(form: FormData, kind: str, before: FieldDef | None) -> tuple[dict[str, Any], list[FieldError]]:
    """The options of the type as the metadata API takes them, and the inputs that are not even numbers."""
    options: dict[str, Any] = {}
    errors = []
    for spec in option_specs(kind):
        key, control = spec["key"], spec["control"]
        text = form_text(form, f"opt_{key}")
        if control == "values":
            options[key] = picklist_values(picklist_rows(form))
        elif control == "target":
            if before is None:
                options[key] = text
        elif control == "boolean":
            options[key] = form.get(f"opt_{key}") == "true"
        elif not text:
            if before is not None and key in CLEARABLE and before.options.get(key) is not None:
                options[key] = None
        elif control == "integer":
            if text.lstrip("-").isdigit():
                options[key] = int(text)
            else:
                errors.append(FieldError(key, "invalid_type", _("Enter a whole number.")))
        else:
            options[key] = text
    return options, errors


def field_request(form: FormData, kind: str, before: FieldDef | None) -> tuple[dict[str, Any], list[FieldError]]:
    body: dict[str, Any] = {"label": form_labels(form, "label"), "help": form_labels(form, "help")}
    if before is None:
        body.update(type=kind, name=api_name(form_text(form, "name"), form_text(form, "label_en")))
    for flag in FLAGS:
        if flag != "unique" or field_type(kind).can_be_unique:
            body[flag] = form.get(flag) == "true"
    options, errors = read_options(form, kind, before)
    return {**body, **options}, errors


def posted_values(form: FormData) -> dict[str, str]:
    return {key: form_text(form, key) for key in form if key != "csrf_token" and not key.startswith("pv_")}


def stored_values(definition: FieldDef) -> dict[str, str]:
    values = {**label_values("label", definition.label), **label_values("help", definition.help)}
    values.update({flag: "true" if getattr(definition, flag) else "" for flag in FLAGS})
    for key, value in definition.options.items():
        if isinstance(value, bool):
            values[f"opt_{key}"] = "true" if value else ""
        elif value is not None and not isinstance(value, (list, dict)):
            values[f"opt_{key}"] = str(value)
    return values


def stored_rows(definition: FieldDef) -> list[dict[str, Any]]:
    return [
        {"code": entry["value"], "zh_CN": (entry.get("label") or {}).get("zh_CN", ""),
         "en": (entry.get("label") or {}).get("en", ""), "existing": True, "active": entry.get("active", True)}
        for entry in definition.options.get("values") or []
    ]  # fmt: skip


# -- pages -----------------------------------------------------------------------------------------------------
def options_context(definition: ObjectDef, objects: list[ObjectDef], kind: str, values: Mapping[str, str],
                    rows: list[dict[str, Any]], errors: Mapping[str, str], editing: bool) -> dict[str, Any]:  # fmt: skip
    if kind in PICKLIST_TYPES and not editing and not any(not row["existing"] for row in rows):
        rows = [*rows, *({"code": "", "zh_CN": "", "en": "", "existing": False, "active": True}
                         for _blank in range(BLANK_ROWS if rows else BLANK_ROWS + 1))]  # fmt: skip
    return {
        "kind": kind, "options": option_specs(kind), "values": values, "rows": rows, "errors": errors,
        "editing": editing, "can_be_unique": field_type(kind).can_be_unique, "definition": definition,
        "targets": sorted(objects, key=object_label), "object_label": object_label,
    }  # fmt: skip


def field_page(request: Request, user: PageUser, object_name: str, field_name: str | None, *, kind: str | None = None,
               values: Mapping[str, str] | None = None, rows: list[dict[str, Any]] | None = None,
               error: HuitongError | None = None, errors: Mapping[str, str] | None = None,
               delete_errors: list[str] | None = None) -> Response:  # fmt: skip
    schema, nav = admin_schema(platform_of(request), user)
    definition = object_or_404(schema, object_name)
    field = None
    if field_name is not None:
        field = definition.fields.get(field_name)
        if field is None or field.is_system:
            raise no_such_field(field_name)
        kind = field.type
    kind = kind if kind in USER_TYPES or field is not None else "text"
    assert kind is not None
    if values is None:
        values = stored_values(field) if field else {}
    if rows is None:
        rows = stored_rows(field) if field else []
    renames = {spec["key"]: f"opt_{spec['key']}" for spec in option_specs(kind)}
    shown = {renames.get(key, key): text for key, text in (errors or {}).items()}
    context = {
        "nav": nav, "tab": "objects", "definition": definition, "object_title": object_label(definition),
        "field": field, "types": field_types(), "type_label": type_label, "delete_errors": delete_errors or [],
        "general": general_errors(error, shown, renames), "localized": localized,
        **options_context(definition, list(schema.objects.values()), kind, values, rows, shown, field is not None),
    }  # fmt: skip
    status = 422 if error or delete_errors else 200
    return render(request, "settings/field_form.html", context, user=user, status=status)


@router.get("/settings/objects/{object_name}/fields/new")
def new_field_form(object_name: str, request: Request, type: str = "text",
                   user: PageUser = Depends(admin_user)) -> Response:  # fmt: skip
    return field_page(request, user, object_name, None, kind=type)


@router.get("/settings/objects/{object_name}/field-options")
def field_options(object_name: str, request: Request, type: str = "text",
                  user: PageUser = Depends(admin_user)) -> Response:  # fmt: skip
    """The type's option inputs, swapped into the new-field form when another type is chosen."""
    schema, _nav = admin_schema(platform_of(request), user)
    definition = object_or_404(schema, object_name)
    kind = type if type in USER_TYPES else "text"
    context = options_context(definition, list(schema.objects.values()), kind, {}, [], {}, False)
    return render(request, "settings/field_options.html", context, user=user)


async def save_field(request: Request, user: PageUser, object_name: str, field_name: str | None) -> Response:
    platform = platform_of(request)
    form = await request.form()
    schema, _nav = admin_schema(platform, user)
    before = object_or_404(schema, object_name).fields.get(field_name) if field_name else None
    if field_name is not None and (before is None or before.is_system):
        raise no_such_field(field_name)
    kind = before.type if before else form_text(form, "type")
    values, rows = posted_values(form), picklist_rows(form)
    if kind not in USER_TYPES:
        message = _("Choose a type for the field.")
        return field_page(request, user, object_name, None, values=values, rows=rows,
                          error=validation_failed([FieldError("type", "required", message)]),
                          errors={"type": message})  # fmt: skip
    body, problems = field_request(form, kind, before)
    values["name"] = str(body.get("name", ""))
    env = platform.filter_env()
    try:
        if problems:
            raise validation_failed(problems)
        if before is None:
            await run_in_threadpool(service.add_field, platform.db, object_name, body, user.actor.user_id, env)
        else:
            await run_in_threadpool(service.update_field, platform.db, object_name, before.name, body,
                                    user.actor.user_id, env)  # fmt: skip
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        errors = errors_by_input(error)
        missing_labels(errors, {"label": body["label"]}, {} if before else {"name": str(body.get("name", ""))})
        return field_page(request, user, object_name, field_name, kind=kind, values=values, rows=rows, error=error,
                          errors=errors)  # fmt: skip
    return redirect(request, f"/settings/objects/{object_name}?done=" + ("field_saved" if before else "field_created"))


@router.post("/settings/objects/{object_name}/fields/new")
async def create_field(object_name: str, request: Request, user: PageUser = Depends(admin_user)) -> Response:
    return await save_field(request, user, object_name, None)


@router.get("/settings/objects/{object_name}/fields/{field_name}")
def edit_field_form(object_name: str, field_name: str, request: Request,
                    user: PageUser = Depends(admin_user)) -> Response:  # fmt: skip
    return field_page(request, user, object_name, field_name)


@router.post("/settings/objects/{object_name}/fields/{field_name}")
async def update_field(object_name: str, field_name: str, request: Request,
                       user: PageUser = Depends(admin_user)) -> Response:  # fmt: skip
    return await save_field(request, user, object_name, field_name)


@router.post("/settings/objects/{object_name}/fields/{field_name}/delete")
async def delete_field(object_name: str, field_name: str, request: Request,
                       user: PageUser = Depends(admin_user)) -> Response:  # fmt: skip
    platform = platform_of(request)
    try:
        await run_in_threadpool(service.delete_field, platform.db, object_name, field_name, user.actor.user_id)
    except HuitongError as error:
        if error.status not in FORM_STATUSES:
            raise
        reasons = [item.message for item in error.errors] or [error.detail]
        return field_page(request, user, object_name, field_name, delete_errors=reasons)
    return redirect(request, f"/settings/objects/{object_name}?done=field_deleted")
