"""Delivery beyond the bell: email through a real SMTP server (aiosmtpd on a loopback port), in the recipient's
language, per the channels each user chose per kind; text messages through the SMS provider; exactly once even
with two workers at it; retried after a failure without resending what went out."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from huitong.engine.i18n import N_
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.modules import MODULES
from huitong.modules.notifications import delivery
from tests.browser import free_port
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok, put


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for recipients, message in self.messages if address in recipients]


class Texts:
    """An SMS provider that keeps what it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, mobile: str, text: str) -> None:
        self.sent.append((mobile, text))


@pytest.fixture
def inbox(platform: Platform) -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    platform.settings = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=port,
                                smtp_from="crm@huitong.test", public_url="https://crm.huitong.test")  # fmt: skip
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def texts() -> Iterator[Texts]:
    provider = Texts()
    before = delivery.CHANNELS.sms
    delivery.CHANNELS.sms = provider
    yield provider
    delivery.CHANNELS.sms = before


def notify(platform: Platform, actor: Actor, notice: Notice) -> None:
    with platform.records.transaction(actor) as context:
        context.notify(notice)


def rows(platform: Platform) -> list[dict[str, Any]]:
    with platform.db.read() as connection:
        table = platform.cache.current(connection).table("notification")
        return [dict(row) for row in connection.execute(table.select().order_by(table.c.id)).mappings()]


def test_an_announcement_is_mailed_to_each_recipient_in_their_language(
    api: Api, platform: Platform, admin: Actor, inbox: Inbox
) -> None:
    li_id, _ = add_user(api, platform, "li", email="li@example.com", locale="zh_CN")
    amy_id, _ = add_user(api, platform, "amy", email="amy@example.com", locale="en")
    announcement = ok(api.post("/api/v1/records/announcement", {"title": "Q3 kick-off", "body": "<p>Friday</p>"}), 201)
    assert {row["owner"] for row in rows(platform)} == {li_id, amy_id}
    assert inbox.messages == []  # nothing is sent from the request: the worker sends

    assert delivery.run(platform) == 2

    chinese, english = inbox.to("li@example.com"), inbox.to("amy@example.com")
    assert len(chinese) == 1 and len(english) == 1
    assert chinese[0]["Subject"] == "新公告：Q3 kick-off"
    assert english[0]["Subject"] == "New announcement: Q3 kick-off"
    assert "crm@huitong.test" in english[0]["From"]
    text = english[0].get_content()
    assert "Friday" in text
    assert f"https://crm.huitong.test/records/announcement/{announcement['id']}" in text
    assert "在汇通 CRM 中打开" in chinese[0].get_content()
    assert all(row["delivered_at"] is not None and row["delivery_error"] is None for row in rows(platform))
    # delivered is delivered: the next run sends nothing
    assert delivery.run(platform) == 0
    assert len(inbox.messages) == 2


def test_each_user_chooses_the_channels_of_each_kind(
    api: Api, platform: Platform, admin: Actor, inbox: Inbox, texts: Texts
) -> None:
    rep_id, rep = add_user(api, platform, "rep", email="rep@example.com", mobile="13800138000", locale="en")
    quiet_id, _ = add_user(api, platform, "quiet", email="quiet@example.com", locale="en")
    chosen = ok(put(rep, "/api/v1/notifications/preferences",
                    {"channels": {"mention": ["in_app"], "overdue": ["in_app", "email", "sms"]}}))  # fmt: skip
    assert chosen["channels"]["mention"] == ["in_app"]
    assert chosen["channels"]["overdue"] == ["in_app", "email", "sms"]
    assert chosen["channels"]["deal_won"] == ["in_app", "email"]  # a default kept

    for kind in ("mention", "overdue", "birthday"):
        notify(platform, admin, Notice(kind, (rep_id, quiet_id), N_("Task overdue: %(subject)s"), {"subject": kind}))
    delivery.run(platform)

    # the rep: overdue by email and text; mention turned off; birthdays are in-app unless chosen
    assert [message["Subject"] for message in inbox.to("rep@example.com")] == ["Task overdue: overdue"]
    assert texts.sent == [("13800138000", "Task overdue: overdue")]
    # the quiet user kept the defaults: mentions by email, overdue and birthdays in the app only
    assert [message["Subject"] for message in inbox.to("quiet@example.com")] == ["Task overdue: mention"]
    # and all six are in the bells
    assert len(rows(platform)) == 6


@pytest.mark.parametrize("body", [{"channels": {"mention": ["fax"]}}, {"channels": {"nonsense": []}},
                                  {"channels": []}, {"birthday_time": "25:00"}, [1]])  # fmt: skip
def test_bad_preferences_are_refused_with_the_field_named(api: Api, body: Any) -> None:
    response = put(api, "/api/v1/notifications/preferences", body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["errors"]


def test_two_workers_deliver_each_notification_exactly_once(
    api: Api, platform: Platform, admin: Actor, inbox: Inbox
) -> None:
    people = [add_user(api, platform, f"rep{n}", email=f"rep{n}@example.com", locale="en")[0] for n in range(6)]
    for number in range(4):
        notify(platform, admin, Notice("mention", tuple(people), "Mentioned #%(n)s", {"n": str(number)}))
    second = Platform(platform.settings, MODULES, clock=platform.clock)
    start = threading.Barrier(2)
    counted: list[int] = []

    def work(on: Platform) -> None:
        start.wait(timeout=10)
        counted.append(delivery.run(on))

    threads = [threading.Thread(target=work, args=(on,)) for on in (platform, second)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        second.close()

    assert sum(counted) == 24
    sent = sorted((recipients[0], message["Subject"]) for recipients, message in inbox.messages)
    assert sent == sorted((f"rep{n}@example.com", f"Mentioned #{m}") for n in range(6) for m in range(4))
    assert all(row["delivery_attempts"] == 1 for row in rows(platform))


def test_a_failed_email_is_tried_again_later_and_a_sent_text_is_not_resent(
    api: Api, platform: Platform, admin: Actor, clock: FakeClock, texts: Texts
) -> None:
    rep_id, rep = add_user(api, platform, "rep", email="rep@example.com", mobile="13900139000", locale="en")
    ok(put(rep, "/api/v1/notifications/preferences", {"channels": {"mention": ["email", "sms"]}}))
    platform.settings = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=free_port())  # nobody listens
    notify(platform, admin, Notice("mention", (rep_id,), "Mentioned"))

    assert delivery.run(platform) == 0
    [row] = rows(platform)
    assert row["delivered_at"] is None and row["channels"] == "email" and "email" in row["delivery_error"]
    assert texts.sent == [("13900139000", "Mentioned")]
    assert delivery.run(platform) == 0 and rows(platform)[0]["delivery_attempts"] == 1  # not before the wait

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=platform.settings.smtp_port)
    controller.start()
    try:
        clock.advance(minutes=11)
        assert delivery.run(platform) == 1
    finally:
        controller.stop()
    assert [message["Subject"] for message in handler.to("rep@example.com")] == ["Mentioned"]
    assert texts.sent == [("13900139000", "Mentioned")]
    assert rows(platform)[0]["delivered_at"] is not None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a loopback test server
def test_the_worker_signs_in_to_the_smtp_server_when_a_user_is_set(api: Api, platform: Platform, admin: Actor) -> None:
    logins: list[tuple[str, str]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        login, password = data.login.decode(), data.password.decode()
        logins.append((login, password))
        # handled=False: aiosmtpd answers a refusal with 535 (handled means the authenticator already replied, and
        # the worker waited out its 30-second timeout for an answer that never came)
        return AuthResult(success=(login, password) == ("crm", "s3cret"), handled=False)

    handler = Inbox()
    port = free_port()
    # PLAIN only: smtplib tries every mechanism offered, so with LOGIN too a refused password is sent twice
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_required=True, auth_require_tls=False, auth_exclude_mechanism=["LOGIN"])  # fmt: skip
    controller.start()
    try:
        rep_id, _ = add_user(api, platform, "rep", email="rep@example.com", locale="en")
        notify(platform, admin, Notice("mention", (rep_id,), "Mentioned"))
        platform.settings = replace(platform.settings, smtp_host="127.0.0.1", smtp_port=port, smtp_user="crm",
                                    smtp_password="wrong")  # fmt: skip
        assert delivery.run(platform) == 0 and handler.messages == []  # refused: kept for later
        platform.settings = replace(platform.settings, smtp_password="s3cret")
        with platform.db.write() as connection:  # as if ten minutes had passed
            table = platform.cache.current(connection).table("notification")
            connection.execute(table.update().values(delivery_claimed_at=None))
        assert delivery.run(platform) == 1
    finally:
        controller.stop()
    assert logins == [("crm", "wrong"), ("crm", "s3cret")]
    assert [message["Subject"] for message in handler.to("rep@example.com")] == ["Mentioned"]
