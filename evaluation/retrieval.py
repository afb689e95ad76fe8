"""Rebuttal retrieval, narrative matching and the calibrated flag, measured on the bundled
retrieval set against a library (by default the seed library).

``rebuttals/data/eval_retrieval.jsonl`` holds claims written for the project, each labelled with
the narrative it relates to and how: ``repeat`` (repeats the misleading claim in new words),
``correction`` (states the fact the narrative's snippets state), ``related`` (same actors, other
facts: must not be flagged) or ``unrelated`` (on the topic, no narrative), and with a ``split``
(``dev`` or ``test``, stratified by kind and language; a family of near-paraphrases, e.g. one
idea written in three languages, stays in one split). The library is loaded into a scratch
SQLite database and every claim goes through what the nightly run does for a flagged claim:
narrative matching, the flag score (with the topic and check-worthiness gates open, to measure
matching alone) and snippet retrieval.

Figures, per split: narrative top-1 and MRR (repeats and corrections), whether the first
reference snippet belongs to the right narrative and is in the claim's language, flag recall on
repeats (with the right narrative) overall, per language and across languages (the library's
phrasings in the claim's own language removed), the flag rate of each other kind, and how often
a correction's verdict is ``correction``. ``fit_calibration`` fits the flag's model on dev.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import DataError
from evaluation.metrics import reciprocal_rank
from models.cache import cached_embeddings
from models.embedder import Embedder
from pipeline.match import Match, NarrativeText, seed_centring
from pipeline.score import (
    CLASSES,
    FEATURES,
    FlagCalibration,
    flag_score,
    match_features,
)
from rebuttals.library import SEED_FILE, import_library, read_library_file
from rebuttals.retrieval import LibraryIndex, build_library_index
from store.db import make_engine, session_scope
from store.migrate import upgrade

RETRIEVAL_FILE = (
    Path(__file__).resolve().parent.parent / "rebuttals" / "data" / "eval_retrieval.jsonl"
)
KINDS = ("repeat", "correction", "related", "unrelated")
SPLITS = ("dev", "test")
_FIELDS = ("id", "lang", "text", "narrative", "kind", "split")


@dataclass(frozen=True)
class RetrievalCase:
    id: str
    language: str
    text: str
    narrative: str | None
    kind: str
    split: str


def _case(row: object) -> RetrievalCase:
    """One case from one parsed line; ``ValueError`` says what is wrong with it."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in _FIELDS if name not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    for name in ("id", "lang", "text", "kind", "split"):
        if not isinstance(row[name], str) or not row[name].strip():
            raise ValueError(f"{name} must be a non-empty string")
    if row["narrative"] is not None and not isinstance(row["narrative"], str):
        raise ValueError("narrative must be a string or null")
    if row["kind"] not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if row["split"] not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    if (row["narrative"] is None) != (row["kind"] == "unrelated"):
        raise ValueError("kind and narrative disagree: only unrelated cases have no narrative")
    return RetrievalCase(
        row["id"], row["lang"], row["text"], row["narrative"], row["kind"], row["split"]
    )


def read_retrieval_set(path: Path = RETRIEVAL_FILE) -> list[RetrievalCase]:
    """Every case in ``path``; a malformed line or a repeated id is an error naming the line."""
    if not path.is_file():
        raise DataError(f"{path}: not found")
    cases: list[RetrievalCase] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = _case(json.loads(line))
        except (json.JSONDecodeError, ValueError) as error:
            raise DataError(f"{path.name}:{number}: not a retrieval case ({error})") from None
        if case.id in seen:
            raise DataError(f"{path.name}:{number}: id {case.id!r} appears twice")
        seen.add(case.id)
        cases.append(case)
    return cases


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


@dataclass(frozen=True)
class MatchedCases:
    """Cases with their embeddings and best matches, against the full library and against the
    library without the phrasings in the case's own language (``None`` where not measured)."""

    cases: list[RetrievalCase]
    vectors: NDArray[np.float32]
    matches: list[Match | None]
    cross_language: list[Match | None] | None
    index: LibraryIndex

    def subset(self, split: str | None) -> MatchedCases:
        rows = [i for i, c in enumerate(self.cases) if split is None or c.split == split]
        cross = self.cross_language
        return MatchedCases(
            [self.cases[i] for i in rows],
            self.vectors[rows],
            [self.matches[i] for i in rows],
            [cross[i] for i in rows] if cross is not None else None,
            self.index,
        )


def library_index(embedder: Embedder, library: Path = SEED_FILE) -> LibraryIndex:
    """The library's narrative and snippet indexes, built in a scratch database."""
    with tempfile.TemporaryDirectory(prefix="claimwatch-eval-") as scratch:
        engine = make_engine(f"sqlite:///{scratch}/library.db")
        upgrade(engine)
        with session_scope(engine) as session:
            import_library(session, read_library_file(library), actor="evaluation")
            index = build_library_index(session, embedder)
        engine.dispose()
    return index


def match_cases(
    cases: list[RetrievalCase],
    embedder: Embedder,
    *,
    library: Path = SEED_FILE,
    cache_dir: Path | None = None,
    cross_language: bool = True,
) -> MatchedCases:
    """Embed (cached in ``cache_dir`` when given) and match every case."""
    seed_centring(embedder, cache_dir)
    index = library_index(embedder, library)
    texts, languages = [c.text for c in cases], [c.language for c in cases]
    if cache_dir is not None:
        vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
    else:
        vectors = embedder.embed_queries(texts)
    matches = index.narratives.match(vectors, list(languages), texts)
    cross: list[Match | None] | None = None
    if cross_language:
        cross = [None] * len(cases)
        for language in sorted(set(languages)):
            rows = [i for i, c in enumerate(cases) if c.language == language]
            other = index.narratives.restricted(_other_language(language))
            found = other.match(vectors[rows], [language] * len(rows), [texts[i] for i in rows])
            for row, match in zip(rows, found, strict=True):
                cross[row] = match
    return MatchedCases(cases, vectors, matches, cross, index)


def _other_language(language: str) -> Callable[[NarrativeText], bool]:
    return lambda phrasing: phrasing.language != language


def _label(case: RetrievalCase, match: Match | None) -> str:
    """What the flag should say: repeat or correction of the matched narrative, or none."""
    if match is None or match.slug != case.narrative or case.kind not in {"repeat", "correction"}:
        return "none"
    return case.kind


def fit_calibration(
    matched: MatchedCases, *, regularisation: float = 1.0, model_version: str = ""
) -> FlagCalibration:
    """A multinomial logistic regression from the match features to repeat, correction or none,
    fitted on ``matched`` (the dev split)."""
    from sklearn.linear_model import LogisticRegression

    rows = [(c, m) for c, m in zip(matched.cases, matched.matches, strict=True) if m is not None]
    x = np.array([[match_features(m)[f] for f in FEATURES] for _, m in rows], dtype=np.float64)
    y = np.array([CLASSES.index(_label(c, m)) for c, m in rows])
    if len(set(y.tolist())) < len(CLASSES):
        raise DataError("fitting the flag needs repeats, corrections and other claims")
    means, scales = x.mean(axis=0), np.maximum(x.std(axis=0), 1e-6)
    model = LogisticRegression(C=regularisation, max_iter=5000)
    model.fit((x - means) / scales, y)
    order = [list(model.classes_).index(k) for k in range(len(CLASSES))]
    return FlagCalibration(
        features=FEATURES,
        means=tuple(round(float(v), 6) for v in means),
        scales=tuple(round(float(v), 6) for v in scales),
        coefficients=tuple(tuple(round(float(v), 6) for v in model.coef_[k]) for k in order),
        intercepts=tuple(round(float(model.intercept_[k]), 6) for k in order),
        fitted_on={
            "data": RETRIEVAL_FILE.name,
            "split": sorted({c.split for c, _ in rows}),
            "cases": len(rows),
            "per_class": {k: int((y == i).sum()) for i, k in enumerate(CLASSES)},
            "regularisation": regularisation,
            "embedding_model": model_version,
        },
    )


def _flagged(
    match: Match | None, flag_threshold: float, calibration: FlagCalibration | None
) -> tuple[bool, str]:
    if match is None:
        return False, "none"
    flag = flag_score(
        match,
        1.0,
        1.0,
        topic_threshold=0.5,
        checkworthy_threshold=0.5,
        flag_threshold=flag_threshold,
        calibration=calibration,
    )
    return flag.score >= flag_threshold, flag.verdict


def evaluate_matched(
    matched: MatchedCases,
    *,
    flag_threshold: float = 0.5,
    calibration: FlagCalibration | None = None,
) -> dict[str, float]:
    """Every figure for the matched cases (see the module's docstring)."""
    figures: dict[str, list[float]] = {}
    slugs = {p.narrative_id: p.slug for p in matched.index.narratives.phrasings}

    def add(name: str, value: float, language: str | None = None) -> None:
        figures.setdefault(name, []).append(value)
        if language is not None:
            figures.setdefault(f"{name}.{language}", []).append(value)

    cross = matched.cross_language or [None] * len(matched.cases)
    for case, vector, match, other in zip(
        matched.cases, matched.vectors, matched.matches, cross, strict=True
    ):
        flagged, verdict = _flagged(match, flag_threshold, calibration)
        right = match is not None and match.slug == case.narrative
        if case.kind == "repeat":
            add("flag.recall", float(flagged and right), case.language)
            if matched.cross_language is not None:
                found, _ = _flagged(other, flag_threshold, calibration)
                hit = found and other is not None and other.slug == case.narrative
                add("flag.recall.cross_language", float(hit), case.language)
        else:
            add(f"flag.false_rate.{case.kind}", float(flagged), case.language)
        if case.kind == "correction":
            add("verdict.correction_seen", float(verdict == "correction" and right))
        if case.kind not in {"repeat", "correction"} or match is None:
            continue
        ranked = [c.slug for c in match.candidates]
        add("narrative.top1", float(ranked[:1] == [case.narrative]))
        add("narrative.mrr", reciprocal_rank(ranked, {case.narrative or ""}))
        narratives = [c.narrative_id for c in match.candidates]
        retrieval = matched.index.snippets.rank(case.text, case.language, vector, narratives)
        top = retrieval.references[0] if retrieval.references else None
        on_narrative = top is not None and slugs.get(top.narrative_id or -1) == case.narrative
        add("reference.right_narrative", float(on_narrative))
        add("reference.same_language", float(top is not None and top.same_language))
    report = {name: _mean(values) for name, values in sorted(figures.items())}
    for kind in KINDS:
        report[f"{kind}.cases"] = float(sum(c.kind == kind for c in matched.cases))
    report["cases"] = float(len(matched.cases))
    return report


def evaluate_retrieval(
    cases: list[RetrievalCase],
    embedder: Embedder,
    *,
    library: Path = SEED_FILE,
    flag_threshold: float = 0.5,
    calibration: FlagCalibration | None = None,
    cache_dir: Path | None = None,
    cross_language: bool = True,
) -> dict[str, float]:
    """Match ``cases`` against ``library`` and report every figure."""
    matched = match_cases(
        cases, embedder, library=library, cache_dir=cache_dir, cross_language=cross_language
    )
    return evaluate_matched(matched, flag_threshold=flag_threshold, calibration=calibration)
