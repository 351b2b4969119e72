"""Duplicate rules for leads, accounts and contacts: the same phone number (digits only), the same email (case
ignored) or the same company name (legal form ignored: 有限公司, 集团, Co., Ltd. …).

Candidates come from the global search index (phone digits and names are already normalized there, and a
lookup is one range scan); they are then read through the query engine, so only records the user may read are
offered, and kept when their normalized values really are equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection

from huitong.engine.errors import bad_request
from huitong.engine.i18n import _
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform, SimilarFinder, SimilarRecord
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor
from huitong.engine.search.query import MAX_LIMIT, search
from huitong.engine.search.terms import normalize_query

# What each field is compared as; fields of the same kind match across each other (a mobile equal to a phone).
RULES: dict[str, dict[str, str]] = {
    "lead": {"company": "company", "mobile": "phone", "phone": "phone", "email": "email"},
    "account": {"name": "company", "phone": "phone"},
    "contact": {"mobile": "phone", "phone": "phone", "email": "email"},
}
# Legal forms and their abbreviations, longest first, removed from the end of a name again and again
# ("某某集团股份有限公司" → "某某"). Parenthesized regions such as "（中国）" stay: they name a different company.
_FORMS = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "(集团)", "集团", "总公司", "公司", "股份公司",
    "co., ltd.", "co.,ltd.", "co. ltd.", "co ltd", "co., ltd", "company limited", "limited", "ltd.", "ltd",
    "corporation", "corp.", "corp", "incorporated", "inc.", "inc", "llc", "gmbh", "group", "holdings", "co.",
    "co", "company", "(group)",
)  # fmt: skip
LEGAL_FORMS = sorted(_FORMS, key=len, reverse=True)
SEPARATORS = re.compile(r"[\s,.，。、·\-_&]+$")


def phone_key(value: Any) -> str | None:
    """Digits only, the country code of China and the extension left out: "+86 138-0013-8000" = "13800138000"."""
    if not value:
        return None
    main = re.split(r"(?:ext\.?|x|转)", unicodedata.normalize("NFKC", str(value)), maxsplit=1, flags=re.I)[0]
    digits = "".join(character for character in main if character.isdigit())
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            digits = digits[len(prefix) :]
    return digits if len(digits) >= 5 else None


def email_key(value: Any) -> str | None:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    return text or None


def company_key(value: Any) -> str | None:
    """The name without its legal form, in lower case, without spaces and punctuation."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    changed = True
    while changed and text:
        changed = False
        text = SEPARATORS.sub("", text)
        for form in LEGAL_FORMS:
            rest = text[: -len(form)]
            # A Latin form is a word of its own ("Acme Co." but not "Costco").
            if text.endswith(form) and rest and (not form.isascii() or not rest[-1].isalnum()):
                text = rest
                changed = True
                break
    core = normalize_query(text)
    return core or None


KEYS: dict[str, Callable[[Any], str | None]] = {"phone": phone_key, "email": email_key, "company": company_key}


def search_text(kind: str, key: str) -> str:
    """What to look the key up by in the search index (its terms start with it)."""
    return key if kind != "email" else normalize_query(key)


def read_values(object_name: str, values: Any) -> dict[str, Any]:
    if object_name not in RULES:
        raise bad_request(_("Duplicates are checked for leads, accounts and contacts."), code="unknown_object")
    if not isinstance(values, dict):
        raise bad_request(_("Send a JSON object."))
    return values


def find(
    platform: Platform, actor: Actor, object_name: str, values: Mapping[str, Any], exclude: int | None = None
) -> list[dict[str, Any]]:
    """Records of ``object_name`` the user may read that look like ``values``: ``[{"id", "title", "fields",
    "record"}]``, where ``fields`` names the rule fields that matched, most matches first."""
    rules = RULES[object_name]
    wanted: dict[str, set[str]] = {}  # kind → keys
    for name, kind in rules.items():
        key = KEYS[kind](values.get(name))
        if key:
            wanted.setdefault(kind, set()).add(key)
    if not wanted:
        return []
    candidates: set[int] = set()
    for kind, keys in wanted.items():
        for key in keys:
            hits = search(platform.records, actor, search_text(kind, key), MAX_LIMIT, [object_name])
            candidates.update(hit.id for hit in hits)
    candidates.discard(exclude or 0)
    if not candidates:
        return []
    with platform.records.reading(actor) as (connection, actor, schema):
        return matching(platform, connection, schema, actor, object_name, sorted(candidates), wanted)


def matching(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, object_name: str, ids: list[int],
    wanted: Mapping[str, set[str]],
) -> list[dict[str, Any]]:  # fmt: skip
    definition = schema.object(object_name)
    rules = {name: kind for name, kind in RULES[object_name].items() if name in definition.fields}
    request = {"filter": {"field": "id", "op": "in", "value": ids}, "limit": len(ids), "sort": ["id"]}
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), request)
    found = []
    for record in listing.run(connection)["records"]:
        fields = [name for name, kind in rules.items() if KEYS[kind](record.get(name)) in wanted.get(kind, ())]
        if fields:
            title = record.get(definition.title_field) or f"#{record['id']}"
            found.append({"id": record["id"], "title": title, "fields": fields, "record": record})
    found.sort(key=lambda match: (-len(match["fields"]), match["id"]))
    return found


def similar_finder(object_name: str) -> SimilarFinder:
    """The create form's warning for ``object_name``: at most five records the user may read that look alike."""

    def similar(platform: Platform, actor: Actor, values: Mapping[str, Any]) -> list[SimilarRecord]:
        found = find(platform, actor, object_name, values)[:5]
        return [SimilarRecord(match["id"], str(match["title"]), tuple(match["fields"])) for match in found]

    return similar


SIMILAR = {name: similar_finder(name) for name in RULES}
