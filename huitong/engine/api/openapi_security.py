"""The OpenAPI paths of signing in, security administration, sharing and transfer."""

from __future__ import annotations

from typing import Any

from huitong.engine.api.openapi_parts import ID_SCHEMA
from huitong.engine.api.openapi_parts import body as _body
from huitong.engine.api.openapi_parts import errors as _errors
from huitong.engine.api.openapi_parts import ok as _ok

OBJECT = {"type": "object"}
ID_PATH = {"in": "path", "required": True, "schema": ID_SCHEMA}
LABELLED = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "parent": {"type": ["integer", "null"]}},
}
HOLDER = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "objects": {
            "type": "object",
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "boolean"}},
        },
        "fields": {"type": "object", "additionalProperties": {"enum": ["hidden", "read", "edit"]}},
    },
}
PRINCIPAL = {
    "type": "object",
    "properties": {k: {"type": "integer"} for k in ("role", "department", "group")}
    | {"include_subordinates": {"type": "boolean"}},
}
RULE = {
    "type": "object",
    "required": ["object", "share_with", "access"],
    "properties": {"object": {"type": "string"}, "name": {"type": "string"}, "criteria": {"type": ["object", "null"]},
                   "owned_by": {"anyOf": [PRINCIPAL, {"type": "null"}]}, "share_with": PRINCIPAL,
                   "access": {"enum": ["read", "read_write"]}},
}  # fmt: skip
USER = {
    "type": "object",
    "properties": {
        "username": {"type": "string"}, "password": {"type": "string"}, "display_name": {"type": "string"},
        "email": {"type": ["string", "null"]}, "mobile": {"type": ["string", "null"]},
        **{k: {"type": ["integer", "null"]} for k in ("department", "role", "profile", "manager")},
        "active": {"type": "boolean"}, "locale": {"enum": ["zh_CN", "en"]},
        "permission_sets": {"type": "array", "items": {"type": "integer"}},
    },
}  # fmt: skip
CREDENTIALS = {"type": "object", "required": ["username", "password"],
               "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}  # fmt: skip


def _admin(
    summary: str, body: dict[str, Any] | None = None, status: str = "200", *params: dict[str, Any]
) -> dict[str, Any]:
    operation: dict[str, Any] = {"tags": ["security"], "summary": summary, "parameters": list(params)}
    if body is not None:
        operation["requestBody"] = _body(body)
    done = {"description": "Done"} if status == "204" else _ok(OBJECT)
    operation["responses"] = {status: done, **_errors("400", "401", "403", "404", "409", "413", "422")}
    return operation


def _crud(path: str, noun: str, body: dict[str, Any], with_get: bool = False) -> dict[str, Any]:
    item = {"name": "node_id" if noun in ("department", "role") else "holder_id", **ID_PATH}
    paths: dict[str, Any] = {
        f"/api/v1/security/{path}": {"get": _admin(f"List {path}"), "post": _admin(f"Create a {noun}", body, "201")},
        f"/api/v1/security/{path}/{{{item['name']}}}": {
            "patch": _admin(f"Change a {noun}", body, "200", item),
            "delete": _admin(f"Delete a {noun}", None, "204", item),
        },
    }
    if with_get:
        paths[f"/api/v1/security/{path}/{{{item['name']}}}"]["get"] = _admin(f"Read a {noun}", None, "200", item)
    return paths


def security_paths() -> dict[str, Any]:
    object_parameter = {"name": "object_name", "in": "path", "required": True, "schema": {"type": "string"}}
    record = {"name": "record_id", **ID_PATH}
    user = {"name": "user_id", **ID_PATH}
    token = {"name": "token_id", **ID_PATH}
    auth = {"tags": ["auth"], "security": []}
    return {
        "/api/v1/auth/session": {"post": {**auth, "summary": "Sign a browser in (cookie + CSRF token)",
                                          "requestBody": _body(CREDENTIALS),
                                          "responses": {"200": _ok(OBJECT), **_errors("400", "401", "413")}}},
        "/api/v1/auth/logout": {"post": {"tags": ["auth"], "summary": "End the browser session",
                                         "responses": {"204": {"description": "Signed out"}, **_errors("401", "403")}}},
        "/api/v1/auth/tokens": {
            "get": {"tags": ["auth"], "summary": "My API tokens",
                    "parameters": [{"name": "all", "in": "query", "schema": {"type": "boolean"}}],
                    "responses": {"200": _ok(OBJECT), **_errors("401", "403")}},
            "post": {"tags": ["auth"], "summary": "Create an API token acting as me (shown once)",
                     "requestBody": _body({"type": "object", "required": ["name"], "properties": {
                         "name": {"type": "string"}, "days": {"type": ["integer", "null"]}}}),
                     "responses": {"201": _ok(OBJECT), **_errors("400", "401", "413", "422")}},
        },
        "/api/v1/auth/tokens/{token_id}": {"delete": {"tags": ["auth"], "summary": "Revoke a token", "parameters": [token],
                                                     "responses": {"204": {"description": "Revoked"}, **_errors("400", "401", "403", "404")}}},
        **_crud("departments", "department", LABELLED),
        **_crud("roles", "role", LABELLED),
        **_crud("profiles", "profile", HOLDER, with_get=True),
        **_crud("permission-sets", "permission set", HOLDER, with_get=True),
        "/api/v1/security/groups": {"get": _admin("List groups"), "post": _admin("Create a group", OBJECT, "201")},
        "/api/v1/security/groups/{group_id}/members": {
            "put": _admin("Set a group's members", {"type": "array"}, "200", {"name": "group_id", **ID_PATH})},
        "/api/v1/security/users": {"get": _admin("List users"), "post": _admin("Create a user", USER, "201")},
        "/api/v1/security/users/{user_id}": {"get": _admin("Read a user", None, "200", user),
                                             "patch": _admin("Change or deactivate a user", USER, "200", user)},
        "/api/v1/security/sharing-defaults/{object_name}": {"put": _admin(
            "Set an object's organization-wide default",
            {"type": "object", "required": ["access"], "properties": {
                "access": {"enum": ["private", "read", "read_write"]}, "grant_via_hierarchy": {"type": "boolean"}}},
            "200", object_parameter)},
        "/api/v1/security/sharing-rules": {"get": _admin("List sharing rules"), "post": _admin("Create a sharing rule", RULE, "201")},
        "/api/v1/security/sharing-rules/{rule_id}": {"delete": _admin("Delete a sharing rule", None, "204", {"name": "rule_id", **ID_PATH})},
        "/api/v1/security/audit": {"get": _admin("The setup audit trail")},
        "/api/v1/security/sign-ins": {"get": _admin("Sign-in history")},
        "/api/v1/security/access/{object_name}/{record_id}": {"get": _admin(
            "What a user may do with a record, and why", None, "200", object_parameter, record,
            {"name": "user", "in": "query", "schema": ID_SCHEMA})},
        "/api/v1/security/transfer": {"post": _admin(
            "Move all records of an object from one owner to another",
            {"type": "object", "required": ["object", "from_owner", "to_owner"], "properties": {
                "object": {"type": "string"}, "from_owner": ID_SCHEMA, "to_owner": ID_SCHEMA}})},
        "/api/v1/records/{object_name}/{record_id}/shares": {
            "get": _admin("Who a record is shared with", None, "200", object_parameter, record),
            "post": _admin("Share a record", {"type": "object", "required": ["access"], "properties": {
                **{k: {"type": "integer"} for k in ("user", "group", "role", "department")},
                "access": {"enum": ["read", "read_write"]}}}, "201", object_parameter, record),
        },
        "/api/v1/records/{object_name}/{record_id}/shares/{share_id}": {"delete": _admin(
            "Stop sharing a record", None, "204", object_parameter, record, {"name": "share_id", **ID_PATH})},
        "/api/v1/records/{object_name}/{record_id}/transfer": {"post": _admin(
            "Transfer a record to another owner", {"type": "object", "required": ["owner"], "properties": {"owner": ID_SCHEMA}},
            "200", object_parameter, record)},
    }  # fmt: skip
