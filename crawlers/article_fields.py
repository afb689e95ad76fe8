"""What an article's fields may hold once stored, on SQLite and on PostgreSQL alike.

PostgreSQL refuses a string longer than its ``VARCHAR(n)`` column and any text holding a NUL
character, and no driver can encode a lone UTF-16 surrogate; SQLite accepts the first two
silently. Text is therefore cleaned (NUL removed, lone surrogates replaced by U+FFFD), a
language tag is cut to its primary language subtag (``en-US-x-…`` → ``en``) or dropped when it
does not start with one, and a value still too long for its column is reported, never cut.
"""

from __future__ import annotations

import re

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

_NUL = "\x00"
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")
_PRIMARY_LANGUAGE = re.compile(r"[a-z]{2,3}")  # ISO 639-1/2/3; BCP 47 reserves longer ones
_SUBTAG_SEPARATORS = re.compile(r"[-_]")


def clean_text(text: str) -> str:
    """``text`` without NUL characters and with lone surrogates replaced by U+FFFD."""
    return _LONE_SURROGATES.sub("\ufffd", text.replace(_NUL, ""))


def clean_optional(text: str | None) -> str | None:
    """``clean_text`` for an optional value; an empty result is None."""
    if text is None:
        return None
    return clean_text(text) or None


def primary_language(tag: str | None) -> str | None:
    """The primary language subtag of a BCP 47 tag (``en-US``, ``pt_BR``, ``zh-Hant-TW``), lower
    case, or None when the tag does not start with a valid one (``x-klingon``, a 31-letter
    word, an empty string)."""
    if not tag:
        return None
    primary = _SUBTAG_SEPARATORS.split(tag.strip(), maxsplit=1)[0].lower()
    return primary if _PRIMARY_LANGUAGE.fullmatch(primary) else None


def column_lengths(model: type[DeclarativeBase]) -> dict[str, int]:
    """The length of every bounded string column of ``model``'s table, by column name."""
    return {
        column.name: column.type.length
        for column in model.__table__.columns
        if isinstance(column.type, String) and column.type.length
    }


def too_long(values: dict[str, object], lengths: dict[str, int]) -> str | None:
    """Which value is longer than its column allows (the first found), or None."""
    for name, limit in lengths.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            return f"{name} is longer than its column allows ({len(value)} > {limit} characters)"
    return None
