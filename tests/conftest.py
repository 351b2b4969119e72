"""Test fixtures: a fresh database per test, on SQLite and on PostgreSQL, built from a migrated template.

Tests that take the ``platform`` (or ``api``) fixture run once per backend. PostgreSQL is required under CI
(``CI=true``): there, a PostgreSQL that cannot be reached fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, sync_playwright

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.api.app import create_app
from huitong.engine.notices import Notice
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.security.users import create_token, create_user
from tests.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, require_chromium, take_script_errors

POSTGRES_URL = os.environ.get("HUITONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]
ADMIN_PASSWORD = "correct-horse-9"


class FakeClock:
    """A clock tests move by hand. Starts at a fixed instant so that relative dates are predictable."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.current = moment


def _admin_connection() -> psycopg.Connection[Any]:
    return psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)


def _postgres_available() -> bool:
    try:
        with _admin_connection():
            return True
    except psycopg.OperationalError:
        return False


def _url_for(database: str) -> str:
    base, _slash, _name = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


class Templates:
    """One migrated template database per backend and test process, copied for each test."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.built: dict[str, str] = {}
        self.tag = uuid.uuid4().hex[:8]

    def template(self, backend: str) -> str:
        if backend not in self.built:
            self.built[backend] = self._build(backend)
        return self.built[backend]

    def _build(self, backend: str) -> str:
        if backend == "sqlite":
            url = f"sqlite:///{self.directory / 'template.db'}"
        else:
            name = f"huitong_tpl_{self.tag}"
            with _admin_connection() as connection:
                connection.execute(f'CREATE DATABASE "{name}"')
            url = _url_for(name)
        platform = build_platform(Settings(database_url=url))
        platform.migrate()
        platform.close()
        return url

    def fresh(self, backend: str) -> str:
        template = self.template(backend)
        name = f"t_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            source = Path(template.removeprefix("sqlite:///"))
            target = self.directory / f"{name}.db"
            shutil.copyfile(source, target)
            return f"sqlite:///{target}"
        with _admin_connection() as connection:
            connection.execute(f'CREATE DATABASE "huitong_{name}" TEMPLATE "huitong_tpl_{self.tag}"')
        return _url_for(f"huitong_{name}")

    def empty(self, backend: str) -> str:
        """A new database with no tables at all (to test upgrades from old revisions)."""
        name = f"e_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{self.directory / name}.db"
        with _admin_connection() as connection:
            connection.execute(f'CREATE DATABASE "huitong_{name}"')
        return _url_for(f"huitong_{name}")

    def drop(self, url: str) -> None:
        if url.startswith("postgresql"):
            name = url.rpartition("/")[2]
            with _admin_connection() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if "postgresql" in self.built:
            self.drop(self.built["postgresql"])


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    found = Templates(tmp_path_factory.mktemp("databases"))
    yield found
    found.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI and not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL is not reachable")
    return name


@pytest.fixture
def database_url(templates: Templates, backend: str) -> Iterator[str]:
    url = templates.fresh(backend)
    yield url
    templates.drop(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 18, 2, 0, tzinfo=UTC))  # a Wednesday, 10:00 in Shanghai


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, jobs_path=str(tmp_path / "jobs.db"))


@pytest.fixture
def platform(settings: Settings, clock: FakeClock) -> Iterator[Platform]:
    from huitong.modules import MODULES

    built = Platform(settings, MODULES, clock=clock)
    yield built
    built.close()


@pytest.fixture
def heard(platform: Platform) -> Iterator[list[Notice]]:
    """Every notice the platform's sinks receive during the test (a listening sink is added)."""
    received: list[Notice] = []

    def sink(context: WriteContext, notice: Notice) -> None:
        received.append(notice)

    platform.notices.register(sink)
    yield received
    platform.notices.sinks.remove(sink)


@pytest.fixture
def admin_id(platform: Platform) -> int:
    with platform.db.write() as connection:
        return create_user(connection, "admin", ADMIN_PASSWORD, display_name="管理员", is_admin=True)


@pytest.fixture
def admin(admin_id: int) -> Actor:
    return Actor(admin_id, is_admin=True)


class Api:
    """A signed-in HTTP client: ``api.post(path, json)`` with the token and a language."""

    def __init__(self, client: TestClient, token: str, language: str = "en") -> None:
        self.client = client
        self.token = token
        self.language = language

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": self.language, **(extra or {})}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.patch(path, json=json, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)


@pytest.fixture
def client(platform: Platform) -> TestClient:
    return TestClient(create_app(platform))


@pytest.fixture
def api(client: TestClient, platform: Platform, admin_id: int) -> Api:
    with platform.db.write() as connection:
        token = create_token(connection, admin_id, "tests")
    return Api(client, token)


@pytest.fixture
def user_api(client: TestClient, platform: Platform) -> Api:
    """A signed-in user who is not an administrator."""
    with platform.db.write() as connection:
        user_id = create_user(connection, "zhangsan", ADMIN_PASSWORD, display_name="张三")
        token = create_token(connection, user_id, "tests")
    return Api(client, token)


EQUIPMENT_FIELDS: list[dict[str, Any]] = [
    {"name": "x_serial", "type": "text", "label": {"en": "Serial no.", "zh_CN": "序列号"}, "required": True,
     "unique": True, "max_length": 64},
    {"name": "x_status", "type": "picklist", "label": {"en": "Status", "zh_CN": "状态"},
     "values": [{"value": "active", "label": {"en": "Active", "zh_CN": "在用"}},
                {"value": "repair", "label": {"en": "In repair", "zh_CN": "维修中"}},
                {"value": "retired", "label": {"en": "Retired", "zh_CN": "报废"}}]},
    {"name": "x_site", "type": "lookup", "label": {"en": "Site", "zh_CN": "站点"}, "target": "x_site"},
    {"name": "x_price", "type": "currency", "label": {"en": "Price", "zh_CN": "价格"}, "tracked": True},
    {"name": "x_installed", "type": "date", "label": {"en": "Installed", "zh_CN": "安装日期"}},
]  # fmt: skip


@pytest.fixture
def equipment(api: Api) -> Api:
    """The issue's example: x_site (with x_name) and x_equipment with serial, status, site, price, installed."""
    for response in (
        api.post("/api/v1/meta/objects", {"name": "x_site", "label": {"en": "Site", "zh_CN": "站点"}}),
        api.post(
            "/api/v1/meta/objects/x_site/fields",
            {"name": "x_name", "type": "text", "label": {"en": "Name", "zh_CN": "名称"}},
        ),
        api.post("/api/v1/meta/objects", {"name": "x_equipment", "label": {"en": "Equipment", "zh_CN": "设备"}}),
        *(api.post("/api/v1/meta/objects/x_equipment/fields", spec) for spec in EQUIPMENT_FIELDS),
    ):
        assert response.status_code == 201, response.text
    return api


@pytest.fixture(scope="module")
def server(templates: Templates) -> Iterator[LiveServer]:
    """The application with demo data on a loopback port, one per browser-test module."""
    with LiveServer(templates.fresh("sqlite")) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, driven by Playwright (missing under CI is a failure, not a skip)."""
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def no_script_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails when a page it opened threw a script error or logged a broken Alpine expression."""
    take_script_errors()
    yield
    if "browser" in request.fixturenames and (errors := take_script_errors()):
        pytest.fail("script errors in the pages this test opened:\n" + "\n".join(errors), pytrace=False)
