"""Search terms carry their record's owner, so a user who reads few owners' records searches those owners' terms.

Joins the two 0004 heads. Existing terms get their owner from their record's table, one object at a time.

Revision ID: 0005_search_owner
Revises: 0004_web_views, 0004_search_terms
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_search_owner"
down_revision = ("0004_web_views", "0004_search_terms")
branch_labels = None
depends_on = None

TABLE_PREFIX = "obj_"  # as huitong.engine.meta.model names record tables (a revision does not import live code)


def upgrade() -> None:
    op.add_column("search_terms", sa.Column("owner_id", sa.BigInteger))
    connection = op.get_bind()
    objects = connection.execute(sa.text("SELECT id, name FROM meta_objects")).all()
    for object_id, name in objects:
        table = op.get_context().dialect.identifier_preparer.quote(TABLE_PREFIX + name)
        connection.execute(
            sa.text(
                f"UPDATE search_terms SET owner_id = (SELECT owner FROM {table} WHERE {table}.id = search_terms.record_id)"
                " WHERE object_id = :object_id"
            ),
            {"object_id": object_id},
        )
    op.create_index("ix_search_terms_owner", "search_terms", ["object_id", "owner_id", "term", "record_id"])


def downgrade() -> None:
    op.drop_index("ix_search_terms_owner", table_name="search_terms")
    with op.batch_alter_table("search_terms") as batch:
        batch.drop_column("owner_id")
