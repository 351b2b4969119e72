"""Notes are rich text: their HTML is cleaned on every write with nh3 (the Ammonia sanitizer), so a note can be
shown as HTML anywhere without running what someone pasted into it: scripts, styles, event handler attributes
(``onclick`` …) and ``javascript:`` links go; formatting (paragraphs, bold, lists, links, tables) stays."""

from __future__ import annotations

import html
import re

import nh3

from huitong.engine.records.context import HookCall

TITLE_LENGTH = 60
BLOCK = re.compile(r"<(/?(?:p|div|li|br|h[1-6]|tr|td|th|blockquote)\b)", re.IGNORECASE)


MARKUP = re.compile(r"<[A-Za-z/!]")


def clean(body: str) -> str:
    """The body as safe HTML. Text typed without markup (a phone's plain text box, an import) keeps its lines and
    paragraphs instead of running together, and a "<" in it stays a character."""
    if not MARKUP.search(body):
        body = as_paragraphs(body)
    return nh3.clean(body, link_rel="noopener noreferrer nofollow")


def as_paragraphs(text: str) -> str:
    blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if block.strip()]
    return "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)


def plain_text(body: str) -> str:
    """The words of an HTML fragment, as one line."""
    spaced = BLOCK.sub(r" <\1", body)  # paragraphs and list items read as separate words
    return " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())


def clean_note(call: HookCall) -> None:
    """A before-hook of notes: the body cleaned, and a title from its first words when none is given."""
    values, before = call.values, call.before or {}
    if isinstance(values.get("body"), str):
        values["body"] = clean(values["body"])
    title = values.get("title", before.get("title"))
    body = values.get("body", before.get("body"))
    if not title and isinstance(body, str):
        text = plain_text(body)
        values["title"] = text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"
