"""Pieces every OpenAPI path of the product is built from."""

from __future__ import annotations

from typing import Any

JSON = "application/json"
PROBLEM = "application/problem+json"
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": 2**53 - 1}


def problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": schema}}}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


ERRORS = {
    "400": problem("Bad request"),
    "401": problem("Not signed in"),
    "403": problem("Not allowed"),
    "404": problem("Not found"),
    "409": problem("Conflict"),
    "413": problem("Too large"),
    "422": problem("Validation failed"),
}


def errors(*codes: str) -> dict[str, Any]:
    return {code: ERRORS[code] for code in codes}
