"""A list page's state, all in its address (so it can be bookmarked, shared and saved as a view): the filter as
``field__op=value`` pairs (the API's query-string form), ``sort``, ``columns``, ``cursor``, ``q`` and ``view``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from huitong.engine.api.routes_records import query_string_request
from huitong.engine.meta.model import ObjectDef

PAGE_SIZE = 50
# bulk_*: what the last bulk action did, for its message (pages_bulk); never a filter.
OWN_KEYS = {"view", "q", "columns", "cursor", "sort", "deleted", "bulk_done", "bulk_count", "bulk_batch"}


@dataclass
class ListState:
    conditions: list[tuple[str, str]] = field(default_factory=list)  # (field__op, value) as in the address
    sort: str | None = None
    columns: list[str] | None = None
    cursor: str | None = None
    text: str = ""
    view: int | None = None

    @classmethod
    def from_query(cls, params: list[tuple[str, str]]) -> ListState:
        state = cls()
        for key, value in params:
            if key == "view" and value.isascii() and value.isdigit():
                state.view = int(value)
            elif key == "q":
                state.text = value.strip()[:200]
            elif key == "columns":
                state.columns = [name for name in value.split(",") if name] or None
            elif key == "cursor":
                state.cursor = value or None
            elif key == "sort":
                state.sort = value or None
            elif key not in OWN_KEYS and value != "":
                state.conditions.append((key, value))
        return state

    def query(self, definition: ObjectDef, fields: list[str]) -> dict[str, Any]:
        """The query engine's request for this page (the same parser as the API's query string)."""
        pairs = [*self.conditions, *([("sort", self.sort)] if self.sort else [])]
        request = query_string_request(pairs)
        if self.text:
            quick = {"field": definition.title_field, "op": "contains", "value": self.text}
            request["filter"] = {"and": [request["filter"], quick]} if "filter" in request else quick
        return {**request, "fields": fields, "limit": PAGE_SIZE, **({"cursor": self.cursor} if self.cursor else {})}

    def address(self, object_name: str, **changes: Any) -> str:
        """This list's address with ``changes`` (None removes a key); a new filter or sort starts at page one."""
        values: dict[str, Any] = {
            "view": self.view, "q": self.text or None, "sort": self.sort,
            "columns": ",".join(self.columns) if self.columns else None, "cursor": None,
        }  # fmt: skip
        values.update(changes)
        pairs = [(key, str(value)) for key, value in values.items() if value not in (None, "")]
        conditions = changes.get("conditions", self.conditions)
        pairs = [pair for pair in pairs if pair[0] != "conditions"] + list(conditions)
        return f"/records/{object_name}" + (f"?{urlencode(pairs)}" if pairs else "")

    def definition(self) -> dict[str, Any]:
        """What a saved view keeps."""
        return {"conditions": self.conditions, "sort": self.sort, "columns": self.columns, "q": self.text}

    @classmethod
    def from_saved(cls, view_id: int, saved: dict[str, Any]) -> ListState:
        return cls(
            conditions=[(str(k), str(v)) for k, v in saved.get("conditions") or []],
            sort=saved.get("sort"),
            columns=saved.get("columns"),
            text=saved.get("q") or "",
            view=view_id,
        )
