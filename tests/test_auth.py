"""Signing in: API tokens, browser sessions with CSRF protection, and one's own tokens."""

from __future__ import annotations

from fastapi.testclient import TestClient

from huitong.engine.platform import Platform
from huitong.engine.security.users import create_user
from tests.conftest import ADMIN_PASSWORD, Api, FakeClock


def sign_in(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    response = client.post("/api/v1/auth/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def test_a_session_cookie_is_http_only_and_same_site(client: TestClient, admin_id: int) -> None:
    response = client.post("/api/v1/auth/session", json={"username": "admin", "password": ADMIN_PASSWORD})
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("huitong_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert any(c.startswith("huitong_csrf=") and "HttpOnly" not in c for c in cookies)


def test_a_session_reads_freely_but_changes_only_with_the_csrf_token(client: TestClient, admin_id: int) -> None:
    csrf = sign_in(client)
    assert client.get("/api/v1/meta/objects").status_code == 200
    forged = client.post("/api/v1/records/lead", json={"name": "王芳"})
    wrong = client.post("/api/v1/records/lead", json={"name": "王芳"}, headers={"X-CSRF-Token": "guess"})
    good = client.post("/api/v1/records/lead", json={"name": "王芳"}, headers={"X-CSRF-Token": csrf})
    assert (forged.status_code, wrong.status_code, good.status_code) == (403, 403, 201)
    assert forged.json()["code"] == "csrf"


def test_logout_ends_the_session(client: TestClient, admin_id: int) -> None:
    csrf = sign_in(client)
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/meta/objects").status_code == 401


def test_sessions_expire(client: TestClient, admin_id: int, clock: FakeClock) -> None:
    sign_in(client)
    clock.advance(days=8)
    response = client.get("/api/v1/meta/objects")
    assert response.status_code == 401


def test_deactivating_a_user_ends_their_session_and_tokens_at_once(
    client: TestClient, api: Api, platform: Platform
) -> None:
    with platform.db.write() as connection:
        user_id = create_user(connection, "zhaoliu", ADMIN_PASSWORD)
    token = client.post("/api/v1/auth/token", json={"username": "zhaoliu", "password": ADMIN_PASSWORD}).json()["token"]
    sign_in(client, "zhaoliu")
    assert api.patch(f"/api/v1/security/users/{user_id}", {"active": False}).status_code == 200
    assert client.get("/api/v1/meta/objects").status_code == 401
    assert client.get("/api/v1/meta/objects", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    refused = client.post("/api/v1/auth/token", json={"username": "zhaoliu", "password": ADMIN_PASSWORD})
    assert refused.status_code == 401


def test_users_list_create_and_revoke_their_own_tokens(user_api: Api, api: Api) -> None:
    created = user_api.post("/api/v1/auth/tokens", {"name": "ERP sync", "days": 30})
    assert created.status_code == 201
    token = created.json()["token"]
    listed = user_api.get("/api/v1/auth/tokens").json()["tokens"]
    erp = next(t for t in listed if t["name"] == "ERP sync")
    assert erp["expires_at"] is not None and erp["revoked"] is False
    assert user_api.get("/api/v1/auth/tokens?all=true").status_code == 403
    admin_ids = [t["id"] for t in api.get("/api/v1/auth/tokens").json()["tokens"]]
    assert user_api.delete(f"/api/v1/auth/tokens/{admin_ids[0]}").status_code == 403
    assert user_api.delete(f"/api/v1/auth/tokens/{erp['id']}").status_code == 204
    other = Api(user_api.client, token)
    assert other.get("/api/v1/meta/objects").status_code == 401


def test_sign_ins_are_recorded(client: TestClient, api: Api) -> None:
    client.post("/api/v1/auth/token", json={"username": "admin", "password": "wrong"})
    client.post("/api/v1/auth/token", json={"username": "nobody", "password": "wrong"})
    entries = api.get("/api/v1/security/sign-ins").json()["entries"]
    assert [(e["username"], e["success"], e["reason"]) for e in entries[:2]] == [
        ("nobody", False, "unknown_user"),
        ("admin", False, "wrong_password"),
    ]
