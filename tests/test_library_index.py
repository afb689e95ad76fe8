"""Snippet retrieval for a claim: the matched narrative's snippets first, in the claim's language
first, only vetted ones as references, drafts apart, retired ones never; and the retrieval
evaluation runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.models import Embedder
from claimwatch.rebuttals.editing import get_snippet, retire_snippet
from claimwatch.rebuttals.library import load_seed
from claimwatch.rebuttals.library_index import build_library_index
from tests.test_cli import run_cli


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
    from claimwatch.store.schema import Snippet

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
        },
        {
            "id": "2",
            "lang": "vi",
            "text": "Việt Nam và Nhật Bản mở rộng trao đổi sinh viên trong năm 2026.",
            "narrative": None,
            "kind": "unrelated",
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases))
    result = CliRunner().invoke(app, ["eval", "retrieval", "--data", str(path)])
    assert result.exit_code == 0, result.output
    report = dict(line.split(" ") for line in result.stdout.splitlines())
    assert report["test.cases"] == "2" and report["test.narrative.top1"] == "1.0000"
    assert report["test.flag.recall"] == "1.0000"
    assert report["test.flag.false_rate.unrelated"] == "0.0000"
    assert report["test.reference.same_language"] == "1.0000"


def test_eval_retrieval_names_a_bad_case(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    case = {"id": "1", "lang": "en", "text": "x", "narrative": "a", "kind": "repeat"}
    path.write_text(json.dumps(case) + "\n" + json.dumps({**case, "id": "2", "split": "train"}))
    result = run_cli("eval", "retrieval", "--data", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: cases.jsonl:2: not a retrieval case (split must be one of dev, test)"
    )
