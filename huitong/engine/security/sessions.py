"""Browser sessions: a random cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) and a CSRF token that every
state-changing request made with the cookie must echo in the ``X-CSRF-Token`` header or a ``csrf_token`` form
field. Only digests are stored; deactivating a user ends their sessions at once (each request checks)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from huitong.engine.errors import HuitongError, unauthorized
from huitong.engine.i18n import _
from huitong.engine.records.context import Actor
from huitong.engine.security.tables import profiles, sessions
from huitong.engine.system_tables import users

COOKIE = "huitong_session"
CSRF_COOKIE = "huitong_csrf"
LIFETIME = timedelta(days=7)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    connection: Connection, user_id: int, *, now: datetime, address: str | None, user_agent: str | None
) -> tuple[str, str]:
    """A new session for ``user_id``: (cookie value, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    connection.execute(
        insert(sessions).values(
            user_id=user_id, token_hash=_digest(token), csrf_token=csrf, created_at=now, expires_at=now + LIFETIME,
            address=(address or "")[:64] or None, user_agent=(user_agent or "")[:255] or None,
        )
    )  # fmt: skip
    return token, csrf


def actor_for_session(connection: Connection, token: str, *, now: datetime, csrf: str | None, unsafe: bool) -> Actor:
    """The session's user; for a state-changing request the CSRF token must match."""
    row = connection.execute(
        select(users.c.id, profiles.c.is_admin, users.c.locale, sessions.c.csrf_token, sessions.c.expires_at)
        .join(users, users.c.id == sessions.c.user_id)
        .join(profiles, profiles.c.id == users.c.profile_id)
        .where(sessions.c.token_hash == _digest(token), sessions.c.revoked_at.is_(None), users.c.active.is_(True))
    ).first()  # fmt: skip
    if row is None or row.expires_at <= now:
        raise unauthorized(_("Your session has ended; sign in again."))
    if unsafe and not (csrf and hmac.compare_digest(csrf, row.csrf_token)):
        raise HuitongError(_("The form has expired; reload the page and try again."), status=403, code="csrf")
    return Actor(user_id=int(row.id), is_admin=bool(row.is_admin), locale=row.locale)


def close_session(connection: Connection, token: str, *, now: datetime) -> None:
    connection.execute(
        update(sessions)
        .where(sessions.c.token_hash == _digest(token), sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
