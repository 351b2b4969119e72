"""A real uvicorn server in a subprocess on a free loopback port, and a signed-in httpx client for it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

READY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``uvicorn huitong.app:asgi --factory`` with one worker, as ``huitong serve`` runs it (no access log)."""

    def __init__(self, database_url: str, token: str, log_path: Path, profile_path: Path | None = None) -> None:
        self.database_url = database_url
        self.token = token
        self.log_path = log_path
        self.profile_path = profile_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        env = {
            **os.environ,
            "HUITONG_DATABASE_URL": self.database_url,
            "HUITONG_JOBS_PATH": str(self.log_path.with_suffix(".jobs.db")),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command(), env=env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_ready()
        return self

    def command(self) -> list[str]:
        if self.profile_path is not None:
            return [sys.executable, "-m", "scripts.bench_serve_profiled", str(self.port), str(self.profile_path)]
        return [
            sys.executable, "-m", "uvicorn", "huitong.app:asgi", "--factory", "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", "1", "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip

    def take_baseline(self) -> None:
        """A profiled server starts counting here (see bench_serve_profiled)."""
        assert self.process is not None and self.profile_path is not None
        marker = self.profile_path.with_suffix(".baseline")
        marker.unlink(missing_ok=True)
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + READY_SECONDS
        while not marker.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the profiled server did not take its baseline")
            time.sleep(0.05)

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system, every thread)."""
        if self.process is None:
            return 0.0
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        with self.client() as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"uvicorn exited early; see {self.log_path}:\n{self.log_tail()}")
                try:
                    if client.get("/api/v1/meta/field-types").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not answer within {READY_SECONDS:.0f}s; see {self.log_path}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""

    def client(self, timeout: float = 600.0) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=60)  # a profiled server writes its profile on the way out
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def expect(response: httpx.Response, status: int) -> Any:
    if response.status_code != status:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} → {response.status_code}: {response.text[:800]}"
        )
    return response.json() if response.content else None
