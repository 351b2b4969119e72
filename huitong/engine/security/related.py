"""Records whose access follows another record's: a detail its master's (master-detail), and a record about
any record (a comment on an account) that record's. Part of ``SecurityPolicy`` (policy.py), which gives the rules
of the object each follows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_

from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.security.model import SecurityModel, UserContext
from huitong.engine.security.shares import READ

MASTER_OPTION = "master_detail"
# On an integer field holding a record id: the text field that names the record's object ({"record_of": "object_name"}).
# Such a record (a comment) is about any record of any object, and is read exactly when that record is.
RECORD_OF_OPTION = "record_of"


class RelatedRecords:
    metadata: MetadataCache

    def _row_filter(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Any, level: str,
        seen: frozenset[str] = frozenset(),
    ) -> ColumnElement[bool] | None:  # fmt: skip
        raise NotImplementedError  # the policy's: the object's own rules, or those of the record it follows

    def _own_rules(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Any, level: str
    ) -> ColumnElement[bool] | None:
        raise NotImplementedError

    def _full(self, definition: ObjectDef) -> ObjectDef:
        """The object with every field, whatever the user's view of it hides."""
        return self.metadata.snapshot().objects.get(definition.name, definition)

    def _master_field(self, definition: ObjectDef, seen: frozenset[str] = frozenset()) -> str | None:
        """The master-detail lookup of the object (a loop of masters ends where it would come back)."""
        for field in self._full(definition).fields.values():
            if field.type == "lookup" and field.options.get(MASTER_OPTION):
                target = str(field.options.get("target"))
                return None if target == definition.name or target in seen else field.name
        return None

    def _through_master(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Table, field: str, level: str,
        seen: frozenset[str] = frozenset(),
    ) -> ColumnElement[bool]:  # fmt: skip
        """A detail record is readable (editable) exactly when its master record is."""
        schema = self.metadata.snapshot()
        master = schema.object(str(self._full(definition).fields[field].options["target"]))
        master_table = schema.table(master.name).alias(f"master_{definition.name}")
        grant = user.grant(master.name)
        if not (grant.read or grant.view_all):
            return false()
        allowed = grant.view_all if level == READ else grant.modify_all
        visible = (
            None if allowed else self._row_filter(model, user, master, master_table, level, seen | {definition.name})
        )
        # Correlated: each detail looks its master up by id. ``IN (readable masters)`` made SQLite list every
        # readable master first, reading the whole master table for a handful of details.
        master_row = and_(master_table.c.id == table.c[field], master_table.c.deleted_at.is_(None))
        return exists().where(master_row if visible is None else and_(master_row, visible))

    def _record_reference(self, definition: ObjectDef) -> tuple[str, str] | None:
        """(object name field, record id field) of an object whose records are about any record (decisions/0013)."""
        for field in self._full(definition).fields.values():
            named = field.options.get(RECORD_OF_OPTION)
            if named:
                return str(named), field.name
        return None

    def _through_record(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Table,
        reference: tuple[str, str], level: str,
    ) -> ColumnElement[bool]:  # fmt: skip
        """A record about another record (a comment on an account) is read exactly when that record is: one branch
        per object the user may read, each looking the record up by id (as a detail looks up its master). Changing
        it takes changing that record (modules narrow it further, e.g. to the author). A record about no record
        (a post) follows the object's own rules, widened for reading to the reader's colleagues: the people of
        their department and its sub-departments, the people placed directly in the departments above it (their
        leadership), and those below the reader in the role hierarchy."""
        object_field, id_field = reference
        schema = self.metadata.snapshot()
        branches: list[ColumnElement[bool]] = []
        for name, target in schema.objects.items():
            grant = user.grant(name)
            if name == definition.name or not (grant.read or grant.view_all):
                continue
            allowed = grant.view_all if level == READ else grant.modify_all
            target_table = schema.table(name).alias(f"about_{name}")
            visible = None if allowed else self._row_filter(model, user, target, target_table, level,
                                                            frozenset({definition.name}))  # fmt: skip
            row = and_(target_table.c.id == table.c[id_field], target_table.c.deleted_at.is_(None))
            found = exists().where(row if visible is None else and_(row, visible))
            branches.append(and_(table.c[object_field] == name, found))
        own = self._own_rules(model, user, definition, table, level)
        if level == READ:
            colleagues = set(user.subordinate_ids) | {user.user_id}
            if user.department_id is not None:
                colleagues |= model.users_of("department", user.department_id, False)  # remembered per snapshot
                colleagues |= {row.id for row in model.users.values() if row.department_id in user.department_ids}
            mine = table.c.owner.in_(sorted(colleagues))
            own = mine if own is None else or_(own, mine)
        unattached = table.c[object_field].is_(None)
        branches.append(unattached if own is None else and_(unattached, own))
        return or_(*branches)
