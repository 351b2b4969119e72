"""The OpenAPI description of global search."""

from __future__ import annotations

from typing import Any

from huitong.engine.api.openapi_parts import errors, ok
from huitong.engine.search.query import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY

HIT = {
    "type": "object",
    "required": ["object", "id", "title", "subtitle", "field"],
    "properties": {
        "object": {"type": "string", "description": "the object's name, e.g. contact"},
        "id": {"type": "integer"},
        "title": {"type": "string", "description": "the title field's value, or #id if the user may not read it"},
        "subtitle": {"type": ["string", "null"], "description": "the value that matched, or another searchable one"},
        "field": {"type": "string", "description": "the field that matched"},
    },
}


def search_paths() -> dict[str, Any]:
    parameters = [
        {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "maxLength": MAX_QUERY},
         "description": "any part of a name (张三 in 张三丰), its pinyin or initials (zhangsan, zs), a phone number "
                        "with or without separators, an email address"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                                    "default": DEFAULT_LIMIT}, "description": "at most this many per object"},
        {"name": "objects", "in": "query", "schema": {"type": "string"},
         "description": "only these objects, comma-separated (e.g. contact,account)"},
    ]  # fmt: skip
    response = {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": HIT}}}
    return {
        "/api/v1/search": {
            "get": {
                "tags": ["search"],
                "summary": "Search every object the user may read (grouped by object, best match first)",
                "parameters": parameters,
                "responses": {"200": ok(response), **errors("400", "401", "404")},
            }
        }
    }
