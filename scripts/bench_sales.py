"""Forecast and funnel over 1,000,000 opportunities and 500 users, as a rep, a manager and an administrator.

    python -m scripts.bench_sales                                   # 1,000,000 opportunities, both databases
    python -m scripts.bench_sales --records 100000 --databases sqlite --output var/bench-sales/try.md

Builds the security benchmark's 500-user organization (6-level role tree, departments), makes opportunities private
with access through the hierarchy plus 12 sharing rules, and fills the opportunity and stage-history tables with two
years of deals that lived through the default process (created, moved stage by stage with drop-off, won or lost).
The rows are generated straight into the tables, as the pipeline hooks would have written them: this benchmark
times reads, and loading a million deals through the hooks would take an hour. Then it times the forecast
(`forecast()`, the default range: this quarter and the next, by month) and the funnel (`funnel()`, the default
range: the last twelve months) in-process. Writes docs/benchmarks-sales.md.

The SQL floor is the same aggregates written by hand (the user's owners as an IN list, no sharing rules), run
through the driver.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, func, insert, select

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security import sharing
from huitong.engine.system_tables import users
from huitong.modules.sales.forecast import default_range, forecast
from huitong.modules.sales.funnel import funnel
from huitong.modules.sales.opportunities import STAGE_DAYS
from huitong.modules.sales.process_store import ensure_default, process_in
from huitong.modules.sales.processes import Process
from scripts.bench_databases import bench_database, cpu_model
from scripts.bench_security import Org, build_people, commit, percentile, quick_hashes

WORK_DIR = Path("var/bench-sales")
POSTGRES_DATABASE = "huitong_bench_sales"
DEFAULT_POSTGRES = os.environ.get("HUITONG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BATCH = 10_000
TARGET_MS = 300.0
DAYS = 730  # deals were created over the last two years
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_sales", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000, help="opportunities per database")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per report and user")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="an administrator's PostgreSQL URL")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks-sales.md"), help="the report")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (for inspection)")
    parser.add_argument("--reuse", action="store_true", help="measure the databases an earlier --keep run left")
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    if set(args.databases) - set(NAMES) or not args.databases:
        parser.error("--databases takes sqlite and/or postgresql")
    return args


# -- the organization and its deals --------------------------------------------------------------------------------
def build_org(p: Platform) -> tuple[Org, list[str]]:
    """The security benchmark's people; opportunities private (hierarchy), 8 owner-group and 4 criteria rules."""
    org, rules, now = Org(), [], datetime.now(UTC)
    with quick_hashes(), p.db.write() as c:
        roles, _departments = build_people(c, org, now)
        schema, env = p.cache.current(c), p.filter_env()

        def rule(name: str, body: dict[str, Any]) -> None:
            sharing.create_rule(c, schema, {"object": "opportunity", "name": name, "access": "read", **body},
                                org.admin, env, now)  # fmt: skip
            rules.append(name)

        for index in range(8):
            team, neighbour = roles[4][index * 3], roles[4][index * 3 + 1]
            rule(f"team {index * 3 + 1}'s deals → team {index * 3 + 2}",
                 {"owned_by": {"role": team, "include_subordinates": True},
                  "share_with": {"role": neighbour, "include_subordinates": True}})  # fmt: skip
        for index, director in enumerate(roles[2]):
            criteria = {"and": [{"field": "status", "op": "eq", "value": "won"},
                                {"field": "amount", "op": "gte", "value": "3000000"}]}  # fmt: skip
            rule(f"won deals of ¥3,000,000 or more → director {index + 1} and below",
                 {"criteria": criteria, "share_with": {"role": director, "include_subordinates": True}})  # fmt: skip
        sharing.set_default(c, schema, "opportunity", {"access": "private", "grant_via_hierarchy": True},
                            org.admin, now)  # fmt: skip
    return org, rules


@dataclass
class Story:
    """One deal's life: the stages it stayed in (value, probability, entered, left) and how it ended."""

    deal: dict[str, Any]
    stays: list[tuple[str, int, datetime, datetime | None]]


def live(rng: random.Random, process: Process, now: datetime, owner: int, index: int) -> Story:
    """Created some day in the last two years; each open stage lasts 5–40 days; about 65 % go on to the next;
    a deal that stops is lost (or still open when its time has not run out); one that passes the last open
    stage is won."""
    created = now - timedelta(days=rng.uniform(0, DAYS))
    stages, moment, stays = process.open_stages, created, []
    status, ended = "open", None
    for position, stage in enumerate(stages):
        days = rng.uniform(5, 40)
        left = moment + timedelta(days=days)
        if left > now:  # still in this stage today
            stays.append((stage.value, stage.probability, moment, None))
            break
        stays.append((stage.value, stage.probability, moment, left))
        moment = left
        if position == len(stages) - 1 or rng.random() > 0.65:
            won = position == len(stages) - 1 and rng.random() < 0.75
            closing = process.closing("won" if won else "lost")
            stays.append((closing.value, closing.probability, moment, None))
            status, ended = closing.kind, moment
            break
    stage, probability, entered, _left = stays[-1]
    reached = [value for value, _p, _e, _l in stays if value != "lost"]
    amount = Decimal(rng.randint(2, 1000) * 5000)
    close = ended.date() if ended else (created + timedelta(days=rng.uniform(60, 240))).date()
    deal = {
        "name": f"商机 {index}", "number": f"OPP-B-{index:07d}", "amount": amount, "close_date": close,
        "stage": stage, "probability": probability, "status": status, "sales_process": process.id,
        "weighted_amount": amount * probability / 100,
        "forecast_category": "pipeline", "stage_entered_at": entered, "furthest_stage": reached[-1],
        "days_to_close": Decimal(round((ended - created).total_seconds() / 86400, 1)) if ended else None,
        "loss_reason": rng.choice(["price", "competitor", "no_budget", "no_decision"]) if status == "lost" else None,
        "owner": owner, "created_at": created, "created_by": owner, "updated_at": ended or entered,
        "updated_by": owner, "version": 1, "deleted_at": None,
    }  # fmt: skip
    for place, (value, _probability, began, finished) in enumerate(stays[: len(stages)], start=1):
        if finished is not None and place <= STAGE_DAYS and value not in ("won", "lost"):
            deal[f"stage_days_{place}"] = Decimal(round((finished - began).total_seconds() / 86400, 1))
    return Story(deal, stays)


def history(story: Story, opportunity_id: int) -> list[dict[str, Any]]:
    deal = story.deal
    return [
        {"opportunity": opportunity_id, "stage": stage, "probability": probability, "amount": deal["amount"],
         "entered_at": entered, "left_at": left,
         "days_in_stage": None if left is None else Decimal(round((left - entered).total_seconds() / 86400, 1)),
         "owner": deal["owner"], "created_at": entered, "created_by": deal["owner"], "updated_at": left or entered,
         "updated_by": deal["owner"], "version": 1, "deleted_at": None}
        for stage, probability, entered, left in story.stays
    ]  # fmt: skip


def load(p: Platform, org: Org, process: Process, total: int, seed: int, facts: list[str]) -> None:
    rng, now = random.Random(seed + 1), datetime.now(UTC)
    schema = p.cache.snapshot()
    deals, stays = schema.table("opportunity"), schema.table("opportunity_stage_history")
    started, written, next_id, history_id = time.perf_counter(), 0, 1, 1
    while written < total:
        stories = []
        for index in range(written, min(total, written + BATCH)):
            owner = rng.choice(org.reps) if rng.random() < 0.9 else rng.choice(org.managers)
            stories.append(live(rng, process, now, owner, index))
        rows, history_rows = [], []
        for story in stories:
            rows.append({**story.deal, "id": next_id})
            for row in history(story, next_id):
                history_rows.append({**row, "id": history_id})
                history_id += 1
            next_id += 1
        with p.db.write() as connection:
            connection.execute(insert(deals), fill(deals, rows))
            connection.execute(insert(stays), fill(stays, history_rows))
        written += len(stories)
        if written % 100_000 == 0 or written == total:
            log(f"loaded {written:,}/{total:,} opportunities ({history_id - 1:,} stage-history rows)")
    spent = time.perf_counter() - started
    facts.append(f"Generated {total:,} opportunities and {history_id - 1:,} stage-history rows in {spent:,.0f} s "
                 "(straight into the tables, as the hooks would have written them).")  # fmt: skip


def fill(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = [column.name for column in table.columns]
    return [{name: row.get(name) for name in names} for row in rows]


# -- measuring -----------------------------------------------------------------------------------------------------
@dataclass
class Measure:
    report: str
    user: str
    times: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    rows: int = 0


@dataclass
class DatabaseRun:
    name: str
    version: str
    records: int
    measures: list[Measure] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    seconds: float = 0.0


def owners_of(p: Platform, user_id: int, admin: bool) -> list[int] | None:
    """The floor's owner list: the user and everyone below them in the role tree (None: everyone)."""
    if admin:
        return None
    with p.records.reading(Actor(user_id)) as (_connection, bound, _schema):
        return sorted({user_id} | set(bound.model.subordinates_of(user_id)))


def floor_queries(kind: str, owners: list[int] | None, process_id: int, today: date) -> list[tuple[str, list[Any]]]:
    """The forecast's and the funnel's aggregates by hand, for this user's owners."""
    mark = "?" if kind == "sqlite" else "%s"
    month = "substr(close_date, 1, 7)" if kind == "sqlite" else "to_char(close_date, 'YYYY-MM')"
    mine = f" AND owner IN ({', '.join(str(o) for o in owners)})" if owners is not None else ""
    start, end = default_range(today)
    since = datetime(today.year - 1, today.month, 1, tzinfo=UTC)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    dates: list[Any] = [start.isoformat(), end.isoformat()] if kind == "sqlite" else [start, end]
    times: list[Any] = [since.isoformat(sep=" "), until.isoformat(sep=" ")] if kind == "sqlite" else [since, until]
    live_rows = f"FROM obj_opportunity WHERE deleted_at IS NULL{mine}"
    cohort = f"{live_rows} AND sales_process = {process_id} AND created_at >= {mark} AND created_at < {mark}"
    return [
        (f"SELECT owner, {month}, sum(amount), sum(weighted_amount) {live_rows} AND status = 'open' AND "
         f"close_date >= {mark} AND close_date <= {mark} GROUP BY 1, 2", dates),
        (f"SELECT owner, {month}, sum(amount) {live_rows} AND status = 'won' AND close_date >= {mark} AND "
         f"close_date <= {mark} GROUP BY 1, 2", dates),
        (f"SELECT furthest_stage, stage, status, count(*), sum(amount) {cohort} GROUP BY 1, 2, 3", times),
        (f"SELECT avg(days_to_close) {cohort} AND status = 'won'", times),
        (f"SELECT {', '.join(f'avg(stage_days_{n})' for n in range(1, 5))} {cohort}", times),
    ]  # fmt: skip


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = work()
    return (time.perf_counter() - began) * 1000, result


def measured_users(p: Platform) -> list[tuple[str, int, bool]]:
    """build_people makes users in order: the first regional manager is user008, team 2's first rep user041."""
    with p.db.read() as connection:
        ids = dict(connection.execute(select(users.c.username, users.c.id)).all())
    return [("administrator", ids["admin"], True), ("sales rep", ids["user041"], False),
            ("regional manager", ids["user008"], False)]  # fmt: skip


def measure(p: Platform, run: DatabaseRun, kind: str, url: str, process: Process, requests: int) -> None:
    raw: Any = (
        sqlite3.connect(url.removeprefix("sqlite:///"))
        if kind == "sqlite"
        else psycopg.connect(url.replace("+psycopg", ""))
    )
    today = p.now().astimezone(p.zone).date()
    for label, user_id, admin in measured_users(p):
        owners = owners_of(p, user_id, admin)
        group = "owner" if label == "sales rep" else "department"
        reports: list[tuple[str, Callable[[], Any], list[tuple[str, list[Any]]]]] = [
            (f"Forecast by month, per {group}", lambda u=user_id, g=group: forecast(
                p, Actor(u), {"period": "month", "group_by": g}), floor_queries(kind, owners, process.id or 0, today)[:2]),
            ("Funnel, last 12 months", lambda u=user_id: funnel(p, Actor(u), {}),
             floor_queries(kind, owners, process.id or 0, today)[2:]),
        ]  # fmt: skip
        for report, work, sql in reports:
            result = Measure(report, label)
            for _warm in range(3):
                work()
            for _ in range(requests):
                spent, body = timed(work)
                result.times.append(spent)
                began = time.perf_counter()
                for statement, params in sql:
                    cursor = raw.cursor()
                    cursor.execute(statement, params)
                    cursor.fetchall()
                result.floor.append((time.perf_counter() - began) * 1000)
            result.rows = len(body.get("rows", body.get("stages", [])))
            run.measures.append(result)
            log(f"{run.name} {label:17} {report:32} p50 {percentile(result.times, 0.5):7.1f} ms "
                f"(floor {percentile(result.floor, 0.5):6.1f} ms)")  # fmt: skip
    raw.close()


def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    started = time.monotonic()
    with bench_database(
        kind, WORK_DIR / "sales.db", args.postgres_url, POSTGRES_DATABASE, keep=args.keep, reuse=args.reuse
    ) as url:
        p = build_platform(Settings(database_url=url))
        try:
            p.migrate()
            with p.db.read() as connection:
                version = version_of(connection, kind)
            run = DatabaseRun(NAMES[kind], version, args.records)
            admin = Actor(measured_users(p)[0][1] if args.reuse else build(p, args, run), is_admin=True)
            with p.records.reading(admin) as (connection, bound, schema):
                process = process_in(connection, schema, bound, p.access, p.filter_env(), None)
                run.records = int(connection.execute(select(func.count()).select_from(schema.table("opportunity")))
                                  .scalar_one())  # fmt: skip
            run.facts.append("Opportunities private, access through the role hierarchy; reps own 90 % of them.")
            if args.reuse:
                run.facts.append("Measured on the database an earlier `--keep` run left (`--reuse`).")
            measure(p, run, kind, url, process, args.requests)
        finally:
            p.close()
    run.seconds = time.monotonic() - started
    return run


def build(p: Platform, args: argparse.Namespace, run: DatabaseRun) -> int:
    """The organization, its rules and the deals; the administrator's id."""
    org, rules = build_org(p)
    ensure_default(p, Actor(org.admin, is_admin=True))
    with p.records.reading(Actor(org.admin, is_admin=True)) as (connection, bound, schema):
        process = process_in(connection, schema, bound, p.access, p.filter_env(), None)
    load(p, org, process, args.records, args.seed, run.facts)
    began = time.perf_counter()
    with p.db.write() as connection:  # the deals went straight into the table: build their summaries from them
        schema = p.cache.current(connection)
        sizes = [p.summaries.rebuild(connection, schema, summary) for summary in p.summaries.declared]
    run.facts.append(f"Summaries built from the deals in {time.perf_counter() - began:,.0f} s: "
                     + ", ".join(f"{summary.name} {size:,} rows" for summary, size in
                                 zip(p.summaries.declared, sizes, strict=True)) + ".")  # fmt: skip
    if p.db.engine.dialect.name == "postgresql":
        with p.db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    run.facts.append("Sharing rules (read): " + "; ".join(rules) + ".")
    return org.admin


def version_of(connection: Connection, kind: str) -> str:
    if kind == "sqlite":
        return "SQLite " + sqlite3.sqlite_version
    return "PostgreSQL " + str(connection.exec_driver_sql("SHOW server_version").scalar())


# -- the report ----------------------------------------------------------------------------------------------------
def render(runs: list[DatabaseRun], args: argparse.Namespace) -> str:
    lines = [
        "# Benchmark: forecast and funnel",
        "",
        f"Written by `python -m scripts.bench_sales` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}. "
        f"Target: p50 under {TARGET_MS:.0f} ms for each report, as a salesperson and as a manager (issue 5).",
        "",
        f"- Machine: {os.cpu_count()} cores ({cpu_model()}); {host.platform()}; Python {host.python_version()}",
        f"- {args.records:,} opportunities per database; {args.requests} timed calls per report and user after 3 "
        "warm-up calls, in-process: `forecast(platform, actor, {period: month, group_by})` (this quarter and the "
        "next) and `funnel(platform, actor, {})` (the default process, deals created in the last twelve months).",
        "- SQL floor: the same aggregates by hand (two for the forecast, three for the funnel), the user's owners "
        "(themselves and everyone below them) as an IN list and no sharing rules, run through the driver.",
        "",
    ]
    for run in runs:
        lines += [f"## {run.name} ({run.version})", "",
                  "| Report | User | Huitong p50 (p95) | SQL floor p50 | Ratio | Rows | Target |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        for m in run.measures:
            p50, floor = percentile(m.times, 0.5), percentile(m.floor, 0.5)
            met = "✅ met" if p50 < TARGET_MS else "❌ missed"
            lines.append(f"| {m.report} | {m.user} | {p50:.1f} ms ({percentile(m.times, 0.95):.1f}) | "
                         f"{floor:.1f} ms | {p50 / floor:.1f}× | {m.rows} | {met} |")  # fmt: skip
        lines += ["", *(f"- {fact}" for fact in run.facts), f"- The run took {run.seconds / 60:.1f} minutes.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    runs = []
    for kind in args.databases:
        runs.append(run_database(kind, args))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(render(runs, args), encoding="utf-8")
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
