"""Move the PostgreSQL id sequence of profiles past the two shipped profiles.

0002 inserted the System administrator (1) and Standard user (2) profiles with explicit ids, which leaves the
sequence at 1 on PostgreSQL: the first profile an administrator created collided with id 1. SQLite takes the next
id from the table itself and needs nothing.

Revision ID: 0003_profile_ids
Revises: 0002_organization
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_profile_ids"
down_revision = "0002_organization"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("SELECT setval(pg_get_serial_sequence('profiles', 'id'), (SELECT max(id) FROM profiles))"))


def downgrade() -> None:
    """Nothing to undo: a sequence past the highest id is what 0002 should have left."""
