"""What every benchmark script needs around its measurements: a fresh database of each kind, and the host."""

from __future__ import annotations

import platform as host
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

import psycopg


def kept_database(kind: str, sqlite_path: Path, postgres_url: str, postgres_name: str) -> str:
    """The address of the database an earlier ``--keep`` run left (for ``--reuse``)."""
    return f"sqlite:///{sqlite_path}" if kind == "sqlite" else postgres_url.rpartition("/")[0] + "/" + postgres_name


def bench_database(
    kind: str, sqlite_path: Path, postgres_url: str, postgres_name: str, *, keep: bool, reuse: bool
) -> AbstractContextManager[str]:
    """A fresh database for the run, or with ``reuse`` the one an earlier ``--keep`` run left."""
    if reuse:
        return nullcontext(kept_database(kind, sqlite_path, postgres_url, postgres_name))
    return fresh_database(kind, sqlite_path, postgres_url, postgres_name, keep=keep)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def fresh_database(kind: str, sqlite_path: Path, postgres_url: str, postgres_name: str, *, keep: bool) -> Iterator[str]:
    """A new, empty database for one run (a file, or a PostgreSQL database), removed afterwards unless ``keep``."""
    if kind == "sqlite":
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        remove_sqlite(sqlite_path)
        yield f"sqlite:///{sqlite_path}"
        if not keep:
            remove_sqlite(sqlite_path)
        return
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {postgres_name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {postgres_name}")
    try:
        yield postgres_url.rpartition("/")[0] + "/" + postgres_name
    finally:
        if not keep:
            with psycopg.connect(postgres_url, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {postgres_name} WITH (FORCE)")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return host.processor() or "unknown"
