"""Rebuttal retrieval, narrative matching and the fitted flag, measured on the bundled retrieval
set against a library (by default the seed library).

``rebuttals/data/eval_retrieval.jsonl`` holds claims written for the project, each labelled with
the narrative it relates to and how: ``repeat`` (repeats the misleading claim in new words, in the
narrative's languages or another), ``correction`` (states the fact the narrative's snippets
state, or denies the claim), ``related`` (same actors, other facts: must not be flagged) or
``unrelated`` (on the topic, no narrative), and a ``split``: ``dev`` (the flag model is fitted on
it) or ``test`` (reported, never fitted on). The library is loaded into a scratch SQLite database
and every claim goes through what the nightly run does for a matched claim: narrative matching,
the flag (with the topic and check-worthiness gates open, to measure matching alone) and snippet
retrieval.

Figures, per split: narrative top-1 and MRR (repeats and corrections), whether the first
reference snippet belongs to the right narrative and is in the claim's language, flag recall on
repeats (with the right narrative) overall and per language, the flag rate of each other kind,
and how many corrections are seen as corrections of the right narrative.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import DataError
from claimwatch.evaluation.metrics import reciprocal_rank
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.flag_fit import fit_flag_model
from claimwatch.pipeline.flag_model import FlagModel, feature_matrix
from claimwatch.pipeline.match import Match, NarrativeIndex
from claimwatch.pipeline.score import flag_score
from claimwatch.rebuttals.library import SEED_FILE, import_library
from claimwatch.rebuttals.library_file import read_library_file
from claimwatch.rebuttals.library_index import LibraryIndex, build_library_index
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.migrate import upgrade

RETRIEVAL_FILE = (
    Path(__file__).resolve().parent.parent / "rebuttals" / "data" / "eval_retrieval.jsonl"
)
KINDS = ("repeat", "correction", "related", "unrelated")
SPLITS = ("dev", "test")


@dataclass(frozen=True)
class RetrievalCase:
    id: str
    language: str
    text: str
    narrative: str | None
    kind: str
    split: str = "test"


def _case(row: object) -> RetrievalCase:
    """One case from one parsed line; ``ValueError`` says what is wrong with it."""
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in ("id", "lang", "text", "narrative", "kind") if name not in row]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    split = row.get("split", "test")
    if row["kind"] not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    if (row["narrative"] is None) != (row["kind"] == "unrelated"):
        raise ValueError("kind and narrative disagree: only unrelated cases have no narrative")
    if not all(isinstance(row[k], str) and row[k].strip() for k in ("id", "lang", "text")):
        raise ValueError("id, lang and text must be non-empty strings")
    return RetrievalCase(row["id"], row["lang"], row["text"], row["narrative"], row["kind"], split)


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
    """Cases with their embeddings and best matches against one library."""

    cases: list[RetrievalCase]
    vectors: NDArray[np.float32]
    matches: list[Match | None]
    index: LibraryIndex
    # Each repeat's best match once its own narrative is taken out of the library: a misleading
    # claim the library does not know yet, which must not flag as a repeat of another one.
    unknown: list[Match | None]

    def joined(self, other: MatchedCases) -> MatchedCases:
        """These cases and ``other``'s (snippet figures keep this library's index)."""
        return MatchedCases(
            [*self.cases, *other.cases],
            np.vstack([self.vectors, other.vectors]).astype(np.float32),
            [*self.matches, *other.matches],
            self.index,
            [*self.unknown, *other.unknown],
        )

    def subset(self, split: str) -> MatchedCases:
        rows = [i for i, c in enumerate(self.cases) if c.split == split]
        return MatchedCases(
            [self.cases[i] for i in rows],
            self.vectors[rows],
            [self.matches[i] for i in rows],
            self.index,
            [self.unknown[i] for i in rows],
        )


def library_index(
    embedder: Embedder, centring: LanguageCentring | None, library: Path = SEED_FILE
) -> LibraryIndex:
    """The library's narrative and snippet indexes, built in a scratch database (ranked across
    languages with ``centring``, as the nightly run does)."""
    with tempfile.TemporaryDirectory(prefix="claimwatch-eval-") as scratch:
        engine = make_engine(f"sqlite:///{scratch}/library.db")
        upgrade(engine)
        with session_scope(engine) as session:
            import_library(session, read_library_file(library), actor="evaluation")
            index = build_library_index(session, embedder, centring)
        engine.dispose()
    return index


def match_cases(
    cases: list[RetrievalCase],
    embedder: Embedder,
    centring: LanguageCentring | None,
    *,
    library: Path = SEED_FILE,
) -> MatchedCases:
    """``cases`` matched against ``library`` (loaded into a scratch database); pass the run's
    ``centring`` (``claimwatch.pipeline.centring.language_centring``) to measure what a run does."""
    return match_against(cases, embedder, library_index(embedder, centring, library))


def match_against(
    cases: list[RetrievalCase], embedder: Embedder, index: LibraryIndex, *, unknown: bool = True
) -> MatchedCases:
    """``cases`` matched against ``index``; with ``unknown``, each repeat matched once more with
    its own narrative out of the library."""
    texts = [c.text for c in cases]
    languages: list[str | None] = [c.language for c in cases]
    vectors = embedder.embed_queries(texts)
    matches = index.narratives.match(vectors, languages, texts) if texts else []
    without: list[Match | None] = [None] * len(cases)
    slugs = {c.narrative for c in cases if c.kind == "repeat" and c.narrative} if unknown else set()
    for slug in sorted(s for s in slugs if s is not None):
        rows = [i for i, c in enumerate(cases) if c.kind == "repeat" and c.narrative == slug]
        others = _without(index.narratives, slug, embedder)
        found = others.match(vectors[rows], [languages[i] for i in rows], [texts[i] for i in rows])
        for row, match in zip(rows, found, strict=True):
            without[row] = match
    return MatchedCases(cases, vectors, list(matches), index, without)


def _without(narratives: NarrativeIndex, slug: str, embedder: Embedder) -> NarrativeIndex:
    """The narrative index without the narrative ``slug`` (its phrasings and its snippets)."""
    gone = {p.narrative_id for p in narratives.phrasings if p.slug == slug}
    return NarrativeIndex(
        embedder,
        [p for p in narratives.phrasings if p.narrative_id not in gone],
        [s for s in narratives.snippets if s.narrative_id not in gone],
        narratives.centring,
    )


def outcome(case: RetrievalCase, match: Match | None) -> str:
    """What the flag should say of ``case``: a repeat or a correction of its matched narrative,
    or nothing (also for a repeat matched to the wrong narrative)."""
    if match is None or match.slug != case.narrative or case.kind not in {"repeat", "correction"}:
        return "none"
    return case.kind


def fit_on(matched: MatchedCases, embedding_model: str, *, decisions: int = 0) -> FlagModel:
    """The flag model fitted on ``matched`` (the dev split, and ``decisions`` cases from
    reviewers' decisions): every matched case, and every repeat matched once more with its own
    narrative out of the library (kind ``unknown``, outcome ``none``)."""
    rows = [i for i, m in enumerate(matched.matches) if m is not None]
    found = [m for m in matched.matches if m is not None]
    cases = [matched.cases[i] for i in rows]
    outcomes = [outcome(c, m) for c, m in zip(cases, found, strict=True)]
    kinds = [c.kind for c in cases]
    extra = [i for i, m in enumerate(matched.unknown) if m is not None]
    found += [m for m in matched.unknown if m is not None]
    rows += extra
    outcomes += ["none"] * len(extra)
    kinds += ["unknown"] * len(extra)
    # a text's fold is the same for all its rows: a repeat and the same claim matched without its
    # narrative share an embedding, and one must not be predicted from the other
    keys = [matched.cases[i].text for i in rows]
    return fit_flag_model(
        feature_matrix(found, matched.vectors[rows]),
        outcomes,
        kinds,
        keys,
        embedding_model=embedding_model,
        fitted_on={
            "data": RETRIEVAL_FILE.name,
            "split": sorted({c.split for c in cases}),
            "decisions": decisions,
        },
    )


def evaluate_matched(
    matched: MatchedCases, flag_model: FlagModel, *, flag_threshold: float = 0.5
) -> dict[str, float]:
    """Every figure for the matched cases (see the module's docstring)."""
    figures: dict[str, list[float]] = {}
    slugs = {p.narrative_id: p.slug for p in matched.index.narratives.phrasings}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    rows = [i for i, m in enumerate(matched.matches) if m is not None]
    odds = dict(
        zip(
            rows,
            flag_model.odds([m for m in matched.matches if m is not None], matched.vectors[rows]),
            strict=True,
        )
    )
    unknown_rows = [i for i, m in enumerate(matched.unknown) if m is not None]
    if unknown_rows:
        unknown_odds = flag_model.odds(
            [m for m in matched.unknown if m is not None], matched.vectors[unknown_rows]
        )
        for found in unknown_odds:
            score = flag_score(found, 1.0, 1.0, topic_threshold=0.5, checkworthy_threshold=0.5)
            add("flag.false_rate.unknown_narrative", float(score.score >= flag_threshold))
    for i, (case, match) in enumerate(zip(matched.cases, matched.matches, strict=True)):
        flag = (
            flag_score(odds[i], 1.0, 1.0, topic_threshold=0.5, checkworthy_threshold=0.5)
            if (match is not None)
            else None
        )
        flagged = flag is not None and flag.score >= flag_threshold
        if case.kind == "repeat":
            hit = float(flagged and outcome(case, match) == "repeat")
            add("flag.recall", hit)
            add(f"flag.recall.{case.language}", hit)
        else:
            add(f"flag.false_rate.{case.kind}", float(flagged))
        if case.kind == "correction":
            seen = flag is not None and not flagged and flag.verdict == "correction"
            add("correction.seen", float(seen and outcome(case, match) == "correction"))
        if case.narrative is None or match is None:
            continue
        ranked = [c.slug for c in match.candidates]
        add("narrative.top1", float(ranked[:1] == [case.narrative]))
        add("narrative.mrr", reciprocal_rank(ranked, {case.narrative}))
        narratives = [c.narrative_id for c in match.candidates]
        retrieval = matched.index.snippets.rank(
            case.text, case.language, matched.vectors[i], narratives
        )
        top = retrieval.references[0] if retrieval.references else None
        right = top is not None and slugs.get(top.narrative_id or -1) == case.narrative
        add("reference.right_narrative", float(right))
        add("reference.same_language", float(top is not None and top.same_language))
    report = {name: _mean(values) for name, values in sorted(figures.items())}
    report["cases"] = float(len(matched.cases))
    return report


def evaluate_retrieval(
    matched: MatchedCases, flag_model: FlagModel, *, flag_threshold: float = 0.5
) -> dict[str, float]:
    """The figures of each split present, prefixed ``dev.`` / ``test.``."""
    report: dict[str, float] = {}
    for split in SPLITS:
        part = matched.subset(split)
        if part.cases:
            figures = evaluate_matched(part, flag_model, flag_threshold=flag_threshold)
            report.update({f"{split}.{name}": value for name, value in figures.items()})
    return report
