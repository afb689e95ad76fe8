"""Check-worthiness cues: the transparent signs that a sentence is a factual, checkable statement
(numbers and dates, named things, verbs that assert, attribution) or is not (a question, an
opinion marker, page boilerplate), with word lists for English, French and Vietnamese.

The check-worthiness head (``claimwatch.pipeline.classify``) weighs these cues together with the sentence
embedding; the cues found are shown to the reviewer as part of the explanation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from claimwatch.pipeline.language import UNSPACED_SCRIPT

BOILERPLATE = re.compile(
    r"©|\ball rights reserved\b|\bsubscribe\b|\bnewsletter\b|\bcookies?\b|\bread more\b|"
    r"\bclick here\b|\bfollow us\b|\bshare (this|on)\b|\bsign up\b|\btous droits réservés\b|"
    r"\babonnez-vous\b|\blire aussi\b|\blire la suite\b|\binscrivez-vous\b|\bbản quyền\b|"
    r"\bđọc thêm\b|\btin liên quan\b|\bđăng ký nhận\b|\bxem thêm\b|\btheo dõi chúng tôi\b",
    re.IGNORECASE,
)
OPINION = re.compile(
    r"\bi think\b|\bi believe\b|\bwe believe\b|\bin my (view|opinion)\b|\bshould\b|\bought to\b|"
    r"\bit is time\b|\bshameful\b|\bwonderful\b|\bje pense\b|\bje crois\b|\bà mon avis\b|"
    r"\bil faut\b|\bdevrait\b|\bdevraient\b|\bhonteux\b|\btôi nghĩ\b|\btheo tôi\b|\btôi tin\b|"
    r"\bnên\b|\bcần phải\b|\bđáng tiếc\b",
    re.IGNORECASE,
)
ASSERTION = re.compile(
    r"\b(has|have|had|will|is|are|was|were|signed|agreed|announced|banned|allowed|joined|"
    r"upgraded|expelled|withdrew|withdraw|cut|issued|approved|rejected|received|reached|"
    r"can|cannot|only|no longer|never|must|"
    r"peut|peuvent|seuls?|seulement|ne|n'|plus|jamais|"
    r"được|bị|chỉ|không|phải|mới|"
    r"a|ont|est|sont|sera|seront|était|va|vont|signé|interdit|autorise|autorisera|rejoint|"
    r"annoncé|suspendu|gelé|élevé|đã|sẽ|đang|là|có|cấm|cho phép|ký|rút|tăng|giảm|đạt|nâng)\b",
    re.IGNORECASE,
)
ATTRIBUTION = re.compile(
    r"\baccording to\b|\bsaid\b|\bclaims?\b|\breported\b|\bselon\b|\ba déclaré\b|\baffirme\b|"
    r"\btheo\b|\bcho biết\b|\bkhẳng định\b|\btuyên bố\b",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d")
YEAR_OR_DATE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b\d{1,2}/\d{1,2}(/\d{2,4})?\b")
_WORD = re.compile(r"\w+", re.UNICODE)

CUES = (
    "assertion",
    "number",
    "date",
    "named",
    "attribution",
    "question",
    "opinion",
    "boilerplate",
    "too_short",
    "too_long",
)


def _has_named_thing(words: list[str]) -> bool:
    """A capitalised word after the first: a place, country, organisation or title."""
    return any(w[:1].isupper() for w in words[1:])


def cues_of(sentence: str) -> list[str]:
    words = _WORD.findall(sentence)
    cues: list[str] = []
    checks = {
        "assertion": ASSERTION.search(sentence) is not None,
        "number": NUMBER.search(sentence) is not None,
        "date": YEAR_OR_DATE.search(sentence) is not None,
        "named": _has_named_thing(words),
        "attribution": ATTRIBUTION.search(sentence) is not None,
        "question": sentence.rstrip(" \"'”’»)").endswith(("?", "？")),
        "opinion": OPINION.search(sentence) is not None,
        "boilerplate": BOILERPLATE.search(sentence) is not None,
        "too_short": len(words) < 5,
        "too_long": len(words) > 80,
    }
    cues.extend(name for name, present in checks.items() if present)
    return cues


MIN_WORDS = 4
MIN_UNSPACED_CHARS = 8
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def _too_short(sentence: str) -> bool:
    """Fewer than MIN_WORDS words; a sentence with at least MIN_UNSPACED_CHARS characters of a
    script written without spaces (Chinese, Japanese, Thai…) is long enough on its own."""
    if len(UNSPACED_SCRIPT.findall(sentence)) >= MIN_UNSPACED_CHARS:
        return False
    return len(sentence.split()) < MIN_WORDS


def prefilter(sentence: str) -> str | None:
    """Why ``sentence`` cannot be a claim before any model looks at it, or ``None``."""
    if not _LETTER.search(sentence):
        return "no_words"
    if BOILERPLATE.search(sentence):
        return "boilerplate"
    if _too_short(sentence):
        return "too_short"
    return None


def cue_matrix(texts: Sequence[str]) -> NDArray[np.float32]:
    matrix = np.zeros((len(texts), len(CUES)), dtype=np.float32)
    for row, text in enumerate(texts):
        present = set(cues_of(text))
        matrix[row] = [name in present for name in CUES]
    return matrix


def checkworthy_features(texts: Sequence[str], vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    return np.hstack([vectors, cue_matrix(texts)]).astype(np.float32)
