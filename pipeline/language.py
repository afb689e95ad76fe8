"""Language identification with langdetect, seeded so results repeat run after run.

langdetect is reliable on whole articles and unreliable on a few words, so an article's language is
detected on its title and text together, and a sentence keeps the article's language unless it is
long enough to judge and langdetect is confident it is another language.

The heads are calibrated only for the languages the desk covers (the ``languages`` setting), so a
sentence in any other language is skipped with the reason ``language_not_covered`` (and counted
in the run report) rather than scored with thresholds that were never measured for it.
"""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
SENTENCE_MIN_WORDS = 8
SENTENCE_MIN_PROBABILITY = 0.95
_SAMPLE_CHARS = 5000
LANGUAGE_NOT_COVERED = "language_not_covered"
_lock = threading.Lock()  # langdetect's seeded factory is shared state


def _best(text: str) -> tuple[str, float] | None:
    try:
        with _lock:
            guesses = detect_langs(text)
    except LangDetectException:  # no letters at all: digits, emoji, punctuation
        return None
    if not guesses:
        return None
    top = guesses[0]
    return _normalise_code(str(top.lang)), float(top.prob)


def _normalise_code(code: str) -> str:
    return code.split("-")[0].lower()


def detect_article_language(title: str | None, text: str, hint: str | None = None) -> str | None:
    """The language of an article; ``hint`` (the page's declared language) breaks near-ties."""
    sample = f"{title or ''}\n{text}"[:_SAMPLE_CHARS]
    guess = _best(sample)
    if guess is None:
        return hint
    language, probability = guess
    if hint and probability < 0.6:
        return hint
    return language


def sentence_language(sentence: str, article_language: str | None) -> str | None:
    """A sentence's language: the article's, unless the sentence clearly is in another one."""
    if len(sentence.split()) < SENTENCE_MIN_WORDS:
        return article_language
    guess = _best(sentence)
    if guess is None:
        return article_language
    language, probability = guess
    if language != article_language and probability >= SENTENCE_MIN_PROBABILITY:
        return language
    return article_language


def uncovered_language_reason(language: str | None, covered: tuple[str, ...]) -> str | None:
    """``"language_not_covered"`` when ``language`` is known and not one of ``covered`` (codes
    such as ``en``, ``zh-cn``: compared on the base code, ignoring case); ``None`` otherwise.
    A sentence whose language could not be detected keeps its chance: ``None``."""
    if not language:
        return None
    wanted = {_normalise_code(code) for code in covered}
    return None if _normalise_code(language) in wanted else LANGUAGE_NOT_COVERED
