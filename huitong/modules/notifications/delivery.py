"""Delivery beyond the bell: email (SMTP) and text messages (an SMS provider), sent by the worker after the
notification's transaction has committed — never from inside a request, where a slow mail server would hold the
transaction open and a rollback would leave a sent email about nothing.

Exactly once with several workers: each worker claims a notification before sending by moving its version
(the record service's ``version = ?`` update: of two workers that read the same row, only the first claim
matches; the other gets a version conflict and leaves it). A claim older than ``RECLAIM_AFTER`` with nothing
delivered is taken to be a worker that died mid-send, and is claimed again, at most ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
import smtplib
import time
from collections.abc import Mapping
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from sqlalchemy import and_, or_, select

from huitong.config import Settings
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import _, use_locale
from huitong.engine.platform import Platform
from huitong.engine.security.users import system_actor
from huitong.engine.system_tables import users
from huitong.modules.notifications.messages import params_of, text

log = logging.getLogger("huitong.notifications")
RECLAIM_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5
BATCH = 200
BUDGET = timedelta(seconds=50)  # the job runs every minute


class SmsProvider(Protocol):
    """What an SMS gateway (Aliyun, Tencent Cloud …) implements: send ``text`` to one mobile number, raising on
    failure (the notification is tried again later)."""

    def send(self, mobile: str, text: str) -> None: ...


class LoggingSmsProvider:
    """The default provider: writes the message to the log, so that a deployment without a gateway loses nothing."""

    def send(self, mobile: str, text: str) -> None:
        log.info("SMS to %s: %s", mobile, text)


class Channels:
    """The external channels: email through ``settings``' SMTP server, text messages through ``sms``. A deployment
    with a gateway sets ``CHANNELS.sms`` to its provider at start-up."""

    def __init__(self, sms: SmsProvider | None = None) -> None:
        self.sms: SmsProvider = sms or LoggingSmsProvider()

    def email(self, settings: Settings, to: str, subject: str, body: str) -> None:
        if not settings.smtp_host:
            raise RuntimeError("no SMTP server is configured (HUITONG_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = formataddr((_("Huitong CRM"), settings.smtp_from))
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as server:
            if settings.smtp_starttls:
                server.starttls()
            if settings.smtp_user:
                server.login(settings.smtp_user, settings.smtp_password or "")
            server.send_message(message)


CHANNELS = Channels()


def run(platform: Platform) -> int:
    """The periodic job: deliver what is waiting; returns how many notifications this worker delivered. It claims
    nothing new after ``BUDGET``, so that a slow mail server does not pile runs up (the next run carries on)."""
    delivered = 0
    started = time.monotonic()
    for candidate in waiting(platform):
        if time.monotonic() - started > BUDGET.total_seconds():
            break
        if not claim(platform, candidate):
            continue  # another worker has it
        delivered += deliver(platform, candidate)
    return delivered


def waiting(platform: Platform) -> list[dict[str, Any]]:
    """Notifications with channels to use, not delivered, not claimed (or claimed long ago by a worker gone)."""
    now = platform.now()
    with platform.db.read() as connection:
        table = platform.cache.current(connection).table("notification")
        query = (
            select(
                table.c.id,
                table.c.version,
                table.c.owner,
                table.c.kind,
                table.c.message,
                table.c.params,
                table.c.body,
                table.c.link,
                table.c.channels,
                table.c.delivery_attempts,
            )
            .where(
                table.c.delivered_at.is_(None),  # set at once on in-app-only notifications (sink.py)
                table.c.channels.is_not(None),
                table.c.deleted_at.is_(None),
                or_(table.c.delivery_claimed_at.is_(None), table.c.delivery_claimed_at < now - RECLAIM_AFTER),
                or_(table.c.delivery_attempts.is_(None), table.c.delivery_attempts < MAX_ATTEMPTS),
            )
            .order_by(table.c.id)
            .limit(BATCH)
        )
        return [dict(row) for row in connection.execute(query).mappings()]


def claim(platform: Platform, candidate: Mapping[str, Any]) -> bool:
    """Take the notification for this worker, in a transaction of its own (committed before anything is sent)."""
    keeper = platform.job_actor("notification delivery")
    if keeper is None:
        return False
    try:
        with platform.records.transaction(keeper) as context:
            system = context.records.system_context(context)
            table = system.schema.table("notification")
            current = system.connection.execute(
                select(table.c.version).where(
                    table.c.id == candidate["id"],
                    table.c.delivered_at.is_(None),
                    or_(table.c.delivery_claimed_at.is_(None),
                        and_(table.c.delivery_claimed_at < context.now - RECLAIM_AFTER)),
                )
            ).scalar()  # fmt: skip
            if current != candidate["version"]:
                return False  # claimed or delivered since it was listed
            attempts = int(candidate.get("delivery_attempts") or 0) + 1
            system.records.update_in(system, "notification", candidate["id"],
                                     {"delivery_claimed_at": context.now, "delivery_attempts": attempts},
                                     candidate["version"])  # fmt: skip
    except HuitongError:
        return False  # the version moved between our read and our write: the other worker won
    return True


def deliver(platform: Platform, notification: Mapping[str, Any]) -> int:
    """Send through each chosen channel in the recipient's language; record the outcome."""
    with platform.db.read() as connection:
        person = connection.execute(
            select(users.c.email, users.c.mobile, users.c.locale, users.c.active).where(
                users.c.id == notification["owner"]
            )
        ).first()
    problems: dict[str, str] = {}
    if person is not None and person.active:
        with use_locale(person.locale):
            subject, body = compose(platform.settings, notification)
            for channel in str(notification["channels"] or "").split():
                problem = send(platform.settings, channel, person, subject, body)
                if problem:
                    problems[channel] = problem
    finish(platform, int(notification["id"]), problems)
    return 0 if problems else 1


def compose(settings: Settings, notification: Mapping[str, Any]) -> tuple[str, str]:
    """The subject (the message) and the plain-text body (message, details, link) in the current locale."""
    subject = text(str(notification["message"]), params_of(notification.get("params")))
    lines = [subject]
    if notification.get("body"):
        lines += ["", str(notification["body"])]
    if notification.get("link"):
        lines += [
            "",
            _("Open in Huitong CRM: %(url)s") % {"url": settings.public_url.rstrip("/") + notification["link"]},
        ]
    lines += ["", "—", _("You receive this because of your notification settings in Huitong CRM.")]
    return subject, "\n".join(lines)


def send(settings: Settings, channel: str, person: Any, subject: str, body: str) -> str | None:
    """Send on one channel; the problem, or None when sent (or when the person has no address: nothing to do)."""
    try:
        if channel == "email" and person.email:
            CHANNELS.email(settings, person.email, subject, body)
        elif channel == "sms" and person.mobile:
            CHANNELS.sms.send(person.mobile, subject)
        return None
    except Exception as error:  # noqa: BLE001 - any failure of a mail server or gateway is recorded and retried
        log.warning("notification %s failed: %s", channel, error)
        return f"{channel}: {error}"


def finish(platform: Platform, notification_id: int, problems: Mapping[str, str]) -> None:
    """Delivered; or left claimed with the problems noted and only the failed channels still to use, tried again
    once the claim is old (RECLAIM_AFTER): an email that went out is not sent twice because the SMS failed."""
    with platform.db.read() as connection:
        keeper = system_actor(connection)
    assert keeper is not None
    with platform.records.transaction(keeper) as context:
        system = context.records.system_context(context)
        values: dict[str, Any] = {"delivery_error": "; ".join(problems.values())[:255] or None}
        if problems:
            values["channels"] = " ".join(problems)
        else:
            values["delivered_at"] = context.now
        system.records.update_in(system, "notification", notification_id, values, None)
