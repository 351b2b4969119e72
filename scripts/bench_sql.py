"""The SQL floor: the same work done by hand through the driver (sqlite3 / psycopg), on the engine's own indexes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import psycopg

from scripts.bench_data import LIST_FIELDS, TABLE, ListParams

# The connection settings the engine gives SQLite (huitong/engine/db.py), so the floor runs under the same rules.
SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "busy_timeout=30000",
    "cache_size=-65536",
    "temp_store=MEMORY",
    "mmap_size=268435456",
)
WRITE_COLUMNS = [
    "x_name", "x_status", "x_region", "x_amount", "x_signed", "x_owner_name", "x_note", "x_score",
    "owner", "created_at", "created_by", "updated_at", "updated_by", "version",
]  # fmt: skip


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def driver_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Driver:
    """A raw DB-API connection to the benchmark database; SQL is written with ``?`` and adapted per database."""

    def __init__(self, url: str) -> None:
        self.is_sqlite = url.startswith("sqlite")
        self.connection: Any
        if self.is_sqlite:
            self.connection = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                self.connection.execute("PRAGMA " + pragma)
        else:
            self.connection = psycopg.connect(driver_url(url), autocommit=True)

    def close(self) -> None:
        self.connection.close()

    def sql(self, text: str) -> str:
        return text if self.is_sqlite else text.replace("?", "%s")

    def rows(self, text: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``text`` as given (already in the driver's parameter style) and fetch every row."""
        cursor = self.connection.execute(text, params)
        found = list(cursor.fetchall())
        cursor.close()
        return found

    def timed(self, text: str, params: Sequence[Any] | dict[str, Any] = ()) -> tuple[float, list[tuple[Any, ...]]]:
        started = time.perf_counter()
        found = self.rows(text, params)
        return (time.perf_counter() - started) * 1000, found

    def explain(self, text: str, params: Sequence[Any] | dict[str, Any] = ()) -> str:
        if self.is_sqlite:
            rows = self.rows("EXPLAIN QUERY PLAN " + text, params)
            return "\n".join(str(row[-1]) for row in rows)
        rows = self.rows("EXPLAIN (ANALYZE, BUFFERS) " + text, params)
        return "\n".join(str(row[0]) for row in rows)

    # -- values as each driver stores them ---------------------------------------------------------------------
    def day(self, value: date) -> Any:
        return value.isoformat() if self.is_sqlite else value

    def row(self, deal: dict[str, Any], user_id: int, now: datetime) -> tuple[Any, ...]:
        """A deal as the engine writes it: coerced values plus the audit columns."""
        amount: Any = Decimal(deal["x_amount"])
        stamp: Any = now
        signed: Any = date.fromisoformat(deal["x_signed"])
        if self.is_sqlite:  # what SQLAlchemy binds on SQLite: floats for NUMERIC, ISO text for dates and times
            amount, stamp, signed = float(amount), now.replace(tzinfo=None).isoformat(sep=" "), signed.isoformat()
        values = [deal["x_name"], deal["x_status"], deal["x_region"], amount, signed, deal["x_owner_name"]]
        return (*values, deal.get("x_note"), deal["x_score"], user_id, stamp, user_id, stamp, user_id, 1)

    # -- writes ------------------------------------------------------------------------------------------------
    def insert_one(self, deal: dict[str, Any], user_id: int) -> int:
        """One record in its own transaction, its id returned: what a single create must at least do."""
        statement = self.sql(insert_sql(returning=True))
        row = self.row(deal, user_id, datetime.now(UTC))
        if self.is_sqlite:
            self.connection.execute("BEGIN IMMEDIATE")
            new_id = self.connection.execute(statement, row).fetchone()[0]
            self.connection.execute("COMMIT")
            return int(new_id)
        with self.connection.transaction():
            return int(self.connection.execute(statement, row).fetchone()[0])

    def insert_many(self, deals: list[dict[str, Any]], user_id: int) -> None:
        """One multi-row insert of a whole batch in one transaction."""
        now = datetime.now(UTC)
        rows = [self.row(deal, user_id, now) for deal in deals]
        statement = self.sql(insert_sql(returning=False))
        if self.is_sqlite:
            self.connection.execute("BEGIN IMMEDIATE")
            self.connection.executemany(statement, rows)
            self.connection.execute("COMMIT")
            return
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.executemany(statement, rows)


def insert_sql(*, returning: bool) -> str:
    marks = ", ".join("?" for _ in WRITE_COLUMNS)
    tail = " RETURNING id" if returning else ""
    return f"INSERT INTO {TABLE} ({', '.join(WRITE_COLUMNS)}) VALUES ({marks}){tail}"


# -- reads ---------------------------------------------------------------------------------------------------------
def list_sql(driver: Driver, *, after: bool) -> str:
    """The list page written by hand: same filter, same order (empty names first), keyset by row value."""
    nulls = "" if driver.is_sqlite else " NULLS FIRST"  # SQLite already sorts NULL first; the index says so on PG
    keyset = " AND (x_name, id) > (?, ?)" if after else ""
    return driver.sql(
        f"SELECT id, {', '.join(LIST_FIELDS)} FROM {TABLE}"
        " WHERE deleted_at IS NULL AND x_status = ? AND x_signed >= ? AND x_signed <= ?"
        f"{keyset} ORDER BY x_name ASC{nulls}, id ASC LIMIT 51"
    )


def list_args(driver: Driver, params: ListParams, after: tuple[str, int] | None = None) -> tuple[Any, ...]:
    base = (params.status, driver.day(params.start), driver.day(params.end))
    return base if after is None else (*base, *after)


def aggregate_sql(driver: Driver) -> str:
    month = "strftime('%Y-%m', x_signed)" if driver.is_sqlite else "to_char(x_signed, 'YYYY-MM')"
    return (
        f"SELECT x_status, {month} AS month, sum(x_amount), count(*) FROM {TABLE}"
        " WHERE deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2"
    )


def walk(driver: Driver, params: ListParams, pages: int) -> tuple[list[float], list[list[int]]]:
    """Keyset pages by hand: per-page milliseconds and the ids of each page."""
    timings: list[float] = []
    pages_ids: list[list[int]] = []
    after: tuple[str, int] | None = None
    for _page in range(pages):
        elapsed, rows = driver.timed(list_sql(driver, after=after is not None), list_args(driver, params, after))
        timings.append(elapsed)
        pages_ids.append([row[0] for row in rows[:50]])
        if len(rows) <= 50:
            break
        after = (rows[49][1], rows[49][0])
    return timings, pages_ids


def server_version(driver: Driver) -> str:
    if driver.is_sqlite:
        return "SQLite " + sqlite3.sqlite_version
    return str(driver.rows("SHOW server_version")[0][0]).split(" ")[0]


def postgres_settings(driver: Driver) -> dict[str, str]:
    names = ["shared_buffers", "work_mem", "max_parallel_workers_per_gather", "synchronous_commit", "jit"]
    return {name: str(driver.rows(f"SHOW {name}")[0][0]) for name in names}


def vacuum_analyze(driver: Driver) -> None:
    """What autovacuum does on its own soon after a load: statistics and the visibility map."""
    if not driver.is_sqlite:
        driver.connection.execute(f"VACUUM (ANALYZE) {TABLE}")
