"""The ``huitong`` command, run for real in subprocesses against a temporary SQLite database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.api.app import create_app
from huitong.engine.jobs.queue import Tasks, make_huey
from huitong.engine.platform import Platform

HUITONG = Path(sys.executable).with_name("huitong")
PASSWORD = "correct-horse-9"
TIMEOUT = 120


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


class Cli:
    """The command with its own database, job queue and working directory; nothing read from the caller's."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.database_url = f"sqlite:///{directory / 'huitong.db'}"
        self.jobs_path = str(directory / "jobs.db")
        self.env = {key: value for key, value in os.environ.items() if not key.startswith("HUITONG_")}
        self.env.update(
            HUITONG_DATABASE_URL=self.database_url,
            HUITONG_JOBS_PATH=self.jobs_path,
            HUITONG_CONFIG=str(directory / "absent.toml"),
            HUITONG_LOCALE="en",  # the terminal's language would otherwise choose the messages
        )

    def __call__(self, *args: str) -> Run:
        done = subprocess.run(
            [str(HUITONG), *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str) -> str:
        run = self(*args)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        return run.stdout

    def fails(self, *args: str) -> str:
        """Stderr of a run that must fail with a message, not a traceback."""
        run = self(*args)
        assert run.returncode == 1, (run.stdout, run.stderr)
        assert "Traceback" not in run.stderr
        assert run.stdout == ""
        return run.stderr

    def settings(self) -> Settings:
        return Settings(database_url=self.database_url, jobs_path=self.jobs_path)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert HUITONG.is_file(), f"the huitong command is not installed next to {sys.executable}"
    return Cli(tmp_path)


@pytest.fixture(scope="module")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database ``huitong migrate`` has set up, once per module; tests that do not test migrate copy it."""
    template = Cli(tmp_path_factory.mktemp("cli_template"))
    assert template.ok("migrate") == "The database is up to date.\n"
    return template.directory / "huitong.db"


@pytest.fixture
def migrated(cli: Cli, migrated_database: Path) -> Cli:
    shutil.copyfile(migrated_database, cli.directory / "huitong.db")
    return cli


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def count(platform: Platform, object_name: str) -> int:
    with platform.db.read() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM obj_{object_name}")).scalar_one())


def test_migrate_user_and_token_commands_give_a_token_the_api_accepts_until_revoked(cli: Cli) -> None:
    # given
    assert cli.ok("migrate") == "The database is up to date.\n"
    assert cli.ok("user", "add", "wangfang", "--password", PASSWORD, "--admin") == "User wangfang created (id 1).\n"
    # when
    token = cli.ok("token", "create", "wangfang").strip()
    second = cli.ok("token", "create", "wangfang", "--name", "integration").strip()
    # then
    assert token.startswith("ht_") and second.startswith("ht_") and token != second
    platform = build_platform(cli.settings())
    try:
        client = TestClient(create_app(platform))
        created = client.post("/api/v1/records/account", json={"name": "上海汇通"}, headers=bearer(token))
        assert created.status_code == 201, created.text
        assert created.json()["owner"] == 1
        listing = cli.ok("token", "list").splitlines()
        assert [line.split("\t")[:4] for line in listing] == [
            ["1", "wangfang", "cli", "active"],
            ["2", "wangfang", "integration", "active"],
        ]
        # when
        assert cli.ok("token", "revoke", "1") == "Token 1 revoked.\n"
        # then
        refused = client.get("/api/v1/records/account", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.json()["code"] == "unauthorized"
        assert client.get("/api/v1/records/account", headers=bearer(second)).status_code == 200
        assert [line.split("\t")[3] for line in cli.ok("token", "list").splitlines()] == ["revoked", "active"]
        assert cli.fails("token", "revoke", "1") == "error: There is no active token with this id.\n"
        assert cli.fails("token", "create", "nobody") == "error: There is no user named nobody.\n"
    finally:
        platform.close()


def test_user_add_refuses_a_weak_password_with_a_message(migrated: Cli) -> None:
    cli = migrated
    short = cli.fails("user", "add", "lisi", "--password", "short")
    with_name = cli.fails("user", "add", "lisi", "--password", "lisi-2026-spring")
    assert short == "error: Some values are not valid.; password: A password needs at least 8 characters.\n"
    assert with_name == "error: Some values are not valid.; password: A password must not contain the username.\n"
    assert cli.ok("user", "add", "lisi", "--password", PASSWORD) == "User lisi created (id 1).\n"
    taken = cli.fails("user", "add", "lisi", "--password", PASSWORD)
    assert taken == "error: This username is taken.; username: This username is taken.\n"


def test_demo_loads_sales_data_once(cli: Cli) -> None:
    # when
    loaded = cli.ok("demo", "--accounts", "50")
    # then
    assert loaded.startswith("Demo data loaded: 50 accounts, ")
    platform = build_platform(cli.settings())
    try:
        counts = {name: count(platform, name) for name in ("account", "contact", "lead", "opportunity")}
        # half as many opportunities as accounts; the pools and converted leads add a few accounts and leads
        assert counts["opportunity"] == 25 and counts["account"] >= 50 and counts["lead"] >= 25
        assert 50 <= counts["contact"] <= 150
        assert f"{counts['contact']} contacts" in loaded
        # when
        again = cli.ok("demo", "--accounts", "50")
        # then
        assert again == "The demo data is already loaded.\n"
        assert {name: count(platform, name) for name in counts} == counts
    finally:
        platform.close()


def test_purge_command_empties_the_recycle_bin(migrated: Cli) -> None:
    # given: an account deleted a moment ago
    cli = migrated
    cli.ok("user", "add", "zhaoliu", "--password", PASSWORD, "--admin")
    headers = bearer(cli.ok("token", "create", "zhaoliu").strip())
    platform = build_platform(cli.settings())
    try:
        client = TestClient(create_app(platform))
        kept = client.post("/api/v1/records/account", json={"name": "留下"}, headers=headers).json()["id"]
        gone = client.post("/api/v1/records/account", json={"name": "删除"}, headers=headers).json()["id"]
        assert client.delete(f"/api/v1/records/account/{gone}", headers=headers).status_code == 204
        # when / then: the default retention keeps it, zero days does not, a negative retention is refused
        refused = cli("purge", "--days", "-1")
        assert refused.returncode == 2
        assert refused.stderr.endswith("Error: Invalid value for '--days': -1 is not in the range x>=0.\n")
        assert cli.ok("purge") == "0 records purged from the recycle bin.\n"
        assert client.get("/api/v1/recycle-bin", headers=headers).json()["entries"][0]["id"] == gone
        assert cli.ok("purge", "--days", "0") == "1 records purged from the recycle bin.\n"
        assert client.get("/api/v1/recycle-bin", headers=headers).json()["entries"] == []
        restore = client.post(f"/api/v1/recycle-bin/account/{gone}/restore", headers=headers)
        assert restore.status_code == 404
        with platform.db.read() as connection:
            ids = connection.execute(text("SELECT id FROM obj_account ORDER BY id")).scalars().all()
        assert ids == [kept]
    finally:
        platform.close()


def test_worker_command_runs_jobs_enqueued_by_another_process(migrated: Cli) -> None:
    # given: a deleted account, and the queue as the application enqueues into it
    cli = migrated
    cli.ok("user", "add", "sunqi", "--password", PASSWORD, "--admin")
    headers = bearer(cli.ok("token", "create", "sunqi").strip())
    platform = build_platform(cli.settings())
    worker = subprocess.Popen(
        [str(HUITONG), "worker", "--workers", "1"],
        cwd=cli.directory,
        env=cli.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = TestClient(create_app(platform))
        gone = client.post("/api/v1/records/account", json={"name": "删除"}, headers=headers).json()["id"]
        assert client.delete(f"/api/v1/records/account/{gone}", headers=headers).status_code == 204
        tasks = Tasks(make_huey(cli.settings()), lambda: platform)
        # when
        purged = tasks.purge_recycle_bin(days=0).get(blocking=True, timeout=60)
        # then
        assert purged == 1
        assert client.get("/api/v1/recycle-bin", headers=headers).json()["entries"] == []
    finally:
        platform.close()
        worker.send_signal(signal.SIGINT)
        _stdout, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "purge_recycle_bin" in stderr


def test_the_command_speaks_the_terminal_language(cli: Cli) -> None:
    cli.env["HUITONG_LOCALE"] = "zh_CN.UTF-8"
    assert cli.ok("migrate") == "数据库已是最新。\n"
    assert "管理用户。" in cli.ok("--help")
