"""The activities on pages, over HTTP on SQLite and PostgreSQL: the record timeline (readable items only, newest
first, by kind, paged), the quick buttons' prefilled forms, task actions as htmx posts with CSRF, the home
workbench's day, and the engine's extension points for a module's record panel and home widget."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from huitong.config import Settings
from huitong.engine.api.app import create_app
from huitong.engine.platform import HomeWidget, Module, PagePart, Platform, RecordPanel
from huitong.engine.security.users import create_user
from huitong.modules import MODULES
from huitong.modules.activities import timeline
from tests.conftest import ADMIN_PASSWORD, Api, FakeClock
from tests.security_fixtures import PASSWORD, add_user, set_default, tree
from tests.test_sales_leads import created, read


def signed_in(app: Any, username: str, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, headers={"Accept-Language": "en"}, follow_redirects=False)
    response = client.post("/login", data={"username": username, "password": password, "next": "/"})
    assert response.status_code == 303, response.text
    return client


def htmx_post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Any:
    headers = {"HX-Request": "true", "X-CSRF-Token": client.cookies.get("huitong_csrf") or ""}
    return client.post(path, data=data or {}, headers=headers)


def titles(html: str) -> list[str]:
    return re.findall(r'class="fw-medium activity-title" href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def team(api: Api, platform: Platform) -> dict[str, Any]:
    """Accounts everyone may read; two reps; activities private to their owners (and those above them)."""
    set_default(api, "account", "read")
    wang_id, wang = add_user(api, platform, "wang")
    _zhao_id, zhao = add_user(api, platform, "zhao")
    account = created(api, "account", {"name": "上海申通物流", "phone": "021-5555 1234"})
    return {"account": account["id"], "wang": wang, "zhao": zhao, "wang_id": wang_id}


def test_the_timeline_shows_only_what_the_reader_may_read_newest_first(
    api: Api, team: dict[str, Any], clock: FakeClock
) -> None:
    account = team["account"]
    created(api, "task", {"subject": "管理员的任务", "account": account, "due_at": "2026-03-10T02:00:00Z"})
    team["wang"].post("/api/v1/records/call", {"account": account, "subject": "王的电话",
                                               "started_at": "2026-03-16T02:00:00Z"})  # fmt: skip
    clock.advance(minutes=5)
    team["zhao"].post("/api/v1/records/note", {"account": account, "title": "赵的备注", "body": "<p>秘密</p>"})
    clock.advance(minutes=5)
    team["wang"].post("/api/v1/records/note", {"account": account, "title": "王的备注", "body": "<p>报价已发</p>"})
    api.patch(f"/api/v1/records/account/{account}",
              {"level": "B", "version": read(api, "account", account)["version"]})  # fmt: skip

    app = api.client.app
    wang = signed_in(app, "wang")
    page = wang.get(f"/records/account/{account}")
    assert page.status_code == 200
    assert titles(page.text) == ["王的备注", "王的电话"]  # not zhao's note, not the administrator's task
    assert (
        "秘密" not in page.text and "客户级别" in page.text
    )  # the level's change is on the timeline (in wang's Chinese)
    admin = signed_in(app, "admin", ADMIN_PASSWORD)
    everything = admin.get(f"/records/account/{account}").text
    assert titles(everything) == ["王的备注", "赵的备注", "王的电话", "管理员的任务"]
    calls = admin.get(f"/activities/timeline/account/{account}?kind=call")
    assert titles(calls.text) == ["王的电话"] and "客户级别" not in calls.text
    changes = admin.get(f"/activities/timeline/account/{account}?kind=change").text
    assert titles(changes) == [] and "客户级别" in changes
    assert admin.get(f"/activities/timeline/account/{account}?kind=secret").status_code == 400
    assert wang.get("/activities/timeline/account/999999").status_code == 404


def test_the_timeline_pages_with_a_more_link(api: Api, team: dict[str, Any], clock: FakeClock) -> None:
    account = team["account"]
    for number in range(timeline.PAGE + 3):
        clock.advance(minutes=1)
        created(api, "note", {"account": account, "title": f"备注 {number:02d}", "body": "…"})
    admin = signed_in(api.client.app, "admin", ADMIN_PASSWORD)
    first = admin.get(f"/records/account/{account}").text
    assert titles(first) == [f"备注 {n:02d}" for n in range(timeline.PAGE + 2, 2, -1)]
    assert f"/activities/timeline/account/{account}?page=2" in first
    second = admin.get(f"/activities/timeline/account/{account}?page=2").text
    assert titles(second) == ["备注 02", "备注 01", "备注 00"] and "page=3" not in second


def test_the_quick_buttons_open_forms_prefilled_with_the_record(api: Api, team: dict[str, Any]) -> None:
    account = team["account"]
    wang = signed_in(api.client.app, "wang")
    page = wang.get(f"/records/account/{account}").text
    address = re.search(r'href="(/records/call/new\?[^"]+)"', page)
    assert address is not None
    form = wang.get(address.group(1).replace("&amp;", "&")).text
    assert "上海申通物流" in form  # the account by its name, not its id
    assert 'value="021-5555 1234"' in form
    # saving returns to the account the call was logged from; an address elsewhere is never followed
    back = f"/records/account/{account}"
    assert f'name="next" value="{back}"' in form
    for given, expected in ((back, back), ("https://evil.example/", None)):
        saved = wang.post("/records/call/new", data={
            "csrf_token": wang.cookies.get("huitong_csrf"), "account": str(account), "direction": "outbound",
            "next": given,
        })  # fmt: skip
        assert saved.status_code == 303, saved.text
        location = saved.headers["location"]
        assert location == expected if expected else location.startswith("/records/call/")


def test_task_actions_are_htmx_posts_with_csrf(api: Api, team: dict[str, Any], clock: FakeClock) -> None:
    wang = team["wang"]
    task = wang.post("/api/v1/records/task", {"subject": "回访客户", "account": team["account"],
                                              "due_at": "2026-03-18T01:00:00Z"}).json()  # fmt: skip
    client = signed_in(api.client.app, "wang")
    refused = client.post(f"/activities/tasks/{task['id']}/complete", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    postponed = htmx_post(client, f"/activities/tasks/{task['id']}/postpone", {"by": "hour"})
    assert postponed.status_code == 200 and "回访客户" in postponed.text
    assert read(api, "task", task["id"])["due_at"] == "2026-03-18T03:00:00Z"
    custom = htmx_post(client, f"/activities/tasks/{task['id']}/postpone", {"by": "custom", "at": "2026-03-20T15:30"})
    assert custom.status_code == 200
    assert read(api, "task", task["id"])["due_at"] == "2026-03-20T07:30:00Z"  # 15:30 in Shanghai
    done = htmx_post(client, f"/activities/tasks/{task['id']}/complete")
    assert done.status_code == 200 and "is-done" in done.text
    assert read(api, "account", team["account"])["last_contacted_at"] == "2026-03-18T02:00:00Z"
    plain = client.post(f"/activities/tasks/{task['id']}/delete",
                        data={"csrf_token": client.cookies.get("huitong_csrf"), "next": "/"})  # fmt: skip
    assert plain.status_code == 303 and plain.headers["location"] == "/"
    assert api.get(f"/api/v1/records/task/{task['id']}").status_code == 404
    # someone else's task: not theirs to see, so not theirs to complete
    other = created(api, "task", {"subject": "管理员的任务"})
    assert htmx_post(client, f"/activities/tasks/{other['id']}/complete").status_code == 404


def test_home_shows_my_overdue_and_due_today_tasks_and_todays_events(
    api: Api, team: dict[str, Any], platform: Platform
) -> None:
    wang = team["wang"]
    for subject, due in (("昨天的任务", "2026-03-17T02:00:00Z"), ("今天下午的任务", "2026-03-18T07:00:00Z"),
                         ("明天的任务", "2026-03-19T02:00:00Z")):  # fmt: skip
        wang.post("/api/v1/records/task", {"subject": subject, "due_at": due})
    wang.post("/api/v1/records/event", {"subject": "今天的拜访", "kind": "visit", "start_at": "2026-03-18T06:00:00Z"})
    event = created(api, "event", {"subject": "管理员的会议", "start_at": "2026-03-18T08:00:00Z"})
    created(api, "event_attendee", {"event": event["id"], "user": team["wang_id"]})
    created(api, "task", {"subject": "别人的任务", "due_at": "2026-03-17T02:00:00Z"})

    home = signed_in(api.client.app, "wang").get("/").text
    assert "昨天的任务" in home and "今天下午的任务" in home and "今天的拜访" in home
    assert "明天的任务" not in home and "别人的任务" not in home
    assert home.index("昨天的任务") < home.index("今天下午的任务")
    assert "管理员的会议" not in home  # attending, but the event is the administrator's and not shared with wang


def test_a_module_contributes_a_record_panel_and_a_home_widget(settings: Settings, clock: FakeClock) -> None:
    seen: list[str] = []

    def panel(part: PagePart) -> str | None:
        assert part.definition is not None and part.record is not None
        seen.append(part.definition.name)
        return f"<div id='test-panel'>{part.record['name']} &lt;ok&gt;</div>"

    def widget(part: PagePart) -> str | None:
        return f"<div id='test-widget'>#{part.actor.user_id}</div>"

    extra = Module(name="testing", record_panels=[RecordPanel("testing.panel", panel, objects=["account"])],
                   home_widgets=[HomeWidget("testing.widget", widget), HomeWidget("testing.none", lambda _p: None)])  # fmt: skip
    platform = Platform(settings, [*MODULES, extra], clock=clock)
    try:
        with platform.db.write() as connection:
            admin_id = create_user(connection, "admin", ADMIN_PASSWORD, display_name="管理员", is_admin=True)
        client = signed_in(create_app(platform), "admin", ADMIN_PASSWORD)
        account = client.post("/records/account/new", data={"csrf_token": client.cookies.get("huitong_csrf"),
                                                             "name": "苏州恒信"})  # fmt: skip
        assert account.status_code == 303
        page = client.get(account.headers["location"]).text
        assert "<div id='test-panel'>苏州恒信 &lt;ok&gt;</div>" in page
        contact = client.post("/records/contact/new", data={"csrf_token": client.cookies.get("huitong_csrf"),
                                                            "name": "王"})  # fmt: skip
        assert "test-panel" not in client.get(contact.headers["location"]).text
        assert seen == ["account"]
        assert f"<div id='test-widget'>#{admin_id}</div>" in client.get("/").text
    finally:
        platform.close()


def test_checking_in_to_a_visit_records_time_place_and_address(
    api: Api, team: dict[str, Any], clock: FakeClock
) -> None:
    visit = team["wang"].post("/api/v1/records/event", {"subject": "拜访申通", "kind": "visit", "account": team["account"],
                                                        "start_at": "2026-03-18T01:30:00Z"}).json()  # fmt: skip
    client = signed_in(api.client.app, "wang")
    page = client.get(f"/records/event/{visit['id']}").text
    assert f'action="/activities/events/{visit["id"]}/check-in"' in page
    token = {"csrf_token": client.cookies.get("huitong_csrf") or ""}
    wrong = client.post(
        f"/activities/events/{visit['id']}/check-in", data={**token, "latitude": "91", "longitude": "1"}
    )
    assert wrong.status_code == 422
    place = {"latitude": "31.2304123", "longitude": "121.4737", "address": "上海市浦东新区世纪大道 100 号"}
    done = client.post(f"/activities/events/{visit['id']}/check-in", data={**token, **place})
    assert done.status_code == 303 and done.headers["location"] == f"/records/event/{visit['id']}"
    stored = read(api, "event", visit["id"])
    assert (stored["check_in_at"], stored["check_in_latitude"], stored["check_in_longitude"]) == (
        "2026-03-18T02:00:00Z", "31.230412", "121.473700")  # fmt: skip
    assert stored["check_in_address"] == place["address"]
    assert read(api, "account", team["account"])["last_contacted_at"] == "2026-03-18T02:00:00Z"
    assert client.post(f"/activities/events/{visit['id']}/check-in", data={**token, **place}).status_code == 409

    clock.advance(minutes=50)
    assert client.post(f"/activities/events/{visit['id']}/check-out", data=token).status_code == 303
    assert read(api, "event", visit["id"])["check_out_at"] == "2026-03-18T02:50:00Z"
    # the administrator's meeting is not wang's to check in to
    other = created(api, "event", {"subject": "内部会议", "kind": "visit", "start_at": "2026-03-18T03:00:00Z"})
    assert client.post(f"/activities/events/{other['id']}/check-in", data=token).status_code == 404


def test_a_field_hidden_from_the_reader_leaves_its_kind_out_of_the_timeline(api: Api, platform: Platform) -> None:
    profile = {"name": "Field sales", "objects": {"account": {"read": True}, "task": {"read": True},
                                                  "call": {"read": True, "create": True}},
               "fields": {"task.account": "hidden"}}  # fmt: skip
    response = api.post("/api/v1/security/profiles", profile)
    assert response.status_code == 201, response.text
    set_default(api, "account", "read")
    set_default(api, "task", "read")
    set_default(api, "call", "read")
    add_user(api, platform, "qian", profile=response.json()["id"])
    account = created(api, "account", {"name": "南京华泰商贸"})
    created(api, "task", {"subject": "看不到的任务", "account": account["id"]})
    created(api, "call", {"subject": "看得到的电话", "account": account["id"]})
    page = signed_in(api.client.app, "qian").get(f"/records/account/{account['id']}")
    assert page.status_code == 200
    assert titles(page.text) == ["看得到的电话"]


def test_a_manager_sees_the_days_visits_of_their_team(api: Api, platform: Platform) -> None:
    roles = tree(api, "roles", [("经理", None), ("代表", "经理")])
    add_user(api, platform, "manager", role=roles["经理"])
    _rep_id, rep = add_user(api, platform, "rep", role=roles["代表"])
    add_user(api, platform, "outsider")
    visit = rep.post("/api/v1/records/event", {"subject": "拜访华泰", "kind": "visit",
                                               "start_at": "2026-03-18T06:00:00Z"}).json()  # fmt: skip
    rep.post("/api/v1/records/event", {"subject": "明天的拜访", "kind": "visit", "start_at": "2026-03-19T06:00:00Z"})
    rep.post("/api/v1/records/event", {"subject": "内部会议", "kind": "meeting", "start_at": "2026-03-18T07:00:00Z"})
    client = signed_in(api.client.app, "rep")
    token = {"csrf_token": client.cookies.get("huitong_csrf") or "", "address": "南京市鼓楼区中山路 1 号"}
    assert client.post(f"/activities/events/{visit['id']}/check-in", data=token).status_code == 303

    manager = signed_in(api.client.app, "manager")
    team = manager.get("/activities/visits?scope=team").text
    assert "拜访华泰" in team and "南京市鼓楼区中山路 1 号" in team
    assert "明天的拜访" not in team and "内部会议" not in team
    assert "拜访华泰" not in manager.get("/activities/visits").text  # "mine": the manager has none
    assert "明天的拜访" in manager.get("/activities/visits?scope=team&day=2026-03-19").text
    assert "拜访华泰" not in signed_in(api.client.app, "outsider").get("/activities/visits?scope=team").text
    assert manager.get("/activities/visits?day=someday").status_code == 400
