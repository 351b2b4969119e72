"""Who acts, inside which transaction, and the hooks modules hang behaviour on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection

from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.schema import Schema

Event = Literal["before_create", "after_create", "before_update", "after_update", "before_delete", "after_delete"]
EVENTS: tuple[Event, ...] = (
    "before_create", "after_create", "before_update", "after_update", "before_delete", "after_delete",
)  # fmt: skip
ANY_OBJECT = "*"

if TYPE_CHECKING:
    from huitong.engine.notices import Notice
    from huitong.engine.records.service import RecordService


@dataclass(frozen=True)
class Actor:
    """The user a request acts for. The access policy binds ``security`` (what the user may do) and ``model``
    (the organization snapshot it was derived from) at the start of each request."""

    user_id: int
    is_admin: bool = False
    locale: str = "en"
    security: Any = field(default=None, compare=False, repr=False)
    model: Any = field(default=None, compare=False, repr=False)


@dataclass
class WriteContext:
    """One write transaction: its connection, the schema it sees, who acts, and work to do after commit."""

    connection: Connection
    schema: Schema
    actor: Actor
    now: datetime
    # The record service running the transaction: hooks write their own records through it (stage history …).
    records: RecordService = field(compare=False, repr=False)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the transaction has committed (e.g. queue a job, send a notification)."""
        self.after_commit.append(callback)

    def notify(self, notice: Notice) -> Notice | None:
        """Tell ``notice.recipients`` (those who may read its record) through the notification centre."""
        return self.records.notices.send(self, notice)


@dataclass
class HookCall:
    """What a hook sees. ``values`` is the new state (before hooks may change it); ``before`` the stored one."""

    context: WriteContext
    object: ObjectDef
    record_id: int | None
    values: dict[str, Any]
    before: dict[str, Any] | None = None


Hook = Callable[[HookCall], None]


class Hooks:
    """Hooks by event and object. A hook raises a HuitongError to refuse the change."""

    def __init__(self) -> None:
        self._hooks: dict[tuple[str, str], list[Hook]] = {}

    def register(self, event: Event, object_name: str, hook: Hook) -> None:
        if event not in EVENTS:
            raise ValueError(f"unknown hook event {event!r}")
        self._hooks.setdefault((event, object_name), []).append(hook)

    def on(self, event: Event, object_name: str = ANY_OBJECT) -> Callable[[Hook], Hook]:
        def decorate(hook: Hook) -> Hook:
            self.register(event, object_name, hook)
            return hook

        return decorate

    def run(self, event: Event, call: HookCall) -> None:
        for key in ((event, call.object.name), (event, ANY_OBJECT)):
            for hook in self._hooks.get(key, ()):
                hook(call)
