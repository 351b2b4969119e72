"""The setup audit trail (who changed which permission, role, rule, object or field, and when) and sign-ins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from huitong.engine.security.tables import audit_log, login_history, security_state


def record(connection: Connection, actor_id: int | None, action: str, target: str, detail: Any = None, *,
           now: datetime) -> None:  # fmt: skip
    connection.execute(
        insert(audit_log).values(at=now, actor_id=actor_id, action=action, target=target[:255], detail=detail)
    )


def security_changed(connection: Connection) -> None:
    """Every process rebuilds its access snapshot on its next request."""
    connection.execute(
        update(security_state).where(security_state.c.id == 1).values(version=security_state.c.version + 1)
    )


def sign_in(
    connection: Connection, username: str, user_id: int | None, success: bool, reason: str | None, *,
    address: str | None, user_agent: str | None, now: datetime,
) -> None:  # fmt: skip
    connection.execute(
        insert(login_history).values(
            user_id=user_id, username=username[:150], at=now, address=(address or "")[:64] or None,
            user_agent=(user_agent or "")[:255] or None, success=success, reason=reason,
        )
    )  # fmt: skip


def trail(connection: Connection, *, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(audit_log.c.id < before)
    return [
        {"id": row.id, "at": _instant(row.at), "actor": row.actor_id, "action": row.action, "target": row.target,
         "detail": row.detail}
        for row in connection.execute(query)
    ]  # fmt: skip


def sign_ins(connection: Connection, *, limit: int, user_id: int | None = None) -> list[dict[str, Any]]:
    query = select(login_history).order_by(login_history.c.id.desc()).limit(limit)
    if user_id is not None:
        query = query.where(login_history.c.user_id == user_id)
    return [
        {"at": _instant(row.at), "user": row.user_id, "username": row.username, "address": row.address,
         "user_agent": row.user_agent, "success": row.success, "reason": row.reason}
        for row in connection.execute(query)
    ]  # fmt: skip


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
