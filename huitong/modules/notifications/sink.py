"""The sink of the engine's notices: one ``notification`` record per recipient, written in the sender's transaction
as the system (so that a notice is never stored for a change that rolled back, and a sender needs no permission on
notifications).

A notice with a key is stored once per user. Two workers sending the same reminder at once both look, find
nothing, and insert: the unique index on ``dedupe`` lets one through and fails the other, inside a savepoint so
that the sender's own transaction (the task it just updated …) carries on. Email and SMS are left for the worker
(delivery.py): nothing is sent from inside a transaction that could still roll back.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from huitong.engine.errors import HuitongError
from huitong.engine.notices import Notice
from huitong.engine.records.context import WriteContext
from huitong.modules.notifications import preferences

log = logging.getLogger("huitong.notifications")


def dedupe_key(user_id: int, key: str | None) -> str | None:
    return None if key is None else f"{user_id}:{key}"[:255]


def link_of(notice: Notice) -> str | None:
    if notice.object is None or notice.record_id is None:
        return None
    return f"/records/{notice.object}/{notice.record_id}"


def store(context: WriteContext, notice: Notice) -> None:
    """``Module.notice_sink``: store ``notice`` for each of its (already permission-checked) recipients."""
    system = context.records.system_context(context)
    table = system.schema.table("notification")
    keys = {user_id: dedupe_key(user_id, notice.key) for user_id in notice.recipients}
    wanted = [key for key in keys.values() if key is not None]
    seen = set(
        system.connection.execute(select(table.c.dedupe).where(table.c.dedupe.in_(wanted))).scalars() if wanted else []
    )
    chosen = preferences.load_many(system.connection, system.records.cache, list(notice.recipients))
    for user_id in notice.recipients:
        if keys[user_id] is not None and keys[user_id] in seen:
            continue
        values = {
            "owner": user_id,
            "kind": notice.kind[:40],
            "message": notice.message[:255],
            "params": json.dumps(dict(notice.params), ensure_ascii=False) if notice.params else None,
            "body": notice.body[:4000] if notice.body else None,
            "target_object": notice.object,
            "target_id": notice.record_id,
            "link": link_of(notice),
            "actor": notice.actor_id,
            "notice_key": notice.key[:200] if notice.key else None,
            "dedupe": keys[user_id],
            "channels": " ".join(chosen[user_id].for_kind(notice.kind)) or None,
        }
        if not values["channels"]:
            # nothing beyond the bell: delivered already, so the worker's "delivered_at IS NULL" index never
            # walks past the (many) in-app-only notifications
            values["delivered_at"] = context.now
        if keys[user_id] is None:
            system.records.create_in(system, "notification", values)
            continue
        try:
            with system.connection.begin_nested():  # a lost race on the key undoes this insert only
                system.records.create_in(system, "notification", values)
        except IntegrityError:
            log.info("notification %s for user %s was stored by another transaction", notice.key, user_id)
        except HuitongError as error:
            if not any(problem.code == "not_unique" for problem in error.errors):
                raise
            log.info("notification %s for user %s is already stored", notice.key, user_id)
