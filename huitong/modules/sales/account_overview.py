"""The account's 360° view (ACC-1, ACC-3, ACC-4, CON-1): open and won amounts of the account and of its whole tree
of child accounts, the child accounts with their rolled-up totals, the contacts as a decision chain, and the
relationships with other accounts. Everything is read through the query engine as the signed-in user, so the
totals count exactly the opportunities they may see.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Connection
from starlette.responses import Response

from huitong.engine.api.support import PathId, platform_of
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import MAX_LIMIT, Listing
from huitong.engine.records.context import Actor
from huitong.engine.web import cells
from huitong.engine.web.pages import PageRoute
from huitong.engine.web.render import field_label, navigation, render
from huitong.engine.web.session import PageUser, page_user

pages = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_DEPTH = 20
MAX_ACCOUNTS = 5000  # a tree larger than this is summed up to here; the page says so
CONTACT_FIELDS = ("title", "department", "buying_role", "relationship", "mobile")


@pages.get("/sales/accounts/{account_id}/overview")
def overview(account_id: PathId, request: Request, user: PageUser = Depends(page_user)) -> Response:
    platform = platform_of(request)
    with platform.records.reading(user.actor) as (connection, actor, schema):
        account = schema.object("account")
        platform.access.check_object(actor, account, "read")
        shown = [account.fields[name] for name in ("name", "type", "level", "industry", "last_contacted_at",
                 "next_visit_due", "last_transaction_at", "parent") if name in account.fields]  # fmt: skip
        found = records(platform, connection, schema, actor, "account", {"field": "id", "op": "eq", "value": account_id},
                        cells.listing_fields(schema, shown))  # fmt: skip
        if not found:
            platform.records.visible_row(connection, schema, actor, account, account_id)  # 404, as a record page
        record = found[0]
        names = cells.user_names(connection, cells.users_on([record], shown))
        tree, complete = descendants(platform, connection, schema, actor, account_id)
        own = totals(platform, connection, schema, actor, [account_id, *tree])
        children = [child for child in tree.values() if child["parent"] == account_id]
        rolled = roll_up(account_id, tree, own)
        context = {
            "record": record, "title": str(record.get("name") or f"#{account_id}"), "field_label": field_label,
            "details": [(field, cells.cell(schema, field, record, names)) for field in shown[1:]],
            "own": own.get(account_id, empty()), "rolled": rolled[account_id], "tree_size": len(tree),
            "complete": complete, "children": [(child, rolled[child["id"]]) for child in children],
            "money": money(schema), "contacts": contact_chart(platform, connection, schema, actor, account_id),
            "contact_fields": [schema.object("contact").fields[n] for n in CONTACT_FIELDS
                               if "contact" in schema.objects and n in schema.object("contact").fields],
            "relationships": relationships(platform, connection, schema, actor, account_id),
            "nav": navigation(platform, schema, actor), "schema": schema,
        }  # fmt: skip
    return render(request, "customers_overview.html", context, user=user)


def records(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, object_name: str, condition: Any,
    fields: Iterable[str], limit: int = MAX_LIMIT,
) -> list[dict[str, Any]]:  # fmt: skip
    definition = schema.objects.get(object_name)
    if definition is None or not platform.access.may(actor, definition, "read"):
        return []
    query = {"filter": condition, "fields": list(fields), "limit": limit, "sort": ["id"]}
    listing = Listing(schema, definition, actor, platform.access, platform.filter_env(), query)
    return [dict(row) for row in listing.run(connection)["records"]]


def descendants(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, root: int
) -> tuple[dict[int, dict[str, Any]], bool]:
    """Every child account below ``root`` the user may read, level by level; and whether that is all of them."""
    found: dict[int, dict[str, Any]] = {}
    frontier = [root]
    for _depth in range(MAX_DEPTH):
        if not frontier:
            return found, True
        level: list[dict[str, Any]] = []
        for start in range(0, len(frontier), MAX_LIMIT):
            condition = {"field": "parent", "op": "in", "value": frontier[start : start + MAX_LIMIT]}
            level += records(platform, connection, schema, actor, "account", condition, ["name", "level", "parent"])
        fresh = [row for row in level if row["id"] not in found and row["id"] != root]
        for row in fresh:
            found[row["id"]] = row
        if len(found) >= MAX_ACCOUNTS:
            return found, False
        frontier = [row["id"] for row in fresh]
    return found, not frontier


def empty() -> dict[str, Decimal]:
    return {"open": Decimal(0), "won": Decimal(0)}


def totals(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, account_ids: list[int]
) -> dict[int, dict[str, Decimal]]:
    """Open and won opportunity amounts per account, of the opportunities the user may see."""
    definition = schema.objects.get("opportunity")
    if definition is None or not platform.access.may(actor, definition, "read"):
        return {}
    if not {"account", "amount", "status"} <= set(definition.fields):
        return {}
    found: dict[int, dict[str, Decimal]] = {}
    for start in range(0, len(account_ids), MAX_LIMIT):
        request = {
            "filter": {"and": [{"field": "account", "op": "in", "value": account_ids[start : start + MAX_LIMIT]},
                               {"field": "status", "op": "in", "value": ["open", "won"]}]},
            "group_by": [{"field": "account"}, {"field": "status"}],
            "measures": [{"fn": "sum", "field": "amount", "as": "total"}],
        }  # fmt: skip
        for row in Aggregation(schema, definition, actor, platform.access, platform.filter_env(), request).run(
            connection
        )["rows"]:
            found.setdefault(row["account"], empty())[row["status"]] += Decimal(row["total"] or 0)
    return found


def roll_up(
    root: int, tree: dict[int, dict[str, Any]], own: dict[int, dict[str, Decimal]]
) -> dict[int, dict[str, Decimal]]:
    """Each account's totals with those of every account below it."""
    children: dict[int, list[int]] = {}
    for row in tree.values():
        children.setdefault(row["parent"], []).append(row["id"])
    rolled: dict[int, dict[str, Decimal]] = {}
    order = [root]
    for account_id in order:  # breadth first; summed deepest first below
        order += children.get(account_id, [])
    for account_id in reversed(order):
        total = dict(own.get(account_id, empty()))
        for child in children.get(account_id, []):
            total = {key: total[key] + rolled[child][key] for key in total}
        rolled[account_id] = total
    return rolled


def money(schema: Schema) -> Any:
    """Amounts shown as the opportunity's amount field shows them (its currency and scale)."""
    definition = schema.objects.get("opportunity")
    field = definition.fields.get("amount") if definition else None
    if field is None:
        return str
    return lambda value: field.field_type.display(field, str(value))


def contact_chart(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, account_id: int
) -> list[dict[str, Any]]:
    """The account's contacts as a tree by reports-to: the decision chain, top down."""
    definition = schema.objects.get("contact")
    if definition is None:
        return []
    wanted = [name for name in ("name", "reports_to", *CONTACT_FIELDS) if name in definition.fields]
    people = records(platform, connection, schema, actor, "contact",
                     {"field": "account", "op": "eq", "value": account_id}, wanted, limit=500)  # fmt: skip
    names: dict[int, str] = {}
    by_id: dict[int, dict[str, Any]] = {person["id"]: {"record": person, "reports": [], "cells": {
        name: cells.cell(schema, definition.fields[name], person, names) for name in CONTACT_FIELDS
        if name in definition.fields}} for person in people}  # fmt: skip
    roots: list[dict[str, Any]] = []
    for node in by_id.values():
        boss = node["record"].get("reports_to")
        (by_id[boss]["reports"] if boss in by_id and boss != node["record"]["id"] else roots).append(node)
    return roots


def relationships(
    platform: Platform, connection: Connection, schema: Schema, actor: Actor, account_id: int
) -> list[dict[str, Any]]:
    """Relationships either way, read from this account: (the other account, how they relate, which way)."""
    definition = schema.objects.get("account_relationship")
    if definition is None or not {"account", "related_account", "type"} <= set(definition.fields):
        return []
    condition = {"or": [{"field": "account", "op": "eq", "value": account_id},
                        {"field": "related_account", "op": "eq", "value": account_id}]}  # fmt: skip
    fields = ["account", "related_account", "type", "account.name", "related_account.name"]
    found = []
    kind = definition.fields["type"]
    for row in records(platform, connection, schema, actor, "account_relationship", condition, fields):
        outgoing = row["account"] == account_id
        other = "related_account" if outgoing else "account"
        found.append({"id": row["id"], "other": row[other], "other_name": row.get(f"{other}.name"),
                      "type": kind.field_type.display(kind, row["type"]), "outgoing": outgoing})  # fmt: skip
    return found
