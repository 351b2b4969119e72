"""Bring a database to the current system schema (Alembic), then sync the standard objects modules declare."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from huitong.engine.db import Database
from huitong.engine.meta import indexes
from huitong.engine.meta.model import ObjectDef
from huitong.engine.meta.service import sync_standard_objects

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(db: Database, standard_objects: list[ObjectDef]) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    sync_standard_objects(db, standard_objects)
    indexes.create_missing(db)
