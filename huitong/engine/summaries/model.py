"""What a summary is: counts and sums of an object's records per combination of a few fields, one of them a date
kept by month, and the table that holds them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Column, MetaData, Numeric, String, Table

from huitong.engine.meta.model import FieldDef, ObjectDef

PREFIX = "sum_"


@dataclass(frozen=True)
class Summary:
    """Counts and sums of ``object``'s records per value of ``dimensions``; ``month`` names the one date or datetime
    field kept by month (a datetime in the company's time zone). ``owner`` must be a dimension: access is by owner.
    ``measures`` are number fields summed (with how many have a value, so averages can be answered)."""

    name: str
    object: str
    dimensions: tuple[str, ...]
    month: str
    measures: tuple[str, ...]

    @property
    def table_name(self) -> str:
        """Named after its shape too: a summary declared differently gets a new table, built from the records."""
        shape = json.dumps([self.object, self.dimensions, self.month, self.measures])
        return f"{PREFIX}{self.name}_{hashlib.sha1(shape.encode()).hexdigest()[:8]}"

    @property
    def month_column(self) -> str:
        return f"{self.month}__month"

    def fields(self, definition: ObjectDef) -> list[FieldDef] | None:
        """The dimension fields, or None when the object lacks one (the summary is then not kept or used)."""
        names = [*self.dimensions, self.month, *self.measures]
        if any(name not in definition.fields for name in names) or "owner" not in self.dimensions:
            return None
        return [definition.fields[name] for name in self.dimensions]


def build_table(summary: Summary, definition: ObjectDef, metadata: MetaData) -> Table:
    dimensions = [Column(f.name, f.field_type.column_type(f), nullable=True) for f in summary.fields(definition) or []]
    measures = [column for name in summary.measures
                for column in (Column(f"sum__{name}", Numeric(24, 6)), Column(f"n__{name}", BigInteger))]  # fmt: skip
    return Table(
        summary.table_name,
        metadata,
        Column("key", String(1000), primary_key=True),
        *dimensions,
        Column(summary.month_column, String(7), nullable=True),
        Column("records", BigInteger, nullable=False),
        *measures,
    )


def month_of(value: Any, zone: ZoneInfo) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m")
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, str) and len(value) >= 7:
        return month_of(date.fromisoformat(value[:10]), zone) if len(value) == 10 else None
    return None


def key_of(
    summary: Summary, definition: ObjectDef, row: Mapping[str, Any], zone: ZoneInfo
) -> tuple[str, dict[str, Any]]:
    """The summary row a record counts in: its key and its dimension values (as stored)."""
    values: dict[str, Any] = {}
    shown: list[Any] = []
    for name in summary.dimensions:
        field = definition.fields[name]
        value = field.field_type.from_db(field, row.get(name))
        values[name] = value
        shown.append(field.field_type.to_json(field, value) if value is not None else None)
    month = month_of(row.get(summary.month), zone)
    values[summary.month_column] = month
    shown.append(month)
    return json.dumps(shown, ensure_ascii=False, default=str), values
