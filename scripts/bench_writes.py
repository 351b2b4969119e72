"""Writes: bulk create of 10,000 records per request, and single creates (sequential and 8 concurrent clients)."""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import httpx

from scripts import bench_http
from scripts.bench_measure import BATCH, SERVER_PROFILE_REQUESTS, WARM_UP, Bench, ServerClock, server_profile, settle
from scripts.bench_profile import profiled, timed
from scripts.bench_report import Diagnosis, Figure, at_least_rate, p50, p95, under_ms
from scripts.bench_sql import Driver

CREATES = 300
CLIENTS = 8
CREATES_PER_CLIENT = 50


def measure_writes(bench: Bench) -> None:
    measure_bulk(bench)
    measure_creates(bench)
    measure_concurrent_creates(bench)


def seconds_of(work: Any, *args: Any) -> float:
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


# -- bulk ----------------------------------------------------------------------------------------------------------
def measure_bulk(bench: Bench) -> None:
    total = bench.http_bulk
    settle(bench, f"bulk create of {total:,} records")
    bench.log(f"bulk create: {total // BATCH} batches of {BATCH:,}, each over HTTP, by hand and in-process")
    clock = ServerClock(bench.server)
    http: list[float] = []
    floor: list[float] = []
    inprocess: list[float] = []
    for _batch in range(total // BATCH):
        http.append(clock(partial(bench_http.bulk_create, bench.client, bench.maker.deal_batch(BATCH))) / 1000)
        floor.append(seconds_of(bench.driver.insert_many, bench.maker.deal_batch(BATCH), bench.user_id))
        inprocess.append(seconds_of(bench.inprocess.bulk_request, bench.maker.deal_batch(BATCH)))
    records = BATCH * len(http)
    rate, floor_rate, inprocess_rate = records / sum(http), records / sum(floor), records / sum(inprocess)
    bench.run.figures += [
        Figure("bulk", "Bulk create over HTTP (10,000 per request)", "rec/s", rate, floor=floor_rate,
               target=at_least_rate(20_000), detail=f"{records:,} records"),
        Figure("bulk_inprocess", "Bulk create in-process (the record service's BulkWriter)", "rec/s",
               inprocess_rate, floor=floor_rate, detail=f"{records:,} records"),
    ]  # fmt: skip
    bench.run.diagnoses["bulk"] = Diagnosis(
        "bulk",
        "Bulk create, per 10,000 records",
        [
            ("over HTTP", p50(http) * 1000),
            ("in-process BulkWriter", p50(inprocess) * 1000),
            ("SQL floor: executemany of 10,000 rows in one transaction", p50(floor) * 1000),
        ],
        profile=profiled(bench.inprocess.bulk_request, [bench.maker.deal_batch(BATCH)]),
        server_cpu_ms=clock.cpu_ms,
        server_profile=server_profile(
            bench,
            "bulk",
            partial(send_bulk, bench.maker.deal_batch(100)),
            partial(send_bulk, bench.maker.deal_batch(BATCH)),
        ),
    )


def send_bulk(batch: list[dict[str, Any]], client: httpx.Client) -> int:
    bench_http.bulk_create(client, batch)
    return 1


# -- one record at a time ------------------------------------------------------------------------------------------
def measure_creates(bench: Bench) -> None:
    bench_http.creates(bench.client, bench.maker.deal_batch(WARM_UP))
    settle(bench, "single create")
    bench.log(f"single create: {CREATES} records, each over HTTP, by hand and in-process")
    clock = ServerClock(bench.server)
    http: list[float] = []
    floor: list[float] = []
    inprocess: list[float] = []
    for deal in bench.maker.deal_batch(CREATES):
        http.append(clock(partial(bench_http.create, bench.client, deal)))
        floor += timed(partial(bench.driver.insert_one, user_id=bench.user_id), [bench.maker.deal()])
        inprocess += timed(bench.inprocess.create_request, [bench.maker.deal()])
    with bench.inprocess.recorded() as statements:
        bench.inprocess.create_request(bench.maker.deal())
    bench.run.figures.append(
        Figure("create", "Create one record, sequential", "ms", p50(http), p95(http), p50(floor), p95(floor),
               under_ms(5), f"{CREATES} requests")
    )  # fmt: skip
    bench.run.diagnoses["create"] = Diagnosis(
        "create",
        "Create one record",
        [
            ("over HTTP (uvicorn subprocess, httpx client)", p50(http)),
            ("in-process: the route's call path without HTTP", p50(inprocess)),
            ("SQL floor: one INSERT … RETURNING id and COMMIT", p50(floor)),
        ],
        engine_sql="\n".join(f"{text};  -- {short(parameters)}" for text, parameters in statements),
        profile=profiled(bench.inprocess.create_request, bench.maker.deal_batch(SERVER_PROFILE_REQUESTS)),
        server_cpu_ms=clock.cpu_ms,
        server_profile=server_profile(
            bench,
            "create",
            partial(send_creates, bench.maker.deal_batch(WARM_UP)),
            partial(send_creates, bench.maker.deal_batch(SERVER_PROFILE_REQUESTS)),
        ),
    )


def send_creates(deals: list[dict[str, Any]], client: httpx.Client) -> int:
    bench_http.creates(client, deals)
    return len(deals)


def short(parameters: Any) -> str:
    text = repr(parameters)
    return text if len(text) < 160 else text[:157] + "…"


def measure_concurrent_creates(bench: Bench) -> None:
    per_client = [bench.maker.deal_batch(CREATES_PER_CLIENT) for _ in range(CLIENTS)]
    settle(bench, f"{CLIENTS} concurrent creating clients")
    bench.log(f"single create: {CLIENTS} concurrent clients × {CREATES_PER_CLIENT}, over HTTP, then by hand")
    http, wall = bench_http.concurrent_creates(bench.server, per_client)
    floor, floor_wall = concurrent_floor(bench, [bench.maker.deal_batch(CREATES_PER_CLIENT) for _ in range(CLIENTS)])
    count = CLIENTS * CREATES_PER_CLIENT
    bench.run.figures.append(
        Figure("create_concurrent", f"Create one record, {CLIENTS} concurrent clients", "ms", p50(http), p95(http),
               p50(floor), p95(floor), None,
               f"{count} requests; {count / wall:,.0f} req/s (floor {count / floor_wall:,.0f}/s)")
    )  # fmt: skip


def concurrent_floor(bench: Bench, per_client: list[list[dict[str, Any]]]) -> tuple[list[float], float]:
    """The floor of concurrent creates: one driver connection per client thread, one transaction per record."""
    drivers = [Driver(bench.url) for _ in per_client]
    try:
        return bench_http.run_together(
            [
                partial(floor_creates, driver, deals, bench.user_id)
                for driver, deals in zip(drivers, per_client, strict=True)
            ]
        )
    finally:
        for driver in drivers:
            driver.close()


def floor_creates(driver: Driver, deals: list[dict[str, Any]], user_id: int) -> list[float]:
    return timed(partial(driver.insert_one, user_id=user_id), deals)
