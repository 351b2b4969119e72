"""Users, passwords (argon2) and API tokens. Tokens are random; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from huitong.engine.errors import FieldError, conflict, not_found, unauthorized, validation_failed
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.engine.security import audit
from huitong.engine.security.tables import profiles
from huitong.engine.system_tables import api_tokens, users

# Profiles every database has from its first migration.
ADMIN_PROFILE_ID = 1
STANDARD_PROFILE_ID = 2

_hasher = PasswordHasher()
# Verifying against this keeps sign-in time the same whether or not the user exists.
_DUMMY_HASH = _hasher.hash("not a password of anyone")
MIN_PASSWORD_LENGTH = 8
MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)


def password_errors(username: str, password: Any) -> list[FieldError]:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError("password", "weak_password", _("A password needs at least 8 characters."))]
    if username.lower() in password.lower():
        return [FieldError("password", "weak_password", _("A password must not contain the username."))]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    connection: Connection,
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    is_admin: bool = False,
    email: str | None = None,
    locale: str = "zh_CN",
) -> int:
    errors = password_errors(username, password)
    if not username or len(username) > 150:
        errors.append(FieldError("username", "invalid_username", _("A username has 1 to 150 characters.")))
    if errors:
        raise validation_failed(errors)
    if connection.execute(select(users.c.id).where(users.c.username == username)).first():
        raise conflict(_("This username is taken."), [FieldError("username", "taken", _("This username is taken."))])
    inserted = connection.execute(
        insert(users).values(
            username=username,
            display_name=display_name or username,
            email=email,
            password_hash=_hasher.hash(password),
            profile_id=ADMIN_PROFILE_ID if is_admin else STANDARD_PROFILE_ID,
            active=True,
            locale=locale,
            time_zone="Asia/Shanghai",
            created_at=datetime.now(UTC),
        )
    ).inserted_primary_key
    assert inserted is not None
    return int(inserted[0])


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt; the caller commits it (history, lock-out counter) before answering."""

    user_id: int | None
    reason: str | None  # None when it succeeded

    def raise_if_failed(self) -> int:
        if self.reason is None and self.user_id is not None:
            return self.user_id
        if self.reason == "locked":
            raise unauthorized(_("Too many failed attempts: this account is locked for 15 minutes."))
        raise unauthorized(_("Wrong username or password."))


def authenticate(
    connection: Connection, username: Any, password: Any, *, now: datetime,
    address: str | None = None, user_agent: str | None = None,
) -> SignIn:  # fmt: skip
    """Check credentials, count failures (locking the account after repeated ones) and record the attempt.

    Every failure reads the same to the caller, so that nobody learns which usernames exist.
    """
    if not isinstance(username, str) or not isinstance(password, str) or not username or len(username) > 150:
        return SignIn(None, "invalid")
    row = connection.execute(
        select(users.c.id, users.c.password_hash, users.c.active, users.c.locked_until, users.c.failed_logins)
        .where(users.c.username == username)
    ).first()  # fmt: skip
    try:
        _hasher.verify(row.password_hash if row and row.password_hash else _DUMMY_HASH, password)
        reason = None
    except (VerificationError, InvalidHashError):
        reason = "wrong_password"
    if row is None:
        reason = "unknown_user"
    elif row.locked_until is not None and row.locked_until > now:
        reason = "locked"
    elif not row.active:
        reason = "inactive"
    if row is not None and reason == "wrong_password":
        failures = row.failed_logins + 1
        locked = now + LOCK_DURATION if failures >= MAX_FAILURES else None
        connection.execute(
            update(users)
            .where(users.c.id == row.id)
            .values(failed_logins=0 if locked else failures, locked_until=locked)
        )
    elif row is not None and reason is None and (row.failed_logins or row.locked_until):
        connection.execute(update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None))
    audit.sign_in(
        connection, username, row.id if row else None, reason is None, reason,
        address=address, user_agent=user_agent, now=now,
    )  # fmt: skip
    return SignIn(int(row.id) if row else None, reason)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(connection: Connection, user_id: int, name: str, days: int | None = None) -> str:
    token = "ht_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    connection.execute(
        insert(api_tokens).values(
            user_id=user_id,
            name=name[:150],
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
        )
    )
    return token


def actor_for_token(connection: Connection, token: str, *, now: datetime) -> Actor:
    row = connection.execute(
        select(users.c.id, profiles.c.is_admin, users.c.locale, api_tokens.c.expires_at)
        .join(users, users.c.id == api_tokens.c.user_id)
        .join(profiles, profiles.c.id == users.c.profile_id)
        .where(api_tokens.c.token_hash == _digest(token), api_tokens.c.revoked_at.is_(None), users.c.active.is_(True))
    ).first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        raise unauthorized(_("This API token is not valid (unknown, revoked or expired)."))
    return Actor(user_id=int(row.id), is_admin=bool(row.is_admin), locale=row.locale)


def revoke_token(connection: Connection, token_id: int) -> None:
    result = connection.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    if result.rowcount != 1:
        raise not_found(_("There is no active token with this id."))


def token_owner(connection: Connection, token_id: int) -> int | None:
    return connection.execute(select(api_tokens.c.user_id).where(api_tokens.c.id == token_id)).scalar()


def list_tokens(connection: Connection, user_id: int | None = None) -> list[dict[str, Any]]:
    query = select(api_tokens, users.c.username).join(users, users.c.id == api_tokens.c.user_id)
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    return [
        {
            "id": row.id,
            "user": row.username,
            "name": row.name,
            "created_at": row.created_at.isoformat(),
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
            "revoked": row.revoked_at is not None,
        }
        for row in connection.execute(query.order_by(api_tokens.c.id))
    ]


def user_id_by_name(connection: Connection, username: str) -> int:
    found = connection.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if found is None:
        raise not_found(_("There is no user named %(name)s.") % {"name": username[:150]})
    return int(found)


def system_actor(connection: Connection) -> Actor | None:
    """Whom a periodic job acts as: the first active administrator (None when there is none). Jobs work for the
    whole company — reclaiming pools, rolling up activities — so they may read and change every record."""
    row = connection.execute(
        select(users.c.id, users.c.locale)
        .join(profiles, profiles.c.id == users.c.profile_id)
        .where(profiles.c.is_admin.is_(True), users.c.active.is_(True))
        .order_by(users.c.id)
        .limit(1)
    ).first()
    return Actor(int(row.id), is_admin=True, locale=row.locale or "zh_CN") if row else None
