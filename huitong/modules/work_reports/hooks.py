"""The work reports' rules on the record write path, so the pages, the module's API and the generic record API
all keep them: the period normalized (a week from its Monday), one report per author, kind and period, the numbers
counted by the CRM (never typed), a report changed only by its author and only while a draft, and on submission
the numbers counted again, the manager named and told. A comment on a submitted report tells the other side."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from huitong.engine.errors import FieldError, validation_failed
from huitong.engine.i18n import N_, _, localized
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.notices import Notice, may_read_record, notice_params
from huitong.engine.records.context import Actor, HookCall, Hooks, WriteContext
from huitong.engine.security import sharing
from huitong.engine.system_tables import users
from huitong.modules.work_reports.numbers import Reader, tally
from huitong.modules.work_reports.objects import (
    CONTENT_FIELDS,
    DAILY,
    DRAFT,
    KINDS,
    SUBMITTED,
)
from huitong.modules.work_reports.periods import Period, period_of

SUBMITTED_MESSAGES = {
    "daily": N_("%(author)s submitted the daily report for %(period)s"),
    "weekly": N_("%(author)s submitted the weekly report for %(period)s"),
}
REVIEWED_MESSAGES = {
    "daily": N_("%(reviewer)s commented on your daily report for %(period)s"),
    "weekly": N_("%(reviewer)s commented on your weekly report for %(period)s"),
}
REPLIED_MESSAGES = {
    "daily": N_("%(author)s replied on the daily report for %(period)s"),
    "weekly": N_("%(author)s replied on the weekly report for %(period)s"),
}
SHARE_REASON = "report"  # the share that lets a manager named on the user (not above them by role) read it


def install(hooks: Hooks) -> None:
    hooks.register("before_create", "work_report", before_create)
    hooks.register("before_update", "work_report", before_update)
    hooks.register("after_create", "work_report", after_write)
    hooks.register("after_update", "work_report", after_write)
    hooks.register("before_delete", "work_report", before_delete)
    hooks.register("before_create", "work_report_comment", before_comment)
    hooks.register("after_create", "work_report_comment", after_comment)


# -- reports ---------------------------------------------------------------------------------------------------------
def before_create(call: HookCall) -> None:
    context, values = call.context, call.values
    author = int(values.get("owner") or context.actor.user_id)
    if author != context.actor.user_id and not context.actor.is_admin:
        raise refused("owner", "not_author", _("A report is written by its author."))
    values["owner"] = author
    values.setdefault("kind", DAILY)
    if values.get("period_start") is None:
        values["period_start"] = context.now.astimezone(zone_of(context, author)).date()
    place(call, author)
    status = values.get("status") or DRAFT
    values.update(submitted_at=None, submitted_to=None, reviewed_at=None, reviewed_by=None)
    count(call, author)
    if status == SUBMITTED:
        submit(call, author)


def before_update(call: HookCall) -> None:
    context, changes, before = call.context, call.values, call.before or {}
    author = int(before["owner"])
    if "owner" in changes and changes["owner"] != author:
        raise refused("owner", "not_transferable", _("A work report stays with its author."))
    changed = {name for name, value in changes.items() if before.get(name) != value}
    if before.get("status") == SUBMITTED:
        if changed & {*CONTENT_FIELDS, "status", "submitted_at", "submitted_to"}:
            raise refused("status", "submitted", _("A submitted report can no longer be changed."))
        return
    if changed & {*CONTENT_FIELDS, "status"} and context.actor.user_id != author:
        raise refused("owner", "not_author", _("Only the author writes or submits their report."))
    for computed in ("submitted_at", "submitted_to", "reviewed_at", "reviewed_by", "period_key", "period_end", "name"):
        changes.pop(computed, None)  # set by the CRM from the period, on submission and on review; not by a client
    if changed & {"kind", "period_start"}:
        place(call, author)
    count(call, author)
    if changes.get("status") == SUBMITTED:
        submit(call, author)


def before_delete(call: HookCall) -> None:
    """A draft is its author's to throw away; what was submitted is kept (an administrator may still remove it)."""
    before, actor = call.before or {}, call.context.actor
    if actor.is_admin:
        return
    if before.get("status") == SUBMITTED:
        raise refused("status", "submitted", _("A submitted report is kept: it cannot be deleted."))
    if int(before["owner"]) != actor.user_id:
        raise refused("owner", "not_author", _("Only the author writes or submits their report."))


def place(call: HookCall, author: int) -> None:
    """Normalize the period, title the report and refuse a second report for the same period."""
    values = {**(call.before or {}), **call.values}
    period = period_of(str(values.get("kind")), values["period_start"])
    call.values.update(kind=period.kind, period_start=period.start, period_end=period.end,
                       period_key=period.key(author), name=title(period))  # fmt: skip
    table = call.context.schema.table("work_report")
    query = select(table.c.id, table.c.deleted_at).where(table.c.period_key == period.key(author))
    if call.record_id is not None:
        query = query.where(table.c.id != call.record_id)
    existing = call.context.connection.execute(query).first()
    if existing is None:
        return
    if existing.deleted_at is not None:
        message = _("Your report for this period is in the recycle bin: restore it instead of writing a new one.")
    else:
        message = _("You already have a report for this period (no. %(id)s): open it and carry on.") % {
            "id": existing.id
        }
    raise validation_failed([FieldError("period_start", "duplicate_report", message)])


def title(period: Period) -> str:
    label = next(localized(choice["label"]) for choice in KINDS if choice["value"] == period.kind)
    return f"{label} {period.text}"


def count(call: HookCall, author: int) -> None:
    """The numbers as the author may read them now (what a client sent is replaced)."""
    values = {**(call.before or {}), **call.values}
    period = period_of(str(values["kind"]), values["period_start"])
    found = tally(author_reader(call.context, author), author, period, zone_of(call.context, author))
    call.values.update(found.stored())


def submit(call: HookCall, author: int) -> None:
    call.values.update(status=SUBMITTED, submitted_at=call.context.now, submitted_to=manager_of(call.context, author))


def after_write(call: HookCall) -> None:
    before = call.before or {}
    if call.values.get("status") != SUBMITTED or before.get("status") == SUBMITTED:
        return
    context, report = call.context, call.values
    manager = report.get("submitted_to")
    if manager is None or call.record_id is None:
        return
    if not may_read_record(context, access_of(context), int(manager), "work_report", call.record_id):
        # a manager named on the user but not above them by role reads (and comments on) what is sent to them
        sharing.add_share(context.connection, "work_report", call.record_id,
                          {"user": int(manager), "access": "read_write"}, context.actor.user_id,
                          may_share=True, reason=SHARE_REASON, now=context.now)  # fmt: skip
    context.notify(Notice(
        kind="work_report", recipients=(int(manager),), message=SUBMITTED_MESSAGES[str(report["kind"])],
        params=notice_params(author=name_of(context, int(report["owner"])), period=period_text(report)),
        object="work_report", record_id=call.record_id, actor_id=context.actor.user_id,
        body=str(report.get("summary") or "")[:500] or None,
    ))  # fmt: skip


# -- comments --------------------------------------------------------------------------------------------------------
def before_comment(call: HookCall) -> None:
    body = str(call.values.get("body") or "").strip()
    if not body:
        raise refused("body", "required", _("Write a comment first."))
    call.values["body"] = body
    call.values["name"] = body.splitlines()[0][:60]
    report = report_row(call.context, call.values.get("work_report"))
    if report is None or report.status != SUBMITTED:
        raise refused("work_report", "not_submitted", _("A report is commented on once it is submitted."))


def after_comment(call: HookCall) -> None:
    context = call.context
    report = report_row(context, call.values.get("work_report"))
    if report is None:
        return
    me = context.actor.user_id
    shown = {"period": Period(report.kind, report.period_start, report.period_end or report.period_start).text}
    if me == report.owner:
        recipients = (report.submitted_to,) if report.submitted_to else ()
        message, params = REPLIED_MESSAGES[report.kind], notice_params(author=name_of(context, me), **shown)
    else:
        recipients = (report.owner,)
        message, params = REVIEWED_MESSAGES[report.kind], notice_params(reviewer=name_of(context, me), **shown)
        if report.reviewed_at is None:
            # the first word from above marks the report reviewed, whatever the reviewer may edit on it
            system = context.records.system_context(context)
            system.records.update_in(system, "work_report", report.id,
                                     {"reviewed_at": context.now, "reviewed_by": me}, None)  # fmt: skip
    if recipients:
        context.notify(Notice(
            kind="work_report", recipients=tuple(int(user) for user in recipients), message=message, params=params,
            object="work_report", record_id=report.id, actor_id=me, body=str(call.values.get("body"))[:500],
        ))  # fmt: skip


def report_row(context: WriteContext, report_id: Any) -> Any:
    """The report's rules-relevant columns (its access was checked by the record service on the comment's write:
    a detail is written only by who may write its master)."""
    if report_id is None:
        return None
    table = context.schema.table("work_report")
    columns = [table.c.id, table.c.owner, table.c.kind, table.c.status, table.c.period_start, table.c.period_end,
               table.c.submitted_to, table.c.reviewed_at]  # fmt: skip
    return context.connection.execute(
        select(*columns).where(table.c.id == int(report_id), table.c.deleted_at.is_(None))
    ).first()


# -- helpers ---------------------------------------------------------------------------------------------------------
def access_of(context: WriteContext) -> Any:
    # The notices keep the real access policy even in a system context (whose record service allows everything),
    # and the numbers must be counted as the author may read, whoever's transaction this is.
    return context.records.notices.access


def author_reader(context: WriteContext, author: int) -> Reader:
    access = access_of(context)
    actor = access.bind(context.connection, Actor(author))
    schema = access.restrict(context.records.cache.current(context.connection), actor)
    return Reader(context.connection, actor, schema, access, FilterEnv(now=context.now, zone=context.records.zone))


def zone_of(context: WriteContext, user_id: int) -> ZoneInfo:
    """The author's time zone: their day is the report's day."""
    name = context.connection.execute(select(users.c.time_zone).where(users.c.id == user_id)).scalar()
    try:
        return ZoneInfo(name) if name else context.records.zone
    except (ZoneInfoNotFoundError, ValueError):
        return context.records.zone


def manager_of(context: WriteContext, author: int) -> int | None:
    """Whom the report goes to: the manager named on the user when active, else the nearest user above them in the
    role hierarchy."""
    row = context.connection.execute(select(users.c.manager_id).where(users.c.id == author)).first()
    named = row.manager_id if row else None
    if named is not None and named != author:
        active = context.connection.execute(select(users.c.active).where(users.c.id == named)).scalar()
        if active:
            return int(named)
    access = access_of(context)
    chain = access.managers_of(access.bind(context.connection, Actor(author)), author)
    return int(chain[0]) if chain else None


def name_of(context: WriteContext, user_id: int) -> str:
    return str(context.connection.execute(select(users.c.display_name).where(users.c.id == user_id)).scalar() or "")


def period_text(report: dict[str, Any]) -> str:
    start = report["period_start"]
    return Period(str(report["kind"]), start, report.get("period_end") or start).text


def refused(field: str, code: str, message: str) -> Exception:
    return validation_failed([FieldError(field, code, message)])
