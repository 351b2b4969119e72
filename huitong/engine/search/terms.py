"""Search terms: what a value is found by. Pure functions, no database.

Every term is lower-case letters and digits (Chinese characters included) with everything else removed, so that a
query is normalized the same way (``138-1234-5678`` → ``13812345678``, ``Zhang San`` → ``zhangsan``). A value
contributes the suffixes of its normalized forms that start at a unit (a Chinese character, a word, a pinyin
syllable), so that finding any substring that starts at a unit is one prefix range scan over the terms:

- 张三丰  → 张三丰, 三丰; zhangsanfeng, sanfeng, feng; zsf, sf
- Acme Trading Ltd → acmetradingltd, tradingltd, ltd
- a phone's digits → every suffix of four digits or more (``5678`` finds 138-1234-5678)

Suffixes shorter than two characters are left out (but a whole value of one character is kept): a one-character
query finds values that start with it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin import lazy_pinyin

MAX_TERM = 32  # characters of a term (and of a query) that count
MAX_STARTS = 24  # suffixes start within the first 24 units of a value
MIN_SUFFIX = 2
MIN_DIGITS = 4
Term = tuple[str, bool]  # (term, whether it starts at the beginning of the value)
EXTENSION = re.compile(r"(?:ext\.?|x|转)", re.IGNORECASE)


def is_hanzi(character: str) -> bool:
    code = ord(character)
    return (
        0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2EBEF or 0xF900 <= code <= 0xFAFF
    )


def units(text: str) -> list[tuple[str, bool]]:
    """The units of a text, normalized: each Chinese character alone, each run of other letters and digits."""
    found: list[tuple[str, bool]] = []
    word: list[str] = []
    for character in unicodedata.normalize("NFKC", text).lower():
        if is_hanzi(character):
            if word:
                found.append(("".join(word), False))
                word = []
            found.append((character, True))
        elif character.isalnum():
            word.append(character)
        elif word:
            found.append(("".join(word), False))
            word = []
    if word:
        found.append(("".join(word), False))
    return found


@lru_cache(maxsize=65536)
def _syllables(run: str) -> tuple[str, ...]:
    """Pinyin of a run of Chinese characters, read together so that words get their usual reading (重庆 chongqing)."""
    syllables = lazy_pinyin(run, errors=lambda characters: list(characters))  # type: ignore[arg-type,return-value]
    return tuple(syllables) if len(syllables) == len(run) else tuple(run)


def pinyin_units(parts: list[tuple[str, bool]]) -> list[str]:
    """The units with every Chinese character replaced by its pinyin syllable."""
    found: list[str] = []
    run: list[str] = []
    for text, hanzi in [*parts, ("", False)]:
        if hanzi:
            run.append(text)
            continue
        if run:
            found += _syllables("".join(run))
            run = []
        if text:
            found.append(text)
    return found


def suffixes(parts: list[str], minimum: int = MIN_SUFFIX) -> list[Term]:
    """Suffixes of the joined units that start at a unit; the whole value always, others of ``minimum`` or more."""
    found: list[Term] = []
    for start in range(min(len(parts), MAX_STARTS)):
        term = "".join(parts[start:])[:MAX_TERM]
        if start == 0 or len(term) >= minimum:
            found.append((term, start == 0))
    return found


def text_terms(text: str) -> list[Term]:
    """Terms of a text: the text itself, and for Chinese its pinyin and its initials (zhangsan, zs → 张三)."""
    parts = units(text)
    if not parts:
        return []
    found = suffixes([unit for unit, _hanzi in parts])
    if any(hanzi for _unit, hanzi in parts):
        syllables = pinyin_units(parts)
        found += suffixes(syllables)
        initials = [
            syllable[:1] if hanzi else syllable for syllable, hanzi in zip(syllables, _hanzi_flags(parts), strict=True)
        ]
        found += suffixes(initials)
    return unique(found)


def _hanzi_flags(parts: list[tuple[str, bool]]) -> list[bool]:
    return [hanzi for _unit, hanzi in parts]


def digit_terms(text: str) -> list[Term]:
    """Terms of a phone number: every suffix of its digits of four or more (the extension left out)."""
    main = EXTENSION.split(text, maxsplit=1)[0]
    digits = "".join(character for character in unicodedata.normalize("NFKC", main) if character.isdigit())
    return suffixes(list(digits), MIN_DIGITS) if digits else []


def unique(terms: list[Term]) -> list[Term]:
    """Each term once; one that starts the value wins over the same text further in."""
    found: dict[str, bool] = {}
    for term, at_start in terms:
        found[term] = found.get(term, False) or at_start
    return list(found.items())


def normalize_query(query: str) -> str:
    """A query as the terms are written: lower-case letters and digits only, at most MAX_TERM characters."""
    return "".join(unit for unit, _hanzi in units(query))[:MAX_TERM]


def upper_bound(prefix: str) -> str:
    """The smallest string after every string that starts with ``prefix`` (in code-point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
