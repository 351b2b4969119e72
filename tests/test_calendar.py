"""The calendar: repeating events expanded in their owner's time zone (wall-clock time kept across clock changes,
COUNT and UNTIL honoured, never unbounded), the calendar's items read as the reader (a manager's overlay shows their
team, not a peer), dragging through the route (version conflicts and refusals answered with a message, not a 500),
and the .ics feed parsed with the icalendar library."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from huitong.engine.platform import Platform
from huitong.modules.activities import calendar_view, recurrence
from huitong.modules.activities.calendar_data import Item
from huitong.modules.activities.recurrence import occurrences
from tests.conftest import Api
from tests.security_fixtures import add_user, ok, set_default, tree
from tests.test_activities_pages import htmx_post, signed_in
from tests.test_sales_leads import created, read

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def local_times(found: list[recurrence.Occurrence], zone: ZoneInfo) -> list[str]:
    return [o.start.astimezone(zone).strftime("%m-%d %a %H:%M") for o in found]


# -- recurrence --------------------------------------------------------------------------------------------------
def test_a_weekly_meeting_in_shanghai_is_every_monday_at_the_same_instant() -> None:
    start = utc(2026, 3, 2, 1, 30)  # Monday 09:30 in Shanghai
    found = occurrences(start, start + timedelta(hours=1), "FREQ=WEEKLY;BYDAY=MO", SHANGHAI,
                        utc(2026, 3, 9), utc(2026, 4, 1))  # fmt: skip
    assert local_times(found, SHANGHAI) == ["03-09 Mon 09:30", "03-16 Mon 09:30", "03-23 Mon 09:30", "03-30 Mon 09:30"]
    assert {o.start.hour for o in found} == {1} and all(o.end - o.start == timedelta(hours=1) for o in found)
    assert not any(o.first for o in found)  # the series' own start is before the window


def test_a_weekly_meeting_in_berlin_keeps_its_wall_clock_time_when_the_clocks_change() -> None:
    start = utc(2026, 3, 16, 8, 0)  # Monday 09:00 CET
    found = occurrences(start, None, "FREQ=WEEKLY;BYDAY=MO", BERLIN, utc(2026, 3, 15), utc(2026, 4, 7))
    assert local_times(found, BERLIN) == ["03-16 Mon 09:00", "03-23 Mon 09:00", "03-30 Mon 09:00", "04-06 Mon 09:00"]
    # the instant moves an hour earlier once summer time begins (29 March)
    assert [o.start.hour for o in found] == [8, 8, 7, 7]
    assert found[0].first


def test_count_and_until_end_a_series() -> None:
    start = utc(2026, 3, 16, 8, 0)
    window = (utc(2026, 3, 1), utc(2026, 6, 1))
    assert len(occurrences(start, None, "FREQ=DAILY;COUNT=3", BERLIN, *window)) == 3
    # UNTIL as an instant (09:00 Berlin on the 18th is 08:00Z): inclusive
    assert local_times(occurrences(start, None, "FREQ=DAILY;UNTIL=20260318T080000Z", BERLIN, *window), BERLIN) == [
        "03-16 Mon 09:00", "03-17 Tue 09:00", "03-18 Wed 09:00"]  # fmt: skip
    # UNTIL as a date: the whole of that day, across the change to summer time
    weekly = occurrences(start, None, "FREQ=WEEKLY;UNTIL=20260406", BERLIN, *window)
    assert local_times(weekly, BERLIN)[-1] == "04-06 Mon 09:00" and len(weekly) == 4
    # occurrences moved out of the series are not in it (the first one too)
    moved_out = frozenset({utc(2026, 3, 16, 8, 0), utc(2026, 3, 17, 8, 0)})
    assert local_times(occurrences(start, None, "FREQ=DAILY;COUNT=3", BERLIN, *window, moved_out), BERLIN) == [
        "03-18 Wed 09:00"]  # fmt: skip
    assert recurrence.skipped_of("20260316T080000Z,junk,20261340T000000Z,20260317T080000Z") == moved_out
    # the rule's count is counted from the series' start, not from the window
    assert occurrences(start, None, "FREQ=DAILY;COUNT=3", BERLIN, utc(2026, 3, 18), utc(2026, 3, 30))[-1].start == (
        utc(2026, 3, 18, 8, 0))  # fmt: skip


def test_expansion_is_bounded_and_never_fails() -> None:
    start = utc(2020, 1, 1, 0, 0)
    # a rule without end that began years ago: the window still fills, quickly, and no more than the cap
    assert len(occurrences(start, None, "FREQ=DAILY", SHANGHAI, utc(2026, 3, 1), utc(2026, 4, 1))) == 31
    # a huge COUNT walks at most MAX_STEPS steps (55 years of days), and a window holds at most MAX_OCCURRENCES
    assert occurrences(start, None, "FREQ=DAILY;COUNT=99999999", SHANGHAI, utc(2090, 3, 1), utc(2090, 3, 2)) == []
    assert len(occurrences(start, None, "FREQ=DAILY", SHANGHAI, utc(2026, 1, 1), utc(2028, 1, 1))) == (
        recurrence.MAX_OCCURRENCES)  # fmt: skip
    # rules more frequent than daily, that can never happen, or that overflow show the event once, at once
    for rule in (
        "FREQ=MINUTELY",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYWEEKNO=60",
        "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;INTERVAL=99999999999",
        "FREQ=SECONDLY;BYHOUR=25",
    ):
        began = time.monotonic()
        assert [o.start for o in occurrences(start, None, rule, SHANGHAI, start, utc(2020, 2, 1))] == [start], rule
        assert time.monotonic() - began < 0.5, rule
    # a rule of the right shape that names no weekday shows the event once, as it is
    odd = occurrences(utc(2026, 3, 2), None, "FREQ=WEEKLY;BYDAY=XX", SHANGHAI, utc(2026, 3, 1), utc(2026, 4, 1))
    assert [o.start for o in odd] == [utc(2026, 3, 2)]


def test_a_feed_rule_says_until_in_utc_or_as_a_date() -> None:
    assert recurrence.feed_rule("FREQ=WEEKLY;UNTIL=20260406", BERLIN, False) == "FREQ=WEEKLY;UNTIL=20260406T215959Z"
    assert recurrence.feed_rule("FREQ=WEEKLY;UNTIL=20260406T080000Z", BERLIN, True) == "FREQ=WEEKLY;UNTIL=20260406"


def test_views_cover_whole_weeks_from_monday() -> None:
    week = calendar_view.window("week", date(2026, 3, 18))
    assert (week.first, week.last) == (date(2026, 3, 16), date(2026, 3, 22))
    month = calendar_view.window("month", date(2026, 3, 18))
    assert (month.first, month.last, len(month.days) % 7) == (date(2026, 2, 23), date(2026, 4, 5), 0)
    assert month.step(1) == date(2026, 4, 1) and calendar_view.window("month", date(2026, 12, 5)).step(1) == (
        date(2027, 1, 1))  # fmt: skip


def test_overlapping_events_share_their_clusters_width() -> None:
    def placed(number: int, top: int, height: int) -> calendar_view.Placed:
        item = Item("event", number, 1, str(number), utc(2026, 3, 18), utc(2026, 3, 18), False, 1)
        return calendar_view.Placed(item, top, height)

    day = [placed(1, 540, 60), placed(2, 570, 60), placed(3, 630, 30), placed(4, 545, 10)]
    calendar_view.lay_out(day)
    # 09:00–10:00, 09:05–09:15 and 09:30–10:30 overlap (two lanes: the short one frees its lane for the third);
    # 10:30–11:00 starts as the last of them ends, alone
    assert {p.item.id: (p.lane, p.lanes) for p in day} == {1: (0, 2), 4: (1, 2), 2: (1, 2), 3: (0, 1)}


# -- the calendar's items, as the reader may read them ---------------------------------------------------------
@pytest.fixture
def office(api: Api, platform: Platform) -> dict[str, Any]:
    """A manager with one rep below them, and a peer manager beside them (both reading English; the rep Chinese);
    events and tasks private to their owners (and those above them in the role hierarchy)."""
    set_default(api, "event", "private")
    set_default(api, "task", "private")
    roles = tree(api, "roles", [("总监", None), ("经理", "总监"), ("同级经理", "总监"), ("代表", "经理")])
    manager_id, manager = add_user(api, platform, "manager", role=roles["经理"], locale="en")
    rep_id, rep = add_user(api, platform, "rep", role=roles["代表"])
    peer_id, peer = add_user(api, platform, "peer", role=roles["同级经理"], locale="en")
    return {"manager": manager, "rep": rep, "peer": peer, "manager_id": manager_id, "rep_id": rep_id,
            "peer_id": peer_id, "app": api.client.app}  # fmt: skip


def event_titles(html: str) -> list[str]:
    return [title.strip() for title in re.findall(r'class="cal-label">([^<]+)', html)]


def test_a_managers_overlay_shows_the_teams_events_but_never_a_peers(api: Api, office: dict[str, Any]) -> None:
    created(office["manager"], "event", {"subject": "经理的会", "start_at": "2026-03-18T06:00:00Z"})
    created(office["rep"], "event", {"subject": "代表拜访客户", "kind": "visit", "start_at": "2026-03-19T02:00:00Z",
                                     "end_at": "2026-03-19T03:30:00Z"})  # fmt: skip
    created(office["rep"], "task", {"subject": "代表发报价", "due_at": "2026-03-20T08:00:00Z"})
    created(office["peer"], "event", {"subject": "同级的会", "start_at": "2026-03-18T07:00:00Z"})
    weekly = created(office["rep"], "event", {"subject": "周例会", "start_at": "2026-03-02T01:00:00Z",
                                              "end_at": "2026-03-02T02:00:00Z", "recurrence": "FREQ=WEEKLY"})  # fmt: skip
    manager = signed_in(office["app"], "manager")

    alone = manager.get("/activities/calendar?view=week&date=2026-03-18")
    assert alone.status_code == 200, alone.text
    assert "经理的会" in event_titles(alone.text) and "代表拜访客户" not in alone.text

    # the rep is offered, the peer is not; asking for the peer anyway shows nothing of theirs
    assert f'name="with" value="{office["rep_id"]}"' in alone.text
    assert f'name="with" value="{office["peer_id"]}"' not in alone.text
    both = manager.get(f"/activities/calendar?view=week&date=2026-03-18&with={office['rep_id']}"
                       f"&with={office['peer_id']}").text  # fmt: skip
    shown = event_titles(both)
    assert {"经理的会", "代表拜访客户", "代表发报价", "周例会"} <= set(shown)
    assert "同级的会" not in both
    assert shown.count("周例会") >= 2  # once in the grid and once in the phone's list, on Monday the 16th
    assert f'href="/records/event/{weekly["id"]}"' in both

    # the rep sees their own calendar and not the manager's, whatever they ask for
    rep = signed_in(office["app"], "rep")
    mine = rep.get(f"/activities/calendar?view=month&date=2026-03-18&with={office['manager_id']}").text
    assert "代表拜访客户" in mine and "经理的会" not in mine
    assert event_titles(mine).count("周例会") >= 5  # every Monday of the month's grid


def test_an_event_one_attends_is_on_ones_calendar(api: Api, office: dict[str, Any]) -> None:
    set_default(api, "event", "read")  # the rep may read the manager's event to be asked to it
    meeting = created(office["manager"], "event", {"subject": "季度复盘", "start_at": "2026-03-18T06:00:00Z"})
    created(office["manager"], "event_attendee", {"event": meeting["id"], "user": office["rep_id"]})
    created(office["manager"], "event", {"subject": "别人的会", "start_at": "2026-03-18T08:00:00Z"})
    page = signed_in(office["app"], "rep").get("/activities/calendar?view=day&date=2026-03-18").text
    assert "季度复盘" in page and "别人的会" not in page


def test_bad_addresses_are_answered_not_crashed(api: Api, office: dict[str, Any]) -> None:
    manager = signed_in(office["app"], "manager")
    assert manager.get("/activities/calendar?view=year").status_code == 400
    assert manager.get("/activities/calendar?date=2026-13-45").status_code == 400
    assert manager.get("/activities/calendar?date=0001-01-01&with=x&with=99999999999999&with=²").status_code == 200
    assert manager.get("/activities/calendar/not-a-token.ics").status_code == 404


# -- dragging ----------------------------------------------------------------------------------------------------
def message(html: str) -> str:
    found = re.search(r'id="calendar-message">\s*<span>([^<]+)</span>', html)
    assert found, html[:500]
    return found.group(1)


def test_dragging_moves_an_event_keeping_its_length_and_refuses_what_it_may_not(
    api: Api, office: dict[str, Any]
) -> None:
    event = created(office["rep"], "event", {"subject": "拜访", "start_at": "2026-03-19T02:00:00Z",
                                             "end_at": "2026-03-19T03:30:00Z", "reminder_minutes": "15"})  # fmt: skip
    rep = signed_in(office["app"], "rep")
    query = "view=week&date=2026-03-18"
    moved = htmx_post(rep, "/activities/calendar/move", {"kind": "event", "id": str(event["id"]),
                                                         "version": str(event["version"]), "to": "2026-03-20T14:15",
                                                         "query": query})  # fmt: skip
    assert moved.status_code == 200
    assert message(moved.text) == "拜访 已移到 2026-03-20 14:15。"
    after = read(api, "event", event["id"])
    assert (after["start_at"], after["end_at"]) == ("2026-03-20T06:15:00Z", "2026-03-20T07:45:00Z")

    # the page was drawn before that move: its version is old now
    stale = htmx_post(rep, "/activities/calendar/move", {"kind": "event", "id": str(event["id"]),
                                                         "version": str(event["version"]), "to": "2026-03-21",
                                                         "query": query})  # fmt: skip
    assert stale.status_code == 200 and "已被他人修改" in message(stale.text)
    # dropped on a day: the same time of day on that day
    day = htmx_post(rep, "/activities/calendar/move", {"kind": "event", "id": str(event["id"]),
                                                       "version": str(after["version"]), "to": "2026-03-17",
                                                       "query": query})  # fmt: skip
    assert "2026-03-17 14:15" in message(day.text)

    # a peer may not even see it (and reads English)
    peer = signed_in(office["app"], "peer")
    refused = htmx_post(peer, "/activities/calendar/move", {"kind": "event", "id": str(event["id"]),
                                                            "version": "1", "to": "2026-03-17", "query": query})  # fmt: skip
    assert refused.status_code == 200 and "does not exist or you may not see it" in message(refused.text)
    for bad in ({"kind": "call"}, {"id": "x"}, {"id": "²"}, {"version": "¹"}, {"to": "tomorrow"},
                {"to": "9999-99-99T99:99"}, {"query": "view=nope"}, {"query": "with=²&date=2026-03-18"}):  # fmt: skip
        form = {"kind": "event", "id": str(event["id"]), "version": "1", "to": "2026-03-17", "query": query, **bad}
        answer = htmx_post(rep, "/activities/calendar/move", form)
        assert answer.status_code in (200, 400), answer.text


def test_a_record_one_may_read_but_not_edit_is_refused_with_a_message(api: Api, office: dict[str, Any]) -> None:
    set_default(api, "event", "read", hierarchy=False)
    event = created(office["peer"], "event", {"subject": "同级的会", "start_at": "2026-03-18T07:00:00Z"})
    rep = signed_in(office["app"], "rep")
    page = rep.get("/activities/calendar?view=week&date=2026-03-18").text
    assert "同级的会" not in page  # not theirs, not overlaid
    refused = htmx_post(rep, "/activities/calendar/move", {"kind": "event", "id": str(event["id"]),
                                                           "version": str(event["version"]), "to": "2026-03-19",
                                                           "query": "view=week&date=2026-03-18"})  # fmt: skip
    assert "不能修改" in message(refused.text)
    assert read(api, "event", event["id"])["start_at"] == "2026-03-18T07:00:00Z"


def test_one_occurrence_of_a_repeating_event_moves_on_its_own(api: Api, office: dict[str, Any]) -> None:
    weekly = created(office["rep"], "event", {"subject": "周例会", "start_at": "2026-03-16T01:00:00Z",
                                              "end_at": "2026-03-16T02:00:00Z", "recurrence": "FREQ=WEEKLY",
                                              "reminder_minutes": "15", "location": "三楼会议室"})  # fmt: skip
    created(office["rep"], "event_attendee", {"event": weekly["id"], "user": office["manager_id"]})
    rep = signed_in(office["app"], "rep")
    query = "view=week&date=2026-03-25"
    page = rep.get(f"/activities/calendar?{query}").text
    assert re.search(rf'data-id="{weekly["id"]}" data-version="\d+" data-occurrence="20260323T010000Z" draggable', page)

    # Monday the 23rd's meeting moves to Tuesday 14:00; the other Mondays stay
    drop = {"kind": "event", "id": str(weekly["id"]), "version": str(weekly["version"]), "occurrence": "20260323T010000Z",
            "to": "2026-03-24T14:00", "query": query}  # fmt: skip
    moved = htmx_post(rep, "/activities/calendar/move", drop)
    assert message(moved.text) == "仅这一次的周例会已移到 2026-03-24 14:00。"
    series = read(api, "event", weekly["id"])
    assert (series["skipped_occurrences"], series["start_at"]) == ("20260323T010000Z", "2026-03-16T01:00:00Z")
    single = [e for e in ok(api.get("/api/v1/records/event?subject=周例会"))["records"] if e["id"] != weekly["id"]]
    assert [(e["start_at"], e["end_at"], e.get("recurrence"), e["location"], e["reminder_minutes"]) for e in single] == [
        ("2026-03-24T06:00:00Z", "2026-03-24T07:00:00Z", None, "三楼会议室", "15")]  # fmt: skip
    attendees = ok(api.get(f"/api/v1/records/event_attendee?event={single[0]['id']}"))["records"]
    assert [a["user"] for a in attendees] == [office["manager_id"]]
    week = rep.get(f"/activities/calendar?{query}").text
    monday = week.split('data-drop-time="2026-03-23"')[1].split("data-drop-time=")[0]
    tuesday = week.split('data-drop-time="2026-03-24"')[1].split("data-drop-time=")[0]
    assert "周例会" not in monday and "14:00–15:00" in tuesday
    assert "周例会" in rep.get("/activities/calendar?view=day&date=2026-03-30").text

    # the same drop again: the series moved on (its version), and that occurrence is gone from it anyway
    again = htmx_post(rep, "/activities/calendar/move", drop)
    assert "刷新日历" in message(again.text)
    stray = htmx_post(rep, "/activities/calendar/move", {**drop, "version": str(series["version"]),
                                                         "occurrence": "20260324T010000Z"})  # fmt: skip
    assert "刷新日历" in message(stray.text)  # not an occurrence of the series
    assert len(ok(api.get("/api/v1/records/event?subject=周例会"))["records"]) == 2


def test_a_task_moves_with_its_reminder(api: Api, office: dict[str, Any]) -> None:
    task = created(office["rep"], "task", {"subject": "回访", "due_at": "2026-03-19T06:00:00Z",
                                           "reminder_at": "2026-03-19T05:30:00Z"})  # fmt: skip
    rep = signed_in(office["app"], "rep")
    page = rep.get("/activities/calendar?view=week&date=2026-03-18").text
    assert re.search(rf'data-kind="task" data-id="{task["id"]}" data-version="\d+"  draggable="true"', page)
    moved = htmx_post(rep, "/activities/calendar/move", {"kind": "task", "id": str(task["id"]),
                                                         "version": str(task["version"]), "to": "2026-03-20",
                                                         "query": "view=week&date=2026-03-18"})  # fmt: skip
    assert "回访 已移到 2026-03-20 14:00" in message(moved.text)
    after = read(api, "task", task["id"])
    assert (after["due_at"], after["reminder_at"]) == ("2026-03-20T06:00:00Z", "2026-03-20T05:30:00Z")


# -- the .ics feed -----------------------------------------------------------------------------------------------
def feed_address(html: str) -> str:
    found = re.search(r'id="cal-feed-address" readonly value="[^"]*(/activities/calendar/[^"]+\.ics)"', html)
    assert found, "no feed address on the page"
    return found.group(1)


def test_the_feed_holds_what_its_user_may_read_with_rules_and_can_be_renewed_and_stopped(
    api: Api, platform: Platform, office: dict[str, Any]
) -> None:
    ok(api.patch(f"/api/v1/security/users/{office['rep_id']}", {"time_zone": "Europe/Berlin"}))
    weekly = created(office["rep"], "event", {"subject": "Weekly review", "start_at": "2026-03-16T08:00:00Z",
                                              "end_at": "2026-03-16T09:00:00Z",
                                              "recurrence": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20260430",
                                              "location": "Room 3"})  # fmt: skip
    created(office["rep"], "event", {"subject": "Trade fair", "start_at": "2026-04-01T00:00:00Z", "all_day": True,
                                     "end_at": "2026-04-02T00:00:00Z"})  # fmt: skip
    due = created(office["rep"], "task", {"subject": "Send the quote", "due_at": "2026-03-19T06:00:00Z"})
    created(office["rep"], "task", {"subject": "Done already", "due_at": "2026-03-19T06:00:00Z", "status": "completed"})
    created(office["manager"], "event", {"subject": "Manager only", "start_at": "2026-03-18T06:00:00Z"})
    created(office["rep"], "event", {"subject": "Long ago", "start_at": "2025-01-01T06:00:00Z"})

    rep = signed_in(office["app"], "rep")
    # one Monday's review moved to the Tuesday (10:00 in Berlin): out of the series, an event of its own
    htmx_post(rep, "/activities/calendar/move", {"kind": "event", "id": str(weekly["id"]), "version": "1",
                                                 "occurrence": "20260323T080000Z", "to": "2026-03-24T10:00",
                                                 "query": "view=week&date=2026-03-23"})  # fmt: skip
    made = rep.post("/activities/calendar/feed", data={"csrf_token": rep.cookies.get("huitong_csrf") or "",
                                                       "view": "week"})  # fmt: skip
    assert made.status_code == 200
    address = feed_address(made.text)
    anonymous = TestClient(office["app"])
    body = anonymous.get(address)
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(body.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT") if "RRULE" in e or e["summary"] != "Weekly review"}
    assert sorted(str(e["summary"]) for e in calendar.walk("VEVENT")) == [
        "Trade fair", "Weekly review", "Weekly review", "任务：Send the quote"]  # fmt: skip
    review = events["Weekly review"]
    moved = next(e for e in calendar.walk("VEVENT") if e["summary"] == "Weekly review" and "RRULE" not in e)
    assert moved["dtstart"].dt == utc(2026, 3, 24, 9, 0) and moved["uid"] != review["uid"]
    assert [d.dt for d in review["exdate"].dts] == [datetime(2026, 3, 23, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))]
    assert review["uid"] == f"event-{weekly['id']}@huitong" and str(review["location"]) == "Room 3"
    assert review["rrule"].to_ical().decode() == "FREQ=WEEKLY;UNTIL=20260430T215959Z;BYDAY=MO"
    assert review["dtstart"].dt == datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert review["dtend"].dt - review["dtstart"].dt == timedelta(hours=1)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    fair = events["Trade fair"]
    assert (fair["dtstart"].dt, fair["dtend"].dt) == (date(2026, 4, 1), date(2026, 4, 3))
    task = events["任务：Send the quote"]
    assert task["uid"] == f"task-{due['id']}@huitong" and task["dtstart"].dt == utc(2026, 3, 19, 6, 0)

    # a new address replaces the old one; stopping ends it; the database keeps only a hash
    again = rep.post("/activities/calendar/feed", data={"csrf_token": rep.cookies.get("huitong_csrf") or ""})
    renewed = feed_address(again.text)
    assert renewed != address and anonymous.get(address).status_code == 404
    assert anonymous.get(renewed).status_code == 200
    stored = read(api, "calendar_feed", int(ok(api.get("/api/v1/records/calendar_feed"))["records"][0]["id"]))
    assert renewed.rsplit("/", 1)[1].removesuffix(".ics") not in str(stored)
    # a colleague who left: their address stops with them
    ok(api.patch(f"/api/v1/security/users/{office['rep_id']}", {"active": False}))
    assert anonymous.get(renewed).status_code == 404
    ok(api.patch(f"/api/v1/security/users/{office['rep_id']}", {"active": True}))
    assert anonymous.get(renewed).status_code == 200
    stopped = rep.post("/activities/calendar/feed/stop", data={"csrf_token": rep.cookies.get("huitong_csrf") or ""})
    assert "stopped" in stopped.text or "已停止" in stopped.text
    assert anonymous.get(renewed).status_code == 404


def test_nobody_but_its_owner_can_plant_a_token_on_a_feed(api: Api, office: dict[str, Any]) -> None:
    rep = signed_in(office["app"], "rep")
    rep.post("/activities/calendar/feed", data={"csrf_token": rep.cookies.get("huitong_csrf") or ""})
    feed = ok(api.get("/api/v1/records/calendar_feed"))["records"][0]
    # the manager above the rep may read the rep's records, and an administrator may edit anything — but not this
    planted = api.patch(f"/api/v1/records/calendar_feed/{feed['id']}", {"token_hash": "0" * 64,
                                                                       "version": feed["version"]})  # fmt: skip
    assert planted.status_code == 403
    made = office["manager"].post("/api/v1/records/calendar_feed", {"name": "x", "token_hash": "1" * 64,
                                                                   "owner": office["rep_id"]})  # fmt: skip
    assert made.status_code in (403, 422)
