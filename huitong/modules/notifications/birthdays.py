"""Contacts' birthdays (CON-2): on a contact's birthday, at the time of day its owner chose (09:00 unless they
changed it) in the owner's own time zone, the owner is told. A periodic job looks every few minutes; a user is due
once their chosen time has passed today, so a worker that was down at 09:00 still tells them at 09:20. The key
(contact and year) makes it once per contact per year, however often the job runs and however many workers run it.

Someone born on 29 February is remembered on 28 February in other years.

The contacts are read with a plain query on the contact table (month and day of ``birthday``, owner among the due
users): the query language has no "same day of the year" condition, and this is a system job reading for the
owners of the records; the notice itself still passes the engine's check that the owner may read the contact.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, Connection, and_, extract, or_, select
from sqlalchemy.exc import IntegrityError

from huitong.engine.errors import HuitongError
from huitong.engine.i18n import N_
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import WriteContext
from huitong.engine.security.users import system_actor
from huitong.engine.system_tables import users
from huitong.modules.notifications import preferences
from huitong.modules.notifications.preferences import Preferences

log = logging.getLogger("huitong.notifications")

MESSAGE = N_("Today is the birthday of %(contact)s")
MESSAGE_WITH_ACCOUNT = N_("Today is the birthday of %(contact)s (%(account)s)")


def zone_of(name: str | None, fallback: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else fallback
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def due_users(platform: Platform, connection: Connection, now: datetime) -> dict[int, tuple[date, Preferences]]:
    """The active users whose chosen birthday time has passed today where they are and whose contacts have not been
    looked at yet today, with that local date (and their preferences, to mark them looked at)."""
    rows = connection.execute(select(users.c.id, users.c.time_zone).where(users.c.active.is_(True))).all()
    chosen = preferences.load_many(connection, platform.cache, [int(row.id) for row in rows])
    due: dict[int, tuple[date, Preferences]] = {}
    for row in rows:
        local = now.astimezone(zone_of(row.time_zone, platform.zone))
        mine = chosen[int(row.id)]
        if local.time().replace(tzinfo=None) >= mine.birthday_time and mine.birthdays_checked_on != local.date():
            due[int(row.id)] = (local.date(), mine)
    return due


def same_day(column: Any, day: date) -> ColumnElement[bool]:
    """Born on ``day``'s month and day (29 February counts on 28 February of a common year)."""
    conditions = [and_(extract("month", column) == day.month, extract("day", column) == day.day)]
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        conditions.append(and_(extract("month", column) == 2, extract("day", column) == 29))
    return or_(*conditions)


def run(platform: Platform) -> int:
    """The periodic job: notify the due owners of today's birthdays; returns how many notices were sent."""
    now = platform.now()
    with platform.db.read() as connection:
        keeper = system_actor(connection)
        due = due_users(platform, connection, now)
    if keeper is None or not due:
        return 0
    sent = 0
    by_day: dict[date, list[int]] = {}
    for user_id, (day, _chosen) in due.items():
        by_day.setdefault(day, []).append(user_id)
    with platform.records.transaction(keeper) as context:
        system = context.records.system_context(context)
        if "contact" not in system.schema.objects:
            return 0  # a platform without the sales module has no contacts
        contacts = system.schema.table("contact")
        accounts = system.schema.table("account") if "account" in system.schema.objects else None
        for day, owners in by_day.items():
            columns = [contacts.c.id, contacts.c.name, contacts.c.owner]
            query = select(*columns, *([accounts.c.name.label("account_name")] if accounts is not None else []))
            if accounts is not None:
                query = query.select_from(contacts.outerjoin(accounts, accounts.c.id == contacts.c.account))
            query = query.where(
                contacts.c.owner.in_(owners), contacts.c.deleted_at.is_(None), contacts.c.birthday.is_not(None),
                same_day(contacts.c.birthday, day),
            ).order_by(contacts.c.id)  # fmt: skip
            for row in system.connection.execute(query).mappings():
                account = row.get("account_name")
                params = {"contact": str(row["name"]), **({"account": str(account)} if account else {})}
                notice = Notice(
                    "birthday",
                    (int(row["owner"]),),
                    MESSAGE_WITH_ACCOUNT if account else MESSAGE,
                    params,
                    object="contact",
                    record_id=int(row["id"]),
                    key=f"birthday:{row['id']}:{day.year}",
                )
                if context.notify(notice) is not None:
                    sent += 1
        for user_id, (day, chosen) in due.items():
            checked(system, user_id, chosen, day)
    return sent


def checked(context: WriteContext, user_id: int, chosen: Preferences, day: date) -> None:
    """Remember that ``user_id``'s contacts were looked at for ``day``, so that later runs that day skip them (the
    key would keep them from being told twice anyway; this keeps the job from reading their contacts every run).
    Two workers marking the same new user at once: the second's insert fails on the unique name and is let go."""
    try:
        with context.connection.begin_nested():
            preferences.write(context, user_id, chosen, {"birthdays_checked_on": day})
    except (IntegrityError, HuitongError) as error:
        log.info("birthdays of user %s: already marked (%s)", user_id, error)
