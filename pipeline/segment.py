"""Sentence segmentation for English, French and Vietnamese, with a fallback for any language.

A boundary is sentence-final punctuation (``. ! ? …``, and ``。！？`` without a following space)
followed by a space and a capital letter, digit, opening quote or a letter of a script without
capitals (Chinese, Japanese, Thai…), except after a known abbreviation of the language (``Mr.``,
``Mme.``, ``TP.``, ``PGS.``…), an initial (``J.``), or inside a short quotation, so quotes and
numbers (``3.5``, ``15.8.2023``) stay whole. Paragraph breaks always end a sentence. French
spacing (``Quoi ?``, ``« … »``) is understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_SENTENCE_CHARS = 1000
MAX_QUOTE_CHARS = 400

_COMMON = {
    "etc",
    "vs",
    "cf",
    "ca",
    "approx",
    "no",
    "nos",
    "st",
    "dr",
    "prof",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "fig",
    "vol",
    "p",
    "pp",
}
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset(
        _COMMON
        | {
            "mr",
            "mrs",
            "ms",
            "jr",
            "sr",
            "gen",
            "col",
            "lt",
            "maj",
            "capt",
            "sen",
            "rep",
            "gov",
            "pres",
            "rev",
            "hon",
            "inc",
            "ltd",
            "co",
            "corp",
            "dept",
            "univ",
            "e.g",
            "i.e",
            "u.s",
            "u.k",
            "u.n",
            "a.m",
            "p.m",
            "mt",
            "ft",
            "est",
            "no",
        }
    ),
    "fr": frozenset(
        _COMMON
        | {
            "m",
            "mm",
            "mme",
            "mmes",
            "mlle",
            "mlles",
            "pr",
            "me",
            "mgr",
            "ste",
            "av",
            "apr",
            "j.-c",
            "env",
            "chap",
            "art",
            "éd",
            "coll",
            "min",
            "max",
            "tél",
            "bd",
            "n°",
        }
    ),
    "vi": frozenset(
        _COMMON
        | {
            "tp",
            "tt",
            "ts",
            "ths",
            "th.s",
            "pgs",
            "gs",
            "bs",
            "ks",
            "cn",
            "pgs.ts",
            "gs.ts",
            "q",
            "p",
            "tx",
            "h",
            "v.v",
            "đ",
            "tr",
            "ng",
            "ubnd",
            "hđnd",
            "nxb",
            "sđt",
        }
    ),
}
FALLBACK = frozenset(_COMMON | {"mr", "mrs", "ms", "dr", "e.g", "i.e"})

# Final punctuation (with closing quotes/brackets), whitespace, then a word character (after an
# optional opening quote or bracket).
_BOUNDARY = re.compile(
    r"(?P<end>(?:\.{3}|…|[.!?])+[ \u00a0]?[\"'”’»)\]]*)(?P<space>\s+)(?=[\"'“‘«(\[]?\s?\w)"
)
_CJK_END = re.compile(r"(?<=[。！？])")
_OPENING = {"“": "”", "«": "»", '"': '"', "‘": "’"}


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


def _abbreviations(language: str | None) -> frozenset[str]:
    return ABBREVIATIONS.get(language or "", FALLBACK)


def _last_token(text: str) -> str:
    token = text.rsplit(None, 1)[-1] if text.split() else ""
    return token.strip("\"'“‘«([").rstrip(".!?…").lower()


def _inside_short_quote(text: str) -> bool:
    """Whether ``text`` ends inside a quotation opened less than MAX_QUOTE_CHARS ago."""
    open_at = -1
    closer = ""
    for index, char in enumerate(text):
        if open_at < 0 and char in _OPENING and (char != '"' or text.count('"', 0, index) % 2 == 0):
            open_at, closer = index, _OPENING[char]
        elif open_at >= 0 and char == closer and index != open_at:
            open_at = -1
    return open_at >= 0 and len(text) - open_at <= MAX_QUOTE_CHARS


def _caseless_letter(char: str) -> bool:
    """A letter of a script without capitals (Chinese, Japanese, Thai, Arabic…), which can begin
    a sentence."""
    return char.isalpha() and char.lower() == char.upper()


def _is_boundary(before: str, after: str, end: str, abbreviations: frozenset[str]) -> bool:
    if end.startswith(("...", "…")) and after[:1].islower():
        return False
    if end.rstrip("\"'”’»)] ") == ".":
        token = _last_token(before + ".")
        if token in abbreviations or (len(token) == 1 and token.isalpha()):
            return False
    first = after.lstrip("\"'“‘«([ ")[:1]
    if first and not (first.isupper() or first.isdigit() or _caseless_letter(first)):
        return False
    return not _inside_short_quote(before + end)


def _split_paragraph(paragraph: str, offset: int, abbreviations: frozenset[str]) -> list[Sentence]:
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        before = paragraph[start : match.start("end")]
        after = paragraph[match.end("space") :]
        if _is_boundary(before, after, match.group("end"), abbreviations):
            end = match.end("end")
            sentences.append(Sentence(paragraph[start:end].strip(), offset + start, offset + end))
            start = match.end("space")
    if paragraph[start:].strip():
        sentences.append(
            Sentence(paragraph[start:].strip(), offset + start, offset + len(paragraph))
        )
    return sentences


def _split_cjk(sentence: Sentence) -> list[Sentence]:
    parts = [p for p in _CJK_END.split(sentence.text) if p.strip()]
    if len(parts) < 2:
        return [sentence]
    out, cursor = [], sentence.start
    for part in parts:
        out.append(Sentence(part.strip(), cursor, cursor + len(part)))
        cursor += len(part)
    return out


def _cap(sentence: Sentence) -> list[Sentence]:
    """Cut an over-long run (a list, a table flattened into text) at semicolons, then hard."""
    if len(sentence.text) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces, cursor, text = [], sentence.start, sentence.text
    while text:
        cut = text.rfind("; ", 0, MAX_SENTENCE_CHARS)
        cut = cut + 1 if cut > MAX_SENTENCE_CHARS // 4 else min(len(text), MAX_SENTENCE_CHARS)
        pieces.append(Sentence(text[:cut].strip(), cursor, cursor + cut))
        cursor += cut
        text = text[cut:]
    return [p for p in pieces if p.text]


def split_sentences(text: str, language: str | None = None) -> list[Sentence]:
    """The sentences of ``text``, in order, with their character offsets in ``text``."""
    abbreviations = _abbreviations(language)
    sentences: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            for sentence in _split_paragraph(line, offset, abbreviations):
                for part in _split_cjk(sentence):
                    sentences.extend(_cap(part))
        offset += len(line) + 1
    return sentences
