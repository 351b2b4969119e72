"""Two real server processes on one database: a metadata change made through one is live in the other at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from huitong.engine.platform import Platform
from huitong.engine.security.users import create_token

STARTUP_SECONDS = 60


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(name: str, database_url: str, directory: Path) -> Server:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUITONG_")}
    env.update(
        HUITONG_DATABASE_URL=database_url,
        HUITONG_JOBS_PATH=str(directory / "jobs.db"),
        HUITONG_CONFIG=str(directory / "absent.toml"),
    )
    log = directory / f"server-{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "huitong.app:asgi", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            cwd=directory, env=env, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return Server(name, process, f"http://127.0.0.1:{port}", log)


def wait_until_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server {server.name} exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base_url}/api/v1/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server {server.name} not ready after {STARTUP_SECONDS}s:\n{server.output()}")


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)


@pytest.fixture
def servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    started: list[Server] = []
    try:
        started.append(start_server("A", database_url, tmp_path))
        started.append(start_server("B", database_url, tmp_path))
        for server in started:
            wait_until_ready(server)
        yield started[0], started[1]
    finally:
        for server in started:
            stop(server)


@pytest.fixture
def token(platform: Platform, admin_id: int) -> str:
    with platform.db.write() as connection:
        return create_token(connection, admin_id, "multiprocess")


def test_field_added_through_one_server_is_usable_through_the_other_at_once(
    servers: tuple[Server, Server], token: str
) -> None:
    a, b = servers
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    with (
        httpx.Client(base_url=a.base_url, headers=headers, timeout=30) as via_a,
        httpx.Client(base_url=b.base_url, headers=headers, timeout=30) as via_b,
    ):
        # given: a custom object both servers have loaded into their metadata caches
        created = via_a.post("/api/v1/meta/objects", json={"name": "x_device", "label": {"en": "Device"}})
        assert created.status_code == 201, created.text
        assert via_b.get("/api/v1/records/x_device").json() == {"records": [], "next_cursor": None}
        before = via_b.get("/api/v1/openapi.json").json()
        assert "x_serial" not in before["components"]["schemas"]["XDeviceInput"]["properties"]
        # when: server A adds a field
        field = {"name": "x_serial", "type": "text", "label": {"en": "Serial", "zh_CN": "序列号"}, "unique": True}
        added = via_a.post("/api/v1/meta/objects/x_device/fields", json=field)
        assert added.status_code == 201, added.text
        # then: server B writes, reads and describes it on its very next requests
        record = via_b.post("/api/v1/records/x_device", json={"x_serial": "SN-0001"})
        assert record.status_code == 201, record.text
        read_back = via_b.get(f"/api/v1/records/x_device/{record.json()['id']}")
        assert read_back.status_code == 200
        assert read_back.json()["x_serial"] == "SN-0001"
        duplicate = via_b.post("/api/v1/records/x_device", json={"x_serial": "SN-0001"})
        assert [(e["field"], e["code"]) for e in duplicate.json()["errors"]] == [("x_serial", "not_unique")]
        listed = via_b.get("/api/v1/records/x_device", params={"x_serial": "SN-0001"}).json()
        assert [row["x_serial"] for row in listed["records"]] == ["SN-0001"]
        document = via_b.get("/api/v1/openapi.json").json()
        schemas = document["components"]["schemas"]
        assert schemas["XDeviceInput"]["properties"]["x_serial"] == {"type": ["string", "null"], "maxLength": 255}
        assert schemas["XDevice"]["properties"]["x_serial"]["title"] == "Serial"
        # and server A, which made the change, reads what B wrote
        assert via_a.get(f"/api/v1/records/x_device/{record.json()['id']}").json() == read_back.json()
    for server in servers:
        assert server.process.poll() is None, server.output()
