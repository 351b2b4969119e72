"""Notes are rich text (the engine's ``rich_text`` type cleans their HTML on every write, engine/meta/types/rich.py);
a note without a title is named by its first words."""

from __future__ import annotations

from huitong.engine.meta.types.rich import clean_html as clean
from huitong.engine.meta.types.rich import plain_text
from huitong.engine.records.context import HookCall

__all__ = ["clean", "clean_note", "plain_text"]
TITLE_LENGTH = 60


def clean_note(call: HookCall) -> None:
    """A before-hook of notes: a title from the body's first words when none is given."""
    values, before = call.values, call.before or {}
    title = values.get("title", before.get("title"))
    body = values.get("body", before.get("body"))
    if not title and isinstance(body, str):
        text = plain_text(body)
        values["title"] = text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
