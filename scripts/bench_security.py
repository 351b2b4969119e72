"""The cost of the access check: a salesperson's list page against an administrator's, at scale.

    python -m scripts.bench_security                                         # 1,000,000 records, both databases
    python -m scripts.bench_security --records 50000 --databases sqlite --output var/bench-security/try.md

Builds a 500-user organization (a 6-level role tree, departments, 20 sharing rules, a private organization-wide
default with access through the hierarchy), loads deals owned across it, and times the same list page in-process
for an administrator, an ordinary rep and a regional manager. Writes docs/benchmarks-security.md.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, func, insert, select, update

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.api.routes_records import run_listing
from huitong.engine.meta import service as meta_service
from huitong.engine.platform import Platform
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor
from huitong.engine.security import organization, sharing
from huitong.engine.security import users as user_service
from huitong.engine.security.tables import record_shares
from huitong.engine.system_tables import users
from scripts.bench_data import OBJECT, TABLE, DealMaker, ListParams, field_specs, list_params, object_spec
from scripts.bench_databases import bench_database, cpu_model, fresh_database

WORK_DIR = Path("var/bench-security")
POSTGRES_DATABASE = "huitong_bench_security"
DEFAULT_POSTGRES = os.environ.get("HUITONG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
BATCH = 10_000
USERS = 500
MANUAL_SHARES = 10_000
TARGET = 1.5
PASSWORD = "correct-horse-battery-9"
REGIONS = ["east", "north", "south", "central", "southwest", "northwest", "northeast", "overseas"]
STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_security", description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000, help="records to load per database")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--requests", type=int, default=100, help="timed list requests per user")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="an administrator's PostgreSQL URL")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks-security.md"), help="the report")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--sqlite-path", type=Path, default=WORK_DIR / "bench-security.db", help="the SQLite file")
    parser.add_argument("--postgres-database", default=POSTGRES_DATABASE, help="the PostgreSQL database's name")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (for inspection)")
    parser.add_argument("--reuse", action="store_true",
                        help="measure the databases an earlier run kept (--keep) instead of loading new ones")  # fmt: skip
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(args.databases) - set(NAMES)
    if unknown or not args.databases:
        parser.error(f"--databases takes sqlite and/or postgresql, not {sorted(unknown)}")
    if args.records < BATCH:
        parser.error(f"--records is at least {BATCH} (one bulk batch)")
    return args


# -- fresh databases -----------------------------------------------------------------------------------------------
@dataclass
class Org:
    admin: int = 0
    ceo: int = 0
    managers: list[int] = field(default_factory=list)  # every user above rep level
    reps: list[int] = field(default_factory=list)
    regional_managers: list[int] = field(default_factory=list)  # one per region, in REGIONS order
    team_reps: list[list[int]] = field(default_factory=list)  # reps of each of the 24 teams
    rules: list[str] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)  # roles per level


def tree(connection: Any, kind: str, names: list[str], fanout: list[int], actor: int, now: datetime) -> list[list[int]]:
    """A tree with ``fanout[i]`` children under each node of level i; node ids per level."""
    levels = [[organization.create_node(connection, kind, {"name": names[0], "parent": None}, actor, now)["id"]]]
    for depth, children in enumerate(fanout, start=1):
        level = []
        for index, parent in enumerate(levels[-1]):
            for child in range(children):
                body = {"name": f"{names[depth]} {index * children + child + 1}", "parent": parent}
                level.append(organization.create_node(connection, kind, body, actor, now)["id"])
        levels.append(level)
    return levels


@contextmanager
def quick_hashes() -> Iterator[None]:
    """500 Argon2 hashes would only time the password hasher; the users are made by create_user all the same."""
    hashed = user_service._hasher
    user_service._hasher = type(hashed)(time_cost=1, memory_cost=1024, parallelism=1)
    try:
        yield
    finally:
        user_service._hasher = hashed


def build_people(c: Any, org: Org, now: datetime) -> tuple[list[list[int]], list[list[int]]]:
    """Roles CEO → 2 VPs → 4 directors → 8 regional managers → 24 team leads → 24 rep roles; departments alike;
    USERS people in them. Returns the role and department ids per level."""
    org.admin = user_service.create_user(c, "admin", PASSWORD, display_name="管理员", is_admin=True)
    fanout = [2, 2, 2, 3, 1]
    roles = tree(c, "role", ["CEO", "VP", "Director", "Regional manager", "Team lead", "Sales rep"], fanout,
                 org.admin, now)  # fmt: skip
    departments = tree(c, "department", ["汇通集团", "事业部", "大区", "区域销售部", "销售组", "销售小组"],
                       fanout, org.admin, now)  # fmt: skip
    org.levels = [len(level) for level in roles]
    made = 0

    def person(role: int, department: int, title: str) -> int:
        nonlocal made
        made += 1
        user_id = user_service.create_user(c, f"user{made:03d}", PASSWORD, display_name=f"{title} {made}")
        c.execute(update(users).where(users.c.id == user_id).values(role_id=role, department_id=department))
        return user_id

    for depth, level in enumerate(roles[:5]):
        for index, role in enumerate(level):
            user_id = person(role, departments[depth][index], ["CEO", "VP", "总监", "区域经理", "组长"][depth])
            org.managers.append(user_id)
            if depth == 0:
                org.ceo = user_id
            if depth == 3:
                org.regional_managers.append(user_id)
    rep_count = USERS - len(org.managers)
    org.team_reps = [[] for _ in roles[5]]
    for index in range(rep_count):
        team = index % len(roles[5])
        user_id = person(roles[5][team], departments[5][team], "销售")
        org.reps.append(user_id)
        org.team_reps[team].append(user_id)
    return roles, departments


def build_org(p: Platform, seed: int) -> Org:
    """The people of ``build_people`` and 20 sharing rules on x_deal, private with access through the hierarchy."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    org = Org()
    with quick_hashes(), p.db.write() as c:
        roles, departments = build_people(c, org, now)
        schema = p.cache.current(c)
        env = p.filter_env()

        def rule(name: str, body: dict[str, Any]) -> None:
            sharing.create_rule(c, schema, {"object": OBJECT, "name": name, "access": "read", **body}, org.admin,
                                env, now)  # fmt: skip
            org.rules.append(name)

        # 8 criteria rules: each region's won deals to that region's sales department (and its teams)
        criteria: dict[str, Any]
        for index, region in enumerate(REGIONS):
            criteria = {"and": [{"field": "x_region", "op": "eq", "value": region},
                                {"field": "x_status", "op": "eq", "value": "won"}]}  # fmt: skip
            rule(f"won in {region} → region department",
                 {"criteria": criteria, "share_with": {"department": departments[3][index]}})  # fmt: skip
        # 4 criteria rules on dates: the second half of 2025's proposals to each director and below
        for index, director in enumerate(roles[2]):
            criteria = {"and": [{"field": "x_signed", "op": "between", "value": ["2025-07-01", "2025-12-31"]},
                                {"field": "x_status", "op": "eq", "value": "proposal"}]}  # fmt: skip
            rule(
                f"late-2025 proposals → director {index + 1}'s roles",
                {"criteria": criteria, "share_with": {"role": director, "include_subordinates": True}},
            )
        # 8 owner-group rules: a team's deals to the neighbouring team (team leads and their reps)
        for index in range(8):
            team, neighbour = roles[4][index * 3], roles[4][index * 3 + 1]
            rule(f"team {index * 3 + 1}'s deals → team {index * 3 + 2}",
                 {"owned_by": {"role": team, "include_subordinates": True},
                  "share_with": {"role": neighbour, "include_subordinates": True}})  # fmt: skip
        sharing.set_default(c, schema, OBJECT, {"access": "private", "grant_via_hierarchy": True}, org.admin, now)
    rng.shuffle(org.reps)
    return org


# -- the object and its records ------------------------------------------------------------------------------------
def create_object(p: Platform) -> None:
    meta_service.create_object(p.db, object_spec())
    for spec in field_specs():
        meta_service.add_field(p.db, OBJECT, spec)


def load(p: Platform, org: Org, total: int, seed: int, facts: list[str]) -> None:
    """The record service's BulkWriter, 10,000 records per transaction; reps own 90 %, managers 10 %."""
    maker, rng = DealMaker(seed), random.Random(seed + 1)
    writer, actor = BulkWriter(p.records), Actor(org.admin, is_admin=True)
    done, spent, last = 0, 0.0, time.monotonic()
    for batch in maker.batches(total, BATCH):
        for deal in batch:
            deal["owner"] = rng.choice(org.reps) if rng.random() < 0.9 else rng.choice(org.managers)
        started = time.perf_counter()
        failed, results = writer.run(actor, OBJECT, {"operation": "create", "records": batch})
        spent += time.perf_counter() - started
        if failed:
            raise RuntimeError(f"bulk create failed: {results[:3]}")
        done += len(batch)
        if time.monotonic() - last > 15 or done == total:
            log(f"loaded {done:,}/{total:,} ({done / spent:,.0f} records/s in BulkWriter)")
            last = time.monotonic()
    facts.append(f"Loaded {total:,} records with the record service's BulkWriter (batches of {BATCH:,}): "
                 f"{spent:,.0f} s, {total / spent:,.0f} records/s.")  # fmt: skip


def manual_shares(p: Platform, org: Org, rep: int, seed: int) -> int:
    """~10,000 manual shares in one bulk insert: to users; the measured rep gets 40."""
    rng = random.Random(seed + 2)
    now = datetime.now(UTC)
    table = p.cache.snapshot().table(OBJECT)
    with p.db.write() as c:
        low, high = c.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
        seen: set[tuple[int, str, int]] = set()
        rows: list[dict[str, Any]] = []
        while len(rows) < MANUAL_SHARES:
            if len(rows) < 40:
                kind, principal = "user", rep
            else:
                kind, principal = "user", rng.choice(org.reps + org.managers)
            record_id = rng.randint(low, high)
            if (record_id, kind, principal) in seen:
                continue
            seen.add((record_id, kind, principal))
            rows.append({"object_name": OBJECT, "record_id": record_id, "principal_kind": kind,
                         "principal_id": principal, "access": "read", "reason": "manual", "created_by": org.admin,
                         "created_at": now})  # fmt: skip
        c.execute(insert(record_shares), rows)
    return len(rows)


# -- measuring -----------------------------------------------------------------------------------------------------
@dataclass
class UserRun:
    label: str
    user_id: int
    owned: int = 0
    visible: int = 0
    times: list[float] = field(default_factory=list)
    count_times: list[float] = field(default_factory=list)


@dataclass
class DatabaseRun:
    name: str
    version: str
    records: int
    users: list[UserRun] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    plans: dict[str, str] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    statuses: list[str] = field(default_factory=list)  # of each timed request, in order
    arms: dict[tuple[str, str], int] = field(default_factory=dict)  # (user, status) → SELECTs the list query unites


class Capture:
    """The SQL statements run while ``on`` (a SQLAlchemy before_cursor_execute listener)."""

    def __init__(self, p: Platform) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(p.db.engine, "before_cursor_execute", self.hear)

    def hear(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    @contextmanager
    def capturing(self) -> Iterator[list[tuple[str, Any]]]:
        self.statements, self.on = [], True
        try:
            yield self.statements
        finally:
            self.on = False


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_list(p: Platform, user_id: int, body: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = run_listing(p, Actor(user_id), OBJECT, body)
    return (time.perf_counter() - started) * 1000, result


def measure(p: Platform, run: DatabaseRun, kind: str, requests: int, seed: int) -> None:
    params = list_params(requests + 10, seed + 3)
    for user in run.users:  # warm-up: caches, the security model, the pages the plans touch
        for item in params[:10]:
            timed_list(p, user.user_id, item.body())
    log(f"{run.name}: {requests} list requests per user, users in turns")
    run.statuses = [item.status for item in params[10:]]
    for index, item in enumerate(params[10:]):
        for user in run.users if index % 2 == 0 else list(reversed(run.users)):
            user.times.append(timed_list(p, user.user_id, item.body())[0])
        if (index + 1) % 25 == 0:
            log(f"{run.name}: {index + 1}/{requests} turns")
    log(f"{run.name}: count: true, 10 per user")
    for item in params[10:20]:
        for user in run.users:
            body = {**item.body(), "count": True}
            ms, _result = timed_list(p, user.user_id, body)
            user.count_times.append(ms)
    everything = {"sort": [{"field": "x_name", "dir": "asc"}], "limit": 1, "count": True}
    for user in run.users:
        user.visible = int(listing_total(run_listing(p, Actor(user.user_id), OBJECT, everything)))
        mine = {**everything, "filter": {"field": "owner", "op": "eq", "value": user.user_id}}
        user.owned = int(listing_total(run_listing(p, Actor(user.user_id), OBJECT, mine)))
    explain(p, run, kind, params[10])
    count_arms(p, run, params[10:])


def listing_total(result: Any) -> Any:
    if isinstance(result, dict):
        for key in ("total", "count"):
            if key in result:
                return result[key]
    raise RuntimeError(f"no total in the listing result: {str(result)[:200]}")


def explain(p: Platform, run: DatabaseRun, kind: str, item: ListParams) -> None:
    capture = Capture(p)
    for user in run.users:
        with capture.capturing() as statements:
            run_listing(p, Actor(user.user_id), OBJECT, item.body())
        listed = [(sql, args) for sql, args in statements if TABLE in sql and "ORDER BY" in sql.upper()]
        if not listed:
            run.plans[user.label] = "(no list statement captured)"
            continue
        sql, args = listed[-1]
        run.sql[user.label] = sql
        prefix = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        with p.db.read() as connection:
            rows = connection.exec_driver_sql(prefix + sql, args).fetchall()
        if kind == "sqlite":
            run.plans[user.label] = "\n".join(f"{row[0]:>3} {row[1]:>3}  {row[3]}" for row in rows)
        else:
            run.plans[user.label] = "\n".join(str(row[0]) for row in rows)
    event.remove(p.db.engine, "before_cursor_execute", capture.hear)


def count_arms(p: Platform, run: DatabaseRun, params: list[ListParams]) -> None:
    """How many SELECTs each user's list query unites, for a page of each status (1: the single predicate)."""
    capture = Capture(p)
    for status in dict.fromkeys(run.statuses):
        item = next(item for item in params if item.status == status)
        for user in run.users:
            with capture.capturing() as statements:
                run_listing(p, Actor(user.user_id), OBJECT, item.body())
            listed = [sql for sql, _args in statements if TABLE in sql and "ORDER BY" in sql.upper()]
            run.arms[(user.label, status)] = listed[-1].count(f"FROM {TABLE}") if listed else 0
    event.remove(p.db.engine, "before_cursor_execute", capture.hear)


def by_status(run: DatabaseRun) -> list[str]:
    """p50 per page status, against the administrator's, with the number of SELECTs the query unites."""
    statuses = list(dict.fromkeys(run.statuses))
    lines = ["### By page status: p50 ms (÷ administrator's), SELECTs united", "",
             "| user | " + " | ".join(statuses) + " |", "|---|" + "---:|" * len(statuses)]  # fmt: skip

    def p50(user: UserRun, status: str) -> float:
        return percentile([ms for ms, s in zip(user.times, run.statuses, strict=True) if s == status], 0.5)

    admin = run.users[0]
    for user in run.users:
        cells = [f"{p50(user, s):.1f} ({p50(user, s) / p50(admin, s):.2f}×), {run.arms.get((user.label, s), 0)}"
                 for s in statuses]  # fmt: skip
        lines.append(f"| {user.label} | " + " | ".join(cells) + " |")
    return [*lines, ""]


# -- one database --------------------------------------------------------------------------------------------------
def kept_users(p: Platform) -> list[UserRun]:
    """build_org makes users in order: the regional managers are user008–user015, team 2's first rep user041."""
    with p.db.read() as connection:
        ids = dict(connection.execute(select(users.c.username, users.c.id)).all())
    return [UserRun("administrator", ids["admin"]), UserRun("sales rep", ids["user041"]),
            UserRun("regional manager", ids["user008"])]  # fmt: skip


def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    if args.reuse:
        return reuse_database(kind, args)
    started = time.monotonic()
    log(f"{NAMES[kind]}: fresh database and migration")
    with fresh_database(kind, args.sqlite_path, args.postgres_url, args.postgres_database, keep=args.keep) as url:
        p = build_platform(Settings(database_url=url))
        try:
            p.migrate()
            version = "SQLite " + sqlite3.sqlite_version
            if kind == "postgresql":
                with p.db.read() as connection:
                    version = "PostgreSQL " + str(connection.exec_driver_sql("SHOW server_version").scalar())
            run = DatabaseRun(NAMES[kind], version, args.records)
            log(f"{run.name}: x_deal and its fields")
            create_object(p)
            log(f"{run.name}: organization: 500 users, roles, departments, 20 sharing rules, private default")
            org = build_org(p, args.seed)
            log(f"{run.name}: loading {args.records:,} records")
            load(p, org, args.records, args.seed, run.facts)
            rep = org.team_reps[1][0]  # in team 2: sees team 1's deals by an owner-group rule
            shares = manual_shares(p, org, rep, args.seed)
            run.facts.append(f"{shares:,} manual shares (record_shares rows), inserted in one bulk statement.")
            if kind == "postgresql":
                vacuum(url)
            run.users = [UserRun("administrator", org.admin), UserRun("sales rep", rep),
                         UserRun("regional manager", org.regional_managers[0])]  # fmt: skip
            run.facts.append(
                f"Organization: {USERS} users plus the administrator; roles per level {org.levels} "
                f"(CEO → VPs → directors → regional managers → team leads → rep roles), departments alike; "
                f"{len(org.managers)} managers, {len(org.reps)} reps; reps own 90 % of the records at random."
            )
            run.facts.append("Sharing rules (all read): " + "; ".join(org.rules) + ".")
            run.facts.append("Organization-wide default for x_deal: private, access granted through the hierarchy.")
            measure(p, run, kind, args.requests, args.seed)
        finally:
            p.close()
    run.seconds = time.monotonic() - started
    log(f"{run.name}: done in {run.seconds:,.0f} s")
    return run


def vacuum(url: str) -> None:
    """Fresh statistics and no dead rows: after loading, or after a migration that rewrote every record."""
    log("PostgreSQL: VACUUM ANALYZE")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def reuse_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    started = time.monotonic()
    with bench_database(
        kind, args.sqlite_path, args.postgres_url, args.postgres_database, keep=True, reuse=True
    ) as url:
        p = build_platform(Settings(database_url=url))
        try:
            p.migrate()
            version = "SQLite " + sqlite3.sqlite_version
            if kind == "postgresql":
                vacuum(url)
                with p.db.read() as connection:
                    version = "PostgreSQL " + str(connection.exec_driver_sql("SHOW server_version").scalar())
            with p.db.read() as connection:
                total = int(
                    connection.execute(
                        select(func.count()).select_from(p.cache.current(connection).table(OBJECT))
                    ).scalar_one()
                )
            run = DatabaseRun(NAMES[kind], version, total)
            run.facts.append("Measured on a database an earlier run kept (`--keep`), reused with `--reuse`: the same "
                             "organization, rules, records and manual shares as a fresh run, migrated to this commit.")  # fmt: skip
            run.users = kept_users(p)
            measure(p, run, kind, args.requests, args.seed)
        finally:
            p.close()
    run.seconds = time.monotonic() - started
    log(f"{run.name}: done in {run.seconds:,.0f} s")
    return run


# -- the report ----------------------------------------------------------------------------------------------------
def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def render(runs: list[DatabaseRun], args: argparse.Namespace, pending: list[str]) -> str:
    lines = [
        "# Security benchmark: a salesperson's list page against an administrator's",
        "",
        "The requirement: with 1,000,000 records, 500 users, a 6-level role tree and 20 sharing rules, a list page as "
        f"an ordinary salesperson costs no more than {TARGET}× the same page as an administrator.",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; commit {commit()}",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {host.platform()}",
        f"- Records per database: **{args.records:,}**; {args.requests} timed requests per user after 10 warm-up "
        "requests each, the three users in turns (alternating order).",
        '- Measured in-process (no HTTP): `run_listing(platform, Actor(user_id), "x_deal", body)`, the list route\'s '
        "own function: binding the actor, the security model, compiling the query with the access predicate, "
        "running it and shaping JSON.",
        "- The page: status = one of five values, signing date within an 80–100-day window, sorted by x_name, "
        "50 rows, the benchmark's seven list fields; the filter values vary per request.",
        "- Command: `.venv/bin/python -m scripts.bench_security"
        + (f" --records {args.records}" if args.records != 1_000_000 else "")
        + (f" --databases {','.join(args.databases)}" if args.databases != list(NAMES) else "")
        + (" --reuse" if args.reuse else "")
        + "`",
        "",
    ]
    if pending:
        lines += [f"**Partial report: not measured (yet) — {', '.join(pending)}.**", ""]
    for run in runs:
        admin = run.users[0]
        base50, base95 = percentile(admin.times, 0.5), percentile(admin.times, 0.95)
        lines += [f"## {run.name} ({run.version}), {run.records:,} records", "",
                  "| user | owns | may read | list p50 ms | list p95 ms | p50 ÷ admin | p95 ÷ admin | target ≤ 1.5× "
                  "| count:true p50 ms |",
                  "|---|---:|---:|---:|---:|---:|---:|---|---:|"]  # fmt: skip
        for user in run.users:
            p50, p95 = percentile(user.times, 0.5), percentile(user.times, 0.95)
            ratio50, ratio95 = p50 / base50, p95 / base95
            verdict = "—" if user is admin else ("met" if ratio50 <= TARGET else "**missed**")
            lines.append(
                f"| {user.label} (id {user.user_id}) | {user.owned:,} | {user.visible:,} | {p50:.1f} | {p95:.1f} "
                f"| {ratio50:.2f}× | {ratio95:.2f}× | {verdict} | {percentile(user.count_times, 0.5):.1f} |"
            )
        lines += ["", *[f"- {fact}" for fact in run.facts], f"- Run time for this database: {run.seconds:,.0f} s.", ""]
        lines += by_status(run)
        plan_kind = "EXPLAIN QUERY PLAN" if run.name == "SQLite" else "EXPLAIN (ANALYZE, BUFFERS)"
        for label in ("sales rep", "regional manager", "administrator"):
            if label in run.plans:
                lines += [f"### {plan_kind}, {label}'s list page", "", "```", run.plans[label], "```", ""]
        if "sales rep" in run.sql:
            lines += ["### The sales rep's SQL", "", "```sql", run.sql["sales rep"], "```", ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    runs: list[DatabaseRun] = []
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for index, kind in enumerate(args.databases):
        runs.append(run_database(kind, args))
        pending = [NAMES[name] for name in args.databases[index + 1 :]]
        args.output.write_text(render(runs, args, pending), encoding="utf-8")
        log(f"wrote {args.output}" + (f" (partial: {', '.join(pending)} to come)" if pending else ""))
    for run in runs:
        admin = percentile(run.users[0].times, 0.5)
        for user in run.users:
            print(f"{run.name:10} {user.label:17} p50 {percentile(user.times, 0.5):8.1f} ms  "
                  f"p95 {percentile(user.times, 0.95):8.1f} ms  {percentile(user.times, 0.5) / admin:5.2f}× admin")  # fmt: skip


if __name__ == "__main__":
    main()
