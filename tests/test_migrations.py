"""Old databases upgrade in place: a database made by the first release keeps its data and users."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text

from huitong.config import Settings
from huitong.engine.db import Database
from huitong.engine.meta.indexes import create_missing
from huitong.engine.migrate import alembic_config
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.security import organization
from huitong.modules import MODULES
from tests.conftest import FakeClock, Templates


def build_first_release(url: str) -> None:
    database = Database(url)
    config = alembic_config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_system_tables")
        now = datetime(2026, 1, 5, tzinfo=UTC)
        for name, admin in (("boss", True), ("clerk", False)):
            connection.execute(
                text(
                    "INSERT INTO users (username, display_name, password_hash, is_admin, active, locale, time_zone,"
                    " created_at) VALUES (:name, :name, 'x', :admin, true, 'zh_CN', 'Asia/Shanghai', :now)"
                ),
                {"name": name, "admin": admin, "now": now},
            )
    database.dispose()


def migrated_first_release(templates: Templates, backend: str, clock: FakeClock) -> tuple[str, Platform]:
    """A first-release database of this backend brought to today's release: its URL and platform."""
    url = templates.empty(backend)
    build_first_release(url)
    platform = Platform(Settings(database_url=url), MODULES, clock=clock)
    platform.migrate()
    return url, platform


def test_a_first_release_database_upgrades_in_place(templates: Templates, backend: str, clock: FakeClock) -> None:
    # given: an empty database of this backend brought to the first revision only, with two users
    url = templates.empty(backend)
    build_first_release(url)
    # when: today's release migrates it
    platform = Platform(Settings(database_url=url), MODULES, clock=clock)
    platform.migrate()
    # then: users got the profile matching their old flag, is_admin is gone, standard objects work
    with platform.db.read() as connection:
        rows = {
            row.username: row.profile_id for row in connection.execute(text("SELECT username, profile_id FROM users"))
        }
    assert rows == {"boss": 1, "clerk": 2}
    assert "is_admin" not in {c["name"] for c in inspect(platform.db.engine).get_columns("users")}
    boss = Actor(1)
    created = platform.records.create(boss, "account", {"name": "迁移测试有限公司"})
    assert created["owner"] == 1
    platform.close()
    templates.drop(url)


def test_search_terms_learn_their_owners_when_upgraded(templates: Templates, backend: str, clock: FakeClock) -> None:
    # given: a database at the two 0004 revisions, whose search terms were written before terms had owners
    url, platform = migrated_first_release(templates, backend, clock)
    contact = platform.records.create(Actor(1), "contact", {"name": "张三丰"})
    config = alembic_config()
    with platform.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_search_terms")
        assert "owner_id" not in {c["name"] for c in inspect(connection).get_columns("search_terms")}
        # when: today's release migrates it again
        command.upgrade(config, "heads")
        # then: every term of the contact carries its owner
        owners = connection.execute(
            text("SELECT DISTINCT owner_id FROM search_terms WHERE record_id = :id"), {"id": contact["id"]}
        ).scalars()
        assert list(owners) == [1]
    platform.close()
    templates.drop(url)


def test_records_learn_their_owners_roles_when_upgraded(templates: Templates, backend: str, clock: FakeClock) -> None:
    # given: a contact owned by a sales rep, in a database brought back to before records carried their owner's role
    url, platform = migrated_first_release(templates, backend, clock)
    with platform.db.write() as connection:
        role = organization.create_node(connection, "role", {"name": "销售代表", "parent": None}, 1, datetime.now(UTC))
        connection.execute(text("UPDATE users SET role_id = :role WHERE id = 2"), {"role": role["id"]})
    contact = platform.records.create(Actor(1), "contact", {"name": "张三丰", "owner": 2})
    config = alembic_config()
    with platform.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005_search_owner")
        assert "owner_role" not in {c["name"] for c in inspect(connection).get_columns("obj_contact")}
        # when: today's release migrates it again
        command.upgrade(config, "heads")
        # then: the contact carries its owner's role
        stamped = connection.execute(text("SELECT owner_role FROM obj_contact WHERE id = :id"), {"id": contact["id"]})
        assert stamped.scalar_one() == role["id"]
    platform.close()
    templates.drop(url)


def test_migrate_makes_the_indexes_a_table_lacks(platform: Platform) -> None:
    # given: an opportunity table made before owner indexes existed (one dropped by hand)
    with platform.db.write() as connection:
        connection.execute(text("DROP INDEX ox_obj_opportunity_close_date"))
    # when
    platform.migrate()
    # then: it is back, and a second migrate has nothing left to make
    names = {index["name"] for index in inspect(platform.db.engine).get_indexes("obj_opportunity")}
    assert "ox_obj_opportunity_close_date" in names
    assert create_missing(platform.db) == []
