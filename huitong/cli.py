"""The ``huitong`` command: serve, migrate, users and tokens, demo data, purge, worker."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import click

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.errors import HuitongError
from huitong.engine.i18n import _, current_locale, negotiate
from huitong.engine.security import users


def _platform() -> Any:
    return build_platform(Settings.load())


def _environment_locale() -> str:
    """The language of the terminal (HUITONG_LOCALE, LC_ALL, LC_MESSAGES or LANG; zh_* reads Chinese)."""
    for name in ("HUITONG_LOCALE", "LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return negotiate(os.environ[name].split(".")[0].replace("_", "-"))
    return "en"


# Help texts are read when the commands are declared below, so the language is chosen first.
current_locale.set(_environment_locale())


def main() -> None:
    try:
        cli(standalone_mode=True)
    except HuitongError as error:
        click.echo(_("error: %(problem)s") % {"problem": error}, err=True)
        sys.exit(1)


@click.group(help=_("Huitong CRM (汇通)."))
def cli() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command(help=_("Serve the web application and the API."))
@click.option("--host", default=None, help=_("Address to listen on (default 127.0.0.1)."))
@click.option("--port", default=None, type=int, help=_("Port (default 8000)."))
@click.option("--workers", default=1, type=int, help=_("Server processes."))
def serve(host: str | None, port: int | None, workers: int) -> None:
    import uvicorn

    settings = Settings.load()
    uvicorn.run(
        "huitong.app:asgi",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
        access_log=False,
    )


@cli.command(help=_("Create or upgrade the database: system tables, then the standard objects."))
def migrate() -> None:
    from huitong.engine.search.maintenance import reindex_pending

    platform = _platform()
    platform.migrate()
    indexed = reindex_pending(platform.db, platform.cache)
    if indexed:
        click.echo(_("%(count)s records indexed for search.") % {"count": indexed})
    click.echo(_("The database is up to date."))


@cli.command(help=_("Index records for search: the fields waiting for it, or with --all everything again."))
@click.option("--all", "everything", is_flag=True, help=_("Rebuild the whole search index."))
def reindex(everything: bool) -> None:
    from huitong.engine.search.maintenance import queue_everything, reindex_pending

    platform = _platform()
    if everything:
        with platform.db.write() as connection:
            queue_everything(connection, rebuild=True)
    indexed = reindex_pending(platform.db, platform.cache)
    click.echo(_("%(count)s records indexed for search.") % {"count": indexed})


@cli.group(help=_("Manage users."))
def user() -> None:
    pass


@user.command("add", help=_("Add a user."))
@click.argument("name")
@click.option("--password", required=True)
@click.option("--admin", is_flag=True, help=_("Make the user an administrator."))
@click.option("--display-name", default=None)
def user_add(name: str, password: str, admin: bool, display_name: str | None) -> None:
    platform = _platform()
    with platform.db.write() as connection:
        user_id = users.create_user(connection, name, password, display_name=display_name, is_admin=admin)
    click.echo(_("User %(name)s created (id %(id)s).") % {"name": name, "id": user_id})


@cli.group(help=_("Manage API tokens."))
def token() -> None:
    pass


@token.command("create", help=_("Create an API token that acts as USERNAME; it is shown once."))
@click.argument("username")
@click.option("--name", "label", default="cli", help=_("What the token is for."))
@click.option("--days", default=None, type=int, help=_("Expire after this many days."))
def token_create(username: str, label: str, days: int | None) -> None:
    platform = _platform()
    with platform.db.write() as connection:
        user_id = users.user_id_by_name(connection, username)
        click.echo(users.create_token(connection, user_id, label, days or platform.settings.token_days))


@token.command("list", help=_("List API tokens."))
def token_list() -> None:
    platform = _platform()
    with platform.db.read() as connection:
        for row in users.list_tokens(connection):
            state = _("revoked") if row["revoked"] else _("active")
            click.echo(f"{row['id']}\t{row['user']}\t{row['name']}\t{state}\t{row['created_at']}")


@token.command("revoke", help=_("Revoke an API token."))
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    platform = _platform()
    with platform.db.write() as connection:
        users.revoke_token(connection, token_id)
    click.echo(_("Token %(id)s revoked.") % {"id": token_id})


@cli.command(help=_("Load the demo company (once; does nothing if it is loaded)."))
@click.option("--accounts", default=2000, type=int, help=_("How many accounts to create."))
def demo(accounts: int) -> None:
    from huitong.demo import load_demo

    platform = _platform()
    platform.migrate()
    click.echo(load_demo(platform, accounts))


@cli.command(help=_("Empty the recycle bin of records deleted longer ago than the retention period."))
@click.option("--days", default=None, type=click.IntRange(min=0), help=_("Purge what was deleted more than DAYS ago."))
def purge(days: int | None) -> None:
    from huitong.engine.jobs.queue import run_purge

    click.echo(_("%(count)s records purged from the recycle bin.") % {"count": run_purge(_platform(), days)})


@cli.command(help=_("Run background jobs and the scheduler."))
@click.option("--workers", default=2, type=int, help=_("Worker threads."))
def worker(workers: int) -> None:
    from huitong.engine.jobs.queue import Tasks, make_huey

    settings = Settings.load()
    platform = build_platform(settings)
    huey = make_huey(settings)
    Tasks(huey, lambda: platform)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


if __name__ == "__main__":
    main()
