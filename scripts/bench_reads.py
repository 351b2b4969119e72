"""Reads: a list page, walking pages by cursor, and an aggregate over every record; each against its SQL floor."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from scripts import bench_http, bench_sql
from scripts.bench_data import AGGREGATE_BODY, BENCH_PASSWORD, BENCH_USER, ListParams, list_params
from scripts.bench_measure import (
    SERVER_PROFILE_REQUESTS,
    WARM_UP,
    Bench,
    ServerClock,
    layers,
    server_profile,
    settle,
)
from scripts.bench_profile import Statement, on_table, profiled, timed
from scripts.bench_report import Diagnosis, Figure, list_target, p50, p95, screen_target, within_floor
from scripts.bench_sql import Driver

LIST_REQUESTS = 200
WALKS = 20
PAGES = 5
AGGREGATE_RUNS = 10
AGGREGATE_INPROCESS_RUNS = 3


@dataclass
class Ways:
    """The timings of one kind of request, taken four ways in turns."""

    http: list[float] = field(default_factory=list)
    inprocess: list[float] = field(default_factory=list)
    replayed: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)

    def layers(self) -> list[tuple[str, float]]:
        return layers(self.http, self.inprocess, self.replayed, self.floor)


def measure_reads(bench: Bench) -> None:
    params = list_params(LIST_REQUESTS, bench.seed)
    measure_http_floor(bench)
    measure_list(bench, params)
    measure_list_screen(bench, params)
    measure_walks(bench, params[:WALKS])
    measure_aggregate(bench)


# -- what any request costs ---------------------------------------------------------------------------------------
def measure_http_floor(bench: Bench) -> None:
    """The fixed cost of a request through this app: a route without the database (GET / answers a redirect),
    and one that only checks the token (the metadata's field types). No list can be faster than these."""
    settle(bench, "HTTP round trips")
    bench.log(f"HTTP round trips: {LIST_REQUESTS} of each, in turns")
    bare: list[float] = []
    signed: list[float] = []
    for _request in range(WARM_UP + LIST_REQUESTS):
        bare.append(bench_http.timed_get(bench.client, "/", 303))
        signed.append(bench_http.timed_get(bench.client, "/api/v1/meta/field-types", 200))
    bare, signed = bare[WARM_UP:], signed[WARM_UP:]
    bench.run.figures += [
        Figure("http_bare", "HTTP round trip, no database (GET / → 303 to sign-in)", "ms", p50(bare), p95(bare),
               detail=f"{len(bare)} requests"),
        Figure("http_auth", "HTTP round trip, token check only (GET …/meta/field-types)", "ms", p50(signed),
               p95(signed), detail=f"{len(signed)} requests"),
    ]  # fmt: skip


# -- one list page -------------------------------------------------------------------------------------------------
def measure_list(bench: Bench, params: list[ListParams]) -> None:
    driver = bench.driver
    for item in params[:WARM_UP]:
        bench_http.list_page(bench.client, item)
        bench.inprocess.list_request(item.body())
    settle(bench, "list page")
    bench.log(f"list page: {len(params)} requests, each over HTTP, by hand, in-process and as replayed engine SQL")
    ways, clock, engine_sql = Ways(), ServerClock(bench.server), []
    for item in params:
        http_ms, ids = clock(partial(bench_http.list_page, bench.client, item))
        floor_ms, rows = driver.timed(bench_sql.list_sql(driver, after=False), bench_sql.list_args(driver, item))
        check_same("list page", [ids], [[row[0] for row in rows[:50]]])
        with bench.inprocess.recorded() as statements:
            ways.inprocess += timed(bench.inprocess.list_request, [item.body()])
        engine_sql += on_table(statements)
        ways.http.append(http_ms)
        ways.floor.append(floor_ms)
        ways.replayed.append(driver.timed(*engine_sql[-1])[0])
    bench.run.figures.append(
        Figure("list", "List page (status eq + date between, sort x_name, 50 rows)", "ms", p50(ways.http),
               p95(ways.http), p50(ways.floor), p95(ways.floor), list_target(), f"{len(params)} requests")
    )  # fmt: skip
    bench.run.diagnoses["list"] = Diagnosis(
        "list",
        "List page",
        ways.layers(),
        engine_sql=engine_sql[0][0],
        engine_plan=driver.explain(*engine_sql[0]),
        floor_sql=bench_sql.list_sql(driver, after=False),
        floor_plan=driver.explain(bench_sql.list_sql(driver, after=False), bench_sql.list_args(driver, params[0])),
        profile=profiled(bench.inprocess.list_request, [p.body() for p in params[:50]]),
        server_cpu_ms=clock.cpu_ms,
        server_profile=server_profile(
            bench,
            "list",
            partial(bench_http.list_pages, params=params[-WARM_UP:]),
            partial(bench_http.list_pages, params=params[:SERVER_PROFILE_REQUESTS]),
        ),
    )


# -- the same page in the browser UI -------------------------------------------------------------------------------
def measure_list_screen(bench: Bench, params: list[ListParams]) -> None:
    """The list page as a person sees it: session cookie, navigation, saved views and 50 rendered rows."""
    browser = bench_http.browser_session(bench.server, BENCH_USER, BENCH_PASSWORD)
    try:
        for item in params[:WARM_UP]:
            bench_http.list_screen(browser, item)
        settle(bench, "list screen")
        bench.log(f"list screen (HTML): {len(params)} requests")
        screen: list[float] = []
        floor: list[float] = []
        for item in params:
            elapsed, ids = bench_http.list_screen(browser, item)
            floor_ms, rows = bench.driver.timed(bench_sql.list_sql(bench.driver, after=False),
                                                bench_sql.list_args(bench.driver, item))  # fmt: skip
            check_same("list screen", [ids], [[row[0] for row in rows[:50]]])
            screen.append(elapsed)
            floor.append(floor_ms)
    finally:
        browser.close()
    bench.run.figures.append(
        Figure("list_screen", "List screen in the browser UI (same page as HTML, with shell)", "ms", p50(screen),
               p95(screen), p50(floor), p95(floor), screen_target(), f"{len(params)} requests")
    )  # fmt: skip


# -- pages by cursor -----------------------------------------------------------------------------------------------
def measure_walks(bench: Bench, params: list[ListParams]) -> None:
    bench_http.walk(bench.client, params[0], PAGES)  # warm-up
    settle(bench, "cursor walk")
    bench.log(f"cursor walk: {len(params)} walks of {PAGES} pages, each over HTTP, by hand and in-process")
    pages: list[Ways] = [Ways() for _ in range(PAGES)]
    clock, last_sql = ServerClock(bench.server), None
    for item in params:
        timings, ids = clock(partial(bench_http.walk, bench.client, item, PAGES), PAGES)
        floor_ms, floor_ids = bench_sql.walk(bench.driver, item, PAGES)
        check_same("cursor walk", ids, floor_ids)
        steps = list(bench.inprocess.walk(item, PAGES))
        for index, (http_ms, by_hand, step) in enumerate(zip(timings, floor_ms, steps, strict=False)):
            statement = step[2][0]
            pages[index].http.append(http_ms)
            pages[index].floor.append(by_hand)
            pages[index].inprocess.append(step[0])
            pages[index].replayed.append(bench.driver.timed(*statement)[0])
            last_sql = statement if index == PAGES - 1 else last_sql
    every = merged(pages)
    add_walk_figures(bench, every, pages[-1])
    bench.run.facts.append(by_page(pages))
    bench.run.diagnoses["walk_all"] = Diagnosis(
        "walk_all", f"Cursor pages 1–{PAGES}", every.layers(), server_cpu_ms=clock.cpu_ms
    )
    bench.run.diagnoses["walk"] = walk_diagnosis(bench, pages[-1], last_sql, params[-1])


def by_page(pages: list[Ways]) -> str:
    """Keyset pages should cost the same at any depth; p50 page by page shows whether they do."""

    def row(name: str) -> str:
        return ", ".join(f"{p50(getattr(page, name)):,.2f}" for page in pages if getattr(page, name))

    return (
        f"Cursor pages 1–{len(pages)}, p50 ms page by page: over HTTP {row('http')}; in-process {row('inprocess')}; "
        f"engine SQL replayed {row('replayed')}; SQL floor {row('floor')}."
    )


def merged(pages: list[Ways]) -> Ways:
    every = Ways()
    for page in pages:
        every.http += page.http
        every.inprocess += page.inprocess
        every.replayed += page.replayed
        every.floor += page.floor
    return every


def add_walk_figures(bench: Bench, every: Ways, last: Ways) -> None:
    bench.run.figures.append(
        Figure("walk_all", f"List by cursor, pages 1–{PAGES} (each page)", "ms", p50(every.http), p95(every.http),
               p50(every.floor), p95(every.floor), list_target(), f"{WALKS} walks, {len(every.http)} pages")
    )  # fmt: skip
    bench.run.figures.append(
        Figure("walk", f"List by cursor, page {PAGES} only", "ms", p50(last.http), p95(last.http),
               p50(last.floor), p95(last.floor), list_target(), f"{len(last.http)} pages")
    )  # fmt: skip


def walk_diagnosis(bench: Bench, last: Ways, engine_sql: Statement | None, params: ListParams) -> Diagnosis:
    if engine_sql is None:  # no walk reached the last page (a small dataset)
        return Diagnosis("walk", f"Cursor page {PAGES}", [])
    driver = bench.driver
    after = last_floor_key(driver, params)
    floor_sql = bench_sql.list_sql(driver, after=after is not None)
    return Diagnosis(
        "walk",
        f"Cursor page {PAGES}",
        last.layers(),
        engine_sql=engine_sql[0],
        engine_plan=driver.explain(*engine_sql),
        floor_sql=floor_sql,
        floor_plan=driver.explain(floor_sql, bench_sql.list_args(driver, params, after)),
    )


def last_floor_key(driver: Driver, params: ListParams) -> tuple[str, int] | None:
    """The keyset position before the last page of a hand-written walk (for its EXPLAIN)."""
    after: tuple[str, int] | None = None
    for _page in range(PAGES - 1):
        rows = driver.rows(
            bench_sql.list_sql(driver, after=after is not None), bench_sql.list_args(driver, params, after)
        )
        if len(rows) <= 50:
            break
        after = (rows[49][1], rows[49][0])
    return after


# -- aggregate -----------------------------------------------------------------------------------------------------
def measure_aggregate(bench: Bench) -> None:
    driver, floor_sql = bench.driver, bench_sql.aggregate_sql(bench.driver)
    bench_http.aggregate(bench.client)  # warm-up: the first pass also reads the table into the cache
    settle(bench, "aggregate")
    bench.log(f"aggregate: {AGGREGATE_RUNS} runs, each over HTTP and by hand (and 3 in-process)")
    ways, clock, engine_sql = Ways(), ServerClock(bench.server), []
    for run in range(AGGREGATE_RUNS):
        http_ms, rows = clock(partial(bench_http.aggregate, bench.client))
        floor_ms, floor_rows = driver.timed(floor_sql)
        check_aggregate(rows, floor_rows, bench.run.records)
        ways.http.append(http_ms)
        ways.floor.append(floor_ms)
        if run < AGGREGATE_INPROCESS_RUNS:
            with bench.inprocess.recorded() as statements:
                ways.inprocess += timed(bench.inprocess.aggregate_request, [AGGREGATE_BODY])
            engine_sql = on_table(statements)
            ways.replayed.append(driver.timed(*engine_sql[0])[0])
    bench.run.figures.append(
        Figure("aggregate", "Aggregate: sum(x_amount), count by x_status × month(x_signed), all rows", "ms",
               p50(ways.http), p95(ways.http), p50(ways.floor), p95(ways.floor), within_floor(1.5),
               f"{AGGREGATE_RUNS} runs")
    )  # fmt: skip
    bench.run.diagnoses["aggregate"] = Diagnosis(
        "aggregate",
        "Aggregate",
        ways.layers(),
        engine_sql=engine_sql[0][0],
        engine_plan=driver.explain(*engine_sql[0]),
        floor_sql=floor_sql,
        floor_plan=driver.explain(floor_sql),
        profile=profiled(bench.inprocess.aggregate_request, [AGGREGATE_BODY]),
        server_cpu_ms=clock.cpu_ms,
    )


# -- the floor must be the same query ------------------------------------------------------------------------------
def check_same(what: str, engine: list[list[int]], floor: list[list[int]]) -> None:
    """The same ids, in the same order, or the floor is not comparable."""
    if engine != floor:
        raise RuntimeError(f"{what}: the SQL floor returned other records than the API; the floor is not comparable")


def check_aggregate(rows: list[dict[str, Any]], floor: list[tuple[Any, ...]], records: int) -> None:
    counted = sum(int(row["count"]) for row in rows)
    if counted != records:
        raise RuntimeError(f"aggregate counted {counted:,} records, expected {records:,}")
    engine = {(row["x_status"], row["x_signed"]): (Decimal(row["sum_x_amount"]), row["count"]) for row in rows}
    by_hand = {(row[0], row[1]): (Decimal(str(row[2])).quantize(Decimal("0.01")), row[3]) for row in floor}
    if engine.keys() != by_hand.keys() or any(engine[k][1] != by_hand[k][1] for k in engine):
        raise RuntimeError("aggregate: the SQL floor grouped differently from the API")
    drift = max(abs(engine[k][0] - by_hand[k][0]) for k in engine)
    if drift > Decimal("1.00"):  # SQLite sums NUMERIC as doubles; more than cents apart means another query
        raise RuntimeError(f"aggregate: sums differ from the SQL floor by {drift}")
