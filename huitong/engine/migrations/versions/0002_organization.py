"""Organization, profiles and permissions, sharing, sessions, sign-in history and the audit trail.

Users gain a profile (administrators get the System administrator profile), department, role, manager and
lock-out columns; ``users.is_admin`` gives way to the profile.

Revision ID: 0002_organization
Revises: 0001_system_tables
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_organization"
down_revision = "0001_system_tables"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Instant = sa.DateTime(timezone=True)
ADMIN_PROFILE, STANDARD_PROFILE = 1, 2


def _tree(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("parent_id", Id, sa.ForeignKey(f"{name}.id", name=f"fk_{name}_parent_id")),
        sa.Column("path", sa.String(1024), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
    )
    op.create_index(f"ix_{name}_path", name, ["path"])


def _permissions(name: str, *columns: sa.Column, unique: tuple[str, ...], unique_name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", Id, primary_key=True),
        sa.Column("holder_kind", sa.String(16), nullable=False),
        sa.Column("holder_id", sa.BigInteger, nullable=False),
        sa.Column("object_name", sa.String(63), nullable=False),
        *columns,
        sa.UniqueConstraint(*unique, name=unique_name),
    )


def upgrade() -> None:
    _tree("departments")
    _tree("roles")
    op.create_table(
        "profiles",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("is_system", sa.Boolean, nullable=False),
        sa.Column("default_crud", sa.Boolean, nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint("name", name="uq_profiles_name"),
    )
    op.execute(
        sa.text(
            "INSERT INTO profiles (id, name, is_admin, is_system, default_crud, created_at) VALUES "
            f"({ADMIN_PROFILE}, 'System administrator', true, true, true, CURRENT_TIMESTAMP), "
            f"({STANDARD_PROFILE}, 'Standard user', false, true, true, CURRENT_TIMESTAMP)"
        )
    )
    op.create_table(
        "permission_sets",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint("name", name="uq_permission_sets_name"),
    )
    flags = ("can_create", "can_read", "can_edit", "can_delete", "view_all", "modify_all")
    _permissions(
        "object_permissions",
        *(sa.Column(flag, sa.Boolean, nullable=False) for flag in flags),
        unique=("holder_kind", "holder_id", "object_name"),
        unique_name="uq_object_permissions_holder_object",
    )
    _permissions(
        "field_permissions",
        sa.Column("field_name", sa.String(63), nullable=False),
        sa.Column("access", sa.String(8), nullable=False),
        unique=("holder_kind", "holder_id", "object_name", "field_name"),
        unique_name="uq_field_permissions_holder_field",
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("mobile", sa.String(40)))
        batch.add_column(sa.Column("profile_id", Id, nullable=True))
        batch.add_column(sa.Column("department_id", Id))
        batch.add_column(sa.Column("role_id", Id))
        batch.add_column(sa.Column("manager_id", Id))
        batch.add_column(sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", Instant))
    op.execute(
        sa.text(f"UPDATE users SET profile_id = CASE WHEN is_admin THEN {ADMIN_PROFILE} ELSE {STANDARD_PROFILE} END")
    )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("profile_id", existing_type=Id, nullable=False)
        batch.drop_column("is_admin")
        batch.create_foreign_key("fk_users_profile_id", "profiles", ["profile_id"], ["id"])
        batch.create_foreign_key("fk_users_department_id", "departments", ["department_id"], ["id"])
        batch.create_foreign_key("fk_users_role_id", "roles", ["role_id"], ["id"])
        batch.create_foreign_key("fk_users_manager_id", "users", ["manager_id"], ["id"])
    op.create_table(
        "user_permission_sets",
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name="fk_user_permission_sets_user_id"), primary_key=True),
        sa.Column(
            "permission_set_id",
            Id,
            sa.ForeignKey("permission_sets.id", name="fk_user_permission_sets_permission_set_id"),
            primary_key=True,
        ),
    )
    op.create_table(
        "groups",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(150), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint("name", name="uq_groups_name"),
    )
    op.create_table(
        "group_members",
        sa.Column(
            "group_id", Id, sa.ForeignKey("groups.id", name="fk_group_members_group_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("member_kind", sa.String(24), primary_key=True),
        sa.Column("member_id", sa.BigInteger, primary_key=True),
    )  # fmt: skip
    op.create_table(
        "sharing_defaults",
        sa.Column("object_name", sa.String(63), primary_key=True),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("grant_via_hierarchy", sa.Boolean, nullable=False),
    )
    op.create_table(
        "sharing_rules",
        sa.Column("id", Id, primary_key=True),
        sa.Column("object_name", sa.String(63), nullable=False),
        sa.Column("name", sa.String(150)),
        sa.Column("criteria", sa.JSON),
        sa.Column("owned_by_kind", sa.String(16)),
        sa.Column("owned_by_id", sa.BigInteger),
        sa.Column("owned_by_subordinates", sa.Boolean, nullable=False),
        sa.Column("share_with_kind", sa.String(16), nullable=False),
        sa.Column("share_with_id", sa.BigInteger, nullable=False),
        sa.Column("share_with_subordinates", sa.Boolean, nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
    )
    op.create_index("ix_sharing_rules_object_name", "sharing_rules", ["object_name"])
    op.create_table(
        "record_shares",
        sa.Column("id", Id, primary_key=True),
        sa.Column("object_name", sa.String(63), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=False),
        sa.Column("principal_kind", sa.String(16), nullable=False),
        sa.Column("principal_id", sa.BigInteger, nullable=False),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", Instant, nullable=False),
        sa.UniqueConstraint(
            "object_name", "record_id", "principal_kind", "principal_id", "reason",
            name="uq_record_shares_grant",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_record_shares_principal", "record_shares", ["object_name", "principal_kind", "principal_id", "record_id"]
    )
    op.create_table(
        "login_history",
        sa.Column("id", Id, primary_key=True),
        sa.Column("user_id", sa.BigInteger),
        sa.Column("username", sa.String(150), nullable=False),
        sa.Column("at", Instant, nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(255)),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(32)),
    )
    op.create_index("ix_login_history_user_at", "login_history", ["user_id", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True),
        sa.Column("at", Instant, nullable=False),
        sa.Column("actor_id", sa.BigInteger),
        sa.Column("action", sa.String(63), nullable=False),
        sa.Column("target", sa.String(255)),
        sa.Column("detail", sa.JSON),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_table(
        "security_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute(sa.text("INSERT INTO security_state (id, version) VALUES (1, 1)"))
    op.create_table(
        "sessions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name="fk_sessions_user_id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", Instant, nullable=False),
        sa.Column("expires_at", Instant, nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("user_agent", sa.String(255)),
        sa.Column("revoked_at", Instant),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])


def downgrade() -> None:
    for table in (
        "sessions", "security_state", "audit_log", "login_history", "record_shares", "sharing_rules",
        "sharing_defaults", "group_members", "groups", "user_permission_sets",
    ):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(sa.text(f"UPDATE users SET is_admin = (profile_id = {ADMIN_PROFILE})"))
    with op.batch_alter_table("users") as batch:
        for name in ("profile_id", "department_id", "role_id", "manager_id"):
            batch.drop_constraint(f"fk_users_{name}", type_="foreignkey")
        for name in ("mobile", "profile_id", "department_id", "role_id", "manager_id", "failed_logins", "locked_until"):
            batch.drop_column(name)
    for table in ("field_permissions", "object_permissions", "permission_sets", "profiles", "roles", "departments"):
        op.drop_table(table)
