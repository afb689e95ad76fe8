"""The hard details of a claim, compared across English, French and Vietnamese.

Near-duplicate claims that differ in one detail (another country, year, month or figure) still
embed close together, so clustering also asks whether two claims' details can both be right.
A claim's details are:

- **years** (1800–2099) and **months** (month names in English and French, and the Vietnamese
  ``tháng 9`` and ``21/9/1973`` forms), so "September 2023", "septembre 2023" and "tháng 9/2023"
  agree;
- **figures**: every other number, without thousands or decimal separators ("160,000",
  "160 000" and "160.000" agree; so do "9.46" and "9,46"), leaving out the days of dates;
- **entities**: countries (with their capitals, demonyms and leaders) and international
  organisations and agreements, from a small gazetteer (``data/gazetteer.json``), so "the
  United States", "les États-Unis", "Hoa Kỳ" and "Washington" are one entity; **places**
  (cities, seas) are kept apart, since reports of one event name different ones.

Two claims conflict on years or months when both state some and none agree; on figures,
entities or places when each states one the other does not (a report that leaves a figure or
an actor out does not conflict, one that names another does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

GAZETTEER_FILE = Path(__file__).resolve().parent / "data" / "gazetteer.json"

# The kinds compared by default (chosen on the cluster set's dev split); "places" and "numbers"
# (the older rule: any shared number, dates included) can be asked for.
DETAIL_KINDS = ("years", "months", "figures", "entities")
COMPARABLE_KINDS = (*DETAIL_KINDS, "places", "numbers")

_MONTHS: dict[str, int] = {
    name: number
    for names in (
        "January February March April May June July August September October November December",
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    )
    for number, name in enumerate(names.split(), 1)
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"\d{1,2}(?:er)?(?:\s*(?:[-–]|et|and)\s*\d{1,2})?"
# "12 April", "1er août", "12–13 December", "les 12 et 13 décembre"; "April 12" (US style)
_NAMED_DATE = re.compile(rf"(?:\b{_DAY}\s+)?\b({_MONTH_NAMES})\b(?:\s+\d{{1,2}}\b(?!\d))?")
# "21/9/1973", "12-13/12/2023", "14–15/4/2025"
_NUMERIC_DATE = re.compile(r"\b\d{1,2}(?:\s*[-–]\s*\d{1,2})?/(\d{1,2})/((?:18|19|20)\d\d)\b")
# "tháng 9", "tháng 3/2018", "ngày 21 tháng 9 năm 1973"
_VI_MONTH = re.compile(
    r"(?:\bngày\s+\d{1,2}\s+)?\btháng\s+(\d{1,2})\b(?:/(?=\d{4}))?", re.IGNORECASE
)
_VI_DAY = re.compile(r"\bngày\s+\d{1,2}(?:\s*[-–]\s*\d{1,2})?\b(?!/)", re.IGNORECASE)
# Currencies named after a country are not that country: "US dollars", "đô la Mỹ"
_CURRENCY = re.compile(
    r"\b(?:US|U\.S\.|American|Singapore|Australian|Canadian|Hong Kong|New Taiwan)\s+dollars?\b"
    r"|\bdollars?\s+(?:américains?|US|singapouriens?|australiens?|canadiens?)\b"
    r"|\bđô\s+la\s+(?:Mỹ|Singapore|Úc|Canada|Hồng Kông)\b"
)
_YEAR = re.compile(r"(?<![\d.,])((?:18|19|20)\d\d)(?![\d])")
# A number, with thousands written as "500,000", "500.000" or, in French, "500 000" (a plain,
# no-break or narrow no-break space before each group of three digits).
_NUMBER = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
_SEPARATORS = re.compile(r"[.,\s\u00a0\u202f]")


@dataclass(frozen=True)
class ClaimDetails:
    """The details of one claim (see the module docstring)."""

    years: frozenset[str] = frozenset()
    months: frozenset[int] = frozenset()
    figures: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()  # every number, dates' included (``number_signature``)
    known: bool = True  # False: only ``numbers`` is known (a member stored by an older caller)


def number_signature(text: str) -> frozenset[str]:
    """The numbers a claim states, without thousands separators ("500 000" == "500,000")."""
    return frozenset(_SEPARATORS.sub("", n) for n in _NUMBER.findall(text))


def numbers_compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """Claims that both state numbers must share at least one of them."""
    return not a or not b or bool(a & b)


@cache
def _gazetteer() -> tuple[re.Pattern[str], dict[str, str], frozenset[str]]:
    """The pattern of every name, the entity each name stands for, and the places."""
    data = json.loads(GAZETTEER_FILE.read_text(encoding="utf-8"))
    groups: list[dict[str, list[str]]] = [data[g] for g in ("countries", "organisations", "places")]
    owner = {name: entity for group in groups for entity, names in group.items() for name in names}
    alternatives = "|".join(re.escape(n) for n in sorted(owner, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    return pattern, owner, frozenset(data["places"])


def named_entities(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The countries and organisations ``text`` names, and the places it names."""
    pattern, owner, places = _gazetteer()
    text = _CURRENCY.sub(" dollars ", text)
    found = {owner[match.group(0)] for match in pattern.finditer(text)}
    return frozenset(found - places), frozenset(found & places)


def _dates(text: str) -> tuple[set[int], str]:
    """The months of the dates in ``text``, and the text with its dates' days and months cut."""
    months: set[int] = set()

    def named(match: re.Match[str]) -> str:
        months.add(_MONTHS[match.group(1)])
        return " "

    def numeric(match: re.Match[str]) -> str:
        months.add(int(match.group(1)))
        return f" {match.group(2)} "

    def vietnamese(match: re.Match[str]) -> str:
        months.add(int(match.group(1)))
        return " "

    text = _NUMERIC_DATE.sub(numeric, text)
    text = _VI_MONTH.sub(vietnamese, text)
    text = _VI_DAY.sub(" ", text)
    text = _NAMED_DATE.sub(named, text)
    return {m for m in months if 1 <= m <= 12}, text


def claim_details(text: str) -> ClaimDetails:
    """The years, months, figures, entities and places of one claim."""
    months, rest = _dates(text)
    years = frozenset(_YEAR.findall(rest))
    rest = _YEAR.sub(" ", rest)
    figures = frozenset(_SEPARATORS.sub("", n) for n in _NUMBER.findall(rest))
    actors, places = named_entities(text)
    return ClaimDetails(
        years=years,
        months=frozenset(months),
        figures=figures,
        entities=actors,
        places=places,
        numbers=number_signature(text),
    )


def _disagree(a: frozenset[str] | frozenset[int], b: frozenset[str] | frozenset[int]) -> bool:
    return bool(a) and bool(b) and not (a & b)


def conflicts(a: ClaimDetails, b: ClaimDetails, kinds: Iterable[str] = DETAIL_KINDS) -> list[str]:
    """The kinds of detail on which ``a`` and ``b`` cannot both be right."""
    found = []
    for kind in kinds:
        if kind in ("entities", "places", "figures"):
            mine, theirs = getattr(a, kind), getattr(b, kind)
            clash = bool(mine - theirs) and bool(theirs - mine)
        elif kind == "numbers":
            clash = not numbers_compatible(a.numbers, b.numbers)
        else:
            clash = _disagree(getattr(a, kind), getattr(b, kind))
        if clash:
            found.append(kind)
    return found


def agreements(a: ClaimDetails, b: ClaimDetails, kinds: Iterable[str]) -> list[str]:
    """The kinds of detail that ``a`` and ``b`` both state and share a value of."""
    if not (a.known and b.known):
        return []
    return [kind for kind in kinds if getattr(a, kind) & getattr(b, kind)]
