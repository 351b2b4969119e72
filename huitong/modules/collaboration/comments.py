"""The rules of comments, as hooks, so that the module's routes and the generic records API keep them alike:
a comment is about a record its author may read (or about none: a post); its mentions are people who may read it,
or it is refused naming them; once saved it notifies the mentioned and the record's followers, and its author
follows the record from then on (decisions/0013)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from huitong.engine.errors import FieldError, forbidden, validation_failed
from huitong.engine.i18n import N_, _
from huitong.engine.notices import Notice, may_read_record, notice_params
from huitong.engine.records.context import HookCall, Hooks, WriteContext
from huitong.modules.collaboration import follows, mentions
from huitong.modules.collaboration.objects import OWN, SUMMARY_LENGTH

MENTION = N_("%(actor)s mentioned you on %(record)s")
MENTION_IN_POST = N_("%(actor)s mentioned you in a post")
COMMENTED = N_("%(actor)s commented on %(record)s")
UNSEEN = _("This record does not exist or you may not see it.")


def install(hooks: Hooks) -> None:
    hooks.register("before_create", "comment", before_create)
    hooks.register("after_create", "comment", after_create)
    hooks.register("before_update", "comment", before_update)
    hooks.register("after_update", "comment", after_update)


def summary(body: str) -> str:
    text = " ".join(body.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def refuse(field: str, message: str) -> None:
    raise validation_failed([FieldError(field, "invalid_value", message)])


def before_create(call: HookCall) -> None:
    values, context = call.values, call.context
    if isinstance(values.get("body"), str):
        values["body"] = values["body"].strip()
    parent_id = values.get("parent")
    if parent_id is not None:
        # a reply is about what the comment it answers is about (the engine checked the author may read that one)
        parent = context.connection.execute(
            select(context.schema.table("comment")).where(context.schema.table("comment").c.id == parent_id)
        ).mappings().first()  # fmt: skip
        if parent is not None:
            for name in ("object_name", "record_id"):
                if values.get(name) not in (None, parent[name]):
                    refuse(name, _("A reply is about the record of the comment it answers."))
                values[name] = parent[name]
    about(context, values.get("object_name"), values.get("record_id"))
    values["summary"] = summary(str(values.get("body") or ""))
    values["mentions"] = mention_ids(context, str(values.get("body") or ""), values.get("mentions"))


def about(context: WriteContext, object_name: Any, record_id: Any) -> None:
    """Both the object and the record, or neither; a record the author may read, of an object that takes comments."""
    if object_name in (None, "") and record_id is None:
        return
    if object_name in (None, "") or record_id is None:
        field = "record_id" if record_id is None else "object_name"
        refuse(field, _("Name both the object and the record, or neither for a post."))
    if object_name in OWN or object_name not in context.schema.objects:
        refuse("object_name", _("There is no such object."))
    if not may_read_record(context, context.records.access, context.actor.user_id, str(object_name), int(record_id)):
        refuse("record_id", UNSEEN)


def mention_ids(context: WriteContext, body: str, chosen: Any) -> str | None:
    picked = mentions.parse_ids(chosen)
    gone = mentions.inactive_chosen(context.connection, picked)
    if gone:
        raise validation_failed([FieldError("mentions", "inactive_user",
                                            _("%(name)s is not an active user.") % {"name": person.name})
                                 for person in gone])  # fmt: skip
    return mentions.stored(person.id for person in mentions.mentioned(context.connection, body, picked))


def check_readers(context: WriteContext, comment_id: int, values: Mapping[str, Any], ids: list[int]) -> None:
    """Refuse the comment (the transaction rolls back) when a mentioned person may not read it: not the record it
    is about, or, for a post, not the author's posts. Checked on the saved comment, so both cases are one rule."""
    names = mentions.people(context.connection, ids)
    blind = [user_id for user_id in ids
             if not may_read_record(context, context.records.access, user_id, "comment", comment_id)]  # fmt: skip
    if not blind:
        return
    message = (_("%(name)s cannot see this record.") if values.get("object_name")
               else _("%(name)s cannot see this post."))  # fmt: skip
    errors = [FieldError("mentions", "cannot_read", message % {"name": names[user_id].name if user_id in names
                                                               else f"#{user_id}"}) for user_id in blind]  # fmt: skip
    raise validation_failed(errors, errors[0].message if len(errors) == 1 else None)


def after_create(call: HookCall) -> None:
    assert call.record_id is not None
    context, values = call.context, call.values
    ids = mentions.parse_ids(values.get("mentions"))
    check_readers(context, call.record_id, values, ids)
    told = notify_mentions(context, call.record_id, values, [user_id for user_id in ids
                                                             if user_id != context.actor.user_id])  # fmt: skip
    object_name, record_id = values.get("object_name"), values.get("record_id")
    if object_name and record_id is not None:
        followers = follows.followers(context, str(object_name), int(record_id))
        others = [user_id for user_id in followers if user_id != context.actor.user_id and user_id not in told]
        if others:
            context.notify(Notice("followed_change", tuple(others), COMMENTED,
                                  notice_params(actor=actor_name(context), record=record_title(context, values)),
                                  object=str(object_name), record_id=int(record_id), actor_id=context.actor.user_id,
                                  body=str(values.get("body") or "")))  # fmt: skip
        # taking part in a conversation is following it: replies reach the author
        follows.ensure(context, str(object_name), int(record_id))


def notify_mentions(context: WriteContext, comment_id: int, values: Mapping[str, Any], ids: list[int]) -> set[int]:
    if not ids:
        return set()
    object_name, record_id = values.get("object_name"), values.get("record_id")
    on_record = bool(object_name) and record_id is not None
    notice = Notice(
        "mention", tuple(ids), MENTION if on_record else MENTION_IN_POST,
        notice_params(actor=actor_name(context), record=record_title(context, values)),
        object=str(object_name) if on_record else "comment",
        record_id=int(record_id) if on_record and record_id is not None else comment_id,
        actor_id=context.actor.user_id, body=str(values.get("body") or ""),
    )  # fmt: skip
    sent = context.notify(notice)
    return set(sent.recipients) if sent else set()


def before_update(call: HookCall) -> None:
    """Only the author changes what they wrote, and a comment stays about its record."""
    before, values = call.before or {}, call.values
    if before.get("owner") != call.context.actor.user_id and not call.context.actor.is_admin:
        raise forbidden(_("Only the author may change a comment."))
    for name in ("object_name", "record_id", "parent"):
        if name in values and values[name] != before.get(name):
            refuse(name, _("This cannot be changed."))
    if isinstance(values.get("body"), str):
        values["body"] = values["body"].strip()
        values["summary"] = summary(values["body"])
        chosen = values.get("mentions", before.get("mentions"))
        values["mentions"] = mention_ids(call.context, values["body"], chosen)


def after_update(call: HookCall) -> None:
    """An edit that adds a mention tells the newly mentioned person (only them)."""
    assert call.record_id is not None
    before, values = call.before or {}, {**(call.before or {}), **call.values}
    ids = mentions.parse_ids(values.get("mentions"))
    check_readers(call.context, call.record_id, values, ids)
    new = [user_id for user_id in ids if user_id not in mentions.parse_ids(before.get("mentions"))
           and user_id != call.context.actor.user_id]  # fmt: skip
    notify_mentions(call.context, call.record_id, values, new)


def actor_name(context: WriteContext) -> str:
    found = mentions.people(context.connection, [context.actor.user_id]).get(context.actor.user_id)
    return found.name if found else f"#{context.actor.user_id}"


def record_title(context: WriteContext, values: Mapping[str, Any]) -> str:
    """The title of the record a comment is about, for the notice (sent only to those who may read the record)."""
    object_name, record_id = values.get("object_name"), values.get("record_id")
    if not object_name or record_id is None or object_name not in context.schema.objects:
        return ""
    definition = context.schema.object(str(object_name))
    table = context.schema.table(definition.name)
    title = definition.title_field if definition.title_field in table.c else "id"
    value = context.connection.execute(select(table.c[title]).where(table.c.id == int(record_id))).scalar()
    return str(value) if value not in (None, "") else f"#{record_id}"
