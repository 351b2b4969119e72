"""Measurements over HTTP against the uvicorn subprocess. Every loop is bounded by a count given up front."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import httpx
import orjson

from scripts.bench_data import AGGREGATE_BODY, LIST_FIELDS, OBJECT, ListParams, field_specs, object_spec
from scripts.bench_server import Server, expect

RECORDS = f"/api/v1/records/{OBJECT}"


def create_object(client: httpx.Client) -> None:
    """x_deal and its fields, through the metadata API as an administrator would."""
    expect(client.post("/api/v1/meta/objects", json=object_spec()), 201)
    for spec in field_specs():
        expect(client.post(f"/api/v1/meta/objects/{OBJECT}/fields", json=spec), 201)


def timed_post(client: httpx.Client, path: str, body: Any, status: int = 200) -> tuple[float, httpx.Response]:
    # The body is encoded before the clock starts: the client's JSON work is not the server's time.
    content = orjson.dumps(body)
    headers = {"Content-Type": "application/json"}
    started = time.perf_counter()
    response = client.post(path, content=content, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != status:
        raise RuntimeError(f"POST {path} → {response.status_code}: {response.text[:800]}")
    return elapsed, response


def creates(client: httpx.Client, deals: list[dict[str, Any]]) -> list[float]:
    return [create(client, deal) for deal in deals]


def concurrent_creates(server: Server, per_client: list[list[dict[str, Any]]]) -> tuple[list[float], float]:
    """Each list of deals is sent by its own thread and connection; returns latencies and the wall time (s)."""
    return run_together([partial(client_creates, server, deals) for deals in per_client])


def client_creates(server: Server, deals: list[dict[str, Any]]) -> list[float]:
    with server.client() as client:
        return creates(client, deals)


def run_together(tasks: list[Callable[[], list[float]]]) -> tuple[list[float], float]:
    """Run the tasks in threads that start at one signal: their timings together, and the wall time (s)."""
    start_line = threading.Barrier(len(tasks) + 1)

    def after_signal(task: Callable[[], list[float]]) -> list[float]:
        start_line.wait()
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(after_signal, task) for task in tasks]
        start_line.wait()
        started = time.perf_counter()
        timings = [value for future in futures for value in future.result()]
        wall = time.perf_counter() - started
    return timings, wall


def timed_get(client: httpx.Client, path: str, status: int) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != status:
        raise RuntimeError(f"GET {path} → {response.status_code}: {response.text[:800]}")
    return elapsed


def list_page(client: httpx.Client, params: ListParams) -> tuple[float, list[int]]:
    elapsed, response = timed_post(client, f"{RECORDS}/query", params.body())
    return elapsed, [record["id"] for record in response.json()["records"]]


def browser_session(server: Server, username: str, password: str) -> httpx.Client:
    """A client signed in through the sign-in form, keeping the session cookie as a browser does."""
    client = httpx.Client(base_url=server.base_url, headers={"Accept-Language": "zh-CN"}, timeout=600.0)
    expect(client.post("/login", data={"username": username, "password": password, "next": "/"}), 303)
    return client


def list_screen_address(params: ListParams) -> str:
    """The list page a person opens for the same request: the filter, sort and columns in its address."""
    window = f"{params.start.isoformat()},{params.end.isoformat()}"
    columns = ",".join(LIST_FIELDS)
    return f"/records/{OBJECT}?x_status={params.status}&x_signed__between={window}&sort=x_name&columns={columns}"


def list_screen(client: httpx.Client, params: ListParams) -> tuple[float, list[int]]:
    """The whole HTML list page (shell, navigation, saved views, 50 rows); the ids of its rows."""
    address = list_screen_address(params)
    started = time.perf_counter()
    response = client.get(address)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {address} → {response.status_code}: {response.text[:800]}")
    ids = [int(found) for found in re.findall(rf'<a href="/records/{OBJECT}/(\d+)" class="fw-medium">', response.text)]
    return elapsed, ids


def list_pages(client: httpx.Client, params: list[ListParams]) -> int:
    for item in params:
        list_page(client, item)
    return len(params)


def walk(client: httpx.Client, params: ListParams, pages: int) -> tuple[list[float], list[list[int]]]:
    """Follow next_cursor for ``pages`` pages (fewer if the list ends): per-page ms and the ids of each page."""
    timings: list[float] = []
    ids: list[list[int]] = []
    cursor: str | None = None
    for _page in range(pages):
        elapsed, response = timed_post(client, f"{RECORDS}/query", params.body(cursor))
        body = response.json()
        timings.append(elapsed)
        ids.append([record["id"] for record in body["records"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return timings, ids


def aggregate(client: httpx.Client) -> tuple[float, list[dict[str, Any]]]:
    elapsed, response = timed_post(client, f"{RECORDS}/aggregate", AGGREGATE_BODY)
    return elapsed, response.json()["rows"]


def bulk_create(client: httpx.Client, batch: list[dict[str, Any]]) -> float:
    """One bulk request that must create every record of the batch."""
    elapsed, response = timed_post(client, f"{RECORDS}/bulk", {"operation": "create", "records": batch})
    results = response.json()["results"]
    if len(results) != len(batch) or not all(item["ok"] for item in results):
        raise RuntimeError("a bulk request did not create every record")
    return elapsed


def create(client: httpx.Client, deal: dict[str, Any]) -> float:
    return timed_post(client, RECORDS, deal, 201)[0]
