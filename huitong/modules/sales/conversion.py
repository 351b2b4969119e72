"""Lead conversion (LEAD-5): a lead becomes an account, a contact and perhaps an opportunity, in one transaction.

Everything is written through the record service, so the user's access decides: they must be able to edit the lead,
create what is new and read what they link to. Standard fields map as a sales user expects; custom fields follow
the administrator's mappings (the ``lead_mapping`` object).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from huitong.engine.errors import FieldError, HuitongError, bad_request, conflict, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.records.values import record_json, row_values
from huitong.modules.sales.hooks_customers import acting

# target field ← lead field, for the standard fields (a field the target or the user's view lacks is left out)
ACCOUNT_FROM_LEAD = {
    "name": "company", "industry": "industry", "source": "source", "phone": "phone", "province": "province",
    "city": "city", "address": "address", "last_contacted_at": "last_follow_up_at",
}  # fmt: skip
CONTACT_FROM_LEAD = {
    "name": "name", "title": "title", "mobile": "mobile", "phone": "phone", "email": "email", "wechat": "wechat",
    "description": "description",
}  # fmt: skip
OPPORTUNITY_FROM_LEAD = {"source": "source", "campaign": "campaign"}
REQUEST_KEYS = {"account", "contact", "opportunity"}
OPPORTUNITY_KEYS = {"name", "amount", "close_date"}
MAX_ID = 2**53 - 1


@dataclass(frozen=True)
class ConversionRequest:
    account: int | None
    contact: int | None
    opportunity: dict[str, Any] | None


def read_request(body: Any) -> ConversionRequest:
    """``{"account": id | null, "contact": id | null, "opportunity": {...} | null}``; a missing key is null."""
    if not isinstance(body, dict):
        raise bad_request(_("Send a JSON object."))
    errors = [FieldError(key, "unknown_key", _("Unknown property.")) for key in sorted(set(body) - REQUEST_KEYS)]
    ids: dict[str, int | None] = {}
    for key in ("account", "contact"):
        value = body.get(key)
        if value is not None and not is_id(value):
            errors.append(FieldError(key, "invalid_type", _("Give the id of a record, or null to create one.")))
        ids[key] = value if is_id(value) else None
    opportunity = body.get("opportunity")
    if opportunity is not None and not isinstance(opportunity, dict):
        errors.append(FieldError("opportunity", "invalid_type", _("Give the opportunity's values, or null.")))
    elif opportunity is not None:
        errors += [
            FieldError(f"opportunity.{key}", "unknown_key", _("Unknown property."))
            for key in sorted(set(opportunity) - OPPORTUNITY_KEYS)
        ]
    if errors:
        raise bad_request(_("The conversion request is not valid."), errors, code="invalid_conversion")
    return ConversionRequest(ids["account"], ids["contact"], opportunity)


def is_id(value: Any) -> bool:
    """An id JSON clients can hold exactly; anything else is a bad request, not a database error."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def convert(platform: Platform, actor: Actor, lead_id: int, body: Any) -> dict[str, int | None]:
    """Convert the lead; returns ``{"account_id", "contact_id", "opportunity_id"}``. All or nothing."""
    request = read_request(body)
    records = platform.records
    with records.transaction(actor) as context, acting("convert"):
        schema = context.schema
        lead_definition = schema.object("lead")
        records.access.check_object(context.actor, lead_definition, "edit")
        row = records.load_for_write(context, lead_definition, lead_id, "edit")  # 404 / 403 as an edit would
        if row.get("status") == "converted":
            raise conflict(_("This lead has already been converted."), code="already_converted")
        lead = record_json(lead_definition, row_values(lead_definition, row))
        mapped = custom_mappings(platform, context)
        owner = owner_for(platform, context, lead.get("owner"))

        account_id = request.account
        if account_id is None:
            values = carried(lead, ACCOUNT_FROM_LEAD, schema.object("account"), mapped["account"])
            values["name"] = values.get("name") or lead.get("name")  # a person without a company: 个人客户
            account_id = created(platform, context, "account", {**values, "owner": owner})
        else:
            must_see(platform, context, "account", account_id)

        contact_id = request.contact
        if contact_id is None:
            values = carried(lead, CONTACT_FROM_LEAD, schema.object("contact"), mapped["contact"])
            contact_id = created(platform, context, "contact", {**values, "account": account_id, "owner": owner})
        else:
            linked = must_see(platform, context, "contact", contact_id)
            if linked.get("account") is None:  # a contact of no account joins the one the lead became
                records.update_in(context, "contact", contact_id, {"account": account_id}, None)

        opportunity_id = None
        if request.opportunity is not None:
            definition = schema.object("opportunity")
            values = carried(lead, OPPORTUNITY_FROM_LEAD, definition, mapped["opportunity"])
            values.update({key: value for key, value in request.opportunity.items() if value is not None})
            values["name"] = values.get("name") or lead.get("company") or lead.get("name")
            values["account"] = account_id
            for name in ("contact", "primary_contact"):  # the person the deal is with, where the object has it
                field = definition.fields.get(name)
                if field is not None and field.options.get("target") == "contact" and field.writable:
                    values[name] = contact_id
            opportunity_id = created(platform, context, "opportunity", {**values, "owner": owner})

        records.update_in(context, "lead", lead_id, {
            "status": "converted", "converted_account": account_id, "converted_contact": contact_id,
            "converted_opportunity": opportunity_id, "converted_at": context.now.isoformat(),
        }, row["version"])  # fmt: skip
    return {"account_id": account_id, "contact_id": contact_id, "opportunity_id": opportunity_id}


def carried(
    lead: Mapping[str, Any], standard: Mapping[str, str], target: ObjectDef, custom: Mapping[str, str]
) -> dict[str, Any]:
    """The target's values from the lead: standard fields, then the administrator's mappings (which win)."""
    values = {}
    for target_field, lead_field in [*standard.items(), *custom.items()]:
        field = target.fields.get(target_field)
        value = lead.get(lead_field)
        if field is not None and field.writable and value not in (None, "", []):
            values[target_field] = value
    return values


def custom_mappings(platform: Platform, context: WriteContext) -> dict[str, dict[str, str]]:
    """The administrator's mappings, target object → {target field: lead field}. Read whoever converts: they are
    configuration every conversion follows, not records the user browses."""
    found: dict[str, dict[str, str]] = {"account": {}, "contact": {}, "opportunity": {}}
    schema = platform.cache.current(context.connection, context.schema.version)
    table = schema.table("lead_mapping")
    query = select(table.c.lead_field, table.c.target, table.c.target_field).where(table.c.deleted_at.is_(None))
    for lead_field, target, target_field in context.connection.execute(query.order_by(table.c.id)):
        if target in found:
            found[target][target_field] = lead_field
    return found


def owner_for(platform: Platform, context: WriteContext, lead_owner: Any) -> int:
    """What the lead becomes stays with the lead's owner when the user may give records to them; else the user's."""
    if isinstance(lead_owner, int) and lead_owner != context.actor.user_id:
        try:
            platform.access.check_owner(context.actor, context.schema.object("account"), None, lead_owner)
        except HuitongError:
            return context.actor.user_id
        return lead_owner
    return context.actor.user_id


def created(platform: Platform, context: WriteContext, object_name: str, values: dict[str, Any]) -> int:
    """Create one record; its field errors name the part of the request they belong to (``account.name``)."""
    try:
        record = platform.records.create_in(context, object_name, values)
    except HuitongError as error:
        error.errors = [
            FieldError(f"{object_name}.{item.field}" if item.field else object_name, item.code, item.message)
            for item in error.errors
        ]
        raise
    return int(record["id"])


def must_see(platform: Platform, context: WriteContext, object_name: str, record_id: int) -> dict[str, Any]:
    """The record to link to, if the user may read it; otherwise a field error on the request's key."""
    definition = context.schema.object(object_name)
    try:
        platform.access.check_object(context.actor, definition, "read")
        row = platform.records.visible_row(context.connection, context.schema, context.actor, definition, record_id)
    except HuitongError:
        message = _("This record does not exist or you may not see it.")
        raise validation_failed([FieldError(object_name, "not_found", message)]) from None
    return dict(row)
