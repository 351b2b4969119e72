"""Auto-numbers without gaps: the counter moves inside the record's own transaction.

A failed create rolls the counter back with it, and concurrent creates queue on the counter row (PostgreSQL's
row lock, SQLite's write lock), so numbers are consecutive in commit order.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from huitong.engine.meta.model import FieldDef
from huitong.engine.system_tables import sequences

TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|0+)\}")


def period_key(pattern: str, local: datetime) -> str:
    """The part of the date the pattern shows; the counter restarts when it changes."""
    parts = [
        local.strftime({"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}[t])
        for t in TOKEN.findall(pattern)
        if not t.startswith("0")
    ]
    return "".join(parts) or "-"


def render(pattern: str, local: datetime, number: int) -> str:
    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("0"):
            return str(number).zfill(len(token))
        return local.strftime({"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d"}[token])

    return TOKEN.sub(replace, pattern)


def next_numbers(
    connection: Connection, object_name: str, field: FieldDef, now: datetime, zone: ZoneInfo, count: int = 1
) -> list[str]:
    pattern = str(field.options["pattern"])
    local = now.astimezone(zone)
    period = period_key(pattern, local)
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(sequences)
        .values(object_name=object_name, field_name=field.name, period=period, last_value=count)
        .on_conflict_do_update(
            index_elements=[sequences.c.object_name, sequences.c.field_name, sequences.c.period],
            set_={"last_value": sequences.c.last_value + count},
        )
        .returning(sequences.c.last_value)
    )
    last = int(connection.execute(statement).scalar_one())
    return [render(pattern, local, number) for number in range(last - count + 1, last + 1)]
