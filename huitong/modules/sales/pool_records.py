"""How a lead or an account lives with its pool: the pool's share follows its ``pool`` field, the pool fields move
only through the pool actions (or an administrator), and ``reclaim_due_at`` is kept from the pool's rules.

A record falls under a pool's reclaim rules once it has passed through the pool (``home_pool``). It returns when it
has not been followed up for the pool's ``reclaim_days``: counted from the latest of its claim, its follow-up time
(lead ``last_follow_up_at``, account ``last_contacted_at``, kept by the activities) and a change of a lead's status —
and never before the protection period after the claim has run out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import HookCall, Hooks
from huitong.engine.security import sharing

REASON = "pool"  # the reason of the record shares that let a pool's members read what sits in it
FOLLOW_UP = {"lead": "last_follow_up_at", "account": "last_contacted_at"}
# Kept by the pool actions; a user's own edit may not change them (an administrator may, to put records in a pool).
POOL_OWNED = ("pool", "home_pool", "pool_entered_at", "previous_owner", "release_reason", "claimed_by", "claimed_at",
              "reclaim_warned_at")  # fmt: skip

# Set while a pool action (claim, release, assign, reclaim) writes, so that the hooks let it move the pool fields.
_moving: ContextVar[bool] = ContextVar("pool_moving", default=False)
# Set while a pool's changed rules are applied to the records it holds: their return dates may move earlier.
_new_rules: ContextVar[bool] = ContextVar("pool_new_rules", default=False)
RULE_FIELDS = ("reclaim_days", "protection_days")
BATCH = 500


@contextmanager
def moving() -> Iterator[None]:
    token = _moving.set(True)
    try:
        yield
    finally:
        _moving.reset(token)


@dataclass(frozen=True)
class Rules:
    """One pool's settings, as the actions and the job use them."""

    id: int
    name: str
    kind: str
    active: bool
    administrator: int
    group: int | None
    daily_claim_limit: int | None
    owned_limit: int | None
    protection_days: int
    reclaim_days: int | None
    warn_days: int
    reclaim_block_days: int

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Rules:
        return cls(
            id=int(row["id"]), name=str(row["name"]), kind=str(row["kind"]), active=bool(row["active"]),
            administrator=int(row["administrator"]), group=row["member_group"],
            daily_claim_limit=row["daily_claim_limit"], owned_limit=row["owned_limit"],
            protection_days=row["protection_days"] or 0, reclaim_days=row["reclaim_days"] or None,
            warn_days=row["warn_days"] or 0, reclaim_block_days=row["reclaim_block_days"] or 0,
        )  # fmt: skip

    def due_at(self, claimed_at: datetime | None, followed_up_at: datetime | None) -> datetime | None:
        """When a held record returns: ``reclaim_days`` after its latest claim or follow-up, not before protection
        ends. None: the pool does not reclaim, or the record was never claimed nor followed up."""
        starts = [moment for moment in (claimed_at, followed_up_at) if moment is not None]
        if not self.reclaim_days or not starts:
            return None
        due = max(starts) + timedelta(days=self.reclaim_days)
        if claimed_at is not None and self.protection_days:
            due = max(due, claimed_at + timedelta(days=self.protection_days))
        return due

    def members(self, model: Any) -> frozenset[int]:
        """Who sees and claims: the pool's group (its departments include their sub-departments), and its
        administrator."""
        found = model.users_in_group(self.group) if self.group is not None and model is not None else frozenset()
        return frozenset(found | {self.administrator})


def load_rules(connection: Connection, schema: Schema, pool_id: Any, *, lock: bool = False) -> Rules | None:
    """A pool's settings by id. Pools are configuration every user reads, so hooks and jobs read them directly;
    ``lock`` holds the pool's row until commit, so that two claims from one pool take turns (their limits hold)."""
    if pool_id is None:
        return None
    table = schema.table("pool")
    query = select(table).where(table.c.id == pool_id, table.c.deleted_at.is_(None))
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    return Rules.of(dict(row)) if row else None


# -- hooks -------------------------------------------------------------------------------------------------------
def guard(call: HookCall) -> None:
    """Pool fields move through claim, release, assign and reclaim; an administrator may also set ``pool`` by hand
    (an import into a pool), which hands the record to the pool as a release would."""
    before = call.before or {}
    changed = [name for name in POOL_OWNED if name in call.values and call.values[name] != before.get(name)]
    if not changed or _moving.get():
        return
    if not call.context.actor.is_admin:
        message = _("Moved by the pool: use Claim, Release to pool or Assign.")
        raise validation_failed([FieldError(name, "read_only", message) for name in changed])
    if call.values.get("pool") is not None and call.values["pool"] != before.get("pool"):
        enter(call, call.values["pool"])


def enter(call: HookCall, pool_id: Any) -> None:
    """The record goes into the pool: owned by its administrator, returning there from now on."""
    rules = load_rules(call.context.connection, call.context.schema, pool_id)
    if rules is None or rules.kind != call.object.name:
        message = _("Choose a pool of this kind of record.")
        raise validation_failed([FieldError("pool", "wrong_pool", message)])
    before = call.before or {}
    call.values.update(owner=rules.administrator, home_pool=rules.id, pool_entered_at=call.context.now)
    if before.get("owner") is not None and before.get("owner") != rules.administrator:
        call.values.setdefault("previous_owner", before["owner"])


def entering_on_create(call: HookCall) -> None:
    """A new record created into a pool (an import, a web form) is the pool's from the start. The other pool fields
    are the pool's to set (an administrator may bring them along in an import)."""
    given = [name for name in POOL_OWNED[1:] if call.values.get(name) is not None and name != "release_reason"]
    if given and not call.context.actor.is_admin and not _moving.get():
        message = _("Moved by the pool: use Claim, Release to pool or Assign.")
        raise validation_failed([FieldError(name, "read_only", message) for name in given])
    if call.values.get("pool") is not None:
        enter(call, call.values["pool"])
    settle_due(call)


def settle_due(call: HookCall) -> None:
    """Keep ``reclaim_due_at``: none while in a pool; else from the home pool's rules. Within one holding (same claim)
    it only moves later, and a reminder already given is given again for a later date."""
    before = call.before or {}
    after = {**before, **call.values}
    # the reclaim job postpones a return it found followed up elsewhere (a deal of the account moved)
    given = call.values.get("reclaim_due_at") if _moving.get() else None
    if after.get("pool") is not None:
        call.values.update(reclaim_due_at=None, reclaim_warned_at=None)
        return
    rules = load_rules(call.context.connection, call.context.schema, after.get("home_pool"))
    if rules is None:
        call.values["reclaim_due_at"] = None
        return
    due = rules.due_at(after.get("claimed_at"), after.get(FOLLOW_UP[call.object.name]))
    if (
        call.object.name == "lead"
        and before
        and call.values.get("status", before.get("status")) != before.get("status")
    ):
        due = rules.due_at(after.get("claimed_at"), call.context.now)  # moving a lead on counts as following it up
    same_holding = before and all(after.get(n) == before.get(n) for n in ("claimed_at", "home_pool", "pool"))
    if same_holding and due is not None and before.get("reclaim_due_at") is not None and not _new_rules.get():
        due = max(due, before["reclaim_due_at"])
    if given is not None:
        due = given if due is None else max(due, given)
    call.values["reclaim_due_at"] = due
    if before.get("reclaim_due_at") is not None and (due is None or due > before["reclaim_due_at"]):
        call.values["reclaim_warned_at"] = None


def share_with_pool(call: HookCall) -> None:
    """The members of the pool the record sits in may read it: a record share with the pool's group, moved when
    the record moves (the only rows stored per record; membership changes touch none of them)."""
    old, new = (call.before or {}).get("pool"), call.values.get("pool")
    if old == new:
        return
    connection, record_id = call.context.connection, int(call.values["id"])
    for share in sharing.list_shares(connection, call.object.name, record_id):
        if share["reason"] == REASON:
            sharing.remove_share(connection, call.object.name, record_id, share["id"], may_share=True)
    rules = load_rules(connection, call.context.schema, new)
    if rules is not None and rules.group is not None:
        sharing.add_share(
            connection, call.object.name, record_id, {"group": rules.group, "access": "read"},
            call.context.actor.user_id, may_share=True, reason=REASON, now=call.context.now,
        )  # fmt: skip


def follow_new_rules(call: HookCall) -> None:
    """A pool's reclaim or protection days changed: the records it holds get their return dates anew (a status
    change's postponement is not remembered). A new administrator: the records sitting in the pool become theirs.
    A batch of records at a time, in the (system) administrator's transaction."""
    before = call.before or {}
    if before and call.values.get("administrator") != before.get("administrator"):
        sitting = {"field": "pool", "op": "eq", "value": call.record_id}
        with moving():
            for_each(call, sitting, {"owner": call.values["administrator"]})
    if before and any(call.values.get(name) != before.get(name) for name in RULE_FIELDS):
        held = {"and": [{"field": "home_pool", "op": "eq", "value": call.record_id},
                        {"field": "pool", "op": "is_null", "value": True}]}  # fmt: skip
        token = _new_rules.set(True)
        try:
            for_each(call, held, {})  # the hooks compute the dates
        finally:
            _new_rules.reset(token)


def for_each(call: HookCall, condition: dict[str, Any], changes: dict[str, Any]) -> None:
    context, kind = call.context, str(call.values["kind"])
    env = FilterEnv(now=context.now, zone=context.records.zone)
    cursor = None
    while True:
        request = {"filter": condition, "sort": ["id"], "fields": ["version"], "limit": BATCH, "cursor": cursor}
        page = Listing(context.schema, context.schema.object(kind), context.actor, context.records.access, env,
                       request).run(context.connection)  # fmt: skip
        for record in page["records"]:
            context.records.update_in(context, kind, record["id"], dict(changes), record["version"])
        cursor = page["next_cursor"]
        if cursor is None:
            return


def install(hooks: Hooks) -> None:
    hooks.register("after_update", "pool", follow_new_rules)
    for object_name in FOLLOW_UP:
        hooks.register("before_create", object_name, entering_on_create)
        hooks.register("before_update", object_name, guard)
        hooks.register("before_update", object_name, settle_due)
        hooks.register("after_create", object_name, share_with_pool)
        hooks.register("after_update", object_name, share_with_pool)
