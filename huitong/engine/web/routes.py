"""Every page router, in the order they must match: a fixed path such as ``/records/{object}/new`` before the
``/records/{object}/{id}`` that would otherwise take "new" for an id."""

from __future__ import annotations

from fastapi import APIRouter

from huitong.engine.web import (
    pages_bulk,
    pages_list,
    pages_record,
    pages_search,
    pages_settings,
    pages_settings_fields,
    pages_settings_users,
    pages_shell,
)

ROUTERS: list[APIRouter] = [pages_shell.router, pages_list.router, pages_bulk.router, pages_record.router]
ROUTERS += [pages_search.router, pages_settings.router, pages_settings_fields.router, pages_settings_users.router]
