"""``make bench``: load 1,000,000 deals into SQLite and PostgreSQL, measure the API against its SQL floor, and write
docs/benchmarks.md.

    python -m scripts.bench                                   # the full run, both databases
    python -m scripts.bench --records 100000 --databases sqlite --output var/bench/try.md   # a quick try

Not part of the test suite: it takes minutes and wants a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.security.users import create_token, create_user
from scripts import bench_http
from scripts.bench_data import BENCH_PASSWORD, BENCH_USER, DealMaker
from scripts.bench_databases import cpu_model, fresh_database
from scripts.bench_measure import Bench, load
from scripts.bench_profile import InProcess
from scripts.bench_reads import measure_reads
from scripts.bench_report import DatabaseRun, kept_notes, render_markdown, run_table, text_table
from scripts.bench_server import Server
from scripts.bench_sql import Driver, postgres_settings, server_version, vacuum_analyze
from scripts.bench_writes import measure_writes

WORK_DIR = Path("var/bench")
POSTGRES_DATABASE = "huitong_bench"
DEFAULT_POSTGRES = os.environ.get("HUITONG_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
STARTED = time.monotonic()
DESCRIPTION = "Measure the API against its SQL floor on SQLite and PostgreSQL; write docs/benchmarks.md."


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=DESCRIPTION)
    parser.add_argument("--records", type=int, default=1_000_000, help="records to load per database")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--http-bulk", type=int, default=100_000, help="records to bulk-create over HTTP")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="an administrator's PostgreSQL URL")
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"), help="the report to write")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards (for inspection)")
    parser.add_argument(
        "--quiet-wait", type=float, default=30.0, help="seconds to wait, before each phase, for other work to calm down"
    )
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = set(args.databases) - set(NAMES)
    if unknown or not args.databases:
        parser.error(f"--databases takes sqlite and/or postgresql, not {sorted(unknown)}")
    if args.records < 10_000 or args.http_bulk < 10_000:
        parser.error("--records and --http-bulk are at least 10000 (one bulk batch)")
    return args


# -- fresh databases -----------------------------------------------------------------------------------------------
def bootstrap(url: str) -> tuple[int, str]:
    """Migrate, then an administrator and an API token, as ``huitong migrate`` and ``huitong user add`` do."""
    platform = build_platform(Settings(database_url=url))
    try:
        platform.migrate()
        with platform.db.write() as connection:
            user_id = create_user(connection, BENCH_USER, BENCH_PASSWORD, display_name="压测", is_admin=True)
            token = create_token(connection, user_id, "bench")
    finally:
        platform.close()
    return user_id, token


# -- one database --------------------------------------------------------------------------------------------------
def run_database(kind: str, args: argparse.Namespace) -> DatabaseRun:
    started = time.monotonic()
    log(f"{NAMES[kind]}: fresh database, migrate, administrator and token")
    with fresh_database(kind, WORK_DIR / "bench.db", args.postgres_url, POSTGRES_DATABASE, keep=args.keep) as url:
        user_id, token = bootstrap(url)
        driver = Driver(url)
        run = DatabaseRun(NAMES[kind], server_version(driver), args.records)
        if kind == "postgresql":
            run.settings = postgres_settings(driver)
        inprocess = InProcess(url, token)
        try:
            with Server(url, token, WORK_DIR / f"uvicorn-{kind}.log") as server:
                bench = Bench(run, url, user_id, server, driver, inprocess, DealMaker(args.seed), log, WORK_DIR,
                              args.http_bulk, args.seed, args.quiet_wait, token)  # fmt: skip
                try:
                    measure(bench, args.records)
                finally:
                    bench.close()
        finally:
            inprocess.close()
            driver.close()
    run.seconds = time.monotonic() - started
    log(f"{NAMES[kind]}: done in {run.seconds:,.0f} s")
    return run


def measure(bench: Bench, records: int) -> None:
    log(f"{bench.run.name}: x_deal through the metadata API on {bench.server.base_url}")
    bench_http.create_object(bench.client)
    log(f"{bench.run.name}: loading {records:,} records")
    load(bench, records)
    vacuum_analyze(bench.driver)
    measure_reads(bench)
    measure_writes(bench)
    busy = ", ".join(f"{phase} {share:.0%}" for phase, share in bench.busy.items())
    bench.run.facts.append(f"Other work on the machine (CPU busy just before each phase): {busy}.")


# -- the report ----------------------------------------------------------------------------------------------------
def command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def source_commit() -> str:
    """The engine's commit (HUITONG_BENCH_COMMIT names it when running from an exported snapshot of it)."""
    commit = os.environ.get("HUITONG_BENCH_COMMIT") or command_output(["git", "rev-parse", "--short", "HEAD"])
    changed = command_output(["git", "status", "--porcelain", "--", "huitong"])
    dirty = changed not in ("", "unknown")
    return f"commit `{commit}`" + (" with uncommitted engine changes" if dirty else "")


def memory_gib() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def header(runs: list[DatabaseRun], args: argparse.Namespace, seconds: float) -> list[str]:
    versions = {run.name: run.version for run in runs}
    return [
        f"Written by `make bench` (`python -m scripts.bench`) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from "
        f"{source_commit()}; the whole run took {seconds / 60:.1f} minutes.",
        "",
        "## Machine",
        "",
        f"- CPU: {command_output(['nproc'])} cores ({cpu_model()}); memory {memory_gib()}; {host.platform()}",
        f"- Python {host.python_version()}; SQLite {sqlite3.sqlite_version} (the sqlite3 module's library)",
        f"- PostgreSQL {versions.get('PostgreSQL', 'not measured')} on the same machine, default settings",
        f"- {args.records:,} records of `x_deal` per database, then {args.http_bulk:,} more through the bulk API",
    ]


METHOD = [
    "- Each database is created fresh, migrated, and given an administrator and an API token; `x_deal` is created "
    "through the metadata API (x_name text, indexed; x_status picklist of 5; x_region picklist of 8; x_amount "
    "currency; x_signed date over 2023–2025; x_owner_name text; x_note long text; x_score integer).",
    "- The app is served by `uvicorn huitong.app:asgi --factory` (1 worker, no access log) in a subprocess on "
    "127.0.0.1; the client is httpx on keep-alive connections, on the same 2-core machine (so client and server "
    "share the CPU). Request bodies are encoded before the clock starts.",
    "- Reads are measured before writes, so the aggregate covers exactly the loaded records. PostgreSQL gets "
    "`VACUUM (ANALYZE)` after the load (what autovacuum does soon after); SQLite gets nothing, as the engine gives it.",
    "- The SQL floor is the same query written by hand and run through the driver (sqlite3 / psycopg) on one "
    "connection with the engine's own settings and indexes; the script checks it returns the same records (and "
    "the same groups and counts) as the API. Ratio = Huitong ÷ floor (for rates, floor ÷ Huitong).",
    "- List filters vary: each status in turn, a signing window of 80–100 days anywhere in the three years. The "
    "list asks for 7 fields (a list view's columns), sorted by x_name, 50 per page.",
    "- Times are milliseconds, p50 with p95 in brackets. Profiles are cProfile runs of the same requests, inside a "
    "second (profiled) server and in-process; cProfile inflates Python time, so read them as shares, not durations.",
    "- The machine may be shared with other work: each phase waits (a bounded time) for it to calm down and records "
    "how busy it was, and the ways of doing one request take turns request by request, so that ratios stay fair "
    "even when absolute times are inflated.",
]


def report(runs: list[DatabaseRun], args: argparse.Namespace) -> None:
    seconds = time.monotonic() - STARTED
    for run in runs:
        print(f"\n{run.name} ({run.version}), {run.records:,} records\n")
        print(run_table(run, text_table))
    previous = args.output.read_text() if args.output.exists() else ""
    text = render_markdown(runs, header(runs, args, seconds), METHOD, kept_notes(previous))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    missed = [f"{run.name}: {figure.label}" for run in runs for figure in run.missed()]
    print(f"\nMissed targets: {', '.join(missed) if missed else 'none'}")
    log(f"wrote {args.output}")


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    runs = [run_database(kind, args) for kind in args.databases]
    report(runs, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
