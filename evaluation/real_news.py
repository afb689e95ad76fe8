"""The topic and check-worthiness heads on real news headlines and leads (unlabelled, mostly off topic).

The data is a folder of JSON Lines files (``vi.jsonl``, ``fr.jsonl``…), one record a line with
``id``, ``lang``, ``title`` and ``text`` (the lead). Each record goes through what the nightly run
does to an article: the title and the sentences of the lead (``claimwatch.pipeline.segment``), the
prefilter, then both heads at the thresholds of the record's language. A record is **called on
topic** when any of its sentences is; it **yields an on-topic claim** when one sentence is both
on topic and check-worthy (what reaches narrative matching).

Most records are off topic, so the share called on topic is close to a false-positive rate. A
labels file (JSON Lines of ``{"id": …, "on_topic": true/false}``, keyed by the data's own ids)
turns the calls into precision; a call without a label is counted as ``unlabelled`` and left out
of the precision, so a label file that falls behind the heads shows up in the figures.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import DataError
from claimwatch.models.cache import cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.checkworthy import prefilter
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.segment import split_sentences


@dataclass(frozen=True)
class NewsRecord:
    """One real headline with its lead."""

    id: str
    language: str
    title: str
    text: str


@dataclass(frozen=True)
class RecordCall:
    """What the heads say about one record."""

    id: str
    language: str
    title: str
    sentences: int
    on_topic: bool
    on_topic_claim: bool
    best_topic: float


def _record(row: object, where: str) -> NewsRecord:
    if not isinstance(row, dict) or not {"id", "lang", "title", "text"} <= set(row):
        raise DataError(f"{where}: expected an object with id, lang, title and text")
    return NewsRecord(str(row["id"]), str(row["lang"]), str(row["title"] or ""), str(row["text"]))


def _json_lines(path: Path) -> Iterable[tuple[str, object]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{where}: not JSON ({error.msg})") from None


def read_real_news(folder: Path) -> list[NewsRecord]:
    """Every record of every ``*.jsonl`` file in ``folder``, in file-name order."""
    files = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if not files:
        raise DataError(f"{folder}: no .jsonl files")
    return [_record(row, where) for path in files for where, row in _json_lines(path)]


def read_labels(path: Path) -> dict[str, bool]:
    """``{record id: on topic}`` from a JSON Lines labels file; a repeated id is an error."""
    if not path.is_file():
        raise DataError(f"{path}: not found")
    labels: dict[str, bool] = {}
    for where, row in _json_lines(path):
        if not isinstance(row, dict) or not isinstance(row.get("on_topic"), bool):
            raise DataError(f"{where}: expected {{'id': …, 'on_topic': true/false}}")
        key = str(row.get("id"))
        if key in labels:
            raise DataError(f"{where}: duplicate id {key}")
        labels[key] = row["on_topic"]
    return labels


def record_sentences(record: NewsRecord) -> list[str]:
    """The title and the lead's sentences that the prefilter keeps, each once."""
    texts = [record.title, *(s.text for s in split_sentences(record.text, record.language))]
    kept: list[str] = []
    for text in texts:
        if text.strip() and text not in kept and prefilter(text) is None:
            kept.append(text)
    return kept


def judge_records(
    records: Sequence[NewsRecord],
    embedder: Embedder,
    heads: SentenceHeads,
    *,
    cache_dir: Path,
) -> list[RecordCall]:
    """Each record's calls, from its sentences' verdicts."""
    per_record = [record_sentences(record) for record in records]
    texts = [text for sentences in per_record for text in sentences]
    languages = [
        r.language for r, sentences in zip(records, per_record, strict=True) for _ in sentences
    ]
    vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
    verdicts = heads.judge(texts, languages, vectors)
    calls: list[RecordCall] = []
    start = 0
    for record, sentences in zip(records, per_record, strict=True):
        mine = verdicts[start : start + len(sentences)]
        start += len(sentences)
        calls.append(
            RecordCall(
                id=record.id,
                language=record.language,
                title=record.title,
                sentences=len(sentences),
                on_topic=any(v.on_topic for v in mine),
                on_topic_claim=any(v.on_topic and v.checkworthy for v in mine),
                best_topic=max((v.topic for v in mine), default=0.0),
            )
        )
    return calls


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _call_figures(
    prefix: str, called: Sequence[RecordCall], total: int, labels: Mapping[str, bool] | None
) -> dict[str, float]:
    figures = {
        f"{prefix}.called.n": float(len(called)),
        f"{prefix}.share": _share(len(called), total),
    }
    if labels is not None:
        judged = [labels[c.id] for c in called if c.id in labels]
        figures[f"{prefix}.labelled.n"] = float(len(judged))
        figures[f"{prefix}.unlabelled.n"] = float(len(called) - len(judged))
        figures[f"{prefix}.precision"] = _share(sum(judged), len(judged))
    return figures


def summarise(
    calls: Sequence[RecordCall], labels: Mapping[str, bool] | None = None
) -> dict[str, float]:
    """Per language and overall: records, sentences, the share called on topic (and yielding an
    on-topic claim), and with ``labels`` the precision of those calls."""
    report: dict[str, float] = {}
    for language in [*sorted({c.language for c in calls}), "all"]:
        mine = [c for c in calls if language in ("all", c.language)]
        report[f"{language}.records.n"] = float(len(mine))
        report[f"{language}.sentences.n"] = float(sum(c.sentences for c in mine))
        topic = [c for c in mine if c.on_topic]
        claims = [c for c in mine if c.on_topic_claim]
        report |= _call_figures(f"{language}.topic", topic, len(mine), labels)
        report |= _call_figures(f"{language}.claim", claims, len(mine), labels)
    return report
