"""Assignment notices (COL-2): whoever is made the owner of a customer record or an activity by someone else — a
lead assigned by the rules, an account transferred, a task given to a colleague — is told, once per hand-over.

The objects are named, not imported: the modules that declare them need not know this one exists, and an object a
deployment lacks is simply never seen here. Records that are a user's own bookkeeping (notifications, settings,
follows) are not on the list.
"""

from __future__ import annotations

from huitong.engine.i18n import N_
from huitong.engine.notices import Notice, notice_params
from huitong.engine.records.context import ANY_OBJECT, HookCall, Hooks
from huitong.engine.records.values import row_values, title_of
from huitong.engine.web.cells import user_names

ASSIGNABLE = frozenset({"lead", "account", "contact", "opportunity", "task", "event"})


def install(hooks: Hooks) -> None:
    hooks.register("after_create", ANY_OBJECT, assigned)
    hooks.register("after_update", ANY_OBJECT, assigned)


def assigned(call: HookCall) -> None:
    owner = call.values.get("owner")
    actor = call.context.actor.user_id
    if call.object.name not in ASSIGNABLE or owner is None or owner == actor:
        return
    if call.before is not None and call.before.get("owner") == owner:
        return
    record = title_of(call.object, row_values(call.object, call.values))
    by = user_names(call.context.connection, [actor]).get(actor, "")
    call.context.notify(
        Notice(
            "assignment",
            (int(owner),),
            N_("%(actor)s assigned you %(record)s"),
            notice_params(actor=by, record=record),
            object=call.object.name,
            record_id=call.record_id,
            actor_id=actor,
        )
    )
