"""A stored notification as its reader sees it: the msgid translated in the reader's language when it is shown or
sent (not when it was stored: a colleague who switches to English reads last week's notices in English too), with
its parameters filled in."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

# Stored msgids were marked with N_ where they were written (and extracted there); here they are only looked up.
from huitong.engine.i18n import gettext as translate_stored
from huitong.engine.i18n import use_locale


class Params(dict[str, str]):
    """Parameters that leave an unknown ``%(name)s`` empty instead of failing: a message whose sender forgot one
    still reads, and an older notice still shows after its message gained a parameter."""

    def __missing__(self, key: str) -> str:
        return ""


def params_of(raw: Any) -> dict[str, str]:
    if not raw:
        return {}
    try:
        loaded = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return {}
    if not isinstance(loaded, dict):
        return {}
    return {str(name): "" if value is None else str(value) for name, value in loaded.items()}


def text(message: str, params: Mapping[str, str]) -> str:
    """``message`` translated in the current locale, its fields filled."""
    translated = translate_stored(message)
    try:
        return translated % Params(params)
    except (TypeError, ValueError):  # a stray "%" in a message that has no fields
        return translated


def shown(record: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """The notification as the API and pages give it: ids, kind, the text in ``locale`` (the current one if None),
    the link to open, and whether it has been read."""
    params = params_of(record.get("params"))
    if locale is None:
        rendered = text(str(record.get("message") or ""), params)
    else:
        with use_locale(locale):
            rendered = text(str(record.get("message") or ""), params)
    return {
        "id": record["id"],
        "kind": record.get("kind"),
        "text": rendered,
        "message": record.get("message"),
        "params": params,
        "body": record.get("body"),
        "object": record.get("target_object"),
        "record_id": record.get("target_id"),
        "link": record.get("link"),
        "actor": record.get("actor"),
        "created_at": record.get("created_at"),
        "read_at": record.get("read_at"),
        "read": record.get("read_at") is not None,
    }
