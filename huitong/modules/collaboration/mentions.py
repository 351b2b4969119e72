"""@mentions: who a comment's text names, and the people the type-ahead offers.

A comment's body is plain text. The type-ahead writes "@display name" and sends the chosen user's id along; anyone
can also type "@username" (or a display name without spaces) by hand, as API clients do. A chosen id whose name
was deleted from the text again is not a mention: what the reader sees mentioned is what notifies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, or_, select

from huitong.engine.security.tables import departments
from huitong.engine.system_tables import users

# "@" then a name: up to a space or punctuation (Chinese and Latin), as people end a mention in a sentence.
TOKEN = re.compile(r"@([^\s@,，。.;；:：!！?？()（）\[\]【】<>《》\"'“”、]+)")
SUGGESTED = 8


@dataclass(frozen=True)
class Person:
    id: int
    username: str
    name: str
    department: str | None = None


def parse_ids(raw: Any) -> list[int]:
    """Mentioned ids as sent: a list of ids, or text "12,57" (how the field stores them); anything else is none."""
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    found: list[int] = []
    for item in items:
        text = str(item).strip()
        if text.isdigit() and int(text) not in found:
            found.append(int(text))
    return found


def stored(ids: Iterable[int]) -> str | None:
    text = ",".join(str(user_id) for user_id in ids)
    return text or None


def people(connection: Connection, ids: Iterable[int]) -> dict[int, Person]:
    wanted = sorted({int(user_id) for user_id in ids})
    if not wanted:
        return {}
    query = select(users.c.id, users.c.username, users.c.display_name).where(users.c.id.in_(wanted))
    return {row.id: Person(row.id, row.username, row.display_name) for row in connection.execute(query)}


def mentioned(connection: Connection, body: str, chosen: Iterable[int]) -> list[Person]:
    """The active users ``body`` mentions: those chosen in the type-ahead whose "@name" is still in the text, and
    those named by "@username" or "@display name" typed by hand; in the order of the text, once each."""
    tokens = {token.lower() for token in TOKEN.findall(body)}
    query = select(users.c.id, users.c.username, users.c.display_name).where(users.c.active.is_(True))
    conditions = []
    picked = sorted(set(chosen))
    if picked:
        conditions.append(users.c.id.in_(picked))
    if tokens:
        names = sorted(tokens)
        conditions += [func.lower(users.c.username).in_(names), func.lower(users.c.display_name).in_(names)]
    if not conditions:
        return []
    found: dict[int, tuple[int, Person]] = {}
    lowered = body.lower()
    for row in connection.execute(query.where(or_(*conditions))):
        person = Person(row.id, row.username, row.display_name)
        places = [lowered.find("@" + name.lower()) for name in (row.username, row.display_name)]
        places = [place for place in places if place >= 0]
        if places:
            found[row.id] = (min(places), person)
    return [person for _place, person in sorted(found.values(), key=lambda pair: (pair[0], pair[1].id))]


def inactive_chosen(connection: Connection, chosen: Iterable[int]) -> list[Person]:
    """Chosen ids of users who left (or never were): a mention of them would tell no one."""
    picked = sorted(set(chosen))
    if not picked:
        return []
    query = select(users.c.id, users.c.username, users.c.display_name, users.c.active).where(users.c.id.in_(picked))
    rows = {row.id: row for row in connection.execute(query)}
    return [Person(i, rows[i].username if i in rows else str(i), rows[i].display_name if i in rows else f"#{i}")
            for i in picked if i not in rows or not rows[i].active]  # fmt: skip


def suggest(connection: Connection, text: str, limit: int = SUGGESTED) -> list[Person]:
    """Active users whose username or display name contains ``text`` (prefix matches first), with their
    department, for the type-ahead: names are not secret inside the company, as in every user picker."""
    needle = text.strip().lower()[:50]
    query = (
        select(users.c.id, users.c.username, users.c.display_name, departments.c.name.label("department"))
        .select_from(users.outerjoin(departments, departments.c.id == users.c.department_id))
        .where(users.c.active.is_(True))
    )
    if needle:
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(users.c.username).like(pattern, escape="\\"),
                func.lower(users.c.display_name).like(pattern, escape="\\"),
            )
        )
    rows = list(connection.execute(query.order_by(users.c.display_name, users.c.id).limit(200)))
    rows.sort(key=lambda row: (not (row.username.lower().startswith(needle)
                                    or row.display_name.lower().startswith(needle))))  # fmt: skip
    return [Person(row.id, row.username, row.display_name, row.department) for row in rows[:limit]]
