"""Reminders and overdue warnings, sent by the periodic job at the right instant in each person's time zone (a fake
clock), once — even with two workers running the job at the same moment — and again after the reminder moves."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from huitong.config import Settings
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.modules import MODULES
from huitong.modules.activities import calendar_move, reminders, task_actions
from tests.conftest import Api, FakeClock
from tests.security_fixtures import add_user, ok
from tests.test_sales_leads import created

SHANGHAI = ZoneInfo("Asia/Shanghai")


def listen(platform: Platform, into: list[Notice]) -> Callable[[WriteContext, Notice], None]:
    def sink(context: WriteContext, notice: Notice) -> None:
        into.append(notice)

    platform.notices.register(sink)
    return sink


@pytest.fixture
def heard(platform: Platform) -> Iterator[list[Notice]]:
    received: list[Notice] = []
    sink = listen(platform, received)
    yield received
    platform.notices.sinks.remove(sink)


@pytest.fixture
def people(api: Api, platform: Platform) -> dict[str, Any]:
    """Two reps: one in Shanghai, one in Berlin (the administrator is the job's actor)."""
    shanghai_id, shanghai = add_user(api, platform, "li", time_zone="Asia/Shanghai")
    berlin_id, berlin = add_user(api, platform, "anna", time_zone="Europe/Berlin", locale="en")
    return {"shanghai": shanghai, "shanghai_id": shanghai_id, "berlin": berlin, "berlin_id": berlin_id}


def at(clock: FakeClock, text: str) -> None:
    clock.set(datetime.fromisoformat(text.replace("Z", "+00:00")))


def sent(platform: Platform, heard: list[Notice]) -> list[tuple[str, tuple[int, ...], dict[str, str]]]:
    """Run the job once; what it sent (and forget it)."""
    reminders.run(platform)
    found = [(notice.kind, notice.recipients, dict(notice.params)) for notice in heard]
    heard.clear()
    return found


def test_a_task_reminder_goes_at_its_time_once_and_again_when_moved(
    platform: Platform, people: dict[str, Any], clock: FakeClock, heard: list[Notice]
) -> None:
    li = people["shanghai_id"]
    task = created(people["shanghai"], "task", {"subject": "给王总回电话", "due_at": "2026-03-18T06:00:00Z",
                                                "reminder_at": "2026-03-18T05:30:00Z"})  # fmt: skip
    at(clock, "2026-03-18T05:29:00Z")
    assert sent(platform, heard) == []
    at(clock, "2026-03-18T05:30:00Z")
    assert sent(platform, heard) == [("task_reminder", (li,), {"subject": "给王总回电话", "time": "2026-03-18 14:00",
                                                              "location": ""})]  # fmt: skip
    clock.advance(minutes=1)
    assert sent(platform, heard) == []  # once

    # postponed to tomorrow: the reminder moves with it and goes again then
    task_actions.postpone(platform, Actor(li), task["id"], "tomorrow", SHANGHAI)
    moved = read_task(platform, li, task["id"])
    assert moved["reminder_at"] == datetime(2026, 3, 19, 5, 30, tzinfo=UTC)
    at(clock, "2026-03-19T05:30:00Z")
    assert [kind for kind, _who, _params in sent(platform, heard)] == ["task_reminder"]


def read_task(platform: Platform, user_id: int, task_id: int) -> dict[str, Any]:
    return platform.records.get(Actor(user_id), "task", task_id).values


def test_an_event_reminder_follows_its_owners_wall_clock_and_tells_attendees_in_their_own_time(
    api: Api, platform: Platform, people: dict[str, Any], clock: FakeClock, heard: list[Notice]
) -> None:
    anna, li = people["berlin_id"], people["shanghai_id"]
    weekly = created(people["berlin"], "event", {"subject": "Weekly review", "start_at": "2026-03-23T08:00:00Z",
                                                 "recurrence": "FREQ=WEEKLY;BYDAY=MO", "reminder_minutes": "15"})  # fmt: skip
    ok(api.post("/api/v1/records/event_attendee", {"event": weekly["id"], "user": li}), 201)
    ok(api.post(f"/api/v1/records/event/{weekly['id']}/shares", {"user": li, "access": "read"}), 201)

    at(clock, "2026-03-23T07:44:00Z")
    assert sent(platform, heard) == []
    at(clock, "2026-03-23T07:45:00Z")  # 08:45 in Berlin (CET)
    assert sorted(sent(platform, heard)) == sorted([
        ("event_reminder", (anna,), {"subject": "Weekly review", "time": "2026-03-23 09:00", "location": ""}),
        ("event_reminder", (li,), {"subject": "Weekly review", "time": "2026-03-23 16:00", "location": ""}),
    ])  # fmt: skip
    clock.advance(minutes=5)
    assert sent(platform, heard) == []

    # a week later summer time has begun: 08:45 in Berlin is an hour earlier in UTC
    at(clock, "2026-03-30T06:44:00Z")
    assert sent(platform, heard) == []
    at(clock, "2026-03-30T06:45:00Z")
    assert {(who, params["time"]) for _kind, who, params in sent(platform, heard)} == {
        ((anna,), "2026-03-30 09:00"), ((li,), "2026-03-30 15:00")}  # fmt: skip
    at(clock, "2026-03-30T07:45:00Z")
    assert sent(platform, heard) == []


def test_a_shanghai_event_reminds_an_hour_before(
    platform: Platform, people: dict[str, Any], clock: FakeClock, heard: list[Notice]
) -> None:
    event = created(people["shanghai"], "event", {"subject": "拜访恒信", "start_at": "2026-03-18T06:00:00Z",
                                                  "reminder_minutes": "60", "location": "苏州工业园区"})  # fmt: skip
    at(clock, "2026-03-18T04:59:00Z")
    assert sent(platform, heard) == []
    at(clock, "2026-03-18T05:00:00Z")
    assert sent(platform, heard) == [("event_reminder", (people["shanghai_id"],),
                                      {"subject": "拜访恒信", "time": "2026-03-18 14:00", "location": "苏州工业园区"})]  # fmt: skip
    # moved to later the same day: it is reminded of again
    current = platform.records.get(Actor(people["shanghai_id"]), "event", event["id"]).values
    platform.records.update(Actor(people["shanghai_id"]), "event", event["id"],
                            {"start_at": "2026-03-18T08:00:00Z"}, current["version"])  # fmt: skip
    at(clock, "2026-03-18T07:00:00Z")
    assert [params["time"] for _kind, _who, params in sent(platform, heard)] == ["2026-03-18 16:00"]


def test_an_occurrence_moved_out_of_its_series_is_reminded_of_at_its_new_time_only(
    platform: Platform, people: dict[str, Any], clock: FakeClock, heard: list[Notice]
) -> None:
    li = people["shanghai_id"]
    weekly = created(people["shanghai"], "event", {"subject": "周例会", "start_at": "2026-03-16T02:00:00Z",
                                                   "recurrence": "FREQ=WEEKLY", "reminder_minutes": "15"})  # fmt: skip
    calendar_move.move(platform, Actor(li), SHANGHAI, {
        "kind": "event", "id": str(weekly["id"]), "version": str(weekly["version"]),
        "occurrence": "20260323T020000Z", "to": "2026-03-23T15:00"})  # fmt: skip
    at(clock, "2026-03-23T01:45:00Z")  # 09:45 in Shanghai: the meeting's usual reminder time
    assert sent(platform, heard) == []
    at(clock, "2026-03-23T06:45:00Z")
    assert sent(platform, heard) == [("event_reminder", (li,), {"subject": "周例会", "time": "2026-03-23 15:00",
                                                               "location": ""})]  # fmt: skip
    at(clock, "2026-03-30T01:45:00Z")  # the week after, the series reminds again
    assert [params["time"] for _kind, _who, params in sent(platform, heard)] == ["2026-03-30 10:00"]


def test_an_open_task_past_due_warns_its_owner_once(
    platform: Platform, people: dict[str, Any], clock: FakeClock, heard: list[Notice]
) -> None:
    li = people["shanghai_id"]
    task = created(people["shanghai"], "task", {"subject": "发合同", "due_at": "2026-03-18T03:00:00Z"})
    done = created(people["shanghai"], "task", {"subject": "已办完", "due_at": "2026-03-18T03:00:00Z",
                                                "status": "completed"})  # fmt: skip
    assert done["status"] == "completed"
    at(clock, "2026-03-18T02:59:00Z")
    assert sent(platform, heard) == []
    at(clock, "2026-03-18T03:00:00Z")
    assert sent(platform, heard) == [("overdue", (li,), {"subject": "发合同", "time": "2026-03-18 11:00",
                                                         "location": ""})]  # fmt: skip
    clock.advance(hours=2)
    assert sent(platform, heard) == []
    task_actions.postpone(platform, Actor(li), task["id"], "hour", SHANGHAI)
    clock.advance(hours=1, minutes=1)
    assert [kind for kind, _who, _params in sent(platform, heard)] == ["overdue"]


def test_two_workers_at_the_same_moment_send_each_reminder_once(
    api: Api, platform: Platform, settings: Settings, people: dict[str, Any], clock: FakeClock
) -> None:
    for n in range(12):
        created(people["shanghai"], "task", {"subject": f"任务 {n}", "due_at": "2026-03-18T09:00:00Z",
                                             "reminder_at": "2026-03-18T05:00:00Z"})  # fmt: skip
    at(clock, "2026-03-18T05:00:00Z")
    other = Platform(settings, MODULES, clock=clock)  # a second worker process's platform, on the same database
    heard: list[Notice] = []
    sinks = [(platform, listen(platform, heard)), (other, listen(other, heard))]
    # both workers read what is due before either claims anything: each then races for every reminder
    barrier = threading.Barrier(2, timeout=30)
    claim = reminders.claim
    waited: set[int] = set()

    def racing(*args: Any) -> Any:
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()
        return claim(*args)

    results: list[int] = []
    errors: list[BaseException] = []

    def work(on: Platform) -> None:
        try:
            results.append(reminders.run(on))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    reminders.claim = racing  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=work, args=(on,)) for on in (platform, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        reminders.claim = claim  # type: ignore[assignment]
        for on, sink in sinks:
            on.notices.sinks.remove(sink)
        other.close()
    assert errors == []
    assert len(results) == 2 and sum(results) == 12
    assert len(heard) == 12 and len({notice.record_id for notice in heard}) == 12
    assert {notice.kind for notice in heard} == {"task_reminder"}
    # and nothing is left to send
    again: list[Notice] = []
    sink = listen(platform, again)
    reminders.run(platform)
    platform.notices.sinks.remove(sink)
    assert again == []


def test_the_job_is_registered_every_minute(platform: Platform) -> None:
    jobs = {job.name: job for module in platform.modules for job in module.periodic}
    assert jobs["activities.reminders"].minutes == 1
