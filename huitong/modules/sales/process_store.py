"""Reading and creating sales processes: through the query engine and the record service, as the acting user.

The shipped default process is stored on first use (idempotent: the process name is unique). Processes are read by
every salesperson, so when the first one is stored the organization-wide default of ``sales_process`` becomes
"read" unless an administrator has chosen one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from huitong.engine.errors import FieldError, HuitongError, validation_failed
from huitong.engine.i18n import _
from huitong.engine.meta import service as meta_service
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.base import FilterEnv
from huitong.engine.platform import Platform
from huitong.engine.query.aggregate import Aggregation
from huitong.engine.query.listing import Listing
from huitong.engine.records.context import Actor, WriteContext
from huitong.engine.records.service import RecordService
from huitong.engine.security import sharing
from huitong.engine.security.access import AccessPolicy
from huitong.engine.security.tables import sharing_defaults
from huitong.modules.sales.processes import (
    DEFAULT_NAME,
    Process,
    default_process,
    default_stages,
    from_record,
    read_stages,
    stages_text,
)

PROCESS_KEYS = {"name", "business_type", "stages", "is_default", "active", "description"}


def list_records(
    connection: Connection, schema: Schema, actor: Actor, access: AccessPolicy, env: FilterEnv, object_name: str,
    request: Mapping[str, Any],
) -> list[dict[str, Any]]:  # fmt: skip
    """Every record a listing request matches (page after page), as the actor may see them."""
    definition = schema.object(object_name)
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = Listing(schema, definition, actor, access, env, {**request, "limit": 1000, "cursor": cursor}).run(
            connection
        )
        found += page["records"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def processes_in(
    connection: Connection, schema: Schema, actor: Actor, access: AccessPolicy, env: FilterEnv
) -> list[Process]:
    records = list_records(connection, schema, actor, access, env, "sales_process", {"sort": ["name"]})
    return sorted((from_record(r) for r in records), key=lambda p: (not p.is_default, p.name))


def process_in(
    connection: Connection, schema: Schema, actor: Actor, access: AccessPolicy, env: FilterEnv, process_id: int | None
) -> Process:
    """The process with this id (or the default one when None); the shipped default if none is stored yet."""
    return choose(processes_in(connection, schema, actor, access, env), process_id)


def choose(found: list[Process], process_id: int | None) -> Process:
    if process_id is not None:
        chosen = next((p for p in found if p.id == process_id), None)
        if chosen is None:
            message = _("This sales process does not exist or you may not see it.")
            raise validation_failed([FieldError("sales_process", "not_found", message)])
        return chosen
    return next((p for p in found if p.is_default and p.active), None) or (found[0] if found else default_process())


def read_processes(platform: Platform, actor: Actor) -> list[Process]:
    ensure_default(platform, actor)
    with platform.records.reading(actor) as (connection, bound, schema):
        return processes_in(connection, schema, bound, platform.access, platform.filter_env())


def ensure_default(platform: Platform, actor: Actor) -> None:
    """Store the shipped process if no process is stored yet (idempotent; harmless if the actor may not)."""
    with platform.records.reading(actor) as (connection, bound, schema):
        if _has_default_sharing(connection, "sales_process") and processes_in(
            connection, schema, bound, platform.access, platform.filter_env()
        ):
            return
    try:
        with platform.records.transaction(actor) as context:
            ensure_default_in(platform.records, context)
    except HuitongError:
        pass  # another request stored it first, or this user may not create processes: the shipped one is used


def ensure_default_in(records: RecordService, context: WriteContext) -> None:
    """Store the shipped process in this transaction. Two first uses at once: the one that commits second meets the
    unique name (PostgreSQL waits for the first), steps back to its savepoint and reads the first one's process."""
    connection = context.connection
    table = context.schema.table("sales_process")
    try:
        with connection.begin_nested():
            readable_by_everyone(context, "sales_process")
            if connection.execute(select(table.c.id).where(table.c.name == DEFAULT_NAME).limit(1)).first() is None:
                records.create_in(
                    context, "sales_process",
                    {"name": DEFAULT_NAME, "is_default": True, "active": True, "stages": stages_text(
                        read_stages(default_stages()))},
                )  # fmt: skip
    except IntegrityError:
        pass  # stored by a transaction that committed meanwhile; the next read sees it


def readable_by_everyone(context: WriteContext, object_name: str) -> None:
    """Make the object's records readable by every user unless an administrator has chosen its default."""
    if not _has_default_sharing(context.connection, object_name):
        sharing.set_default(
            context.connection, context.schema, object_name, {"access": "read"}, context.actor.user_id, context.now
        )


def _has_default_sharing(connection: Connection, object_name: str) -> bool:
    query = select(sharing_defaults.c.access).where(sharing_defaults.c.object_name == object_name)
    return connection.execute(query).first() is not None


def create_process(platform: Platform, actor: Actor, body: Any) -> Process:
    """``POST /api/v1/sales/processes``."""
    return save_process(platform, actor, body)


def save_process(
    platform: Platform, actor: Actor, body: Any, process_id: int | None = None, version: int | None = None
) -> Process:
    """Check the stages, add new stage values to the opportunity's stage field, store the process (the only default
    if it says so). A changed process keeps every stage its opportunities are at."""
    if not isinstance(body, dict):
        raise validation_failed([FieldError(None, "invalid_body", _("Send a JSON object."))])
    unknown = set(body) - PROCESS_KEYS - ({"version"} if process_id else set())
    if unknown:
        raise validation_failed([FieldError(sorted(unknown)[0], "unknown_key", _("Unknown property."))])
    stages = read_stages(body.get("stages")) if process_id is None or "stages" in body else None
    ensure_default(platform, actor)
    if stages is not None:
        if process_id is not None:
            check_stages_in_use(platform, actor, process_id, {stage.value for stage in stages})
        add_stage_values(platform, actor, [(s.value, dict(s.label)) for s in stages])
    data = {key: body[key] for key in ("name", "business_type", "is_default", "active", "description") if key in body}
    if stages is not None:
        data["stages"] = stages_text(stages)
    with platform.records.transaction(actor) as context:
        if process_id is None:
            record = platform.records.create_in(context, "sales_process", data)
        else:
            record = platform.records.update_in(context, "sales_process", process_id, data, version)
        if record.values.get("is_default"):
            _only_default(platform, context, int(record.values["id"]))
    return from_record(record.values)


def check_stages_in_use(platform: Platform, actor: Actor, process_id: int, kept: set[str]) -> None:
    with platform.records.reading(actor) as (connection, bound, schema):
        request = {"filter": {"field": "sales_process", "op": "eq", "value": process_id}, "group_by": ["stage"]}
        rows = Aggregation(schema, schema.object("opportunity"), bound, platform.access, platform.filter_env(),
                           request).run(connection)["rows"]  # fmt: skip
    used = sorted(str(row["stage"]) for row in rows if row["stage"] and row["stage"] not in kept)
    if used:
        message = _("Opportunities of this process are at these stages; keep them: %(stages)s") % {
            "stages": ", ".join(used)}  # fmt: skip
        raise validation_failed([FieldError("stages", "stage_in_use", message)])


def _only_default(platform: Platform, context: WriteContext, keep: int) -> None:
    others = list_records(
        context.connection, context.schema, context.actor, platform.access, platform.filter_env(), "sales_process",
        {"filter": {"and": [{"field": "is_default", "op": "eq", "value": True},
                            {"field": "id", "op": "ne", "value": keep}]}, "fields": ["version"]},
    )  # fmt: skip
    for other in others:
        platform.records.update_in(context, "sales_process", other["id"], {"is_default": False}, other["version"])


def add_stage_values(platform: Platform, actor: Actor, wanted: list[tuple[str, dict[str, str]]]) -> None:
    """Add the stage values a process brings to ``opportunity.stage`` (a metadata change: administrators only)."""
    with platform.records.reading(actor) as (_connection, _bound, schema):
        stage_field = schema.object("opportunity").fields["stage"]
    values = list(stage_field.options.get("values") or [])
    known = {entry["value"] for entry in values}
    new = [{"value": value, "label": label, "active": True} for value, label in wanted if value not in known]
    if not new:
        return
    if not actor.is_admin:
        message = _("Only administrators may add new stages; use the stages the Stage field already has.")
        raise HuitongError(message, status=403, code="forbidden")
    meta_service.update_field(platform.db, "opportunity", "stage", {"values": values + new}, actor.user_id)
