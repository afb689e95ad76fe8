"""Snippet retrieval for a claim: the matched narrative's snippets first, in the claim's language
first, only vetted ones as references, drafts apart, retired ones never; the retrieval set is
validated line by line; the flag's calibration is fitted from labelled matches; and the retrieval
evaluation runs end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.errors import DataError
from evaluation.retrieval import (
    KINDS,
    MatchedCases,
    RetrievalCase,
    fit_calibration,
    read_retrieval_set,
)
from models import Embedder
from pipeline.match import Match
from rebuttals.editing import get_snippet, retire_snippet
from rebuttals.library import load_seed
from rebuttals.retrieval import build_library_index


def rank(session: Session, embedder: Embedder, text: str, language: str):  # type: ignore[no-untyped-def]
    index = build_library_index(session, embedder)
    vector = embedder.embed_queries([text])[0]
    match = index.narratives.match(vector[None, :], [language], [text])[0]
    assert match is not None
    narratives = [c.narrative_id for c in match.candidates]
    return match, index.snippets.rank(text, language, vector, narratives)


def test_references_are_vetted_same_language_first(session: Session, embedder: Embedder) -> None:
    load_seed(session)
    text = "Le Vietnam va bientôt quitter l'ASEAN, affirment des vidéos en ligne."
    match, found = rank(session, embedder, text, "fr")
    assert match.slug == "asean-exit"
    keys = [get_snippet_key(session, c.snippet_id) for c in found.references]
    assert keys[0] == "asean-exit/fr"
    assert set(keys[1:3]) == {"asean-exit/en", "asean-exit/vi"}  # then the other languages
    assert keys[3] == "evisa-restrictions/fr"  # then another candidate narrative, fr first
    assert all(c.status == "vetted" for c in found.references)
    assert found.references[0].same_language and "fused" in found.references[0].reason
    assert [get_snippet_key(session, c.snippet_id) for c in found.drafts] == ["asean-exit/en-draft"]


def get_snippet_key(session: Session, snippet_id: int) -> str:
    from store.schema import Snippet

    return session.get_one(Snippet, snippet_id).key


def test_retired_snippets_are_never_offered(session: Session, embedder: Embedder) -> None:
    load_seed(session)
    retire_snippet(session, "asean-exit/fr", actor="editor")
    _, found = rank(session, embedder, "Le Vietnam va quitter l'ASEAN l'an prochain.", "fr")
    retired = get_snippet(session, "asean-exit/fr").id
    assert retired not in [c.snippet_id for c in found.references + found.drafts]
    assert found.references[0].narrative_id == get_snippet(session, "asean-exit/en").narrative_id


def test_eval_retrieval_prints_its_figures(tmp_path: Path) -> None:
    cases = [
        {
            "id": "1",
            "lang": "en",
            "text": "Hanoi is about to pull out of ASEAN, a viral video says.",
            "narrative": "asean-exit",
            "kind": "repeat",
            "split": "test",
        },
        {
            "id": "2",
            "lang": "vi",
            "text": "Việt Nam và Nhật Bản mở rộng trao đổi sinh viên trong năm 2026.",
            "narrative": None,
            "kind": "unrelated",
            "split": "test",
        },
        {
            "id": "3",
            "lang": "en",
            "text": "Vietnam and the US held a maritime search-and-rescue exercise.",
            "narrative": "military-alliance",
            "kind": "related",
            "split": "dev",
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
    result = CliRunner().invoke(app, ["eval", "retrieval", "--data", str(path)])
    assert result.exit_code == 0, result.output
    report = dict(line.split(" ") for line in result.stdout.splitlines())
    assert report["cases"] == "2" and report["narrative.top1"] == "1.0000"  # the test split
    assert report["repeat.cases"] == "1" and report["related.cases"] == "0"
    assert report["reference.same_language"] == "1.0000"
    assert report["flag.false_rate.unrelated"] == "0.0000"
    assert report["flag.recall"] == report["flag.recall.en"]
    assert "flag.recall.cross_language.en" in report


def test_the_bundled_set_is_large_balanced_and_split() -> None:
    cases = read_retrieval_set()
    assert len(cases) >= 400
    for kind in KINDS:
        for language in ("en", "fr", "vi"):
            cell = [c for c in cases if c.kind == kind and c.language == language]
            dev = sum(c.split == "dev" for c in cell)
            assert len(cell) >= 20 and abs(2 * dev - len(cell)) <= 0.2 * len(cell), (kind, language)
    assert len({c.text for c in cases}) == len(cases)


ROW = {"id": "x", "lang": "en", "text": "A claim.", "narrative": None, "kind": "unrelated"}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("[1, 2]", "not a JSON object"),
        ("{not json", "Expecting property name"),
        (json.dumps(ROW), "missing split"),
        (json.dumps({**ROW, "split": "train"}), "split must be one of dev, test"),
        (json.dumps({**ROW, "split": "dev", "kind": "rumour"}), "kind must be one of"),
        (json.dumps({**ROW, "split": "dev", "kind": "related"}), "kind and narrative disagree"),
        (json.dumps({**ROW, "split": "dev", "narrative": "asean-exit"}), "disagree"),
        (json.dumps({**ROW, "split": "dev", "text": " "}), "text must be a non-empty string"),
        (json.dumps({**ROW, "split": "dev", "narrative": 3}), "narrative must be a string"),
        (json.dumps({**ROW, "split": "dev", "id": 7}), "id must be a non-empty string"),
    ],
)
def test_a_malformed_case_names_its_line(row: str, message: str, tmp_path: Path) -> None:
    good = json.dumps({**ROW, "id": "ok", "split": "test"})
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{good}\n\n{row}\n", encoding="utf-8")
    with pytest.raises(
        DataError, match=rf"cases\.jsonl:3: not a retrieval case .*{re.escape(message)}"
    ):
        read_retrieval_set(path)


def test_a_repeated_id_is_refused(tmp_path: Path) -> None:
    line = json.dumps({**ROW, "split": "dev"})
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{line}\n{line}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"cases\.jsonl:2: id 'x' appears twice"):
        read_retrieval_set(path)


def _match(slug: str, centred: float, margin: float) -> Match:
    return Match(1, slug, 0.9, 0.9, 0.9, "p", "en", 0.8, 0.1, 0.9, "r", (), centred, margin, 0.2)


def test_the_calibration_learns_repeat_correction_and_none() -> None:
    cases: list[RetrievalCase] = []
    matches: list[Match | None] = []
    for i in range(30):
        jitter = (i % 5) * 0.01
        for kind, centred, margin in (
            ("repeat", 0.6 + jitter, 0.25),
            ("correction", 0.5 + jitter, -0.3),
            ("related", 0.25 + jitter, 0.05),
        ):
            cases.append(RetrievalCase(f"{kind}{i}", "en", "t", "n", kind, "dev"))
            matches.append(_match("n", centred, margin + jitter))
    matched = MatchedCases(
        cases, np.zeros((len(cases), 2), np.float32), matches, None, cast(Any, None)
    )
    calibration = fit_calibration(matched)
    assert calibration.fitted_on["per_class"] == {"repeat": 30, "correction": 30, "none": 30}
    assert calibration.probabilities(_match("n", 0.62, 0.26))["repeat"] > 0.8
    assert calibration.probabilities(_match("n", 0.52, -0.28))["correction"] > 0.8
    assert calibration.probabilities(_match("n", 0.26, 0.05))["none"] > 0.8
    wrong = MatchedCases(
        cases[:1], np.zeros((1, 2), np.float32), [_match("other", 0.6, 0.25)], None, cast(Any, None)
    )
    with pytest.raises(DataError, match="needs repeats, corrections and other claims"):
        fit_calibration(wrong)  # a repeat matched to the wrong narrative is no repeat
