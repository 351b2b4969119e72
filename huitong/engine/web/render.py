"""One Jinja environment for every page: autoescaped, translated with the catalogs, modules' templates beside ours.

Templates translate with ``_("…")`` and format with ``% {"name": …}`` after translating, as the Python code does,
so ``python -m scripts.i18n`` extracts and checks their messages too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse

from huitong.engine import formatting
from huitong.engine.i18n import current_locale, gettext, localized
from huitong.engine.meta.model import FieldDef
from huitong.engine.meta.schema import Schema
from huitong.engine.meta.types.rich import clean_html
from huitong.engine.platform import Platform
from huitong.engine.records.context import Actor
from huitong.engine.web.session import PageUser

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def environment(module_templates: tuple[str, ...] = ()) -> Environment:
    loader = FileSystemLoader([*module_templates, str(TEMPLATES)])
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(_=gettext, gettext=gettext, localized=localized, zip=zip)
    env.filters["label"] = lambda labels, fallback="": localized(labels, fallback)
    env.filters["moment"] = formatting.moment
    env.filters["rich"] = lambda html: Markup(clean_html(str(html or "")))  # cleaned again on the way out
    env.filters["local_input"] = formatting.local_input
    env.filters["currency_symbol"] = formatting.currency_symbol
    return env


@dataclass(frozen=True)
class NavItem:
    name: str
    label: str
    plural: str
    creatable: bool


@dataclass(frozen=True)
class NavGroup:
    name: str
    label: str
    objects: list[NavItem]
    screens: list[tuple[str, str]] = field(default_factory=list)  # (label, address) of the module's own pages


def navigation(platform: Platform, schema: Schema, actor: Actor) -> list[NavGroup]:
    """The objects the user may read, grouped by module in the platform's order, custom objects last; a module
    none of whose objects they may read is absent. A module that names its sidebar objects lists only those."""
    sidebars = {module.name: list(module.sidebar) for module in platform.modules if module.sidebar is not None}
    groups: dict[str | None, list[NavItem]] = {}
    for definition in schema.objects.values():
        listed = sidebars.get(definition.module or "")
        if listed is not None and definition.name not in listed:
            continue
        if platform.access.may(actor, definition, "read"):
            label = localized(definition.label, definition.name)
            item = NavItem(definition.name, label, localized(definition.plural_label, label),
                           platform.access.may(actor, definition, "create"))  # fmt: skip
            groups.setdefault(definition.module, []).append(item)
    labels = {module.name: localized(module.label, module.name) for module in platform.modules}
    order = [*labels, None]
    named = sorted(groups, key=lambda name: order.index(name) if name in order else len(order))
    screens = {
        module.name: [
            (localized(screen.label, screen.url), screen.url)
            for screen in module.screens
            if screen.object in schema.objects and platform.access.may(actor, schema.objects[screen.object], "read")
        ]
        for module in platform.modules
    }

    def in_order(name: str | None, items: list[NavItem]) -> list[NavItem]:
        listed = sidebars.get(name or "")
        if listed is None:
            return sorted(items, key=lambda item: item.plural)
        return sorted(items, key=lambda item: listed.index(item.name))

    return [
        NavGroup(
            name or "custom",
            labels.get(name or "", name or "") if name else gettext("Custom objects"),
            in_order(name, groups[name]),
            screens.get(name or "", []),
        )
        for name in named
    ]


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    *,
    user: PageUser | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    platform: Platform = request.app.state.platform
    folders = tuple(str(module.templates) for module in platform.modules if module.templates)
    template = environment(folders).get_template(name)
    top_bar = [item for module in platform.modules for item in module.top_bar]
    user_menu = [(localized(label, url), url) for module in platform.modules for label, url in module.user_menu]
    html = template.render(
        request=request, user=user, locale=current_locale.get(), htmx=request.headers.get("hx-request") == "true",
        top_bar=top_bar, user_menu=user_menu, **context,
    )  # fmt: skip
    return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def field_label(field: FieldDef) -> str:
    return localized(field.label, field.name)
