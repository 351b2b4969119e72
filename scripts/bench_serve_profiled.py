"""Serve the app like ``uvicorn huitong.app:asgi --factory``, with every thread under cProfile.

    python -m scripts.bench_serve_profiled PORT OUTPUT.prof

The event loop thread and the thread pool's workers (where sync routes, dependencies and ``run_in_threadpool``
work run) are all profiled. SIGUSR1 takes a baseline (after warm-up requests, so that first-request setup is not
counted) and writes OUTPUT.prof.baseline when done; on SIGTERM, what was spent since the baseline is written to
OUTPUT.prof in pstats format. This is how the benchmark sees where a request's time goes inside the server, which
an in-process call cannot show.
"""

from __future__ import annotations

import cProfile
import marshal
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

Key = tuple[str, int, str]
Totals = dict[Key, tuple[int, int, float, float]]


def profile_every_thread(profiles: list[cProfile.Profile]) -> None:
    """Start a profiler in each thread started from now on (anyio's workers override ``run``, so wrap bootstrap)."""
    lock = threading.Lock()
    original: Callable[[Any], None] = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def bootstrap(thread: Any) -> None:
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        profile.enable()
        try:
            original(thread)
        finally:
            profile.disable()

    setattr(threading.Thread, "_bootstrap_inner", bootstrap)  # noqa: B010 - a private method, on purpose


def totals(profiles: list[cProfile.Profile]) -> Totals:
    """Every thread's counts and times so far, merged (snapshot_stats reads them without stopping the profiler)."""
    merged: Totals = {}
    for profile in list(profiles):
        profile.snapshot_stats()
        stats: dict[Key, tuple[Any, ...]] = profile.stats
        for key, (primitive, calls, own, cumulative, _callers) in stats.items():
            before = merged.get(key, (0, 0, 0.0, 0.0))
            merged[key] = (before[0] + primitive, before[1] + calls, before[2] + own, before[3] + cumulative)
    return merged


def since(now: Totals, baseline: Totals) -> dict[Key, tuple[Any, ...]]:
    """pstats' layout (callers left empty) for what happened after the baseline."""
    found: dict[Key, tuple[Any, ...]] = {}
    for key, values in now.items():
        base = baseline.get(key, (0, 0, 0.0, 0.0))
        delta = tuple(value - old for value, old in zip(values, base, strict=True))
        if delta[1] > 0 or delta[2] > 0:
            found[key] = (*delta, {})
    return found


def main(argv: list[str]) -> None:
    port, output = int(argv[1]), Path(argv[2])
    profiles: list[cProfile.Profile] = []
    profile_every_thread(profiles)
    import uvicorn

    from huitong.app import asgi

    app = asgi()  # built before profiling starts: startup is not what is measured
    baseline: Totals = {}

    def take_baseline(_number: int, _frame: Any) -> None:
        baseline.clear()
        baseline.update(totals(profiles))
        output.with_suffix(".baseline").write_text("taken\n")

    signal.signal(signal.SIGUSR1, take_baseline)
    # uvicorn re-raises SIGTERM after its graceful shutdown, with the handler it found: make that one harmless,
    # so that run() returns and the profile gets written.
    signal.signal(signal.SIGTERM, lambda _number, _frame: None)
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    main_profile.enable()
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, log_level="warning", access_log=False)
    main_profile.disable()
    output.write_bytes(marshal.dumps(since(totals(profiles), baseline)))


if __name__ == "__main__":
    main(sys.argv)
