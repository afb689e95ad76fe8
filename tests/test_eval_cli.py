"""``claimwatch eval``: each command prints one ``name value`` line per figure, on small labelled
files written here, with the real model; bad data files fail with one line naming the line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.settings import Settings
from tests.test_cli import run_cli
from tests.test_metrics import write_set

runner = CliRunner()


def figures(output: str) -> dict[str, float]:
    pairs = (line.split(" ") for line in output.splitlines() if line.strip())
    return {name: float(value) for name, value in pairs}


def test_eval_matching_prints_ranking_figures(tmp_path: Path) -> None:
    write_set(tmp_path, "q1\t0\tc1\t1\nq2\t0\tc2\t1\n")
    result = runner.invoke(app, ["eval", "matching", "--data", str(tmp_path), "--split", "dev"])
    assert result.exit_code == 0, result.output
    report = figures(result.stdout)
    assert {"map@5", "mrr", "success@10", "queries", "dense_weight"} <= set(report)
    assert report["queries"] == 2 and report["map@5"] >= 0.5


def test_eval_sentences_prints_per_language_scores(tmp_path: Path) -> None:
    rows = [
        ("en", "Vietnam joined the United Nations in 1977.", True, True, "fact"),
        ("en", "Subscribe to our newsletter for more stories.", False, False, "boilerplate"),
        ("fr", "Le Vietnam a adhéré à l'ASEAN en juillet 1995.", True, True, "fact"),
        ("fr", "Il pleuvra sans doute demain sur Lyon.", False, False, "prediction"),
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(
                {"id": str(i), "lang": lang, "text": t, "topic": a, "checkworthy": b, "kind": k},
                ensure_ascii=False,
            )
            for i, (lang, t, a, b, k) in enumerate(rows)
        )
    )
    result = runner.invoke(app, ["eval", "sentences", "--data", str(path)])
    assert result.exit_code == 0, result.output
    report = figures(result.stdout)
    assert report["checkworthy.all.support"] == 2 and report["topic.fr.n"] == 2
    assert report["checkworthy.all.f1"] == 1.0


def test_eval_clustering_prints_pair_scores(tmp_path: Path) -> None:
    rows = [
        ("a", "en", "Vietnam and Chile signed a wine trade memorandum in 2024."),
        (
            "a",
            "fr",
            "Le Vietnam et le Chili ont signé un protocole sur le commerce du vin en 2024.",
        ),
        ("b", "en", "Vietnam opened an embassy in Panama in 2020."),
        ("b", "vi", "Việt Nam mở Đại sứ quán tại Panama vào năm 2020."),
    ]
    path = tmp_path / "clusters.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": str(i), "group": g, "split": "test", "lang": lang, "text": t})
            for i, (g, lang, t) in enumerate(rows)
        )
    )
    result = runner.invoke(app, ["eval", "clustering", "--data", str(path)])
    assert result.exit_code == 0, result.output
    report = figures(result.stdout)
    assert report["groups"] == 2 and report["threshold"] == Settings().cluster_similarity
    assert report["pairs.f1"] == 1.0 and report["cross_language.recall"] == 1.0


def test_a_bad_data_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text('{"id": "1"}\n')
    result = run_cli("eval", "sentences", "--data", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: labelled.jsonl:1: missing checkworthy, kind, lang, text, topic"
    )
