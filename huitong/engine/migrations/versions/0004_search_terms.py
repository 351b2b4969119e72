"""Global search: the terms table, the queue of fields to index, and the searchable flag of fields.

Existing records get their terms from ``huitong reindex`` (run by ``huitong migrate`` and by the periodic job):
this revision queues every field (object 0, field 0) rather than reading records itself.

Revision ID: 0004_search_terms
Revises: 0003_profile_ids
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_search_terms"
down_revision = "0003_profile_ids"
branch_labels = None
depends_on = None

Term = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("term", Term, nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("field_id", sa.Integer, nullable=False),
        sa.Column("at_start", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("object_id", "term", "record_id", "field_id", name="pk_search_terms"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_search_terms_record", "search_terms", ["object_id", "record_id"])
    pending = op.create_table(
        "search_pending",
        sa.Column("field_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("object_id", sa.Integer, nullable=False),
        sa.Column("after_id", sa.BigInteger, nullable=False),
    )
    op.add_column("meta_fields", sa.Column("searchable", sa.Boolean))
    op.bulk_insert(pending, [{"field_id": 0, "object_id": 0, "after_id": 0}])


def downgrade() -> None:
    with op.batch_alter_table("meta_fields") as batch:
        batch.drop_column("searchable")
    op.drop_table("search_pending")
    op.drop_index("ix_search_terms_record", table_name="search_terms")
    op.drop_table("search_terms")
