"""The task queue. Tasks are defined on a Huey instance by ``register_tasks`` so that tests can run them on
either storage; the worker process builds its platform once and every task uses it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

from huitong.config import Settings
from huitong.engine.platform import PeriodicJob, Platform
from huitong.engine.records import recycle
from huitong.engine.search.maintenance import reindex_pending

log = logging.getLogger("huitong.jobs")


def make_huey(settings: Settings, *, name: str = "huitong", immediate: bool = False) -> Huey:
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, immediate=immediate)
    Path(settings.jobs_path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=settings.jobs_path, immediate=immediate)


class Tasks:
    """The platform's own tasks on one queue; modules add theirs the same way."""

    def __init__(self, huey: Huey, platform: Callable[[], Platform]) -> None:
        self.huey = huey
        self.platform = platform

        @huey.task(name="purge_recycle_bin")
        def purge_recycle_bin(days: int | None = None) -> int:
            return run_purge(self.platform(), days)

        @huey.periodic_task(daily_at(3, 17, lambda: self.platform().zone), name="purge_recycle_bin_daily")
        def purge_recycle_bin_daily() -> int:
            return run_purge(self.platform(), None)

        @huey.periodic_task(crontab(minute="*/5"), name="reindex_search")
        def reindex_search() -> int:
            """Index for search the records of fields made searchable (at most four minutes per run)."""
            platform = self.platform()
            return reindex_pending(platform.db, platform.cache, seconds=240)

        self.purge_recycle_bin = purge_recycle_bin
        self.purge_recycle_bin_daily = purge_recycle_bin_daily
        self.reindex_search = reindex_search
        self.module_jobs = {job.name: self.schedule(job) for module in platform().modules for job in module.periodic}

    def schedule(self, job: PeriodicJob) -> Any:
        """Register a module's periodic job with the scheduler; the returned task also runs it on demand."""
        if job.minutes is not None:
            due: Any = crontab(minute=f"*/{job.minutes}")
        else:
            hour, minute = job.daily_at or (0, 0)
            due = daily_at(hour, minute, lambda: self.platform().zone)

        def run() -> int:
            handled = job.run(self.platform())
            log.info("%s handled %s records", job.name, handled)
            return handled

        return self.huey.periodic_task(due, name=job.name)(run)


def daily_at(hour: int, minute: int, zone: Callable[[], tzinfo]) -> Callable[[datetime], bool]:
    """A periodic-task test for ``hour:minute`` in the company's time zone (Huey's crontab would read the naive UTC
    instants its scheduler passes as wall time: 03:17 UTC is late morning in Shanghai)."""

    def due(timestamp: datetime) -> bool:
        local = timestamp.replace(tzinfo=UTC).astimezone(zone())
        return (local.hour, local.minute) == (hour, minute)

    return due


def run_purge(platform: Platform, days: int | None) -> int:
    """Delete for good what has been in the recycle bin longer than the retention period."""
    retention = platform.settings.recycle_bin_days if days is None else days
    with platform.db.write() as connection:
        schema = platform.cache.current(connection)
        purged = recycle.purge(connection, schema, recycle.cutoff(platform.now(), retention))
    log.info("purged %s records from the recycle bin", purged)
    return purged
