"""Sweeps: what a periodic job does to every record matching a filter (flag the overdue, remind, reclaim).

Records are read through the query engine in id order, ``batch`` at a time (never all at once), and each batch is
changed in one transaction through the record service, a savepoint per record: a record someone changed since it
was read fails its version check and is skipped, to be looked at again on the next run. A sweep whose change makes
the record stop matching (a flag set) is safe to run twice, or in two workers at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from huitong.engine.errors import HuitongError
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor, WriteContext

if TYPE_CHECKING:
    from huitong.engine.platform import Platform

log = logging.getLogger("huitong.jobs.sweep")

# The change for one record: the values to write, or None to leave it as it is.
Change = Callable[[WriteContext, dict[str, Any]], dict[str, Any] | None]


def matching(
    platform: Platform, actor: Actor, object_name: str, condition: dict[str, Any], fields: list[str], batch: int = 200
) -> Iterator[list[dict[str, Any]]]:
    """The records of ``object_name`` meeting ``condition``, in id order, ``batch`` at a time, with ``fields``."""
    after: int | None = None
    while True:
        beyond = [] if after is None else [{"field": "id", "op": "gt", "value": after}]
        request = {"filter": {"and": [condition, *beyond]}, "sort": ["id"], "fields": ["version", *fields],
                   "limit": batch}  # fmt: skip
        with platform.records.reading(actor) as (connection, bound, schema):
            listing = Listing(
                schema, schema.object(object_name), bound, platform.access, platform.filter_env(), request
            )
            page = listing.run(connection)["records"]
        if not page:
            return
        yield page
        after = page[-1]["id"]


def sweep(
    platform: Platform,
    actor: Actor,
    object_name: str,
    condition: dict[str, Any],
    fields: list[str],
    change: Change,
    batch: int = 200,
) -> int:
    """Apply ``change`` to every record matching ``condition``; the number changed."""
    done = 0
    for page in matching(platform, actor, object_name, condition, fields, batch):
        with platform.records.transaction(actor) as context:
            for record in page:
                try:
                    with context.connection.begin_nested():
                        values = change(context, record)
                        if values is None:
                            continue
                        platform.records.update_in(context, object_name, record["id"], values, record["version"])
                    done += 1
                except HuitongError as error:
                    log.info("%s %s skipped: %s", object_name, record["id"], error)
    return done
