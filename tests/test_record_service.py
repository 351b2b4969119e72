"""The record service itself: hooks, auto-numbers under concurrency, defaults, owners, standard-object upgrades."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import inspect

from huitong.config import Settings
from huitong.engine.errors import FieldError, HuitongError, validation_failed
from huitong.engine.meta.declare import field, standard_object
from huitong.engine.platform import Module, Platform
from huitong.engine.records.context import Actor, HookCall
from huitong.engine.security.users import create_user
from tests.conftest import FakeClock


def test_auto_numbers_have_no_gaps_under_concurrency_and_failures(platform: Platform, admin: Actor) -> None:
    # given: a hook that refuses every fifth create after the number was drawn
    def refuse_some(call: HookCall) -> None:
        if call.values["name"].endswith("refuse"):
            raise validation_failed([FieldError("name", "refused", "refused by test hook")])

    platform.hooks.register("after_create", "opportunity", refuse_some)

    def create(index: int) -> str | None:
        name = f"deal {index} refuse" if index % 5 == 0 else f"deal {index}"
        try:
            return str(platform.records.create(admin, "opportunity", {"name": name})["number"])
        except HuitongError:
            return None

    # when: 4 threads create 40 opportunities at once
    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = [number for number in pool.map(create, range(40)) if number]
    # then: the 32 that committed hold exactly 1..32
    assert len(numbers) == 32
    assert sorted(numbers) == [f"OPP-2026-{n:04}" for n in range(1, 33)]


def test_auto_number_restarts_with_the_year(platform: Platform, admin: Actor, clock: FakeClock) -> None:
    first = platform.records.create(admin, "opportunity", {"name": "a"})["number"]
    clock.advance(days=300)
    second = platform.records.create(admin, "opportunity", {"name": "b"})["number"]
    assert (first, second) == ("OPP-2026-0001", "OPP-2027-0001")


def test_before_hooks_can_change_values_and_after_commit_runs_once(platform: Platform, admin: Actor) -> None:
    committed: list[int] = []

    def upper_case(call: HookCall) -> None:
        call.values["name"] = call.values["name"].upper()

    def remember(call: HookCall) -> None:
        record_id = call.record_id
        assert record_id is not None
        call.context.on_commit(lambda: committed.append(record_id))

    platform.hooks.register("before_create", "lead", upper_case)
    platform.hooks.register("after_create", "lead", remember)
    record = platform.records.create(admin, "lead", {"name": "acme"})
    assert record["name"] == "ACME"
    assert committed == [record["id"]]


def test_a_refusing_hook_rolls_back_the_whole_write(platform: Platform, admin: Actor) -> None:
    def refuse(call: HookCall) -> None:
        raise validation_failed([FieldError("status", "locked", "converted leads are read-only")])

    lead = platform.records.create(admin, "lead", {"name": "Li"})
    platform.hooks.register("before_update", "lead", refuse)
    with pytest.raises(HuitongError) as raised:
        platform.records.update(admin, "lead", lead["id"], {"name": "Wang"}, version=1)
    assert raised.value.errors[0].code == "locked"
    assert platform.records.get(admin, "lead", lead["id"])["name"] == "Li"


def test_defaults_apply_to_new_records_only(platform: Platform, admin: Actor) -> None:
    lead = platform.records.create(admin, "lead", {"name": "Zhao"})
    assert lead["status"] == "new"
    explicit = platform.records.create(admin, "lead", {"name": "Qian", "status": "working"})
    assert explicit["status"] == "working"


def test_only_those_allowed_may_set_the_owner(platform: Platform, admin: Actor) -> None:
    with platform.db.write() as connection:
        plain = Actor(create_user(connection, "lisi", "a-long-password"))
    with pytest.raises(HuitongError) as raised:
        platform.records.create(plain, "lead", {"name": "Sun", "owner": admin.user_id})
    assert raised.value.errors[0].code == "not_allowed"
    assert platform.records.create(plain, "lead", {"name": "Sun", "owner": plain.user_id})["owner"] == plain.user_id
    record = platform.records.create(admin, "lead", {"name": "Sun", "owner": plain.user_id})
    assert record["owner"] == plain.user_id


def _module(fields: list[Any]) -> Module:
    return Module(name="testing", objects=[standard_object("gadget", "Gadget", "小工具", fields, module="testing")])


def test_migrate_adds_new_standard_fields_to_an_existing_database(database_url: str, clock: FakeClock) -> None:
    # given: a database migrated with version 1 of a module, holding data
    old = Platform(Settings(database_url=database_url), [_module([field("name", "text", "Name", "名称")])], clock=clock)
    old.migrate()
    with old.db.write() as connection:
        actor = Actor(create_user(connection, "root", "a-long-password"), is_admin=True)
    kept = old.records.create(actor, "gadget", {"name": "保留"})["id"]
    old.close()
    # when: version 2 adds a field and a picklist value
    new_fields = [field("name", "text", "Name", "名称"), field("size", "integer", "Size", "尺寸")]
    new = Platform(Settings(database_url=database_url), [_module(new_fields)], clock=clock)
    new.migrate()
    # then: the column exists, old data is intact, the new field is usable
    columns = {c["name"] for c in inspect(new.db.engine).get_columns("obj_gadget")}
    assert {"name", "size"} <= columns
    assert new.records.get(actor, "gadget", kept)["name"] == "保留"
    assert new.records.update(actor, "gadget", kept, {"size": 3}, version=1)["size"] == 3
    new.close()
