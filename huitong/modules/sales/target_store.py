"""Entering and reading sales targets through the record service and the query engine, as the acting user."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules.sales.process_store import list_records, readable_by_everyone
from huitong.modules.sales.targets import period_kind, split_down

TARGET_KEYS = {"user", "department", "period", "amount", "split"}
FIELDS = ["user", "department", "period_type", "period", "amount", "version"]


def create_targets(platform: Platform, actor: Actor, body: Any) -> list[dict[str, Any]]:
    """``POST /api/v1/sales/targets``: one target, or with ``"split": true`` the period and every finer period
    below it with even shares (a year: its 4 quarters and 12 months), all or nothing."""
    if not isinstance(body, dict):
        raise validation_failed([FieldError(None, "invalid_body", _("Send a JSON object."))])
    unknown = set(body) - TARGET_KEYS
    if unknown:
        raise validation_failed([FieldError(sorted(unknown)[0], "unknown_key", _("Unknown property."))])
    period = str(body.get("period") or "")
    if period_kind(period) is None:
        message = _("Enter a period such as 2026, 2026-Q1 or 2026-03.")
        raise validation_failed([FieldError("period", "invalid_period", message)])
    try:
        amount = Decimal(str(body.get("amount")))
    except InvalidOperation:
        raise validation_failed([FieldError("amount", "invalid_type", _("Enter a number such as 1999.50."))]) from None
    if not amount.is_finite() or amount < 0:
        raise validation_failed([FieldError("amount", "invalid_type", _("Enter a number such as 1999.50."))])
    holder = {key: body[key] for key in ("user", "department") if body.get(key) is not None}
    parts = split_down(period, amount) if body.get("split") is True else [(period, amount)]
    with platform.records.transaction(actor) as context:
        readable_by_everyone(context, "sales_target")
        made = [
            platform.records.create_in(context, "sales_target", {**holder, "period": part, "amount": str(share)})
            for part, share in parts
        ]
    return [{key: record.json().get(key) for key in ("id", *FIELDS)} for record in made]


def read_targets(platform: Platform, actor: Actor, year: str | None) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"fields": FIELDS, "sort": ["period"]}
    if year:
        request["filter"] = {"field": "period", "op": "starts_with", "value": year[:4]}
    with platform.records.reading(actor) as (connection, bound, schema):
        platform.access.check_object(bound, schema.object("sales_target"), "read")
        return list_records(connection, schema, bound, platform.access, platform.filter_env(), "sales_target", request)
