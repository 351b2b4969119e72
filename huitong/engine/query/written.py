"""Values written into a statement's text instead of sent as parameters, where the plan depends on them.

psycopg prepares a statement it has run a few times on a connection, and PostgreSQL then weighs one generic plan
for it, planned without the parameters' values. A value that decides the plan's shape belongs in the text: the
access predicate (whose records, which rule tag: a tag index serves only where the planner sees the tag's
number, and on SQLite its criteria, which SQLite never looks for in parameters and PostgreSQL not in a generic
plan; a part on an owner is planned for that owner) and a page's LIMIT (as a parameter, planned for a tenth of the
table). The user's own filter values stay parameters. decisions/0018, 0019, 0020.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.sql import visitors


def written_out(condition: Any) -> Any:
    """The condition with every value written into the SQL (quoted by SQLAlchemy for the dialect); None stays."""
    if condition is None:
        return None

    def inline(bind: Any) -> None:
        bind.literal_execute = True

    return visitors.cloned_traverse(condition, {}, {"bindparam": inline})


def written_rows(rows: int) -> Any:
    """A LIMIT or OFFSET written into the statement."""
    return bindparam("rows", rows, unique=True, literal_execute=True)
