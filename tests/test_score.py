"""The flag score and priority: each component moves the score the way its explanation says, the
verdict says which way a claim leans, and the calibration is versioned and validated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from claimwatch.errors import DataError
from pipeline.match import Match
from pipeline.score import (
    CALIBRATION_FILE,
    FlagCalibration,
    calibration_version,
    explanation,
    flag_score,
    load_calibration,
    novelty,
    priority,
    reach_bonus,
)

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def match(centred: float = 0.65, margin: float = 0.3, gap: float = 0.4) -> Match:
    similarity = 0.9
    return Match(
        narrative_id=1,
        slug="asean-exit",
        similarity=similarity,
        best_similarity=similarity,
        cross_language_similarity=similarity,
        phrasing="Vietnam will leave ASEAN.",
        phrasing_language="en",
        rebuttal_similarity=similarity - margin,
        margin=margin,
        fused=0.9,
        reason="phrasing (en) fused 0.900",
        candidates=(),
        centred_similarity=centred,
        centred_margin=margin,
        centred_gap=gap,
    )


def flag(m: Match, topic: float = 0.9, worth: float = 0.9) -> float:
    return flag_score(m, topic, worth, topic_threshold=0.5, checkworthy_threshold=0.5).score


def test_each_component_lowers_the_flag() -> None:
    strong = flag(match())
    assert strong > 0.9
    assert flag(match(centred=0.2, margin=0.05, gap=0.05)) < 0.1  # a weak match
    assert flag(match(margin=-0.3)) < 0.1  # closer to the correction than to the claim
    assert flag(match(), topic=0.4) < 0.2  # below the topic head's threshold
    assert flag(match(), worth=0.4) < 0.2  # below the check-worthiness threshold


def verdict(m: Match, **kwargs: Any) -> str:
    return flag_score(m, 0.9, 0.9, topic_threshold=0.5, checkworthy_threshold=0.5, **kwargs).verdict


def test_the_verdict_says_which_way_a_claim_leans() -> None:
    assert verdict(match()) == "repeat"
    assert verdict(match(margin=-0.3)) == "correction"  # restates the vetted correction
    assert verdict(match(centred=0.2, margin=0.05, gap=0.05)) == "none"
    moderate = match(centred=0.45, margin=0.15, gap=0.25)  # p(repeat) about 0.7
    assert verdict(moderate) == "repeat"
    assert verdict(moderate, flag_threshold=0.9) == "none"  # the threshold decides a repeat


def test_the_calibration_file_is_versioned_by_its_content() -> None:
    calibration = load_calibration()
    assert calibration_version() == calibration.version
    assert calibration.version.startswith("flag-") and len(calibration.version) == 17
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    assert data["version"] == calibration.version
    assert data["fitted_on"]["split"] == ["dev"]
    changed = dict(data, intercepts=[0.0, 0.0, 0.0])
    assert FlagCalibration.from_json(changed).version != calibration.version
    f = flag_score(match(), 0.9, 0.9, topic_threshold=0.5, checkworthy_threshold=0.5)
    assert f.calibration == calibration.version


@pytest.mark.parametrize(
    "change",
    [
        {"format": "something-else/1"},
        {"features": ["centred_similarity", "bm25"]},
        {"scales": [1.0, 0.0, 1.0]},
        {"coefficients": [[1.0, 2.0, 3.0]]},
        {"means": [0.1]},
    ],
)
def test_a_malformed_calibration_is_refused(change: dict[str, Any], tmp_path: Path) -> None:
    data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({**data, **change}), encoding="utf-8")
    with pytest.raises(DataError, match="not a flag calibration"):
        load_calibration(path)


def test_reach_and_novelty_order_the_queue() -> None:
    assert reach_bonus(1, 1) == 0 and reach_bonus(4, 3) == pytest.approx(0.5)
    assert reach_bonus(20, 5) == 1.0
    assert novelty(NOW, NOW, already_decided=False) == 1.0
    assert novelty(NOW - dt.timedelta(days=30), NOW, already_decided=False) == 0.5
    assert novelty(NOW - dt.timedelta(days=300), NOW, already_decided=False) == 0.5
    assert novelty(NOW, NOW, already_decided=True) == 0.25
    assert priority(0.8, 4, 3) > priority(0.8, 1, 1) > priority(0.8, 1, 1, novelty=0.5)


def test_the_explanation_names_everything_that_made_the_score() -> None:
    m = match()
    f = flag_score(m, 0.9, 0.8, topic_threshold=0.5, checkworthy_threshold=0.6)
    why = explanation(
        m,
        f,
        claim_text="Vietnam will leave ASEAN next year.",
        topic=0.9,
        topic_label="international-organisations",
        checkworthiness=0.8,
        cues=["assertion"],
        model_versions={"embedding": "e5@x", "topic": "topic-1", "checkworthy": "cw-1"},
        outlets=3,
        languages=2,
        novelty=1.0,
        thresholds={"topic": 0.5, "checkworthiness": 0.6},
    )
    assert "asean-exit" in why["summary"] and m.reason in why["summary"]
    assert why["model_versions"]["topic"] == "topic-1" and why["model_version"] == "e5@x"
    assert why["reach"] == {"outlets": 3, "languages": 2, "bonus": 0.3}
    assert why["thresholds"] == {"topic": 0.5, "checkworthiness": 0.6}
    assert why["verdict"] == "repeat" and why["summary"].startswith("Repeats")
    assert why["scoring"]["flag_calibration"] == f.calibration == calibration_version()
