"""System tables: users, API tokens, metadata, sequences, field history, recycle bin.

Revision ID: 0001_system_tables
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_system_tables"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("display_name", sa.String(150), nullable=False),
        sa.Column("email", sa.String(254)),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name="fk_api_tokens_user_id"), nullable=False),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("expires_at", Instant),
        sa.Column("revoked_at", Instant),
        sa.Column("last_used_at", Instant),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "meta_objects",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("label", sa.JSON, nullable=False),
        sa.Column("plural_label", sa.JSON),
        sa.Column("is_custom", sa.Boolean, nullable=False),
        sa.Column("module", sa.String(63)),
        sa.Column("title_field", sa.String(63), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint("name", name="uq_meta_objects_name"),
    )
    op.create_table(
        "meta_fields",
        sa.Column("id", Id, primary_key=True),
        sa.Column(
            "object_id",
            Id,
            sa.ForeignKey("meta_objects.id", name="fk_meta_fields_object_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("label", sa.JSON, nullable=False),
        sa.Column("help", sa.JSON),
        sa.Column("is_custom", sa.Boolean, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("is_unique", sa.Boolean, nullable=False),
        sa.Column("indexed", sa.Boolean, nullable=False),
        sa.Column("tracked", sa.Boolean, nullable=False),
        sa.Column("default_value", sa.JSON),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("object_id", "name", name="uq_meta_fields_object_id_name"),
    )
    op.create_table(
        "meta_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute(sa.text("INSERT INTO meta_state (id, version) VALUES (1, 1)"))
    op.create_table(
        "sequences",
        sa.Column("object_name", sa.String(63), primary_key=True),
        sa.Column("field_name", sa.String(63), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True),
        sa.Column("last_value", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "field_history",
        sa.Column("id", Id, primary_key=True),
        sa.Column("object_name", sa.String(63), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("field_name", sa.String(63), nullable=False),
        sa.Column("old_value", sa.JSON),
        sa.Column("new_value", sa.JSON),
        sa.Column("changed_by", sa.BigInteger),
        sa.Column("changed_at", Instant, nullable=False),
    )
    op.create_index("ix_field_history_record", "field_history", ["object_name", "record_id", "changed_at"])
    op.create_table(
        "recycle_bin",
        sa.Column("id", Id, primary_key=True),
        sa.Column("object_name", sa.String(63), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(255)),
        sa.Column("deleted_by", sa.BigInteger),
        sa.Column("deleted_at", Instant, nullable=False),
        sa.UniqueConstraint("object_name", "record_id", name="uq_recycle_bin_object_name_record_id"),
    )
    op.create_index("ix_recycle_bin_deleted_at", "recycle_bin", ["deleted_at"])


def downgrade() -> None:
    for table in ("recycle_bin", "field_history", "sequences", "meta_state", "meta_fields", "meta_objects"):
        op.drop_table(table)
    op.drop_table("api_tokens")
    op.drop_table("users")
