"""Records carry their owner's role, so a manager's list is read per role below theirs (decisions/0017).

Adds ``owner_role`` to every record table and fills it from the owners' roles; ``huitong migrate`` then makes the
``(owner_role, field, id)`` indexes the metadata implies.

Revision ID: 0006_owner_role
Revises: 0005_search_owner
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_owner_role"
down_revision = "0005_search_owner"
branch_labels = None
depends_on = None

TABLE_PREFIX = "obj_"  # as huitong.engine.meta.model names record tables (a revision does not import live code)
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    connection = op.get_bind()
    quote = op.get_context().dialect.identifier_preparer.quote
    for (name,) in connection.execute(sa.text("SELECT name FROM meta_objects")).all():
        op.add_column(TABLE_PREFIX + name, sa.Column("owner_role", ID))
        table = quote(TABLE_PREFIX + name)
        connection.execute(
            sa.text(
                f"UPDATE {table} SET owner_role = (SELECT role_id FROM users WHERE users.id = {table}.owner)"
                " WHERE owner IS NOT NULL"
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    inspector = sa.inspect(connection)
    for (name,) in connection.execute(sa.text("SELECT name FROM meta_objects")).all():
        for index in inspector.get_indexes(TABLE_PREFIX + name):
            if "owner_role" in index["column_names"] and index["name"]:
                op.drop_index(index["name"], table_name=TABLE_PREFIX + name)
        with op.batch_alter_table(TABLE_PREFIX + name) as batch:
            batch.drop_column("owner_role")
