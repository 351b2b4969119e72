"""The list page's bulk actions (edit, owner, delete and undo: all or nothing) and its CSV / Excel export."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from huitong.engine.api.app import create_app
from huitong.engine.platform import Platform
from huitong.engine.security import audit
from huitong.engine.system_tables import users
from huitong.engine.web import export
from tests.conftest import ADMIN_PASSWORD, Api
from tests.security_fixtures import PASSWORD, Org, build_org, bulk_create, ok, record, set_default

EQUIPMENT = "/records/x_equipment"


def browser(platform: Platform, username: str, password: str, language: str = "en") -> TestClient:
    """A client signed in through the sign-in form, as a browser is (session and CSRF cookies), in ``language``."""
    with platform.db.write() as connection:
        connection.execute(update(users).where(users.c.username == username).values(locale=language))
    client = TestClient(create_app(platform))
    response = client.post("/login", data={"username": username, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def post(client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    body = {"csrf_token": client.cookies.get("huitong_csrf"), **data}
    return client.post(path, data=body, follow_redirects=False, **kwargs)


def selection(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The form fields the list posts for these ticked rows (ids, and the version each row was read at)."""
    return {"ids": [str(r["id"]) for r in records], **{f"version_{r['id']}": str(r["version"]) for r in records}}


def change(api: Api, record_id: int, values: dict[str, Any]) -> None:
    version = ok(record(api, record_id))["version"]
    ok(api.patch(f"/api/v1/records/x_equipment/{record_id}", {**values, "version": version}))


def get_all(api: Api, ids: list[int]) -> list[dict[str, Any]]:
    return [ok(record(api, record_id)) for record_id in ids]


@pytest.fixture
def machines(equipment: Api) -> list[int]:
    sites = bulk_create(equipment, "x_site", [{"x_name": "上海站"}])
    rows = [
        {
            "x_serial": f"E-{n}",
            "x_status": "active",
            "x_site": sites[0],
            "x_price": f"{n}00.00",
            "x_installed": "2026-03-01",
        }
        for n in range(1, 4)
    ]
    return bulk_create(equipment, "x_equipment", rows)


@pytest.fixture
def admin_browser(platform: Platform, admin_id: int) -> TestClient:
    return browser(platform, "admin", ADMIN_PASSWORD)


# -- bulk edit ---------------------------------------------------------------------------------------------------
def test_bulk_edit_applies_to_every_selected_record(
    equipment: Api, machines: list[int], admin_browser: TestClient
) -> None:
    records = get_all(equipment, machines)
    response = post(
        admin_browser, f"{EQUIPMENT}/bulk/edit",
        {**selection(records), "bulk_field": "x_status", "x_status": "repair", "query": "sort=x_serial"},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    assert "bulk_done=updated" in response.headers["location"] and "sort=x_serial" in response.headers["location"]
    assert [r["x_status"] for r in get_all(equipment, machines)] == ["repair"] * 3
    page = admin_browser.get(response.headers["location"])
    assert page.status_code == 200 and "3 records updated." in page.text


def test_one_failing_record_changes_nothing_and_is_named(
    equipment: Api, machines: list[int], admin_browser: TestClient
) -> None:
    records = get_all(equipment, machines)
    change(equipment, machines[1], {"x_price": "1.00"})  # after the list was read
    fields = {**selection(records), "bulk_field": "x_status", "x_status": "retired"}
    response = post(admin_browser, f"{EQUIPMENT}/bulk/edit", fields)
    assert response.status_code == 422
    assert "nothing was changed" in response.text and "E-2" in response.text
    assert "Someone else changed this record since you read it." in response.text
    assert "E-1</a>" not in response.text  # only the failing record is named
    assert [r["x_status"] for r in get_all(equipment, machines)] == ["active"] * 3
    # On the list page itself (htmx), the same explanation is swapped in.
    fragment = post(admin_browser, f"{EQUIPMENT}/bulk/edit", fields, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="bulk-errors"' in fragment.text and "<html" not in fragment.text


def test_bulk_edit_validates_each_record(equipment: Api, machines: list[int], admin_browser: TestClient) -> None:
    records = get_all(equipment, machines)
    response = post(admin_browser, f"{EQUIPMENT}/bulk/edit", {**selection(records), "bulk_field": "x_price",
                                                               "x_price": "lots"})  # fmt: skip
    assert response.status_code == 422 and "Price:" in response.text
    assert [r["x_price"] for r in get_all(equipment, machines)] == ["100.00", "200.00", "300.00"]
    unknown = post(admin_browser, f"{EQUIPMENT}/bulk/edit", {**selection(records), "bulk_field": "owner", "owner": "1"})
    assert unknown.status_code == 400 and "Choose a field to change." in unknown.text


def test_select_all_matching_the_filter(equipment: Api, machines: list[int], admin_browser: TestClient) -> None:
    change(equipment, machines[0], {"x_status": "retired"})
    response = post(admin_browser, f"{EQUIPMENT}/bulk/edit", {"all_matching": "1", "query": "x_status=active",
                                                               "bulk_field": "x_price", "x_price": "9.00"})  # fmt: skip
    assert response.status_code == 303 and "bulk_count=2" in response.headers["location"]
    assert [r["x_price"] for r in get_all(equipment, machines)] == ["100.00", "9.00", "9.00"]


# -- delete and undo ---------------------------------------------------------------------------------------------
def test_bulk_delete_then_undo_restores_them_all(
    equipment: Api, machines: list[int], admin_browser: TestClient
) -> None:
    records = get_all(equipment, machines[:2])
    response = post(admin_browser, f"{EQUIPMENT}/bulk/delete", selection(records))
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "bulk_done=deleted" in location and "bulk_count=2" in location
    assert [record(equipment, i).status_code for i in machines] == [404, 404, 200]
    page = admin_browser.get(location)
    assert "2 records moved to the recycle bin." in page.text and 'id="bulk-undo"' in page.text
    batch = page.text.split('name="batch" value="')[1].split('"')[0]
    undo = post(admin_browser, f"{EQUIPMENT}/bulk/restore", {"batch": batch, "query": ""})
    assert undo.status_code == 303 and "bulk_done=restored" in undo.headers["location"]
    assert [record(equipment, i).status_code for i in machines] == [200, 200, 200]
    again = post(admin_browser, f"{EQUIPMENT}/bulk/restore", {"batch": batch, "query": ""})
    assert again.status_code == 404


def test_bulk_delete_is_all_or_nothing(equipment: Api, machines: list[int], admin_browser: TestClient) -> None:
    records = get_all(equipment, machines)
    assert (
        equipment.delete(f"/api/v1/records/x_equipment/{machines[2]}").status_code == 204
    )  # gone before the list posts
    response = post(admin_browser, f"{EQUIPMENT}/bulk/delete", selection(records))
    assert response.status_code == 422 and "This record does not exist or you may not see it." in response.text
    assert [record(equipment, i).status_code for i in machines] == [200, 200, 404]


def test_bulk_actions_need_the_csrf_token(equipment: Api, machines: list[int], admin_browser: TestClient) -> None:
    response = admin_browser.post(f"{EQUIPMENT}/bulk/delete", data={"ids": [str(machines[0])]}, follow_redirects=False)
    assert response.status_code in (401, 403, 303)
    assert record(equipment, machines[0]).status_code == 200


# -- owner -------------------------------------------------------------------------------------------------------
@pytest.fixture
def org(equipment: Api, platform: Platform) -> Org:
    return build_org(equipment, platform)


def test_owner_change_refused_for_someone_who_may_not_transfer(org: Org, platform: Platform) -> None:
    set_default(org.admin, "x_equipment", "read_write")  # wang may edit zhao's records, not give them away
    wang = browser(platform, "wang", PASSWORD)
    ids = [org.equipment["E-WANG-1"], org.equipment["E-ZHAO-1"]]
    response = post(wang, f"{EQUIPMENT}/bulk/owner", {"ids": [str(i) for i in ids], "owner": str(org.users["liu"])})
    assert response.status_code == 422
    assert "Only the owner, their managers and administrators may choose the owner." in response.text
    assert "E-ZHAO-1" in response.text
    owners = [ok(record(org.admin, i))["owner"] for i in ids]
    assert owners == [org.users["wang"], org.users["zhao"]]  # wang's own record did not move either
    # Their manager may.
    manager = browser(platform, "east_mgr", PASSWORD)
    moved = post(manager, f"{EQUIPMENT}/bulk/owner", {"ids": [str(i) for i in ids], "owner": str(org.users["liu"])})
    assert moved.status_code == 303, moved.text
    assert [ok(record(org.admin, i))["owner"] for i in ids] == [org.users["liu"]] * 2


# -- export ------------------------------------------------------------------------------------------------------
def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_has_labels_and_displayed_values(
    equipment: Api, machines: list[int], platform: Platform, admin_id: int
) -> None:
    client = browser(platform, "admin", ADMIN_PASSWORD, language="zh_CN")
    response = client.get(f"{EQUIPMENT}/export.csv?columns=x_serial,x_status,x_site,owner,x_price&sort=x_serial")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["序列号", "状态", "站点", "负责人", "价格"]
    assert [row[0] for row in rows[1:]] == ["E-1", "E-2", "E-3"]
    assert rows[1][1] == "在用" and rows[1][2] == "上海站" and rows[1][3] == "管理员"


def test_export_reads_every_page(equipment: Api, platform: Platform, admin_browser: TestClient,
                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    bulk_create(equipment, "x_equipment", [{"x_serial": f"S-{n:03}", "x_status": "repair"} for n in range(25)])
    monkeypatch.setattr(export, "BATCH", 10)
    rows = csv_rows(admin_browser.get(f"{EQUIPMENT}/export.csv?x_status=repair&sort=-x_serial"))
    assert [row[0] for row in rows[1:]] == [f"S-{n:03}" for n in reversed(range(25))]


def test_xlsx_export(equipment: Api, machines: list[int], admin_browser: TestClient) -> None:
    response = admin_browser.get(
        f"{EQUIPMENT}/export.xlsx?columns=x_serial,x_status,x_site,x_price,x_installed&sort=x_serial"
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Serial no.", "Status", "Site", "Price", "Installed"]
    assert rows[1][:3] == ["E-1", "Active", "上海站"]
    assert float(rows[1][3]) == 100.0 and str(rows[1][4])[:10] == "2026-03-01"
    assert len(rows) == 4


def test_export_never_runs_formulas(equipment: Api, admin_browser: TestClient) -> None:
    bulk_create(equipment, "x_equipment", [{"x_serial": '=HYPERLINK("http://x")'}])
    rows = csv_rows(admin_browser.get(f"{EQUIPMENT}/export.csv?columns=x_serial"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    response = admin_browser.get(f"{EQUIPMENT}/export.xlsx?columns=x_serial")
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active["A2"]  # type: ignore[index]
    assert cell.data_type == "s"


def test_export_leaves_out_hidden_fields_and_unreadable_rows(org: Org, platform: Platform) -> None:
    wang = browser(platform, "wang", PASSWORD)
    rows = csv_rows(wang.get(f"{EQUIPMENT}/export.csv?columns=x_serial,x_price,x_status"))
    assert rows[0] == ["Serial no.", "Status"]  # x_price is hidden from the Sales profile
    assert sorted(row[0] for row in rows[1:]) == ["E-WANG-1", "E-WANG-2"]  # private: only their own
    assert not any("100" in value for row in rows for value in row)
    book = openpyxl.load_workbook(io.BytesIO(wang.get(f"{EQUIPMENT}/export.xlsx?columns=x_price").content)).active
    assert book is not None
    assert "Price" not in [cell for row in book.iter_rows(values_only=True) for cell in row]
    refused = wang.get(f"{EQUIPMENT}/export.csv?x_price__gt=1")
    assert refused.status_code == 400 and "text/csv" not in refused.headers["content-type"]
    assert wang.get(f"{EQUIPMENT}/export.csv?sort=x_price").status_code == 400
    # A manager reads their team's rows as well.
    manager = csv_rows(browser(platform, "east_mgr", PASSWORD).get(f"{EQUIPMENT}/export.csv?columns=x_serial"))
    assert sorted(row[0] for row in manager[1:]) == ["E-EAST-M", "E-WANG-1", "E-WANG-2", "E-ZHAO-1"]


def test_export_is_audited(equipment: Api, machines: list[int], platform: Platform, admin_id: int,
                           admin_browser: TestClient) -> None:  # fmt: skip
    csv_rows(admin_browser.get(f"{EQUIPMENT}/export.csv?x_status=active&columns=x_serial"))
    admin_browser.get(f"{EQUIPMENT}/export.xlsx")
    with platform.db.read() as connection:
        entries = audit.trail(connection, limit=10)
    exports = [e for e in entries if e["action"] == "records.export"]
    assert len(exports) == 2
    xlsx, csv_entry = exports
    assert csv_entry["actor"] == admin_id and csv_entry["target"] == "x_equipment"
    assert csv_entry["detail"]["rows"] == 3 and csv_entry["detail"]["format"] == "csv"
    assert csv_entry["detail"]["filter"] == [["x_status", "active"]] and csv_entry["detail"]["columns"] == ["x_serial"]
    assert xlsx["detail"]["format"] == "xlsx"


def test_export_over_the_limit_is_refused(equipment: Api, machines: list[int], admin_browser: TestClient,
                                          platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    response = admin_browser.get(f"{EQUIPMENT}/export.csv")
    assert response.status_code == 400 and "an export holds at most 2" in response.text
    with platform.db.read() as connection:
        assert not [e for e in audit.trail(connection, limit=10) if e["action"] == "records.export"]


def test_list_page_shows_export_and_bulk_controls(
    equipment: Api, machines: list[int], admin_browser: TestClient
) -> None:
    page = admin_browser.get(f"{EQUIPMENT}?x_status=active")
    assert page.status_code == 200
    for marker in ('id="export-csv"', 'id="export-xlsx"', 'id="bulk-bar"', 'id="bulk-delete-confirm"',
                   'id="bulk-edit-apply"', 'id="bulk-owner-apply"', f'name="version_{machines[0]}"'):  # fmt: skip
        assert marker in page.text
    assert "/records/x_equipment/export.csv?x_status=active" in page.text
    dialog = admin_browser.get(f"{EQUIPMENT}/bulk/edit")
    assert dialog.status_code == 200 and 'id="bulk-field"' in dialog.text and 'id="f-x_status"' in dialog.text
    assert 'id="f-x_serial"' not in dialog.text  # unique: one value for many records would clash
    assert 'id="bulk-owner-user"' in admin_browser.get(f"{EQUIPMENT}/bulk/owner").text
