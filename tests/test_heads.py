"""Trainable heads: calibrated per language, saved as JSON and named by their content, reloaded
exactly, refused when malformed, retrained from reviewers' decisions, every version kept and
every change logged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from claimwatch.errors import DataError, ModelError
from claimwatch.models.heads import (
    ANY_LANGUAGE,
    current_head,
    current_version,
    head_by_version,
    load_head,
    make_current,
    pair_id,
    read_history,
    record_event,
    save_head,
    train_head,
    write_head,
)
from claimwatch.pipeline.labelled import EVAL_FILE, SEED_FILE, read_labelled


def separable(n: int, seed: int = 0) -> tuple[np.ndarray, list[bool]]:
    rng = np.random.default_rng(seed)
    labels = [bool(i % 2) for i in range(n)]
    features = rng.normal(size=(n, 4)).astype(np.float32)
    features[:, 0] += np.where(labels, 2.0, -2.0)
    return features, labels


def test_thresholds_are_calibrated_per_language_with_enough_examples() -> None:
    features, labels = separable(60)
    languages = ["en"] * 36 + ["fr"] * 18 + ["vi"] * 6  # vi: too few of each class
    head = train_head(
        "topic", ["a", "b", "c", "d"], features, labels, languages, embedding_model="m"
    )
    assert set(head.thresholds) == {ANY_LANGUAGE, "en", "fr"}
    assert head.threshold("vi") == head.thresholds[ANY_LANGUAGE]
    assert head.threshold(None) == head.thresholds[ANY_LANGUAGE]
    assert head.cross_validated["en"]["f1"] > 0.9
    assert head.trained_on["languages"] == {"en": 36, "fr": 18, "vi": 6}
    predicted = head.probabilities(features) >= head.threshold("en")
    assert np.mean(predicted == np.asarray(labels)) > 0.9


def test_save_load_round_trip_and_version_names_the_content(tmp_path: Path) -> None:
    features, labels = separable(40)
    head = train_head("topic", list("abcd"), features, labels, ["en"] * 40, embedding_model="m")
    path = save_head(head, tmp_path)
    assert path.name == f"{head.version}.json"
    again = load_head(path)
    assert again == head and again.version == head.version
    assert current_head(tmp_path, "topic", "m") == head
    assert current_head(tmp_path, "topic", "another-model") is None
    assert current_head(tmp_path, "checkworthy", "m") is None
    retrained = train_head(
        "topic", list("abcd"), features, [not x for x in labels], ["en"] * 40, embedding_model="m"
    )
    save_head(retrained, tmp_path)
    assert retrained.version != head.version
    assert current_head(tmp_path, "topic", "m") == retrained
    assert load_head(path) == head  # the earlier head stays on disk for old flags


def test_malformed_heads_and_inputs_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ModelError, match="not a claimwatch-head/1 file"):
        load_head(tmp_path / "bad.json")
    features, labels = separable(20)
    head = train_head("topic", list("abcd"), features, labels, ["en"] * 20, embedding_model="m")
    with pytest.raises(ModelError, match="expects 4 features"):
        head.probabilities(np.zeros((2, 3), np.float32))
    with pytest.raises(ModelError, match="two examples of each class"):
        train_head("topic", list("abcd"), features, [True] * 20, ["en"] * 20, embedding_model="m")


def test_bundled_sentences_are_well_formed_and_disjoint() -> None:
    seeds, held_out = read_labelled(SEED_FILE), read_labelled(EVAL_FILE)
    assert len(seeds) >= 300 and len(held_out) >= 300
    for sentences in (seeds, held_out):
        assert {s.language for s in sentences} == {"en", "fr", "vi"}
        assert {s.topic for s in sentences} == {True, False}
        assert {s.checkworthy for s in sentences} == {True, False}
    assert not {s.text.casefold() for s in seeds} & {s.text.casefold() for s in held_out}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "labels.jsonl:2: not JSON"),
        ('{"id": "x"}', "labels.jsonl:2: missing checkworthy, kind, lang, text, topic"),
        (
            '{"id": "x", "lang": "en", "text": "t", "topic": "yes", "checkworthy": true, "kind": "fact"}',
            "topic and checkworthy must be true or false",
        ),
        (
            '{"id": "a", "lang": "en", "text": "Other.", "topic": true, "checkworthy": true, "kind": "fact"}',
            "duplicate id or text",
        ),
    ],
)
def test_a_malformed_labelled_line_names_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    good = '{"id": "a", "lang": "en", "text": "A fact.", "topic": true, "checkworthy": true, "kind": "fact"}'
    path = tmp_path / "labels.jsonl"
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_labelled(path)


def test_every_version_is_kept_and_the_history_is_an_append_only_log(tmp_path: Path) -> None:
    features, labels = separable(40)
    topic = train_head("topic", list("abcd"), features, labels, ["en"] * 40, embedding_model="m")
    checkworthy = train_head(
        "checkworthy", list("abcd"), features, labels, ["en"] * 40, embedding_model="m"
    )
    write_head(topic, tmp_path)
    assert current_version(tmp_path, "topic") is None  # written, not current
    make_current(topic, tmp_path)
    assert current_version(tmp_path, "topic") == topic.version
    assert head_by_version(tmp_path, topic.version) == topic
    assert head_by_version(tmp_path, "topic-000000000000") is None
    assert head_by_version(tmp_path, "../topic") is None
    assert read_history(tmp_path) == []
    first = record_event(tmp_path, "baseline", topic, checkworthy, actor="a", reason="first")
    second = record_event(
        tmp_path, "refused", topic, checkworthy, actor="b", reason="worse", figures={"x": 1}
    )
    assert read_history(tmp_path) == [first, second]
    assert first.made_current and not second.made_current
    assert pair_id(topic.version, checkworthy.version).startswith("heads-")
    with (tmp_path / "history.jsonl").open("a", encoding="utf-8") as log:
        log.write("{broken\n")
    with pytest.raises(ModelError, match=r"history\.jsonl:3: malformed history line"):
        read_history(tmp_path)
