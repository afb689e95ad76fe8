"""Language identification with langdetect, seeded so results repeat run after run.

langdetect is reliable on whole articles and unreliable on a few words, so an article's language is
detected on its title and text together, and a sentence keeps the article's language unless it is
long enough to judge and langdetect is confident it is another language.
"""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0
SENTENCE_MIN_WORDS = 8
SENTENCE_MIN_PROBABILITY = 0.95
_SAMPLE_CHARS = 5000
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
