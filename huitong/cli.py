"""The ``huitong`` command: serve, migrate, users and tokens, demo data, purge, worker."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from huitong.app import build_platform
from huitong.config import Settings
from huitong.engine.errors import HuitongError
from huitong.engine.security import users


def _platform() -> Any:
    return build_platform(Settings.load())


def main() -> None:
    try:
        cli(standalone_mode=True)
    except HuitongError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


@click.group()
def cli() -> None:
    """Huitong CRM (汇通)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@cli.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--workers", default=1, type=int, help="Server processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the web application and the API."""
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


@cli.command()
def migrate() -> None:
    """Create or upgrade the database: system tables, then the standard objects."""
    platform = _platform()
    platform.migrate()
    click.echo("database is up to date")


@cli.group()
def user() -> None:
    """Manage users."""


@user.command("add")
@click.argument("name")
@click.option("--password", required=True)
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--display-name", default=None)
def user_add(name: str, password: str, admin: bool, display_name: str | None) -> None:
    platform = _platform()
    with platform.db.write() as connection:
        user_id = users.create_user(connection, name, password, display_name=display_name, is_admin=admin)
    click.echo(f"user {name} created (id {user_id})")


@cli.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", "label", default="cli", help="What the token is for.")
@click.option("--days", default=None, type=int, help="Expire after this many days.")
def token_create(username: str, label: str, days: int | None) -> None:
    """Create an API token that acts as USERNAME; it is shown once."""
    platform = _platform()
    with platform.db.write() as connection:
        user_id = users.user_id_by_name(connection, username)
        click.echo(users.create_token(connection, user_id, label, days or platform.settings.token_days))


@token.command("list")
def token_list() -> None:
    platform = _platform()
    with platform.db.read() as connection:
        for row in users.list_tokens(connection):
            state = "revoked" if row["revoked"] else "active"
            click.echo(f"{row['id']}\t{row['user']}\t{row['name']}\t{state}\t{row['created_at']}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    platform = _platform()
    with platform.db.write() as connection:
        users.revoke_token(connection, token_id)
    click.echo(f"token {token_id} revoked")


@cli.command()
@click.option("--accounts", default=600, type=int, help="How many accounts to create.")
def demo(accounts: int) -> None:
    """Load demo data (once; does nothing if the demo administrator exists)."""
    from huitong.demo import load_demo

    platform = _platform()
    platform.migrate()
    click.echo(load_demo(platform, accounts))


@cli.command()
@click.option("--days", default=None, type=click.IntRange(min=0), help="Purge what was deleted more than DAYS ago.")
def purge(days: int | None) -> None:
    """Empty the recycle bin of records deleted longer ago than the retention period."""
    from huitong.engine.jobs.queue import run_purge

    click.echo(f"purged {run_purge(_platform(), days)} records")


@cli.command()
@click.option("--workers", default=2, type=int, help="Worker threads.")
def worker(workers: int) -> None:
    """Run background jobs and the scheduler."""
    from huitong.engine.jobs.queue import Tasks, make_huey

    settings = Settings.load()
    platform = build_platform(settings)
    huey = make_huey(settings)
    Tasks(huey, lambda: platform)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


if __name__ == "__main__":
    main()
