"""Ranking and classification metrics against hand-computed values, and the CheckThat! reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimwatch.errors import DataError
from claimwatch.evaluation.checkthat import clean_tweet, read_split
from claimwatch.evaluation.metrics import average_precision_at, binary_scores, ranking_report


def test_average_precision_reciprocal_rank_and_success() -> None:
    assert average_precision_at(["a", "x", "b"], {"a", "b"}, 5) == pytest.approx((1 + 2 / 3) / 2)
    assert average_precision_at(["x", "y", "z", "w", "v", "a"], {"a"}, 5) == 0.0
    report = ranking_report(
        {"q1": ["x", "a"], "q2": ["b"]}, {"q1": {"a"}, "q2": {"b"}, "q3": {"c"}}
    )
    assert report["mrr"] == pytest.approx(round((0.5 + 1 + 0) / 3, 4))
    assert report["map@1"] == pytest.approx(round(1 / 3, 4))
    assert report["success@5"] == pytest.approx(round(2 / 3, 4))
    assert report["queries"] == 3


def test_binary_scores() -> None:
    scores = binary_scores([True, True, False, False], [True, False, True, False])
    assert (scores.precision, scores.recall, scores.f1, scores.support) == (0.5, 0.5, 0.5, 2)
    assert binary_scores([False], [False]).f1 == 0.0
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        binary_scores([True, False], [True])


def write_set(folder: Path, qrels: str) -> None:
    claims = [
        {"vclaim_id": "c1", "title": "T1", "subtitle": "", "vclaim": "Claim one."},
        {"vclaim_id": "c2", "title": "T2", "subtitle": "S2", "vclaim": "Claim two."},
    ]
    (folder / "vclaims.jsonl").write_text("\n".join(json.dumps(c) for c in claims) + "\n")
    (folder / "CT2022-Task2A-EN-Train-Dev_Queries.tsv").write_text(
        "q1\tClaim one is true https://t.co/x pic.twitter.com/abc\nq2\tAnother\n"
    )
    (folder / "CT2022-Task2A-EN-Dev_QRELs.tsv").write_text(qrels)


def test_checkthat_reader(tmp_path: Path) -> None:
    write_set(tmp_path, "q1\t0\tc1\t1\nq2\t0\tc2\t1\n")
    data = read_split(tmp_path, "dev")
    assert data.queries == {"q1": "Claim one is true", "q2": "Another"}
    assert data.gold == {"q1": {"c1"}, "q2": {"c2"}}
    assert data.claims[1].document == "T2 S2 Claim two."
    assert clean_tweet("a  https://x.y/z\tb") == "a b"


def test_checkthat_reader_names_the_bad_line(tmp_path: Path) -> None:
    write_set(tmp_path, "q1\t0\tc1\t1\nq2\t0\tc9\t1\n")
    with pytest.raises(DataError, match=r"Dev_QRELs.tsv:2: unknown query or claim id"):
        read_split(tmp_path, "dev")
    with pytest.raises(DataError, match="unknown split 'test'"):
        read_split(tmp_path, "test")
    with pytest.raises(DataError, match="not found"):
        read_split(tmp_path / "missing", "dev")
