"""The secret address of a user's calendar feed (``/activities/calendar/<token>.ics``), which phones' calendars
subscribe to without signing in (decisions/0014).

One ``calendar_feed`` record per user, owned by them, keeping only the SHA-256 of the token: the address is shown
once, when made; making a new one replaces it (the old address stops working) and stopping deletes the record. The
writes are the system's, in the user's own name (a profile without the object still subscribes), and a hook refuses
any write to someone else's feed: a manager who may edit their team's records must not be able to plant a token of
their own on a subordinate's feed and read, through it, what only the subordinate may read.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import forbidden
from huitong.engine.i18n import _
from huitong.engine.meta.schema import Schema
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, HookCall, Hooks, WriteContext
from huitong.engine.system_tables import users

OBJECT = "calendar_feed"
TOKEN_BYTES = 32


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def install(hooks: Hooks) -> None:
    for event in ("before_create", "before_update", "before_delete"):
        hooks.register(event, OBJECT, only_its_owner)


def only_its_owner(call: HookCall) -> None:
    """A feed is written by its owner alone (through the calendar page), and never handed to someone else."""
    owner = (call.before or {}).get("owner")
    new_owner = call.values.get("owner", owner)
    acting = call.context.actor.user_id
    if (owner is not None and owner != acting) or (new_owner is not None and new_owner != acting):
        raise forbidden(_("Only its owner can change a calendar subscription."))


def current(connection: Connection, schema: Schema, user_id: int) -> dict[str, Any] | None:
    """The user's feed record (not its token, which is not kept)."""
    if OBJECT not in schema.objects:
        return None
    table = schema.table(OBJECT)
    row = connection.execute(
        select(table.c.id, table.c.version, table.c.created_at, table.c.updated_at)
        .where(table.c.owner == user_id, table.c.deleted_at.is_(None))
        .order_by(table.c.id.desc())
    ).first()
    return dict(row._mapping) if row is not None else None


def renew(platform: Platform, actor: Actor) -> str:
    """A new secret token for the user's feed (replacing the old one); returns the token, shown once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with platform.records.transaction(actor) as context:
        system = own_name(context)
        found = current(context.connection, system.schema, actor.user_id)
        values = {"name": _("Calendar subscription"), "token_hash": digest(token)}
        if found is None:
            system.records.create_in(system, OBJECT, values)
        else:
            system.records.update_in(system, OBJECT, found["id"], values, None)
    return token


def stop(platform: Platform, actor: Actor) -> bool:
    """Stop the user's feed: its address answers 404 from now on. False when there was none."""
    with platform.records.transaction(actor) as context:
        system = own_name(context)
        found = current(context.connection, system.schema, actor.user_id)
        if found is None:
            return False
        # the hash goes first: restoring the record from the recycle bin must not bring the old address back
        system.records.update_in(system, OBJECT, found["id"], {"token_hash": None}, None)
        system.records.delete_in(system, OBJECT, found["id"], None)
    return True


def own_name(context: WriteContext) -> WriteContext:
    """A system write acting as the user: whatever their profile grants on the object, they keep their own feed."""
    return context.records.system_context(context)


def owner_of(connection: Connection, schema: Schema, token: str) -> int | None:
    """The active user whose feed ``token`` opens, or None."""
    if OBJECT not in schema.objects or not token or len(token) > 100:
        return None
    table = schema.table(OBJECT)
    owner = connection.execute(
        select(table.c.owner)
        .join(users, users.c.id == table.c.owner)
        .where(table.c.token_hash == digest(token), table.c.deleted_at.is_(None), users.c.active.is_(True))
    ).scalar()
    return int(owner) if owner is not None else None
