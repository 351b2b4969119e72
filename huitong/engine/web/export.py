"""Export of a list as its reader sees it: the same filter, sort and columns as on screen, every page, as CSV or
Excel.

Only what the reader may see: their schema has no hidden field, so a ``columns=`` naming one drops it, and a filter
or sort on one is refused as the API refuses it; the Listing applies the access predicate to every row. Values
read as on the page (picklist labels, user names, lookup titles: ``cells``). Rows are read with the keyset cursor
in batches of ``BATCH``, each batch in its own short read, so memory stays flat however long the list. An export
holds at most ``MAX_ROWS`` rows (a larger one is refused, saying so) and is recorded in the setup audit trail
(action ``records.export``: who, which object, how many rows, the filter, the sort and the columns).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from huitong.engine.errors import bad_request
from huitong.engine.formatting import current_zone
from huitong.engine.i18n import _, localized, use_locale
from huitong.engine.meta.model import FieldDef, ObjectDef
from huitong.engine.platform import Platform
from huitong.engine.query.listing import Listing
from huitong.engine.security import audit
from huitong.engine.web import cells
from huitong.engine.web.listing_state import ListState
from huitong.engine.web.render import field_label
from huitong.engine.web.session import PageUser

BATCH = 1000
MAX_ROWS = 100_000
NUMERIC_WIDGETS = frozenset({"number", "decimal", "currency", "percent"})
# A text cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(…)"): CSV injection.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Control characters an .xlsx file cannot hold.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Export:
    """What one export writes, decided (and audited) before its first row is read."""

    object_name: str
    state: ListState
    columns: list[str]
    headers: list[str]
    total: int
    title: str


def columns_of(definition: ObjectDef, state: ListState) -> list[FieldDef]:
    """The list's columns as the reader may see them (a hidden one named in the address is simply not there)."""
    return cells.columns_named(definition, state.columns or []) or cells.default_columns(definition)


def prepare(platform: Platform, user: PageUser, object_name: str, state: ListState, file_format: str) -> Export:
    """Check the export (object readable, filter valid for this reader, not too large), then audit it."""
    with platform.records.reading_object(user.actor, object_name) as (connection, actor, schema, definition):
        columns = columns_of(definition, state)
        query = {**state.query(definition, ["id"]), "limit": 1, "count": True}
        query.pop("cursor", None)
        total = int(
            Listing(schema, definition, actor, platform.access, platform.filter_env(), query).run(connection)["total"]
        )
        headers = [field_label(field) for field in columns]
        title = localized(definition.plural_label, localized(definition.label, definition.name))
    if total > MAX_ROWS:
        message = _(
            "This view has %(count)s records; an export holds at most %(limit)s. Narrow the filter and try again."
        )
        raise bad_request(message % {"count": f"{total:,}", "limit": f"{MAX_ROWS:,}"}, code="export_too_large")
    names = [field.name for field in columns]
    detail = {
        "format": file_format, "rows": total, "filter": [list(pair) for pair in state.conditions],
        "q": state.text or None, "sort": state.sort, "columns": names, "view": state.view,
    }  # fmt: skip
    with platform.records.transaction(user.actor) as context:
        audit.record(context.connection, context.actor.user_id, "records.export", object_name, detail, now=context.now)
    return Export(object_name, state, names, headers, total, title)


@contextmanager
def as_reader(user: PageUser) -> Iterator[None]:
    """The reader's language and time zone, for one step (a generator resumes in another context each time)."""
    token = current_zone.set(user.zone)
    try:
        with use_locale(user.locale):
            yield
    finally:
        current_zone.reset(token)


def batches(platform: Platform, user: PageUser, export: Export) -> Iterator[list[list[tuple[FieldDef, Any, str]]]]:
    """The rows, ``BATCH`` at a time, each cell as (field, stored JSON value, text as shown); at most ``MAX_ROWS``."""
    cursor: str | None = None
    sent = 0
    while sent < MAX_ROWS:
        with as_reader(user), platform.records.reading(user.actor) as (connection, actor, schema):
            definition = schema.object(export.object_name)
            columns = [definition.fields[name] for name in export.columns if name in definition.fields]
            query = {**export.state.query(definition, cells.listing_fields(schema, columns)), "limit": BATCH}
            query.pop("cursor", None)
            if cursor:
                query["cursor"] = cursor
            page = Listing(schema, definition, actor, platform.access, platform.filter_env(), query).run(connection)
            records = page["records"][: MAX_ROWS - sent]
            names = cells.user_names(connection, cells.users_on(records, columns))
            rows = [
                [(field, record.get(field.name), cells.cell(schema, field, record, names).text) for field in columns]
                for record in records
            ]
            if rows and columns and columns[0].name == definition.title_field:  # as the list shows a row: "#id"
                for row, record in zip(rows, records, strict=True):
                    if not row[0][2]:
                        row[0] = (row[0][0], row[0][1], f"#{record['id']}")
        sent += len(rows)
        if rows:
            yield rows
        cursor = page["next_cursor"]
        if not cursor:
            return


def safe_text(field: FieldDef, text: str) -> str:
    """A text a spreadsheet will not run: one starting like a formula gets a leading apostrophe (numbers keep
    their minus sign)."""
    if text.startswith(FORMULA_START) and field.field_type.widget not in NUMERIC_WIDGETS:
        return "'" + text
    return text


def csv_chunks(platform: Platform, user: PageUser, export: Export) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly; one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export.headers)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for rows in batches(platform, user, export):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows([safe_text(field, text) for field, _value, text in row] for row in rows)
        yield buffer.getvalue().encode("utf-8")


def sheet_title(title: str) -> str:
    return (SHEET_TITLE_FORBIDDEN.sub(" ", title).strip() or "Export")[:31]


def xlsx_value(field: FieldDef, value: Any, text: str) -> Any:
    """Numbers and dates as Excel's own (so they sum and sort); everything else as shown on the page."""
    widget = field.field_type.widget
    if value is not None and widget in NUMERIC_WIDGETS and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return text
    if value and widget == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return text
    return ILLEGAL_XML.sub("", text)


def xlsx_file(platform: Platform, user: PageUser, export: Export) -> IO[bytes]:
    """The workbook, written row by row (openpyxl's write-only mode) into a temporary file, rewound."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(export.title))
    bold = Font(bold=True)
    header = []
    for text in export.headers:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_XML.sub("", text))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for rows in batches(platform, user, export):
        for row in rows:
            sheet.append([xlsx_cell(sheet, field, value, text) for field, value, text in row])
    target: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (streamed, then closed)
    workbook.save(target)
    target.seek(0)
    return target


def xlsx_cell(sheet: Any, field: FieldDef, value: Any, text: str) -> Any:
    shown = xlsx_value(field, value, text)
    if isinstance(shown, str):
        cell = WriteOnlyCell(sheet, value=shown)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return cell
    cell = WriteOnlyCell(sheet, value=shown)
    if isinstance(shown, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def file_chunks(file: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := file.read(size):
            yield chunk
    finally:
        file.close()


def filename(object_name: str, export_format: str, today: date) -> str:
    return f"{object_name}-{today:%Y%m%d}.{export_format}"
