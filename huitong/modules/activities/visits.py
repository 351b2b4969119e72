"""Visit check-in and check-out (ACT-2): the time, where the browser says the person is (when they let it), and the
address typed or picked. A write through the record service as the person, so only who may edit the event checks in.
Checking in moves the account's last contact (the roll-up hooks)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from huitong.engine.errors import FieldError, conflict, validation_failed
from huitong.engine.i18n import _
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.records.values import Record


def coordinate(raw: str | None, name: str, limit: int) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        value = Decimal(limit + 1)
    if not value.is_finite() or abs(value) > limit:
        message = _("The location could not be read. Try again or type the address.")
        raise validation_failed([FieldError(name, "invalid_value", message)])
    return round(value, 6)


def check_in(platform: Platform, actor: Actor, event_id: int, latitude: str | None, longitude: str | None,
             address: str | None) -> Record:  # fmt: skip
    values: dict[str, Any] = {
        "check_in_latitude": coordinate(latitude, "check_in_latitude", 90),
        "check_in_longitude": coordinate(longitude, "check_in_longitude", 180),
        "check_in_address": (address or "").strip()[:255] or None,
    }
    with platform.records.transaction(actor) as context:
        event = platform.records.visible_row(context.connection, context.schema, context.actor,
                                             context.schema.object("event"), event_id)  # fmt: skip
        if event.get("check_in_at") is not None:
            raise conflict(_("You have already checked in to this visit."), code="checked_in")
        values["check_in_at"] = context.now
        return platform.records.update_in(context, "event", event_id, values, None)


def check_out(platform: Platform, actor: Actor, event_id: int) -> Record:
    with platform.records.transaction(actor) as context:
        event = platform.records.visible_row(context.connection, context.schema, context.actor,
                                             context.schema.object("event"), event_id)  # fmt: skip
        if event.get("check_in_at") is None:
            raise conflict(_("Check in first."), code="not_checked_in")
        if event.get("check_out_at") is not None:
            raise conflict(_("You have already checked out of this visit."), code="checked_out")
        return platform.records.update_in(context, "event", event_id, {"check_out_at": context.now}, None)
