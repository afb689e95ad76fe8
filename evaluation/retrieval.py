"""Rebuttal retrieval and narrative matching, measured on the bundled retrieval set against a
library (by default the seed library).

``rebuttals/data/eval_retrieval.jsonl`` holds claims written for the project, each labelled with
the narrative it relates to and how: ``repeat`` (repeats the misleading claim in new words),
``correction`` (states the fact the narrative's snippets state) or ``unrelated`` (on the topic,
no narrative). The library is loaded into a scratch SQLite database and every claim goes through
what the nightly run does for a flagged claim: narrative matching, the flag score (with the
topic and check-worthiness gates open, to measure matching alone) and snippet retrieval.

Figures: narrative top-1 and MRR (repeats and corrections), whether the first reference snippet
belongs to the right narrative and is in the claim's language, flag recall on repeats and the
false-flag rates on corrections and on unrelated claims.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import DataError
from evaluation.metrics import reciprocal_rank
from models.embedder import Embedder
from pipeline.score import flag_score
from rebuttals.library import SEED_FILE, import_library, read_library_file
from rebuttals.retrieval import build_library_index
from store.db import make_engine, session_scope
from store.migrate import upgrade

RETRIEVAL_FILE = (
    Path(__file__).resolve().parent.parent / "rebuttals" / "data" / "eval_retrieval.jsonl"
)
KINDS = ("repeat", "correction", "unrelated")


@dataclass(frozen=True)
class RetrievalCase:
    id: str
    language: str
    text: str
    narrative: str | None
    kind: str


def read_retrieval_set(path: Path = RETRIEVAL_FILE) -> list[RetrievalCase]:
    if not path.is_file():
        raise DataError(f"{path}: not found")
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            case = RetrievalCase(row["id"], row["lang"], row["text"], row["narrative"], row["kind"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise DataError(f"{path.name}:{number}: not a retrieval case ({error})") from None
        if case.kind not in KINDS or (case.narrative is None) != (case.kind == "unrelated"):
            raise DataError(f"{path.name}:{number}: kind and narrative disagree")
        cases.append(case)
    return cases


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate_retrieval(
    cases: list[RetrievalCase],
    embedder: Embedder,
    *,
    library: Path = SEED_FILE,
    flag_threshold: float = 0.5,
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="claimwatch-eval-") as scratch:
        engine = make_engine(f"sqlite:///{scratch}/library.db")
        upgrade(engine)
        with session_scope(engine) as session:
            import_library(session, read_library_file(library), actor="evaluation")
            index = build_library_index(session, embedder)
        engine.dispose()
    slugs = {p.narrative_id: p.slug for p in index.narratives.phrasings}
    vectors = embedder.embed_queries([c.text for c in cases])
    matches = index.narratives.match(vectors, [c.language for c in cases], [c.text for c in cases])
    figures: dict[str, list[float]] = {}

    def add(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for case, vector, match in zip(cases, vectors, matches, strict=True):
        score = (
            flag_score(match, 1.0, 1.0, topic_threshold=0.5, checkworthy_threshold=0.5).score
            if match is not None
            else 0.0
        )
        flagged = score >= flag_threshold
        if case.kind == "repeat":
            add(
                "flag.recall", float(flagged and match is not None and match.slug == case.narrative)
            )
        else:
            add(f"flag.false_rate.{case.kind}", float(flagged))
        if case.narrative is None or match is None:
            continue
        ranked = [c.slug for c in match.candidates]
        add("narrative.top1", float(ranked[:1] == [case.narrative]))
        add("narrative.mrr", reciprocal_rank(ranked, {case.narrative}))
        narratives = [c.narrative_id for c in match.candidates]
        retrieval = index.snippets.rank(case.text, case.language, vector, narratives)
        top = retrieval.references[0] if retrieval.references else None
        right = top is not None and slugs.get(top.narrative_id or -1) == case.narrative
        add("reference.right_narrative", float(right))
        add("reference.same_language", float(top is not None and top.same_language))
    report = {name: _mean(values) for name, values in sorted(figures.items())}
    report["cases"] = float(len(cases))
    return report
