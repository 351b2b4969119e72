"""The platform's own tables. They change only through Alembic revisions in ``engine/migrations``.

Record tables (``obj_<object>``) are not here: the metadata executor creates and alters them at run time.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from huitong.engine.sqltypes import UtcDateTime

# SQLite only makes "INTEGER PRIMARY KEY" an alias of the rowid (and so auto-incrementing).
IdType = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

system_metadata = MetaData(naming_convention=NAMING)

users = Table(
    "users",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("username", String(150), nullable=False, unique=True),
    Column("display_name", String(150), nullable=False),
    Column("email", String(254)),
    Column("mobile", String(40)),
    Column("password_hash", String(255)),
    Column("active", Boolean, nullable=False, default=True),
    Column("locale", String(10), nullable=False, default="zh_CN"),
    Column("time_zone", String(64), nullable=False, default="Asia/Shanghai"),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("profile_id", IdType, ForeignKey("profiles.id"), nullable=False),
    Column("department_id", IdType, ForeignKey("departments.id")),
    Column("role_id", IdType, ForeignKey("roles.id")),
    Column("manager_id", IdType, ForeignKey("users.id")),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime()),
)

api_tokens = Table(
    "api_tokens",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=False, index=True),
    Column("name", String(150), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
    Column("last_used_at", UtcDateTime()),
)

meta_objects = Table(
    "meta_objects",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("label", JSON, nullable=False),
    Column("plural_label", JSON),
    Column("is_custom", Boolean, nullable=False),
    Column("module", String(63)),
    Column("title_field", String(63), nullable=False),
    Column("options", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

meta_fields = Table(
    "meta_fields",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_id", IdType, ForeignKey("meta_objects.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(63), nullable=False),
    Column("type", String(32), nullable=False),
    Column("label", JSON, nullable=False),
    Column("help", JSON),
    Column("is_custom", Boolean, nullable=False),
    Column("required", Boolean, nullable=False, default=False),
    Column("is_unique", Boolean, nullable=False, default=False),
    Column("indexed", Boolean, nullable=False, default=False),
    Column("tracked", Boolean, nullable=False, default=False),
    Column("default_value", JSON),
    Column("options", JSON, nullable=False),
    Column("position", Integer, nullable=False),
    Column("searchable", Boolean),  # null: as the field type says (0004_search_terms)
    UniqueConstraint("object_id", "name"),
)

# One row; every process compares its cached copy with ``version`` at the start of each request.
meta_state = Table(
    "meta_state",
    system_metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

sequences = Table(
    "sequences",
    system_metadata,
    Column("object_name", String(63), primary_key=True),
    Column("field_name", String(63), primary_key=True),
    Column("period", String(16), primary_key=True),
    Column("last_value", BigInteger, nullable=False),
)

field_history = Table(
    "field_history",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("field_name", String(63), nullable=False),
    Column("old_value", JSON),
    Column("new_value", JSON),
    Column("changed_by", BigInteger),
    Column("changed_at", UtcDateTime(), nullable=False),
    Index("ix_field_history_record", "object_name", "record_id", "changed_at"),
)

recycle_bin = Table(
    "recycle_bin",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("title", String(255)),
    Column("deleted_by", BigInteger),
    Column("deleted_at", UtcDateTime(), nullable=False),
    UniqueConstraint("object_name", "record_id"),
    Index("ix_recycle_bin_deleted_at", "deleted_at"),
)
