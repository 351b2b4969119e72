"""The OpenAPI document, generated from the live metadata: a field added a moment ago is in the next one."""

from __future__ import annotations

from typing import Any

from huitong import __version__
from huitong.engine.api.openapi_parts import ID_SCHEMA
from huitong.engine.api.openapi_parts import body as _body
from huitong.engine.api.openapi_parts import errors as _errors
from huitong.engine.api.openapi_parts import ok as _ok
from huitong.engine.api.openapi_search import search_paths
from huitong.engine.api.openapi_security import security_paths
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import nullable


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema_name(definition: ObjectDef, suffix: str) -> str:
    return "".join(part.capitalize() for part in definition.name.split("_")) + suffix


def record_schema(definition: ObjectDef) -> dict[str, Any]:
    properties = {
        name: {**nullable(f.field_type.value_schema(f)), "title": f.label.get("en", name)}
        for name, f in definition.fields.items()
        if name != "deleted_at"
    }
    required = ["id", "version", "owner", "created_at", "updated_at"]
    return {"type": "object", "properties": properties, "required": required}


def input_schema(definition: ObjectDef, *, for_update: bool) -> dict[str, Any]:
    writable: list[FieldDef] = [f for f in definition.user_fields if f.writable]
    properties: dict[str, Any] = {f.name: nullable(f.field_type.input_schema(f)) for f in writable}
    properties["owner"] = ID_SCHEMA
    if for_update:
        properties["version"] = {"type": "integer", "minimum": 1}
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [f.name for f in writable if f.required and f.default is None]
    if required and not for_update:
        schema["required"] = required
    return schema


def _object_paths(definition: ObjectDef) -> dict[str, Any]:
    name = definition.name
    record, create, patch = (_ref(_schema_name(definition, s)) for s in ("", "Input", "Patch"))
    tag = [name]
    id_parameter = {"name": "record_id", "in": "path", "required": True, "schema": ID_SCHEMA}
    list_parameters = [
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
        {"name": "sort", "in": "query", "schema": {"type": "string"}, "description": "e.g. -amount,name"},
        {"name": "fields", "in": "query", "schema": {"type": "string"}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}},
        {"name": "count", "in": "query", "schema": {"type": "boolean"}},
    ]
    page = {
        "type": "object",
        "required": ["records", "next_cursor"],
        "properties": {
            "records": {"type": "array", "items": {"type": "object"}},
            "next_cursor": {"type": ["string", "null"]},
            "total": {"type": "integer"},
        },
    }
    base = f"/api/v1/records/{name}"
    return {
        base: {
            "get": {"tags": tag, "summary": f"List {name}", "parameters": list_parameters,
                    "responses": {"200": _ok(page), **_errors("400", "401", "403", "404")}},
            "post": {"tags": tag, "summary": f"Create a {name} record", "requestBody": _body(create),
                     "responses": {"201": _ok(record, "Created"), **_errors("400", "401", "403", "404", "409", "413", "422")}},
        },
        f"{base}/query": {
            "post": {"tags": tag, "summary": f"Query {name}", "requestBody": _body(_ref("QueryRequest")),
                     "responses": {"200": _ok(page), **_errors("400", "401", "403", "404", "413", "422")}},
        },
        f"{base}/aggregate": {
            "post": {"tags": tag, "summary": f"Aggregate {name}", "requestBody": _body(_ref("AggregateRequest")),
                     "responses": {"200": _ok(_ref("AggregateResponse")), **_errors("400", "401", "403", "404", "413", "422")}},
        },
        f"{base}/bulk": {
            "post": {"tags": tag, "summary": f"Bulk create/update/upsert {name}", "requestBody": _body(_ref("BulkRequest")),
                     "responses": {"200": _ok(_ref("BulkResponse")), **_errors("400", "401", "403", "404", "409", "413", "422")}},
        },
        f"{base}/{{record_id}}": {
            "get": {"tags": tag, "summary": f"Read a {name} record", "parameters": [id_parameter],
                    "responses": {"200": _ok(record), **_errors("400", "401", "403", "404")}},
            "patch": {"tags": tag, "summary": f"Change a {name} record (send its version)", "parameters": [id_parameter],
                      "requestBody": _body(patch),
                      "responses": {"200": _ok(record), **_errors("400", "401", "403", "404", "409", "413", "422")}},
            "delete": {"tags": tag, "summary": f"Move a {name} record to the recycle bin", "parameters": [id_parameter],
                       "responses": {"204": {"description": "Deleted"}, **_errors("400", "401", "403", "404", "409", "422")}},
        },
        f"{base}/{{record_id}}/history": {
            "get": {"tags": tag, "summary": "Field history", "parameters": [id_parameter],
                    "responses": {"200": _ok({"type": "object", "required": ["history"], "properties": {"history": {"type": "array"}}}),
                                  **_errors("400", "401", "403", "404")}},
        },
    }  # fmt: skip


COMMON_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status", "detail", "code", "errors"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "code", "message"],
                    "properties": {"field": {"type": ["string", "null"]}, "code": {"type": "string"}, "message": {"type": "string"}},
                },
            },
            "current_version": {"type": "integer"},
            "results": {"type": "array"},
        },
    },
    "Filter": {"type": "object", "description": "{and|or: [Filter]} | {not: Filter} | {field, op, value}"},
    "QueryRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "filter": {"anyOf": [{"$ref": "#/components/schemas/Filter"}, {"type": "null"}]},
            "sort": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "dir": {"enum": ["asc", "desc"]}}}},
            "fields": {"type": "array", "items": {"type": "string"}},
            "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
            "cursor": {"type": ["string", "null"]},
            "offset": {"type": "integer", "minimum": 0, "maximum": 100000},
            "count": {"type": "boolean"},
        },
    },
    "AggregateRequest": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "filter": {"anyOf": [{"$ref": "#/components/schemas/Filter"}, {"type": "null"}]},
            "group_by": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "bucket": {"enum": ["day", "week", "month", "quarter", "year"]}}}},
            "measures": {"type": "array", "items": {"type": "object", "properties": {"fn": {"enum": ["count", "sum", "avg", "min", "max"]}, "field": {"type": "string"}, "as": {"type": "string"}}}},
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
        },
    },
    "AggregateResponse": {"type": "object", "required": ["rows"], "properties": {"rows": {"type": "array", "items": {"type": "object"}}}},
    "BulkRequest": {
        "type": "object",
        "required": ["operation", "records"],
        "additionalProperties": False,
        "properties": {
            "operation": {"enum": ["create", "update", "upsert"]},
            "key": {"type": "string"},
            "all_or_none": {"type": "boolean"},
            "records": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"type": "object"}},
        },
    },
    "BulkResponse": {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {"type": "object", "required": ["ok"]}}}},
    "Labels": {"type": "object", "properties": {"en": {"type": "string"}, "zh_CN": {"type": "string"}}, "additionalProperties": False},
    "ObjectSpec": {
        "type": "object",
        "required": ["name", "label"],
        "properties": {"name": {"type": "string", "pattern": "^x_[a-z0-9_]+$"}, "label": {"$ref": "#/components/schemas/Labels"},
                       "plural_label": {"$ref": "#/components/schemas/Labels"}, "title_field": {"type": "string"}, "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldSpec"}}},
    },
    "FieldSpec": {
        "type": "object",
        "required": ["name", "type", "label"],
        "properties": {"name": {"type": "string"}, "type": {"type": "string"}, "label": {"$ref": "#/components/schemas/Labels"},
                       "required": {"type": "boolean"}, "unique": {"type": "boolean"}, "indexed": {"type": "boolean"}, "tracked": {"type": "boolean"},
                       "searchable": {"type": ["boolean", "null"]}},
    },
    "Object": {"type": "object", "required": ["name", "label", "custom", "title_field"]},
    "Field": {"type": "object", "required": ["name", "type", "label"]},
}  # fmt: skip


def _meta_paths() -> dict[str, Any]:
    object_parameter = {"name": "object_name", "in": "path", "required": True, "schema": {"type": "string"}}
    field_parameter = {"name": "field_name", "in": "path", "required": True, "schema": {"type": "string"}}
    tag = ["metadata"]
    objects = {
        "type": "object",
        "required": ["objects"],
        "properties": {"objects": {"type": "array", "items": _ref("Object")}},
    }
    return {
        "/api/v1/auth/token": {
            "post": {"tags": ["auth"], "summary": "Exchange a username and password for an API token", "security": [],
                     "requestBody": _body({"type": "object", "required": ["username", "password"],
                                           "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}),
                     "responses": {"200": _ok({"type": "object", "required": ["token"], "properties": {"token": {"type": "string"}}}),
                                   **_errors("400", "401", "413")}},
        },
        "/api/v1/meta/field-types": {
            "get": {"tags": tag, "summary": "The field types, their operators and options",
                    "responses": {"200": _ok({"type": "object", "required": ["types"],
                                              "properties": {"types": {"type": "array", "items": {"type": "object"}}}}),
                                  **_errors("401")}},
        },
        "/api/v1/meta/objects": {
            "get": {"tags": tag, "summary": "List objects", "responses": {"200": _ok(objects), **_errors("401")}},
            "post": {"tags": tag, "summary": "Create a custom object", "requestBody": _body(_ref("ObjectSpec")),
                     "responses": {"201": _ok(_ref("Object"), "Created"), **_errors("400", "401", "403", "409", "413", "422")}},
        },
        "/api/v1/meta/objects/{object_name}": {
            "get": {"tags": tag, "parameters": [object_parameter], "responses": {"200": _ok(_ref("Object")), **_errors("401", "403", "404")}},
            "patch": {"tags": tag, "parameters": [object_parameter], "requestBody": _body({"type": "object"}),
                      "responses": {"200": _ok(_ref("Object")), **_errors("400", "401", "403", "404", "409", "413", "422")}},
            "delete": {"tags": tag, "parameters": [object_parameter],
                       "responses": {"204": {"description": "Deleted"}, **_errors("401", "403", "404", "409", "422")}},
        },
        "/api/v1/meta/objects/{object_name}/fields": {
            "post": {"tags": tag, "parameters": [object_parameter], "requestBody": _body(_ref("FieldSpec")),
                     "responses": {"201": _ok(_ref("Field"), "Created"), **_errors("400", "401", "403", "404", "409", "413", "422")}},
        },
        "/api/v1/meta/objects/{object_name}/fields/{field_name}": {
            "patch": {"tags": tag, "parameters": [object_parameter, field_parameter], "requestBody": _body({"type": "object"}),
                      "responses": {"200": _ok(_ref("Field")), **_errors("400", "401", "403", "404", "409", "413", "422")}},
            "delete": {"tags": tag, "parameters": [object_parameter, field_parameter],
                       "responses": {"204": {"description": "Deleted"}, **_errors("401", "403", "404", "409", "422")}},
        },
        "/api/v1/recycle-bin": {
            "get": {"tags": ["recycle bin"], "parameters": [
                {"name": "object", "in": "query", "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                {"name": "before", "in": "query", "schema": ID_SCHEMA}],
                "responses": {"200": _ok({"type": "object", "required": ["entries", "next_before"]}), **_errors("400", "401", "404")}},
        },
        "/api/v1/recycle-bin/{object_name}/{record_id}/restore": {
            "post": {"tags": ["recycle bin"], "parameters": [object_parameter, {"name": "record_id", "in": "path", "required": True, "schema": ID_SCHEMA}],
                     "responses": {"200": _ok({"type": "object"}), **_errors("400", "401", "403", "404", "409", "422")}},
        },
    }  # fmt: skip


def build_openapi(schema: Schema) -> dict[str, Any]:
    paths = {**_meta_paths(), **security_paths(), **search_paths()}
    schemas = dict(COMMON_SCHEMAS)
    for definition in schema.objects.values():
        paths.update(_object_paths(definition))
        schemas[_schema_name(definition, "")] = record_schema(definition)
        schemas[_schema_name(definition, "Input")] = input_schema(definition, for_update=False)
        schemas[_schema_name(definition, "Patch")] = input_schema(definition, for_update=True)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Huitong CRM API", "version": __version__, "description": "汇通 CRM REST API"},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
    }
