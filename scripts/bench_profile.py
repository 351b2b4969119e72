"""The routes' own call paths run in-process, without HTTP: for timing, for the SQL they send, and under cProfile.

Each ``*_request`` does what the route does for one request (token → actor, the work, JSON encoding), so the
gap between these timings and the HTTP ones is the server's (uvicorn, FastAPI, the thread pool, the socket).
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import orjson
from sqlalchemy import event
from starlette.requests import Request

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.api.routes_records import read_with, run_listing
from huitong.engine.api.support import current_actor
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.records.bulk import BulkWriter
from huitong.engine.records.context import Actor
from scripts.bench_data import OBJECT, TABLE, ListParams

Statement = tuple[str, Any]


class InProcess:
    def __init__(self, database_url: str, token: str) -> None:
        self.platform = build_platform(Settings(database_url=database_url))
        self.token = token
        self.recording: list[Statement] | None = None
        event.listen(self.platform.db.engine, "before_cursor_execute", self._record)

    def close(self) -> None:
        self.platform.close()

    def _record(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if self.recording is not None and not many:
            self.recording.append((statement, parameters))

    @contextmanager
    def recorded(self) -> Iterator[list[Statement]]:
        """Every statement the engine sends inside the block, with its parameters as the driver receives them."""
        self.recording = []
        try:
            yield self.recording
        finally:
            self.recording = None

    # -- the routes' work --------------------------------------------------------------------------------------
    def actor(self) -> Actor:
        """The route's own dependency (token → actor), given the request it would see."""
        scope = {
            "type": "http",
            "method": "POST",
            "headers": [(b"authorization", f"Bearer {self.token}".encode())],
            "app": SimpleNamespace(state=SimpleNamespace(platform=self.platform)),
        }
        return current_actor(Request(scope))

    def list_request(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = run_listing(self.platform, self.actor(), OBJECT, body)
        orjson.dumps(result)
        return result

    def aggregate_request(self, body: dict[str, Any]) -> dict[str, Any]:
        platform, actor = self.platform, self.actor()

        def work(connection: Any, *context: Any) -> Any:
            # (connection, schema, definition), or (connection, actor, schema, definition) where read_with binds
            # the actor: the route's closure, whichever the engine passes.
            bound = context[0] if len(context) == 3 else actor
            schema, definition = context[-2], context[-1]
            return Aggregation(schema, definition, bound, platform.access, platform.filter_env(), body).run(connection)

        result: dict[str, Any] = read_with(platform, actor, OBJECT, work)
        orjson.dumps(result)
        return result

    def create_request(self, deal: dict[str, Any]) -> dict[str, Any]:
        record = self.platform.records.create(self.actor(), OBJECT, deal).json()
        orjson.dumps(record)
        return record

    def bulk_request(self, deals: list[dict[str, Any]]) -> None:
        failed, results = BulkWriter(self.platform.records).run(
            self.actor(), OBJECT, {"operation": "create", "records": deals}
        )
        if failed:
            raise RuntimeError(f"bulk create failed: {results[:3]}")
        orjson.dumps({"results": results})

    def walk(self, params: ListParams, pages: int) -> Iterator[tuple[float, dict[str, Any], list[Statement]]]:
        """Keyset pages in-process: (ms, body, statements on the record table) per page."""
        cursor: str | None = None
        for _page in range(pages):
            with self.recorded() as statements:
                started = time.perf_counter()
                body = self.list_request(params.body(cursor))
                elapsed = (time.perf_counter() - started) * 1000
            yield elapsed, body, on_table(statements)
            cursor = body["next_cursor"]
            if cursor is None:
                return


def on_table(statements: list[Statement]) -> list[Statement]:
    return [(text, params) for text, params in statements if TABLE in text]


def timed(call: Callable[[Any], Any], arguments: list[Any]) -> list[float]:
    timings = []
    for argument in arguments:
        started = time.perf_counter()
        call(argument)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def profiled(call: Callable[[Any], Any], arguments: list[Any], top: int = 14) -> str:
    """cProfile over the calls: time per request by layer, then the functions that take it (own time)."""
    profile = cProfile.Profile()
    profile.enable()
    for argument in arguments:
        call(argument)
    profile.disable()
    return summarize(pstats.Stats(profile), len(arguments), top)


IDLE = "waiting for work (event loop, idle pool threads) or in the profiler"


def layer_of(filename: str, function: str) -> str:
    if is_idle(filename, function):
        return IDLE
    if "sqlite3" in function or "psycopg" in filename or "psycopg" in function:
        return "database driver (SQL run + fetch)"
    if "/sqlalchemy/" in filename:
        return "SQLAlchemy (compile, execute, results)"
    if "/huitong/" in filename:
        return "Huitong engine code"
    if any(name in filename for name in ("/starlette/", "/fastapi/", "/anyio/", "/uvicorn/", "/pydantic")):
        return "FastAPI / Starlette / anyio / uvicorn"
    return "other Python (json, decimal, datetime, stdlib)"


def is_idle(filename: str, function: str) -> bool:
    """Blocking waits of threads with nothing to do: the event loop (uvloop runs it in C, under asyncio's
    Runner.run) and the pool workers waiting on their queue."""
    if filename.endswith("asyncio/runners.py") and function == "run":
        return True
    if filename.endswith(("cProfile.py", "bench_serve_profiled.py")) or "_lsprof" in function:
        return True  # the profiler's own baseline snapshot
    return any(marker in function for marker in ("run_forever", "_thread.lock' objects>", "of '_queue.SimpleQueue'"))


def summarize(stats: pstats.Stats, calls: int, top: int) -> str:
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    busy = {key: row for key, row in entries.items() if not is_idle(key[0], key[2])}
    total = sum(row[2] for row in busy.values()) or 1e-9
    layers: dict[str, float] = {}
    for (filename, _line, function), row in busy.items():
        layer = layer_of(filename, function)
        layers[layer] = layers.get(layer, 0.0) + row[2]
    lines = [f"cProfile over {calls} request(s); {total * 1000 / calls:.2f} ms per request under the profiler"]
    for layer, seconds in sorted(layers.items(), key=lambda item: -item[1]):
        lines.append(f"  {seconds * 1000 / calls:9.2f} ms  {seconds / total:6.1%}  {layer}")
    idle = sum(row[2] for key, row in entries.items() if is_idle(key[0], key[2]))
    if idle:
        lines.append(f"  (not counted: {idle * 1000 / calls:.2f} ms per request {IDLE})")
    lines.append("Own time by function (top):")
    lines += ranked(busy, calls, 2, top, lambda _filename: True)
    lines.append("Huitong functions by cumulative time (top):")
    lines += ranked(busy, calls, 3, top // 2, lambda filename: "/huitong/" in filename)
    return "\n".join(lines)


def ranked(
    entries: dict[tuple[str, int, str], tuple[Any, ...]],
    calls: int,
    column: int,
    top: int,
    keep: Callable[[str], bool],
) -> list[str]:
    """Lines for the ``top`` functions by own (column 2) or cumulative (column 3) time."""
    chosen = sorted((item for item in entries.items() if keep(item[0][0])), key=lambda item: -item[1][column])[:top]
    lines = []
    for (filename, line, function), row in chosen:
        where = short_path(filename) + (f":{line}" if line else "")
        lines.append(f"  {row[column] * 1000 / calls:9.3f} ms  {row[1] / calls:9.1f} calls  {function}  ({where})")
    return lines


def short_path(filename: str) -> str:
    """Paths relative to the package roots, wherever the checkout or the virtualenv lives."""
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1]
    if "/huitong/" in filename:
        return "huitong/" + filename.rsplit("/huitong/", 1)[1]
    return filename
