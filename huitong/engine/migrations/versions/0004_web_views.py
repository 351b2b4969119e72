"""Saved list views and recently viewed records, for the browser UI.

Revision ID: 0004_web_views
Revises: 0003_profile_ids
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web_views"
down_revision = "0003_profile_ids"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", Id, primary_key=True),
        sa.Column("object_name", sa.String(63), nullable=False),
        sa.Column("owner_id", Id, sa.ForeignKey("users.id", name="fk_saved_views_owner_id_users"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("shared", sa.Boolean, nullable=False),
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
    )
    op.create_index("ix_saved_views_object_owner", "saved_views", ["object_name", "owner_id"])
    op.create_table(
        "recent_records",
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name="fk_recent_records_user_id_users"), primary_key=True),
        sa.Column("object_name", sa.String(63), primary_key=True),
        sa.Column("record_id", Id, primary_key=True),
        sa.Column("viewed_at", Instant, nullable=False),
    )
    op.create_index("ix_recent_records_user_viewed", "recent_records", ["user_id", "viewed_at"])


def downgrade() -> None:
    op.drop_table("recent_records")
    op.drop_table("saved_views")
