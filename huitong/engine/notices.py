"""Notices: how any part of the CRM tells users that something happened (an @mention, a task due, a won deal, a
customer about to return to the pool). The engine only routes them; a module that keeps a notification centre
(``Module.notice_sink``) stores and delivers them. Without one, notices go nowhere.

A notice about a record reaches only the recipients who may read that record, checked here once for every sender,
so no module can notify a user about what their permissions hide. Inactive users get nothing.

Senders call ``context.notify(Notice(...))`` inside their write transaction; sinks write in that same
transaction (so a notice is never stored for a change that rolled back) and deliver outside it with
``context.on_commit``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from huitong.engine.errors import HuitongError
from huitong.engine.records.context import Actor
from huitong.engine.system_tables import users

if TYPE_CHECKING:
    from huitong.engine.records.context import WriteContext
    from huitong.engine.security.access import AccessPolicy


@dataclass(frozen=True)
class Notice:
    """One thing to tell some users.

    ``message`` is a gettext msgid with ``%(name)s`` fields filled from ``params`` in each recipient's language
    (mark it with ``huitong.engine.i18n.N_``); ``params`` are plain text (a record's title, an amount already formatted). ``kind`` names
    what happened (``mention``, ``assignment``, ``task_reminder``, ``overdue``, ``pool_reclaim``, ``deal_won``,
    ``announcement``, ``birthday`` …): users choose channels per kind. ``key``, when given, makes the notice once
    only: the same key never reaches the same user twice (a reminder sent by two workers at once).
    """

    kind: str
    recipients: tuple[int, ...]
    message: str
    params: Mapping[str, str] = field(default_factory=dict)
    object: str | None = None
    record_id: int | None = None
    actor_id: int | None = None
    key: str | None = None
    body: str | None = None  # longer plain text shown under the message (an announcement's text, a comment)


NoticeSink = Callable[["WriteContext", Notice], None]


_MUTED: ContextVar[bool] = ContextVar("huitong_notices_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """No notice is sent inside: for writing the past (the demo's eighteen months of deals), not for news."""
    token = _MUTED.set(True)
    try:
        yield
    finally:
        _MUTED.reset(token)


class Notices:
    """The sinks modules registered, and the permission filter every notice passes first."""

    def __init__(self, access: AccessPolicy) -> None:
        self.access = access
        self.sinks: list[NoticeSink] = []

    def register(self, sink: NoticeSink) -> None:
        self.sinks.append(sink)

    def send(self, context: WriteContext, notice: Notice) -> Notice | None:
        """Hand ``notice`` to every sink, addressed only to those of its recipients who may receive it; returns the
        notice as sent, or None when nobody may (or no sink listens)."""
        if _MUTED.get():
            return None
        allowed = self.readers(context, notice, notice.recipients)
        if not allowed or not self.sinks:
            return None
        sent = replace(notice, recipients=tuple(allowed))
        for sink in self.sinks:
            sink(context, sent)
        return sent

    def readers(self, context: WriteContext, notice: Notice, user_ids: Iterable[int]) -> list[int]:
        """Those of ``user_ids`` who are active and may read the notice's record (in order, once each)."""
        wanted = list(dict.fromkeys(int(user_id) for user_id in user_ids))
        if not wanted:
            return []
        active = set(
            context.connection.execute(
                select(users.c.id).where(users.c.id.in_(wanted), users.c.active.is_(True))
            ).scalars()
        )
        return [user_id for user_id in wanted if user_id in active and self.may_read(context, notice, user_id)]

    def may_read(self, context: WriteContext, notice: Notice, user_id: int) -> bool:
        if notice.object is None or notice.record_id is None:
            return True
        return may_read_record(context, self.access, user_id, notice.object, notice.record_id)


def may_read_record(
    context: WriteContext, access: AccessPolicy, user_id: int, object_name: str, record_id: int
) -> bool:
    """Whether user ``user_id`` may read record ``record_id`` of ``object_name``, as of this transaction."""
    actor = access.bind(context.connection, Actor(user_id))
    schema = access.restrict(context.schema, actor)
    if object_name not in schema.objects:
        return False
    definition = schema.object(object_name)
    try:
        access.check_object(actor, definition, "read")
    except HuitongError:
        return False
    table = schema.table(object_name)
    query = select(table.c.id).where(table.c.id == record_id, table.c.deleted_at.is_(None))
    predicate = access.read_filter(actor, definition, table)
    if predicate is not None:
        query = query.where(predicate)
    return context.connection.execute(query).first() is not None


def notice_params(**params: Any) -> dict[str, str]:
    """``params`` as the plain text a notice carries (None as an empty string)."""
    return {name: "" if value is None else str(value) for name, value in params.items()}
