"""Profiles, roles and sharing turned into the two things the engine asks: may this user do X on object O, and
which rows of O may they read or change (a predicate the query compiler adds to every read and write).

Reading a record is allowed to its owner; to users above the owner in the role hierarchy (when the object grants
access through the hierarchy); through sharing rules, manual shares and team membership; to everyone when the
organization-wide default is public; and to holders of view-all / modify-all and administrators. Fields a
profile hides are removed from the schema the user's request sees, so they cannot appear, filter or sort.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, and_, false, func, not_, or_, select, true

from huitong.engine.errors import FieldError, forbidden, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.registry import MetadataCache
from huitong.engine.meta.schema import OWNER_ROLE, Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.query.criteria import compile_criteria, read_criteria
from huitong.engine.query.exclusion import exclude_each_other
from huitong.engine.query.written import written_out
from huitong.engine.records.context import Actor
from huitong.engine.security import rule_indexes
from huitong.engine.security.access import AccessPolicy
from huitong.engine.security.model import Rule, SecurityCache, SecurityModel, UserContext
from huitong.engine.security.related import RelatedRecords
from huitong.engine.security.rule_indexes import Tag
from huitong.engine.security.shares import READ, READ_WRITE, shared_with

MAX_BRANCHES = 400  # SQLite allows 500 terms in one compound SELECT
PAGE = 51  # rows a list page reads (50 and one to know there is more): the scale of the cost estimate


class SecurityPolicy(RelatedRecords, AccessPolicy):
    """``metadata`` gives the schema of the request being served (for master-detail and criteria rules);
    ``env`` the clock and time zone that relative dates in sharing criteria are read with."""

    def __init__(self, metadata: MetadataCache, env: Callable[[], FilterEnv]) -> None:
        self.cache = SecurityCache()
        self.metadata = metadata
        self.env = env
        self._restricted: dict[tuple[int, int, int], Schema] = {}
        self._nodes: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    # -- who ---------------------------------------------------------------------------------------------------
    def bind(self, connection: Connection, actor: Actor, version: int | None = None) -> Actor:
        model = self.cache.current(connection, version)
        if actor.model is model:
            return actor
        context = model.context(actor.user_id)
        return replace(actor, is_admin=context.is_admin, security=context, model=model)

    @staticmethod
    def _context(actor: Actor) -> tuple[SecurityModel, UserContext]:
        if actor.model is None or actor.security is None:
            raise RuntimeError("the actor was not bound to the security model")
        return actor.model, actor.security

    # -- objects and fields ------------------------------------------------------------------------------------
    def check_object(self, actor: Actor, definition: ObjectDef, action: str) -> None:
        _model, user = self._context(actor)
        grant = user.grant(definition.name)
        allowed = (
            grant.allows(action)
            or (action == "read" and grant.view_all)
            or (action in ("edit", "delete") and grant.modify_all)
        )
        if not allowed:
            raise forbidden(_("Your profile does not allow this on these records."))

    def restrict(self, schema: Schema, actor: Actor) -> Schema:
        """The schema as this user sees it: hidden fields removed, read-only fields not writable."""
        model, user = self._context(actor)
        if user.is_admin or not user.field_access:
            return schema
        key = (schema.version, model.version, actor.user_id)
        found = self._restricted.get(key)
        if found is None:
            objects = {name: self._restrict_object(definition, user) for name, definition in schema.objects.items()}
            found = schema.restricted(objects)
            with self._lock:
                if len(self._restricted) > 2000:
                    self._restricted.clear()
                self._restricted[key] = found
        return found

    @staticmethod
    def _restrict_object(definition: ObjectDef, user: UserContext) -> ObjectDef:
        access = user.field_access.get(definition.name)
        if not access:
            return definition
        fields = {}
        for name, field in definition.fields.items():
            level = "edit" if field.is_system else access.get(name, "edit")
            if level == "hidden":
                continue
            fields[name] = field.with_changes(read_only=True) if level == "read" else field
        return replace(definition, fields=fields)

    # -- rows --------------------------------------------------------------------------------------------------
    def read_filter(self, actor: Actor, definition: ObjectDef, table: Table) -> ColumnElement[bool] | None:
        model, user = self._context(actor)
        grant = user.grant(definition.name)
        if not (grant.read or grant.view_all):
            return false()
        if grant.view_all or grant.modify_all:
            return None
        return written_out(self._row_filter(model, user, definition, table, READ))

    def read_branches(
        self, actor: Actor, definition: ObjectDef, table: Table, within: Any = None, *, ordered: bool = True,
        by_role: bool = True,
    ) -> list[ColumnElement[bool]] | None:  # fmt: skip
        """For a user who may read few people's records: one part per role whose people's records they read (the
        roles below theirs, roles a sharing rule names), one per other such person (themselves, …) and one for
        everything else shared with them.

        A list page read in the order of an index over all records tests rows until enough pass; for a user who
        may read 4 % of them that is 25 times the rows an administrator's page reads. Read per role and owner in
        the same order (``(owner_role, field, id)`` and ``(owner, field, id)`` indexes) and merged, it reads about
        what the administrator's page reads, plus the rows each part reads past the page's end: ``1 + parts /
        PAGE`` times. The parts are chosen when that is below ``1 / share`` (the share of the organization's people
        whose records the user reads). A rule by criteria that the list's filter does not rule out is one more
        part per tag that may hold its records, read through the tag indexes; a rule on relative dates has no tag and
        keeps the single predicate (rule_indexes.py; decisions/0006, 0017, 0018). An aggregate reads
        every row of its parts, never more than the single predicate tests, so for it (``ordered=False``) only the
        number of parts is bounded. ``by_role=False`` gives a part per person instead of per role (search reads
        terms kept per owner). A role's part trusts ``owner_role``, which the record service keeps equal to the
        owner's role in every write and role change (engine/records/owner_roles.py).
        """
        model, user = self._context(actor)
        grant = user.grant(definition.name)
        if not grant.read or grant.view_all or grant.modify_all or self._master_field(definition) is not None:
            return None
        if self._record_reference(definition) is not None:
            return None
        default = model.default_for(definition.name)
        if default.access != "private":
            return None
        reached = self._people_reached(model, user, definition, within, default.grant_via_hierarchy)
        if reached is None:
            return None
        owners, roles, rules = reached
        if not by_role:
            if rules:
                return None  # search terms are kept per owner: a rule's records have no such part
            owners, roles = owners.union(*roles.values()), {}
        everyone = owners.union(*roles.values())
        owners = {owner for owner in owners if owner not in model.users or model.users[owner].role_id not in roles}
        known = self._known_tags(model, definition) if rules else []
        tagged = rule_indexes.tags_holding(known, rules, within)
        parts = len(owners) + len(roles) + len(tagged) + 1
        if parts > MAX_BRANCHES or (ordered and (1 + parts / PAGE) * len(everyone) >= max(1, len(model.users))):
            return None
        # built once per user, object and set of rules and tags for as long as the model stands (a new version
        # replaces it): written out for every page, a manager's parts cost about a millisecond of Python that an
        # administrator, who has none, never pays
        key = (user.user_id, definition.name, table, tuple(rule.id for rule in rules),
               tuple(tag.number for tag, _rules in tagged), by_role)  # fmt: skip
        found = model.remembered(
            key, lambda: self._parts(model, user, definition, table, owners, roles, rules, (known, tagged))
        )
        return list(found)  # the caller's own list: the remembered one stays as built

    def _parts(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Table, owners: set[int],
        roles: dict[int, frozenset[int]], rules: list[Rule],
        tags: tuple[list[tuple[Tag, Any]], list[tuple[Tag, list[Rule]]]],
    ) -> list[ColumnElement[bool]]:  # fmt: skip
        # the rest: no owner, or an owner none of the parts above reads (a role's people by their records' role)
        elsewhere: list[ColumnElement[bool]] = [table.c.owner.not_in(sorted(owners))]
        if roles:
            elsewhere.append(or_(table.c[OWNER_ROLE].is_(None), table.c[OWNER_ROLE].not_in(sorted(roles))))
        others = or_(table.c.owner.is_(None), and_(*elsewhere))
        # a tag's part: the records of those others it holds that the user's rules share (tags never overlap)
        known, tagged = tags
        schema, full = self.metadata.snapshot(), self._full(definition)
        tag_of = rule_indexes.tag_of(schema, full, table, [tag for tag, _node in known], self.env())
        by_tag = [
            and_(tag_of == tag.number, self._shared_in(model, definition, table, tag, members), others)
            for tag, members in tagged
            if tag_of is not None
        ]
        matching = [self._rule_records(model, definition, table, rule) for rule in rules]
        earlier = [not_(func.coalesce(condition, false())) for condition in matching]
        parts = [
            *(table.c.owner == owner for owner in sorted(owners)),
            *(table.c[OWNER_ROLE] == role for role in roles),
            *by_tag,
            and_(others, *earlier, shared_with(user, definition.name, table, READ)),
        ]
        return [written_out(part) for part in parts]

    def _shared_in(self, model: SecurityModel, definition: ObjectDef, table: Table, tag: Tag,
                   members: list[Rule]) -> ColumnElement[bool]:  # fmt: skip
        """Which of a tag's records ``members`` share: those of the tag's own criteria need only their owner."""
        shared = []
        for rule in members:
            if rule_indexes.criteria_key(rule.criteria) != tag.key:
                shared.append(self._rule_records(model, definition, table, rule))
            elif rule.owned_by is None:
                return true()
            else:
                shared.append(table.c.owner.in_(sorted(model.users_of(*rule.owned_by))))
        return or_(*shared)

    def _known_tags(self, model: SecurityModel, definition: ObjectDef) -> list[tuple[Tag, Any]]:
        """The object's tags, each with its criteria read (kept per model, schema and time zone)."""
        env = self.env()

        def make() -> list[tuple[Tag, Any]]:
            rules = [(rule.id, rule.criteria) for rule in model.rules_for(definition.name)]
            return [(tag, self._criteria_node(definition, tag.criteria)) for tag in rule_indexes.tags(rules)]

        return model.remembered(("tags", definition.name, self.metadata.snapshot().version, str(env.zone)), make)

    def _rule_records(self, model: SecurityModel, definition: ObjectDef, table: Table, rule: Rule) -> Any:
        """The records a rule by criteria shares (of its owner group, when it has one)."""
        condition = self._criteria(definition, table, rule.criteria)
        if rule.owned_by is None:
            return condition
        return and_(table.c.owner.in_(sorted(model.users_of(*rule.owned_by))), condition)

    def _people_reached(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, within: Any, hierarchy: bool
    ) -> tuple[set[int], dict[int, frozenset[int]], list[Rule]] | None:
        """Whose records the user reads as people (themselves, owner-group rules by department or group), as whole
        roles (below theirs, owner-group rules by role), each role with its people, and the rules by criteria the
        filter ``within`` does not rule out; None when one of those has no tag (rule_indexes.py)."""
        owners, roles, candidates = self._people(model, user, definition, hierarchy)
        rules = []
        for rule, node in candidates:
            if not exclude_each_other(node, within):
                if not rule_indexes.indexable(rule.criteria):
                    return None
                rules.append(rule)
        return set(owners), roles, rules

    def _people(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, hierarchy: bool
    ) -> tuple[frozenset[int], dict[int, frozenset[int]], list[tuple[Rule, Any]]]:
        """``_people_reached`` before the page's filter, kept with the parts (a page asks for it every time)."""
        env = self.env()
        key = ("people", user.user_id, definition.name, hierarchy, self.metadata.snapshot().version, str(env.zone),
               env.today)  # fmt: skip
        return model.remembered(key, lambda: self._find_people(model, user, definition, hierarchy))

    def _find_people(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, hierarchy: bool
    ) -> tuple[frozenset[int], dict[int, frozenset[int]], list[tuple[Rule, Any]]]:
        owners = {user.user_id}
        roles: set[int] = set()
        candidates: list[tuple[Rule, Any]] = []
        if hierarchy and user.role_id is not None:
            roles |= model.roles_under(user.role_id, including=False)
        for rule in model.rules_for(definition.name):
            if not model.shares_with(rule, user):
                continue
            if rule.criteria is None and rule.owned_by is not None:
                kind, principal, with_subordinates = rule.owned_by
                if kind == "role" and with_subordinates:
                    roles |= model.roles_under(principal, including=True)
                elif kind == "role":
                    roles.add(principal)
                else:
                    owners |= model.users_of(*rule.owned_by)
            else:
                candidates.append((rule, self._criteria_node(definition, rule.criteria)))
        people = {role: model.users_of("role", role, False) for role in sorted(roles)}
        return frozenset(owners), {role: them for role, them in people.items() if them}, candidates

    def write_filter(
        self, actor: Actor, definition: ObjectDef, table: Table, action: str
    ) -> ColumnElement[bool] | None:
        model, user = self._context(actor)
        if user.grant(definition.name).modify_all:
            return None
        if action == "delete" and self._master_field(definition) is None:
            # deleting is for the owner and those above them, not for sharing; a detail goes with its master
            return written_out(self._ownership(model, user, definition, table))
        return written_out(self._row_filter(model, user, definition, table, READ_WRITE))

    def _row_filter(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Any, level: str,
        seen: frozenset[str] = frozenset(),
    ) -> ColumnElement[bool] | None:  # fmt: skip
        master = self._master_field(definition, seen)
        if master is not None:
            return self._through_master(model, user, definition, table, master, level, seen)
        reference = self._record_reference(definition) if not seen else None
        if reference is not None:
            return self._through_record(model, user, definition, table, reference, level)
        return self._own_rules(model, user, definition, table, level)

    def _own_rules(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Any, level: str
    ) -> ColumnElement[bool] | None:
        """The object's own rules: organization-wide default, ownership and hierarchy, sharing rules and shares."""
        reach = self._reach(model, user, definition, table, level)
        if reach is None:
            return None
        owners, others = reach
        ownership = table.c.owner.in_(sorted(owners)) if len(owners) > 1 else table.c.owner == user.user_id
        return or_(ownership, *others)

    def _reach(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Any, level: str,
        within: Any = None,
    ) -> tuple[set[int], list[ColumnElement[bool]]] | None:  # fmt: skip
        """Whose records the user reaches by owner (themselves, their subordinates, rules by owner), and the other
        ways in (rules by criteria, shares; a rule by criteria the filter ``within`` rules out is left out); None
        when the default opens every record."""
        default = model.default_for(definition.name)
        if default.access == READ_WRITE or (level == READ and default.access == READ):
            return None
        others: list[ColumnElement[bool]] = []
        owners = {user.user_id} | (user.subordinate_ids if default.grant_via_hierarchy else set())
        for rule in model.rules_for(definition.name):
            if (level == READ or rule.access == READ_WRITE) and model.shares_with(rule, user):
                # a rule shares the records owned by its owner group and matching its criteria (when it has both)
                if rule.criteria is None and rule.owned_by is not None:
                    owners |= model.users_of(*rule.owned_by)
                elif rule.criteria is not None:
                    if within is not None and exclude_each_other(
                        self._criteria_node(definition, rule.criteria), within
                    ):
                        continue
                    matching = self._criteria(definition, table, rule.criteria)
                    if rule.owned_by is not None:
                        matching = and_(table.c.owner.in_(sorted(model.users_of(*rule.owned_by))), matching)
                    others.append(matching)
        others.append(shared_with(user, definition.name, table, level))
        return owners, others

    def owner_scope(
        self, actor: Actor, definition: ObjectDef, table: Table, within: Any = None
    ) -> tuple[frozenset[int] | None, list[ColumnElement[bool]]] | None:
        model, user = self._context(actor)
        grant = user.grant(definition.name)
        if grant.view_all or grant.modify_all:
            return None, []
        if not grant.read or self._master_field(definition) is not None or self._record_reference(definition):
            return None
        reach = self._reach(model, user, definition, table, READ, within)
        if reach is None:
            return None, []
        owners, others = reach
        elsewhere = or_(table.c.owner.is_(None), table.c.owner.not_in(sorted(owners)))
        # One part per way in, each without what an earlier one lets in: every part leads with its own condition
        # (a rule's "won deals", the shares' ids), so the database reads it by its index, not the whole range.
        parts = []
        for index, way in enumerate(others):
            earlier = [not_(func.coalesce(other, false())) for other in others[:index]]
            parts.append(and_(way, elsewhere, *earlier))
        return frozenset(owners), parts

    def _ownership(
        self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Table
    ) -> ColumnElement[bool] | None:
        default = model.default_for(definition.name)
        owners = {user.user_id} | (user.subordinate_ids if default.grant_via_hierarchy else set())
        return table.c.owner.in_(sorted(owners))

    def _criteria(self, definition: ObjectDef, table: Table, criteria: Any) -> ColumnElement[bool]:
        # on every field of the object: a rule applies alike to users who may not see the fields it tests
        return compile_criteria(self.metadata.snapshot(), self._full(definition), table, criteria, self.env())

    def _criteria_node(self, definition: ObjectDef, criteria: Any) -> Any:
        """Criteria read (kept per schema, day and time zone: a list page asks for each rule's)."""
        schema, env = self.metadata.snapshot(), self.env()
        key = (schema.version, definition.name, rule_indexes.criteria_key(criteria), str(env.zone), env.today)
        found = self._nodes.get(key)
        if found is None:
            found = read_criteria(schema, self._full(definition), criteria, env)
            with self._lock:
                if len(self._nodes) > 2000:
                    self._nodes.clear()
                self._nodes[key] = found
        return found

    # -- explaining -------------------------------------------------------------------------------------------
    def explain(
        self, connection: Connection, actor: Actor, definition: ObjectDef, table: Table, record_id: int
    ) -> dict[str, Any]:
        """What ``actor`` may do with one record, and every reason that grants it (for support and the UI)."""
        model, user = self._context(actor)
        owner = connection.execute(
            select(table.c.owner).where(table.c.id == record_id, table.c.deleted_at.is_(None))
        ).scalar()

        def holds(predicate: ColumnElement[bool] | None) -> bool:
            query = select(table.c.id).where(table.c.id == record_id)
            return connection.execute(query if predicate is None else query.where(predicate)).first() is not None

        grant = user.grant(definition.name)
        read = (
            owner is not None and (grant.read or grant.view_all) and holds(self.read_filter(actor, definition, table))
        )
        answer = {
            "read": read,
            "edit": read
            and (grant.edit or grant.modify_all)
            and holds(self.write_filter(actor, definition, table, "edit")),
            "delete": read
            and (grant.delete or grant.modify_all)
            and holds(self.write_filter(actor, definition, table, "delete")),
        }
        # nothing about a record one may not read: it reads exactly like one that does not exist
        why = self._reasons(model, user, definition, table, owner, holds) if read and owner is not None else []
        return {**answer, "why": why}

    def _reasons(self, model: SecurityModel, user: UserContext, definition: ObjectDef, table: Table, owner: int,
                 holds: Callable[[ColumnElement[bool]], bool]) -> list[str]:  # fmt: skip
        grant = user.grant(definition.name)
        default = model.default_for(definition.name)
        found = [
            reason
            for reason, applies in (
                ("administrator", user.is_admin),
                ("modify_all", grant.modify_all and not user.is_admin),
                ("view_all", grant.view_all and not grant.modify_all),
                (f"default:{default.access}", default.access != "private"),
                ("owner", owner == user.user_id),
                ("manager_of_owner", default.grant_via_hierarchy and owner in user.subordinate_ids),
            )
            if applies
        ]
        for rule in model.rules_for(definition.name):
            if not model.shares_with(rule, user):
                continue
            owned = rule.owned_by is None or owner in model.users_of(*rule.owned_by)
            if owned and (rule.criteria is None or holds(self._criteria(definition, table, rule.criteria))):
                found.append(f"sharing_rule:{rule.id}:{rule.access}")
        for level in (READ_WRITE, READ):
            if holds(shared_with(user, definition.name, table, level)):
                found.append(f"shared:{level}")
                break
        master = self._master_field(definition)
        if master is not None and holds(self._through_master(model, user, definition, table, master, READ)):
            found.append("master_record")
        reference = self._record_reference(definition)
        if reference is not None and holds(self._through_record(model, user, definition, table, reference, READ)):
            found.append("record")
        return found

    # -- owners ------------------------------------------------------------------------------------------------
    def may_manage(self, actor: Actor, definition: ObjectDef, owner: int) -> bool:
        """Transfer and share records of ``owner``: administrators, modify-all holders, the owner, their managers
        (when the object grants access through the hierarchy)."""
        model, user = self._context(actor)
        return (
            user.is_admin
            or user.grant(definition.name).modify_all
            or owner == user.user_id
            or (owner in user.subordinate_ids and model.default_for(definition.name).grant_via_hierarchy)
        )

    def managers_of(self, actor: Actor, user_id: int) -> list[int]:
        model, _ = self._context(actor)
        return model.managers_of(user_id)

    def check_owner(self, actor: Actor, definition: ObjectDef, current: int | None, new: int) -> None:
        """Choosing the owner of a new record, or transferring one: whoever may manage the current owner's records
        (for a new record, the chosen owner's); the new owner must be an active user."""
        model, _user = self._context(actor)
        if new not in model.active_ids:
            raise validation_failed([FieldError("owner", "inactive_user", _("The new owner must be an active user."))])
        if not self.may_manage(actor, definition, new if current is None else current):
            message = _("Only the owner, their managers and administrators may choose the owner.")
            raise validation_failed([FieldError("owner", "not_allowed", message)])
