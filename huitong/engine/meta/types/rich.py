"""Rich text: HTML a person formats (paragraphs, bold, lists, links), cleaned with nh3 (the Ammonia sanitizer) on
every write, so it can be shown as HTML anywhere without running what was pasted into it — scripts, styles, event
handler attributes and ``javascript:`` links go. Text sent without markup (a phone's plain text box, an API client,
an import) keeps its lines and paragraphs. Search, lists and exports read its words."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

import nh3

from huitong.engine.meta.types.base import register
from huitong.engine.meta.types.text import LongTextType
from huitong.engine.search.terms import text_terms

if TYPE_CHECKING:
    from huitong.engine.meta.model import FieldDef

MARKUP = re.compile(r"<[A-Za-z/!]")
BLOCK = re.compile(r"<(/?(?:p|div|li|br|h[1-6]|tr|td|th|blockquote)\b)", re.IGNORECASE)


def clean_html(body: str) -> str:
    """``body`` as safe HTML; plain text becomes paragraphs (a blank line) and line breaks, its ``<`` a character."""
    if not MARKUP.search(body):
        blocks = [block.strip("\n") for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if block.strip()]
        body = "".join(f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks)
    return nh3.clean(body, link_rel="noopener noreferrer nofollow")


def plain_text(body: str) -> str:
    """The words of an HTML fragment, as one line."""
    spaced = BLOCK.sub(r" <\1", body)  # paragraphs and list items read as separate words
    return " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())


@register
class RichTextType(LongTextType):
    name = "rich_text"
    widget = "richtext"

    def coerce(self, field: FieldDef, raw: Any) -> Any:
        return super().coerce(field, raw) or None  # markup that cleans away to nothing is no value

    def normalize(self, text: str) -> str:
        return clean_html(text)

    def display(self, field: FieldDef, value: Any) -> str:
        return "" if value is None else plain_text(str(value))

    def search_terms(self, field: FieldDef, value: Any) -> list[tuple[str, bool]]:
        return text_terms(plain_text(str(value))) if value else []
