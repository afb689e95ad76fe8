"""Labelled sentences: the seed examples the heads are trained on and the held-out evaluation set.

Both are JSON Lines written for the project (``data/seed_sentences.jsonl``,
``data/eval_sentences.jsonl``): ``id``, ``lang``, ``text``, ``topic`` (about Vietnam's foreign or
people-to-people relations), ``checkworthy`` (a factual, checkable statement) and ``kind`` (fact,
statistic, quote, misleading, opinion, question, exhortation, vague, boilerplate, prediction).
A malformed line is an error naming the file and line; nothing is skipped quietly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import DataError

DATA_DIR = Path(__file__).with_name("data")
SEED_FILE = DATA_DIR / "seed_sentences.jsonl"
EVAL_FILE = DATA_DIR / "eval_sentences.jsonl"
KINDS = frozenset(
    [
        "fact",
        "statistic",
        "quote",
        "misleading",
        "opinion",
        "question",
        "exhortation",
        "vague",
        "boilerplate",
        "prediction",
    ]
)


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    language: str
    text: str
    topic: bool
    checkworthy: bool
    kind: str


def _parse(line: str, where: str) -> LabelledSentence:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise DataError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(row, dict):
        raise DataError(f"{where}: expected an object")
    missing = {"id", "lang", "text", "topic", "checkworthy", "kind"} - set(row)
    if missing:
        raise DataError(f"{where}: missing {', '.join(sorted(missing))}")
    if not isinstance(row["text"], str) or not row["text"].strip():
        raise DataError(f"{where}: text must be a non-empty string")
    if not isinstance(row["topic"], bool) or not isinstance(row["checkworthy"], bool):
        raise DataError(f"{where}: topic and checkworthy must be true or false")
    if row["kind"] not in KINDS:
        raise DataError(f"{where}: unknown kind {row['kind']!r}")
    return LabelledSentence(
        str(row["id"]), str(row["lang"]), row["text"], row["topic"], row["checkworthy"], row["kind"]
    )


def read_labelled(path: Path) -> list[LabelledSentence]:
    """Every labelled sentence of ``path``; duplicate ids or texts are errors."""
    if not path.is_file():
        raise DataError(f"{path}: not found")
    sentences: list[LabelledSentence] = []
    ids: set[str] = set()
    texts: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        sentence = _parse(line, f"{path.name}:{number}")
        if sentence.id in ids or sentence.text in texts:
            raise DataError(f"{path.name}:{number}: duplicate id or text ({sentence.id})")
        ids.add(sentence.id)
        texts.add(sentence.text)
        sentences.append(sentence)
    return sentences
