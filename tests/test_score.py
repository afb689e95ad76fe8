"""The flag score and priority: each component moves the score the way its explanation says."""

from __future__ import annotations

import datetime as dt

import pytest

from claimwatch.pipeline.flag_model import FlagOdds
from claimwatch.pipeline.match import Match
from claimwatch.pipeline.score import explanation, flag_score, novelty, priority, reach_bonus

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def match(similarity: float = 0.93, margin: float = 0.05) -> Match:
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
    )


def odds(repeat: float = 0.9, correction: float = 0.05) -> FlagOdds:
    return FlagOdds(repeat, correction, repeat_threshold=0.4, correction_threshold=0.7)


def flag(o: FlagOdds, topic: float = 0.9, worth: float = 0.9) -> float:
    return flag_score(o, topic, worth, topic_threshold=0.5, checkworthy_threshold=0.5).score


def test_each_component_lowers_the_flag() -> None:
    assert flag(odds()) > 0.9
    assert 0.45 < flag(odds(repeat=0.4)) <= 0.5  # exactly at the flag model's threshold
    assert flag(odds(repeat=0.2)) < 0.1  # the model reads no repeat
    assert flag(odds(), topic=0.4) < 0.2  # below the topic head's threshold
    assert flag(odds(), worth=0.4) < 0.2  # below the check-worthiness threshold


def test_the_verdict_tells_a_correction_from_a_repeat() -> None:
    assert odds().verdict == "repeat"
    assert odds(repeat=0.1, correction=0.9).verdict == "correction"
    assert odds(repeat=0.1, correction=0.5).verdict == "none"
    assert odds(repeat=0.9, correction=0.9).verdict == "repeat"


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
    f = flag_score(odds(), 0.9, 0.8, topic_threshold=0.5, checkworthy_threshold=0.6)
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
