"""``claimwatch eval real-news``: records are read from a folder, judged sentence by sentence, and
the calls are summarised per language, with precision where hand labels exist; the bundled labels
file is well formed. Small records written here; the real data is never needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.errors import DataError
from claimwatch.evaluation.real_news import (
    NewsRecord,
    RecordCall,
    read_labels,
    read_real_news,
    record_sentences,
    summarise,
)

BUNDLED_LABELS = Path(__file__).resolve().parent.parent / "evaluation" / "data"
runner = CliRunner()


def call(id: str, language: str, on_topic: bool, claim: bool = False) -> RecordCall:
    return RecordCall(id, language, "title", 2, on_topic, claim, 0.9 if on_topic else 0.1)


def write_lines(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def test_a_record_is_its_title_and_the_lead_sentences_the_prefilter_keeps() -> None:
    record = NewsRecord(
        "r1",
        "en",
        "Vietnam and Japan sign a labour deal",
        "The deal covers 10,000 workers. Read more. Vietnam and Japan sign a labour deal",
    )
    assert record_sentences(record) == [
        "Vietnam and Japan sign a labour deal",
        "The deal covers 10,000 workers.",
    ]


def test_summary_gives_shares_and_precision_of_the_labelled_calls() -> None:
    calls = [
        call("a", "vi", True, claim=True),
        call("b", "vi", True),
        call("c", "vi", False),
        call("d", "vi", False),
        call("e", "fr", True, claim=True),
    ]
    report = summarise(calls, {"a": True, "b": False, "e": True})
    assert report["vi.records.n"] == 4 and report["vi.topic.share"] == 0.5
    assert report["vi.topic.precision"] == 0.5 and report["vi.claim.precision"] == 1.0
    assert report["all.topic.called.n"] == 3 and report["all.topic.precision"] == pytest.approx(
        2 / 3, abs=1e-4
    )
    assert "vi.topic.precision" not in summarise(calls)


def test_calls_without_a_label_are_counted_not_guessed() -> None:
    report = summarise([call("a", "vi", True), call("b", "vi", True)], {"a": True})
    assert report["vi.topic.labelled.n"] == 1 and report["vi.topic.unlabelled.n"] == 1
    assert report["vi.topic.precision"] == 1.0


def test_bad_labels_and_missing_data_are_errors_naming_the_place(tmp_path: Path) -> None:
    twice = write_lines(tmp_path / "l.jsonl", [{"id": "a", "on_topic": True}] * 2)
    with pytest.raises(DataError, match=r"l\.jsonl:2"):
        read_labels(twice)
    not_bool = write_lines(tmp_path / "m.jsonl", [{"id": "a", "on_topic": "yes"}])
    with pytest.raises(DataError, match=r"m\.jsonl:1"):
        read_labels(not_bool)
    with pytest.raises(DataError, match=r"no \.jsonl"):
        read_real_news(tmp_path / "nowhere")


def test_the_bundled_labels_are_ids_and_booleans_only() -> None:
    path = BUNDLED_LABELS / "real_news_labels.jsonl"
    labels = read_labels(path)
    assert len(labels) >= 50 and any(labels.values()) and not all(labels.values())
    for line in path.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) == {"id", "on_topic"}


def test_eval_real_news_prints_shares_and_precision(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    write_lines(
        folder / "vi.jsonl",
        [
            {
                "id": "v1",
                "lang": "vi",
                "title": "Việt Nam và Nhật Bản ký thỏa thuận về lao động kỹ năng đặc định",
                "text": "Thỏa thuận mở đường cho hàng nghìn lao động Việt Nam sang Nhật Bản làm việc.",
            },
            {
                "id": "v2",
                "lang": "vi",
                "title": "Giá rau xanh tại chợ đầu mối tăng mạnh sau mưa lớn",
                "text": "Nhiều loại rau tăng giá gấp đôi so với tuần trước.",
            },
        ],
    )
    labels = write_lines(
        tmp_path / "labels.jsonl", [{"id": "v1", "on_topic": True}, {"id": "v2", "on_topic": False}]
    )
    result = runner.invoke(
        app, ["eval", "real-news", "--data", str(folder), "--labels", str(labels)]
    )
    assert result.exit_code == 0, result.output
    pairs = (line.split(" ") for line in result.stdout.splitlines() if line.strip())
    report = {name: float(value) for name, value in pairs}
    assert report["vi.records.n"] == 2 and report["vi.sentences.n"] == 4
    assert report["vi.topic.called.n"] == 1 and report["vi.topic.precision"] == 1.0
