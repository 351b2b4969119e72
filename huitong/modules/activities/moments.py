"""Instants as the activities read them: stored values and the query engine's ISO text, always aware (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

EARLIEST = datetime.min.replace(tzinfo=UTC)


def instant(value: Any) -> datetime:
    """``value`` as an aware instant (the earliest one when it is not a time at all)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return EARLIEST
    return value if value.tzinfo else value.replace(tzinfo=UTC)
