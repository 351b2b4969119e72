"""The browser's own tables: saved list views and the records each user opened lately."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, Text

from huitong.engine.sqltypes import UtcDateTime
from huitong.engine.system_tables import IdType, system_metadata

saved_views = Table(
    "saved_views",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("owner_id", IdType, ForeignKey("users.id"), nullable=False),
    Column("name", String(100), nullable=False),
    # Shared views appear to everyone who may read the object; they still only ever show what each reader may see.
    Column("shared", Boolean, nullable=False, default=False),
    # JSON: {"filter": <query filter>, "sort": [...], "columns": [...]}
    Column("definition", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_saved_views_object_owner", "object_name", "owner_id"),
)

recent_records = Table(
    "recent_records",
    system_metadata,
    Column("user_id", IdType, ForeignKey("users.id"), primary_key=True),
    Column("object_name", String(63), primary_key=True),
    Column("record_id", IdType, primary_key=True),
    Column("viewed_at", UtcDateTime, nullable=False),
    Index("ix_recent_records_user_viewed", "user_id", "viewed_at"),
)
