"""Rendering the module's templates to HTML for the engine's pages (a record panel, a home widget) and for htmx
fragments, with the same Jinja environment as every page, and the small helpers those templates use."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from markupsafe import Markup
from starlette.responses import HTMLResponse

from huitong.engine.i18n import _, current_locale
from huitong.engine.meta.model import ObjectDef
from huitong.engine.platform import Platform
from huitong.engine.web.render import environment, field_label
from huitong.modules.activities import sanitize, task_actions
from huitong.modules.activities.moments import instant
from huitong.modules.activities.objects import OPEN_TASK


def html(platform: Platform, request: Any, user: Any, name: str, context: Mapping[str, Any]) -> str:
    folders = tuple(str(module.templates) for module in platform.modules if module.templates)
    template = environment(folders).get_template(name)
    htmx = request is not None and request.headers.get("hx-request") == "true"
    shown = {**helpers(platform.now(), context.get("definition")), **context}
    return template.render(request=request, user=user, locale=current_locale.get(), htmx=htmx, **shown)


def response(platform: Platform, request: Any, user: Any, name: str, context: Mapping[str, Any]) -> HTMLResponse:
    return HTMLResponse(html(platform, request, user, name, context))


def helpers(now: datetime, definition: ObjectDef | None) -> dict[str, Any]:
    def is_late(task: Mapping[str, Any]) -> bool:
        return task.get("status") in OPEN_TASK and bool(task.get("due_at")) and instant(task["due_at"]) < now

    def field_name(name: str) -> str:
        found = definition.fields.get(name) if definition else None
        return field_label(found) if found else name

    return {
        "is_late": is_late, "field_name": field_name, "duration": duration,
        "follow_up": task_actions.follow_up_address,
        # cleaned on write already; cleaned again on the way out, should a note ever arrive another way
        "rich": lambda body: Markup(sanitize.clean(str(body))),
    }  # fmt: skip


def duration(seconds: Any) -> str:
    minutes, rest = divmod(int(seconds or 0), 60)
    if minutes == 0:
        return _("%(seconds)s s") % {"seconds": rest}
    return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": rest}
