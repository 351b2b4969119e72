"""Extract, update and check the translation catalogs under ``huitong/locale``.

Run as ``python -m scripts.i18n extract|update|check`` (see docs/i18n.md):

- ``extract`` writes ``huitong/locale/messages.pot`` from every ``_()``/``gettext()`` call (and ``N_()``, marked to translate later) under ``huitong/``;
- ``update`` extracts, then merges the template into each locale's ``messages.po``: translations are kept, new
  messages are added, messages gone from the code are kept as obsolete (``#~``) entries; in ``en`` every
  translation is the message itself, so that catalog is always complete;
- ``translate FILE`` sets zh_CN translations from a JSON file ``{msgid: translation}``;
- ``check`` exits non-zero listing every message missing, untranslated or still fuzzy in a catalog, every
  translation whose ``%(name)s`` placeholders differ from the message's, and every call that cannot be extracted.

The check extracts from the source itself rather than reading the ``.pot``, so a new ``_()`` string fails it even
when nobody has run ``update`` yet.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import PoFileError, read_po, write_po

from huitong.engine.i18n import LOCALE_DIR, LOCALES

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "huitong"
TEMPLATE_PATH = LOCALE_DIR / "messages.pot"
# The messages are written in English, so the en catalog translates each message to itself.
SOURCE_LOCALE = "en"
PROJECT = "Huitong CRM"
CONTRIBUTORS = "Huitong CRM contributors"
DESCRIPTION = "Extract, update and check the translation catalogs under huitong/locale."
TEMPLATE_HEADER = (
    "# Translation template for Huitong CRM (汇通).\n"
    "# Written by `python -m scripts.i18n extract`; do not edit by hand, see docs/i18n.md.\n#"
)
CATALOG_HEADER = (
    "# {locale} translations for Huitong CRM (汇通).\n"
    "# Kept up to date by `python -m scripts.i18n update`; edit the msgstr lines, see docs/i18n.md.\n#"
)
# The names huitong.engine.i18n exports for translating; None means "the first argument is the message".
KEYWORDS: dict[str, None] = {"_": None, "gettext": None, "N_": None, "gettext_noop": None}
JINJA = "jinja2.ext:babel_extract"
TRANSLATOR_COMMENT_TAG = "Translators:"

# A named conversion such as %(name)s, the only kind the code uses. ``%%`` (a literal percent sign) is matched too
# so that the text after it is not misread; a lone % elsewhere is plain text, as in a message the code never formats.
PLACEHOLDER = re.compile(r"%%|%\((?P<name>[^)]*)\)[#0 +-]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
# Header lines that change on every run; ignoring them when comparing keeps a re-run from rewriting the files.
VOLATILE_HEADER = re.compile(rb'^"(?:POT-Creation-Date|PO-Revision-Date): [^"]*"\n', re.MULTILINE)


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def template_files() -> list[Path]:
    """The page templates: they translate with ``_("…")`` as the Python code does."""
    return sorted(PACKAGE_DIR.rglob("templates/**/*.html"))


def source_files() -> list[Path]:
    """Every Python file of the package; one list serves extraction and the literal check so they agree.

    Babel's own directory walk skips folders whose names start with ``_``, which would silently drop a private
    package's messages; only caches and hidden folders are skipped here.
    """
    return sorted(
        path
        for path in PACKAGE_DIR.rglob("*.py")
        if not any(part.startswith(".") or part == "__pycache__" for part in path.relative_to(PACKAGE_DIR).parts)
    )


def extract_template() -> Catalog:
    """The catalog template: every message marked in the code, with the files that use it."""
    template = Catalog(
        header_comment=TEMPLATE_HEADER, project=PROJECT, version=version("huitong"), charset="utf-8", fuzzy=False
    )
    sources = [("python", path) for path in source_files()] + [(JINJA, path) for path in template_files()]
    for method, path in sources:
        for lineno, message, comments, context in extract_from_file(
            method,
            path,
            keywords=KEYWORDS,
            comment_tags=(TRANSLATOR_COMMENT_TAG,),
            strip_comment_tags=True,
            options={"trim_blocks": "true", "lstrip_blocks": "true"} if method == JINJA else None,
        ):
            # Adding a message twice merges its locations, so each msgid appears once.
            template.add(message, None, [(relative(path), lineno)], auto_comments=comments, context=context)
    return template


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    # Sorted by msgid and without line numbers, so moving code around or editing other files leaves the
    # catalogs unchanged: fewer merge conflicts while several people add strings at once. The previous msgid of a
    # fuzzy entry (#|) is left out because Babel reads it back as a plain comment that would then stay forever.
    write_po(buffer, catalog, sort_output=True, include_lineno=False)
    return buffer.getvalue()


def write_if_changed(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` to ``path`` unless only its dates would change; True when the file was written."""
    if path.exists() and VOLATILE_HEADER.sub(b"", path.read_bytes()) == VOLATILE_HEADER.sub(b"", render(catalog)):
        return False
    if catalog.locale is not None:
        # A template has no revision date; a translated catalog records when it last changed.
        catalog.revision_date = datetime.now(UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(catalog))
    return True


def read_catalog(path: Path, locale: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, abort_invalid=True)


def merge(template: Catalog, locale: str) -> Catalog:
    """The locale's catalog brought up to date with ``template``; translations already made are kept."""
    path = catalog_path(locale)
    if path.exists():
        catalog = read_catalog(path, locale)
    else:
        catalog = Catalog(
            locale=locale,
            header_comment=CATALOG_HEADER.format(locale=locale),
            project=PROJECT,
            last_translator=CONTRIBUTORS,
            language_team=CONTRIBUTORS,
            charset="utf-8",
            fuzzy=False,
        )
    # Give obsolete entries back to the merge so that a message which returns to the code (a revert, say)
    # gets its old translation again; whatever is still unused goes back to obsolete.
    for message in list(catalog.obsolete.values()):
        catalog[message.id] = message
    catalog.obsolete.clear()
    catalog.update(template)
    catalog.project, catalog.version = template.project, template.version
    if locale == SOURCE_LOCALE:
        for message in catalog:
            if message.id:
                message.string = message.id
                message.flags.discard("fuzzy")
    return catalog


def needs_translation(catalog: Catalog) -> list[str]:
    return [str(message.id) for message in catalog if message.id and (not message.string or message.fuzzy)]


def placeholders(text: str) -> list[str]:
    """The distinct named placeholders of ``text``; a translation may use one twice, as the values come by name."""
    return sorted({match.group(0) for match in PLACEHOLDER.finditer(text) if match.group("name") is not None})


def placeholder_problem(message_id: str, translation: str) -> str | None:
    """Why ``translation`` would break or lose a value when the code formats it, or None when it is fine."""
    expected, found = placeholders(message_id), placeholders(translation)
    if expected != found:
        return f"placeholders differ: the message has {expected}, the translation has {found}"
    if expected:
        # The code formats this message with a dict; a stray % in the translation would raise at run time.
        try:
            translation % defaultdict(int)
        except (KeyError, TypeError, ValueError):
            return "the translation has a % that is not a placeholder (write %% for a percent sign)"
    return None


def callee_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def unextractable_calls() -> Iterator[str]:
    """Translation calls whose message is not one plain string literal: Babel skips or garbles them.

    ``_(f"...")`` and ``_(variable)`` are skipped, and ``_("a" + b)`` would be extracted as "a"; either way the
    text shown to users has no translation. Format after translating instead: ``_("... %(name)s") % {...}``.
    """
    for path in source_files():
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or callee_name(node) not in KEYWORDS:
                continue
            argument = node.args[0] if len(node.args) == 1 and not node.keywords else None
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str) and argument.value):
                yield (
                    f"{relative(path)}:{node.lineno}: {callee_name(node)}() needs one non-empty string literal, "
                    f"not {ast.unparse(node)}"
                )


def find_problems() -> list[str]:
    """Everything that keeps the catalogs from translating every message correctly, one line each."""
    problems = list(unextractable_calls())
    template = extract_template()
    for locale in LOCALES:
        path = catalog_path(locale)
        if not path.exists():
            problems.append(f"{relative(path)}: the catalog does not exist")
            continue
        try:
            catalog = read_catalog(path, locale)
        except PoFileError as error:
            problems.append(f"{relative(path)}: cannot be read ({error})")
            continue
        for message in template:
            if not message.id:
                continue
            message_id = str(message.id)
            entry = catalog.get(message.id, message.context)
            if entry is None:
                problems.append(f"{locale}: missing {message_id!r}")
            elif not entry.string:
                problems.append(f"{locale}: untranslated {message_id!r}")
            elif entry.fuzzy:
                problems.append(f"{locale}: fuzzy (review the translation, then drop the flag) {message_id!r}")
            else:
                problem = placeholder_problem(message_id, str(entry.string))
                if problem:
                    problems.append(f"{locale}: {problem}: {message_id!r}")
    return problems


def extract() -> Catalog:
    template = extract_template()
    written = write_if_changed(TEMPLATE_PATH, template)
    print(f"{relative(TEMPLATE_PATH)}: {len(template)} messages{'' if written else ' (unchanged)'}")
    return template


def update() -> None:
    template = extract()
    for locale in LOCALES:
        catalog = merge(template, locale)
        path = catalog_path(locale)
        written = write_if_changed(path, catalog)
        pending = needs_translation(catalog)
        print(
            f"{relative(path)}: {len(catalog)} messages, {len(catalog.obsolete)} obsolete, "
            f"{len(pending)} to translate{'' if written else ' (unchanged)'}"
        )
        for message_id in pending:
            print(f"  {message_id}")


def translate(path: Path, locale: str = "zh_CN") -> None:
    """Fill ``locale``'s translations from a JSON file ``{msgid: translation}`` (after ``update``); unknown msgids
    are reported, not added, so a typo cannot create a message the code never asks for."""
    translations = json.loads(path.read_text(encoding="utf-8"))
    catalog = read_catalog(catalog_path(locale), locale)
    for message_id, translation in translations.items():
        message = catalog.get(message_id)
        if message is None:
            print(f"  not in the catalog: {message_id}")
            continue
        message.string = translation
        message.flags.discard("fuzzy")
    write_if_changed(catalog_path(locale), catalog)
    print(f"{relative(catalog_path(locale))}: {len(needs_translation(catalog))} to translate")


def check() -> int:
    problems = find_problems()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problems; translate in huitong/locale/*/LC_MESSAGES/messages.po after running update")
        return 1
    print("every message is translated in " + ", ".join(LOCALES))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.i18n", description=DESCRIPTION)
    parser.add_argument("command", choices=("extract", "update", "check", "translate"))
    parser.add_argument("file", nargs="?", type=Path, help="translate: a JSON file {msgid: zh_CN translation}")
    arguments = parser.parse_args(argv)
    command = arguments.command
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "translate":
        if arguments.file is None:
            parser.error("translate needs a JSON file")
        translate(arguments.file)
    else:
        return check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
