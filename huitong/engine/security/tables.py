"""Tables of the organization, permissions, sharing and audit. They change only through Alembic revisions."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from huitong.engine.sqltypes import UtcDateTime
from huitong.engine.system_tables import IdType, system_metadata

departments = Table(
    "departments",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(150), nullable=False),
    Column("parent_id", IdType, ForeignKey("departments.id")),
    # "/1/4/9/": the ids from the root down, so that a subtree is one prefix match
    Column("path", String(1024), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

roles = Table(
    "roles",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(150), nullable=False),
    Column("parent_id", IdType, ForeignKey("roles.id")),
    Column("path", String(1024), nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

profiles = Table(
    "profiles",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(150), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False),  # the system administrator profile: every permission
    Column("is_system", Boolean, nullable=False),  # shipped with the product; cannot be deleted
    # create/read/edit/delete on objects the profile has no row for (new custom objects among them)
    Column("default_crud", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

permission_sets = Table(
    "permission_sets",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(150), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# holder_kind is "profile" or "permission_set"
object_permissions = Table(
    "object_permissions",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("holder_kind", String(16), nullable=False),
    Column("holder_id", BigInteger, nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("can_create", Boolean, nullable=False),
    Column("can_read", Boolean, nullable=False),
    Column("can_edit", Boolean, nullable=False),
    Column("can_delete", Boolean, nullable=False),
    Column("view_all", Boolean, nullable=False),
    Column("modify_all", Boolean, nullable=False),
    UniqueConstraint("holder_kind", "holder_id", "object_name", name="uq_object_permissions_holder_object"),
)

field_permissions = Table(
    "field_permissions",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("holder_kind", String(16), nullable=False),
    Column("holder_id", BigInteger, nullable=False),
    Column("object_name", String(63), nullable=False),
    Column("field_name", String(63), nullable=False),
    Column("access", String(8), nullable=False),  # hidden | read | edit
    UniqueConstraint("holder_kind", "holder_id", "object_name", "field_name", name="uq_field_permissions_holder_field"),
)

user_permission_sets = Table(
    "user_permission_sets",
    system_metadata,
    Column("user_id", IdType, ForeignKey("users.id"), primary_key=True),
    Column("permission_set_id", IdType, ForeignKey("permission_sets.id"), primary_key=True),
)

groups = Table(
    "groups",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("name", String(150), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

# member_kind: user | role | role_and_subordinates | department (a department includes its sub-departments)
group_members = Table(
    "group_members",
    system_metadata,
    Column("group_id", IdType, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("member_kind", String(24), primary_key=True),
    Column("member_id", BigInteger, primary_key=True),
)

sharing_defaults = Table(
    "sharing_defaults",
    system_metadata,
    Column("object_name", String(63), primary_key=True),
    Column("access", String(16), nullable=False),  # private | read | read_write
    Column("grant_via_hierarchy", Boolean, nullable=False),
)

sharing_rules = Table(
    "sharing_rules",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_name", String(63), nullable=False, index=True),
    Column("name", String(150)),
    Column("criteria", JSON),
    Column("owned_by_kind", String(16)),  # role | department | group
    Column("owned_by_id", BigInteger),
    Column("owned_by_subordinates", Boolean, nullable=False),
    Column("share_with_kind", String(16), nullable=False),  # role | department | group
    Column("share_with_id", BigInteger, nullable=False),
    Column("share_with_subordinates", Boolean, nullable=False),
    Column("access", String(16), nullable=False),  # read | read_write
    Column("created_at", UtcDateTime(), nullable=False),
)

# principal_kind: user | group | role | department; reason: manual | team
record_shares = Table(
    "record_shares",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("object_name", String(63), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("principal_kind", String(16), nullable=False),
    Column("principal_id", BigInteger, nullable=False),
    Column("access", String(16), nullable=False),
    Column("reason", String(16), nullable=False),
    Column("created_by", BigInteger),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint(
        "object_name", "record_id", "principal_kind", "principal_id", "reason", name="uq_record_shares_grant"
    ),
    Index("ix_record_shares_principal", "object_name", "principal_kind", "principal_id", "record_id"),
)

login_history = Table(
    "login_history",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("user_id", BigInteger),
    Column("username", String(150), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(255)),
    Column("success", Boolean, nullable=False),
    Column("reason", String(32)),
    Index("ix_login_history_user_at", "user_id", "at"),
)

audit_log = Table(
    "audit_log",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor_id", BigInteger),
    Column("action", String(63), nullable=False),
    Column("target", String(255)),
    Column("detail", JSON),
    Index("ix_audit_log_at", "at"),
)

# One row; bumped on every change to the organization or permissions, so that each process rebuilds the
# access context it caches per user.
security_state = Table(
    "security_state",
    system_metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)

sessions = Table(
    "sessions",
    system_metadata,
    Column("id", IdType, primary_key=True),
    Column("user_id", IdType, ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(255)),
    Column("revoked_at", UtcDateTime()),
)
