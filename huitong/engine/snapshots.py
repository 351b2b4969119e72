"""A per-process cache of something loaded from the database, reloaded when a version row moves.

The metadata (``meta_state``) and the organization and permissions (``security_state``) are cached this way: each
request compares the version in the database with the cached one, so a change made through one process is seen
by every other on its next request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from sqlalchemy import Connection, Table, select


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


T = TypeVar("T", bound=Versioned)


class Snapshots(Generic[T]):
    def __init__(self, state: Table, load: Callable[[Connection], T]) -> None:
        self._state = state
        self._load = load
        self._current: T | None = None
        self._lock = threading.Lock()

    def current(self, connection: Connection, version: int | None = None) -> T:
        """The snapshot at the database's version (``version``: that version, when the caller already read it)."""
        if version is None:
            version = connection.execute(select(self._state.c.version).where(self._state.c.id == 1)).scalar_one()
        found = self._current
        if found is not None and found.version == version:
            return found
        with self._lock:
            if self._current is None or self._current.version != version:
                self._current = self._load(connection)
            return self._current

    def last(self) -> T:
        """The snapshot this process loaded last: the one of the request being served."""
        if self._current is None:
            raise RuntimeError("nothing loaded yet")
        return self._current

    def forget(self) -> None:
        self._current = None
