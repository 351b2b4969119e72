"""Rendering the module's templates for the engine's pages (the timeline's comments and box) and htmx fragments,
with the same Jinja environment as every page; and a comment's text with its mentions marked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from huitong.engine.i18n import current_locale
from huitong.engine.platform import Platform
from huitong.engine.web.render import environment
from huitong.modules.collaboration.mentions import Person


def html(platform: Platform, request: Any, user: Any, name: str, context: Mapping[str, Any]) -> str:
    folders = tuple(str(module.templates) for module in platform.modules if module.templates)
    template = environment(folders).get_template(name)
    htmx = request is not None and request.headers.get("hx-request") == "true"
    return template.render(request=request, user=user, locale=current_locale.get(), htmx=htmx, **context)


def response(platform: Platform, request: Any, user: Any, name: str, context: Mapping[str, Any],
             headers: Mapping[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    return HTMLResponse(html(platform, request, user, name, context), headers=dict(headers or {}))


def marked(body: str, people: Iterable[Person]) -> Markup:
    """The comment's text, escaped, each "@name" of a mentioned person marked (longest names first, so that "@王小明"
    is not marked as "@王小" plus text)."""
    names = sorted({"@" + name for person in people for name in (person.name, person.username)}, key=len,
                   reverse=True)  # fmt: skip
    text = str(escape(body))
    if not names:
        return Markup(text)  # escaped just above
    pieces: list[str] = []
    position = 0
    lowered = text.lower()
    while position < len(text):
        found = min(((lowered.find(str(escape(name)).lower(), position), name) for name in names),
                    key=lambda pair: (pair[0] if pair[0] >= 0 else len(text), -len(pair[1])))  # fmt: skip
        start, name = found
        if start < 0:
            break
        end = start + len(str(escape(name)))
        pieces += [text[position:start], f'<span class="mention">{text[start:end]}</span>']
        position = end
    pieces.append(text[position:])
    return Markup("".join(pieces))  # slices of the escaped text and our own tag
