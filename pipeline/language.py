"""Language identification with langdetect, seeded so results repeat run after run.

langdetect is reliable on whole articles and unreliable on a few words, so an article's language is
detected on its title and text together, and a sentence keeps the article's language unless it is
long enough to judge and langdetect is confident it is another language.

The heads are calibrated only for the languages the desk covers (the ``languages`` setting), so a
sentence in any other language is skipped with the reason ``language_not_covered`` (and counted
in the run report) rather than scored with thresholds that were never measured for it.
"""

from __future__ import annotations

import re
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
    by_language: dict[str, float] = {}  # zh-cn and zh-tw are both Chinese: add them up
    for guess in guesses:
        code = _normalise_code(str(guess.lang))
        by_language[code] = by_language.get(code, 0.0) + float(guess.prob)
    return max(by_language.items(), key=lambda item: item[1])


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


# Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer,
# Myanmar. Their sentences are measured in characters, not in words.
UNSPACED_SCRIPT = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
UNSPACED_CHARS_PER_WORD = 2


def word_count(sentence: str) -> int:
    """Words in ``sentence``; in a script written without spaces, about one per two characters."""
    unspaced = len(UNSPACED_SCRIPT.findall(sentence))
    return max(len(sentence.split()), unspaced // UNSPACED_CHARS_PER_WORD)


SCRIPT_LANGUAGES = (  # a script written without spaces names its language outright
    (re.compile("[\u3040-\u30ff]"), "ja"),  # Hiragana, Katakana (before Han: Japanese uses both)
    (re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"), "zh"),
    (re.compile("[\u0e00-\u0e7f]"), "th"),
    (re.compile("[\u0e80-\u0eff]"), "lo"),
    (re.compile("[\u1780-\u17ff]"), "km"),
    (re.compile("[\u1000-\u109f]"), "my"),
)


def _script_language(sentence: str) -> str | None:
    """The language of a sentence mostly written in a script without spaces (langdetect often
    hesitates there, between Chinese and Korean for instance)."""
    letters = sum(1 for c in sentence if c.isalpha())
    if not letters or len(UNSPACED_SCRIPT.findall(sentence)) * 2 < letters:
        return None
    return next((code for script, code in SCRIPT_LANGUAGES if script.search(sentence)), None)


def sentence_language(sentence: str, article_language: str | None) -> str | None:
    """A sentence's language: the article's, unless the sentence clearly is in another one."""
    by_script = _script_language(sentence)
    if by_script is not None:
        return by_script
    if word_count(sentence) < SENTENCE_MIN_WORDS:
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
