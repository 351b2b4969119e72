"""What every measurement phase of one database shares: the Bench, a quiet machine, the load, server profiles.

Each phase (bench_reads, bench_writes) measures the same work up to four ways: over HTTP (the figure), in-process
through the route's call path, the engine's own SQL replayed through the driver, and the hand-written SQL floor.
The ways take turns, request by request, so that other work on the machine slows them alike; the gaps between
them say where the time goes.
"""

from __future__ import annotations

import pstats
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from scripts.bench_data import DealMaker
from scripts.bench_profile import InProcess, summarize
from scripts.bench_report import DatabaseRun, p50
from scripts.bench_server import Server
from scripts.bench_sql import Driver

BATCH = 10_000
WARM_UP = 10
SERVER_PROFILE_REQUESTS = 100
QUIET_BUSY = 0.35  # the share of CPU other work may use while a phase starts
T = TypeVar("T")
Sender = Callable[[httpx.Client], int]


@dataclass
class Bench:
    """What every phase of one database needs."""

    run: DatabaseRun
    url: str
    user_id: int
    server: Server
    driver: Driver
    inprocess: InProcess
    maker: DealMaker
    log: Callable[[str], None]
    work_dir: Path
    http_bulk: int
    seed: int
    quiet_wait: float
    token: str
    busy: dict[str, float] = field(default_factory=dict)
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = self.server.client()

    def close(self) -> None:
        self.client.close()


def machine_busy(seconds: float = 1.0) -> float:
    """The share of all CPUs busy over ``seconds`` (measured while this benchmark is idle: other people's work)."""

    def snapshot() -> tuple[int, int]:
        values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return sum(values), values[3] + values[4]

    total, idle = snapshot()
    time.sleep(seconds)
    total_after, idle_after = snapshot()
    return 1 - (idle_after - idle) / max(1, total_after - total)


def settle(bench: Bench, phase: str) -> None:
    """Wait a bounded time for other work on the machine to calm down; record how busy it was."""
    deadline = time.monotonic() + bench.quiet_wait
    busy = machine_busy()
    while busy > QUIET_BUSY and time.monotonic() < deadline:
        bench.log(f"the machine is {busy:.0%} busy with other work; waiting before {phase}")
        time.sleep(5)
        busy = machine_busy()
    bench.busy[phase] = busy


class ServerClock:
    """HTTP timings with the server process's CPU time beside them (its CPU moves only while it serves us)."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cpu = 0.0
        self.requests = 0

    def __call__(self, work: Callable[[], T], requests: int = 1) -> T:
        before = self.server.cpu_seconds()
        result = work()
        self.cpu += self.server.cpu_seconds() - before
        self.requests += requests
        return result

    @property
    def cpu_ms(self) -> float:
        return self.cpu * 1000 / max(1, self.requests)


def layers(
    http: list[float], inprocess: list[float], replayed: list[float], floor: list[float]
) -> list[tuple[str, float]]:
    return [
        ("over HTTP (uvicorn subprocess, httpx client)", p50(http)),
        ("in-process: the route's call path without HTTP", p50(inprocess)),
        ("the engine's own SQL, replayed through the driver", p50(replayed)),
        ("SQL floor (hand-written, same result)", p50(floor)),
    ]


def server_profile(bench: Bench, name: str, warm_up: Sender, send: Sender) -> str:
    """The same requests against a second server with every thread under cProfile (see bench_serve_profiled);
    the warm-up requests are not counted."""
    path = bench.work_dir / f"server-{bench.run.name.lower()}-{name}.prof"
    log_path = bench.work_dir / f"uvicorn-profiled-{name}.log"
    bench.log(f"{name}: the same requests against a profiled server")
    with Server(bench.url, bench.token, log_path, profile_path=path) as server, server.client() as client:
        warm_up(client)
        server.take_baseline()
        count = send(client)
    return summarize(pstats.Stats(str(path)), count, 16)


# -- load ----------------------------------------------------------------------------------------------------------
def load(bench: Bench, total: int) -> None:
    """The fastest honest path: the record service's BulkWriter in-process, 10,000 records per transaction."""
    done, spent = 0, 0.0
    last_report = time.monotonic()
    for batch in bench.maker.batches(total, BATCH):
        started = time.perf_counter()
        bench.inprocess.bulk_request(batch)
        spent += time.perf_counter() - started
        done += len(batch)
        if time.monotonic() - last_report > 10 or done == total:
            bench.log(f"loaded {done:,}/{total:,} ({done / spent:,.0f} records/s in BulkWriter)")
            last_report = time.monotonic()
    bench.run.facts.append(
        f"Loaded {total:,} records in-process with the record service's BulkWriter (batches of 10,000): "
        f"{spent:,.0f} s, {total / spent:,.0f} records/s (data generation not counted)."
    )
