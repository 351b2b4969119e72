"""The recycle-bin purge as a real Huey task, on SQLite and on Redis storage, run by a real consumer.

Redis is required under CI (``CI=true``): there, a Redis that cannot be reached fails the test instead of skipping.
"""

from __future__ import annotations

import os
import signal
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from huey import Huey, RedisHuey, SqliteHuey, signals
from sqlalchemy import func, select, text

from huitong.config import Settings
from huitong.engine.jobs.queue import Tasks, make_huey
from huitong.engine.platform import Module, PeriodicJob, Platform
from huitong.engine.system_tables import field_history, meta_objects, recycle_bin
from tests.conftest import Api, FakeClock

REDIS_URL = os.environ.get("HUITONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STORAGES = ["sqlite", "redis"]
RESULT_TIMEOUT = 30


def _require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required under CI and not reachable at {REDIS_URL}: {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


@pytest.fixture(params=STORAGES)
def huey(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Huey]:
    """A queue of its own for each test: a fresh SQLite file, or a Redis queue with a unique name."""
    name = f"huitong-test-{uuid.uuid4().hex[:12]}"
    if request.param == "redis":
        _require_redis()
        queue = make_huey(Settings(redis_url=REDIS_URL), name=name)
        assert isinstance(queue, RedisHuey)
    else:
        queue = make_huey(Settings(jobs_path=str(tmp_path / "queue" / "jobs.db")), name=name)
        assert isinstance(queue, SqliteHuey)
        assert (tmp_path / "queue" / "jobs.db").is_file()
    yield queue
    queue.flush()
    if isinstance(queue, RedisHuey):
        connection = queue.storage.conn
        leftovers = list(connection.scan_iter(match=f"huey.*{queue.storage.name}*"))
        if leftovers:
            connection.delete(*leftovers)
        assert list(connection.scan_iter(match=f"huey.*{queue.storage.name}*")) == []
    queue.storage.close()


@contextmanager
def running_consumer(queue: Huey) -> Iterator[None]:
    """Huey's own consumer with one worker thread and its scheduler, stopped gracefully at the end.

    ``Consumer.start`` installs signal handlers for the process it runs in; they are put back afterwards so that
    pytest keeps its own. Periodic tasks are left to the test, which enqueues them for a chosen instant.
    """
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer = queue.create_consumer(
        workers=1, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2, check_worker_health=False
    )
    consumer.start()
    try:
        yield
    finally:
        consumer.stop(graceful=True)
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def create(api: Api, object_name: str, values: dict[str, Any]) -> int:
    response = api.post(f"/api/v1/records/{object_name}", values)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def delete(api: Api, object_name: str, record_id: int) -> None:
    response = api.delete(f"/api/v1/records/{object_name}/{record_id}")
    assert response.status_code == 204, response.text


def table_rows(platform: Platform, object_name: str) -> list[tuple[int, bool]]:
    """(id, is deleted) of every row of the object's table, deleted or not."""
    with platform.db.read() as connection:
        rows = connection.execute(text(f"SELECT id, deleted_at FROM obj_{object_name} ORDER BY id"))
        return [(int(row.id), row.deleted_at is not None) for row in rows]


def bin_entries(platform: Platform) -> list[tuple[str, int]]:
    with platform.db.read() as connection:
        query = select(recycle_bin.c.object_name, recycle_bin.c.record_id).order_by(recycle_bin.c.id)
        return [(row.object_name, int(row.record_id)) for row in connection.execute(query)]


def history_of(platform: Platform, object_name: str, record_id: int) -> list[str]:
    with platform.db.read() as connection:
        query = select(field_history.c.field_name).where(
            field_history.c.object_name == object_name, field_history.c.record_id == record_id
        )
        return [row.field_name for row in connection.execute(query)]


def test_purge_task_deletes_for_good_what_is_older_than_the_retention(
    huey: Huey, equipment: Api, platform: Platform, clock: FakeClock
) -> None:
    # given: a site and a piece of equipment deleted 30 days and a second ago, a site deleted 10 days ago
    tasks = Tasks(huey, lambda: platform)
    old_site = create(equipment, "x_site", {"x_name": "旧厂区"})
    new_site = create(equipment, "x_site", {"x_name": "新厂区"})
    on_old_site = create(equipment, "x_equipment", {"x_serial": "A-1", "x_site": old_site})
    on_new_site = create(equipment, "x_equipment", {"x_serial": "A-2", "x_site": new_site})
    scrapped = create(equipment, "x_equipment", {"x_serial": "A-3", "x_price": "100.00"})
    changed = equipment.patch(f"/api/v1/records/x_equipment/{scrapped}", {"x_price": "80.00", "version": 1})
    assert changed.status_code == 200, changed.text
    assert history_of(platform, "x_equipment", scrapped) == ["x_price"]
    delete(equipment, "x_site", old_site)
    delete(equipment, "x_equipment", scrapped)
    clock.advance(days=20)
    delete(equipment, "x_site", new_site)
    clock.advance(days=10, seconds=1)
    assert platform.settings.recycle_bin_days == 30
    # when
    with running_consumer(huey):
        purged = tasks.purge_recycle_bin().get(blocking=True, timeout=RESULT_TIMEOUT)
    # then
    assert purged == 2
    assert table_rows(platform, "x_site") == [(new_site, True)]
    assert table_rows(platform, "x_equipment") == [(on_old_site, False), (on_new_site, False)]
    assert bin_entries(platform) == [("x_site", new_site)]
    assert history_of(platform, "x_equipment", scrapped) == []
    emptied = equipment.get(f"/api/v1/records/x_equipment/{on_old_site}").json()
    kept = equipment.get(f"/api/v1/records/x_equipment/{on_new_site}").json()
    assert (emptied["x_site"], emptied["version"]) == (None, 2)
    assert (kept["x_site"], kept["version"]) == (new_site, 1)
    listed = equipment.get("/api/v1/recycle-bin").json()
    assert [(entry["object"], entry["id"]) for entry in listed["entries"]] == [("x_site", new_site)]
    restored = equipment.post(f"/api/v1/recycle-bin/x_site/{old_site}/restore")
    assert restored.status_code == 404


def test_purge_task_takes_a_retention_in_days_and_keeps_what_is_younger(
    huey: Huey, equipment: Api, platform: Platform, clock: FakeClock
) -> None:
    # given
    tasks = Tasks(huey, lambda: platform)
    first = create(equipment, "x_site", {"x_name": "一号"})
    second = create(equipment, "x_site", {"x_name": "二号"})
    delete(equipment, "x_site", first)
    clock.advance(days=3)
    delete(equipment, "x_site", second)
    clock.advance(days=4)
    # when: first was deleted 7 days ago (not more), second 4 days ago
    with running_consumer(huey):
        week = tasks.purge_recycle_bin(days=7).get(blocking=True, timeout=RESULT_TIMEOUT)
        default = tasks.purge_recycle_bin().get(blocking=True, timeout=RESULT_TIMEOUT)
        clock.advance(seconds=1)
        after_a_second = tasks.purge_recycle_bin(days=7).get(blocking=True, timeout=RESULT_TIMEOUT)
        everything = tasks.purge_recycle_bin(days=0).get(blocking=True, timeout=RESULT_TIMEOUT)
    # then
    assert (week, default, after_a_second, everything) == (0, 0, 1, 1)
    assert table_rows(platform, "x_site") == []
    assert bin_entries(platform) == []


def test_daily_purge_is_a_periodic_task_at_3_17_in_the_company_time_zone(huey: Huey, platform: Platform) -> None:
    # given
    tasks = Tasks(huey, lambda: platform)
    assert platform.settings.timezone == "Asia/Shanghai"
    # when
    periodic = huey._registry.periodic_tasks
    # then: Huey hands the scheduler naive UTC instants; 03:17 in Shanghai is 19:17 UTC the day before
    assert {"purge_recycle_bin_daily", "reindex_search"} <= {task.name for task in periodic}  # and the modules' own
    assert huey.utc is True
    assert tasks.purge_recycle_bin_daily.name == "purge_recycle_bin_daily"
    (daily,) = [task for task in periodic if task.name == "purge_recycle_bin_daily"]
    minutes = [datetime(2026, 3, 17, 0, 0) + timedelta(minutes=step) for step in range(7 * 24 * 60)]
    due = [moment for moment in minutes if daily.validate_datetime(moment)]
    assert due == [datetime(2026, 3, 17, 19, 17) + timedelta(days=day) for day in range(7)]
    assert "purge_recycle_bin_daily" in [task.name for task in huey.read_periodic(datetime(2026, 3, 17, 19, 17))]
    assert "purge_recycle_bin_daily" not in [task.name for task in huey.read_periodic(datetime(2026, 3, 18, 3, 17))]


def test_a_module_registers_periodic_jobs_that_the_scheduler_starts_and_run_with_the_platform(
    huey: Huey, platform: Platform
) -> None:
    # given: a module with a job every 10 minutes and one daily at 08:30 in the company's zone (both count objects)
    seen: list[Platform] = []

    def count_users(given: Platform) -> int:
        seen.append(given)
        with given.db.read() as connection:
            return int(connection.execute(select(func.count()).select_from(meta_objects)).scalar_one())

    platform.modules.append(Module(name="reminders", periodic=[
        PeriodicJob("remind_often", count_users, minutes=10),
        PeriodicJob("remind_daily", count_users, daily_at=(8, 30)),
    ]))  # fmt: skip
    # when
    tasks = Tasks(huey, lambda: platform)
    # then: the scheduler knows both; the daily one is due at 08:30 Shanghai (00:30 UTC) only
    periodic = {task.name: task for task in huey._registry.periodic_tasks}
    assert {"remind_often", "remind_daily"} <= set(periodic)
    assert periodic["remind_often"].validate_datetime(datetime(2026, 3, 17, 9, 20))
    assert not periodic["remind_often"].validate_datetime(datetime(2026, 3, 17, 9, 25))
    day = [datetime(2026, 3, 17) + timedelta(minutes=step) for step in range(24 * 60)]
    assert [moment for moment in day if periodic["remind_daily"].validate_datetime(moment)] == [
        datetime(2026, 3, 17, 0, 30)
    ]
    handled = tasks.module_jobs["remind_daily"].call_local()
    assert handled >= 1 and seen == [platform]


def test_a_periodic_job_needs_exactly_one_schedule() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicJob("both", lambda platform: 0, minutes=5, daily_at=(1, 0))
    with pytest.raises(ValueError, match="exactly one"):
        PeriodicJob("neither", lambda platform: 0)


def test_daily_purge_enqueued_by_the_scheduler_runs_with_the_configured_retention(
    huey: Huey, equipment: Api, platform: Platform, clock: FakeClock
) -> None:
    # given
    Tasks(huey, lambda: platform)
    old = create(equipment, "x_site", {"x_name": "旧"})
    young = create(equipment, "x_site", {"x_name": "新"})
    delete(equipment, "x_site", old)
    clock.advance(days=25)
    delete(equipment, "x_site", young)
    clock.advance(days=6)
    finished: list[tuple[str, str]] = []
    done = threading.Event()

    @huey.signal(signals.SIGNAL_COMPLETE, signals.SIGNAL_ERROR)
    def on_finished(signal_name: str, task: Any, *_args: Any) -> None:
        finished.append((signal_name, task.name))
        done.set()

    # when: what the scheduler does at 03:17 Shanghai time (Huey keeps no result of periodic tasks)
    # (the modules' every-minute jobs are due then too)
    (daily,) = [task for task in huey.read_periodic(datetime(2026, 3, 17, 19, 17))
                if task.name == "purge_recycle_bin_daily"]  # fmt: skip
    with running_consumer(huey):
        huey.enqueue(daily)
        assert done.wait(RESULT_TIMEOUT)
    # then
    assert finished == [(signals.SIGNAL_COMPLETE, "purge_recycle_bin_daily")]
    assert table_rows(platform, "x_site") == [(young, True)]
    assert bin_entries(platform) == [("x_site", young)]
