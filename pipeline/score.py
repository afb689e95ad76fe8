"""The flag score of a claim, and the explanation stored with every flag.

    repeat   = σ(4 · (logit p(repeat) − logit threshold))  the fitted flag model, 0.5 at its cut
    flag     = repeat × gate(topic) × gate(check-worthiness)
    priority = flag × (1 + reach) × novelty
    reach    = 0.1 per extra outlet and per extra language (at most 1)
    novelty  = max(½, ½^(age / 30 days)) × (¼ if reviewers already decided the cluster, else 1)

``p(repeat)`` and ``p(correction)`` come from the flag model fitted on labelled claims
(``claimwatch.pipeline.flag_model``); its version is recorded with every flag. Each gate is
σ((score − threshold) / GATE_SCALE) around the head's calibrated threshold for the claim's
language, so a claim barely over a threshold counts for less than a clear one.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from claimwatch.pipeline.flag_model import FlagOdds
from claimwatch.pipeline.match import Match

REPEAT_SHARPNESS = 4.0
GATE_SCALE = 0.05
NOVELTY_HALF_LIFE_DAYS = 30.0
NOVELTY_FLOOR = 0.5
NOVELTY_DECIDED = 0.25


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


@dataclass(frozen=True)
class Flag:
    score: float
    components: dict[str, float]
    odds: FlagOdds

    @property
    def verdict(self) -> str:
        return self.odds.verdict


def flag_score(
    odds: FlagOdds,
    topic: float,
    checkworthiness: float,
    *,
    topic_threshold: float,
    checkworthy_threshold: float,
) -> Flag:
    components = {
        "repeat": odds.repeat_strength(REPEAT_SHARPNESS),
        "topic_gate": _sigmoid((topic - topic_threshold) / GATE_SCALE),
        "checkworthy_gate": _sigmoid((checkworthiness - checkworthy_threshold) / GATE_SCALE),
    }
    score = math.prod(components.values())
    return Flag(round(score, 4), {k: round(v, 4) for k, v in components.items()}, odds)


def reach_bonus(outlets: int, languages: int) -> float:
    return round(min(1.0, 0.1 * max(0, outlets - 1) + 0.1 * max(0, languages - 1)), 4)


def novelty(first_seen: dt.datetime, now: dt.datetime, *, already_decided: bool) -> float:
    """1 for a claim first seen today that nobody has decided; less as it ages or once decided."""
    age_days = max(0.0, (now - first_seen).total_seconds() / 86400)
    fresh = max(NOVELTY_FLOOR, float(0.5 ** (age_days / NOVELTY_HALF_LIFE_DAYS)))
    return round(fresh * (NOVELTY_DECIDED if already_decided else 1.0), 4)


def priority(flag: float, outlets: int, languages: int, novelty: float = 1.0) -> float:
    return round(flag * (1.0 + reach_bonus(outlets, languages)) * novelty, 4)


def explanation(
    match: Match,
    flag: Flag,
    *,
    claim_text: str,
    topic: float,
    topic_label: str,
    checkworthiness: float,
    cues: list[str],
    model_versions: dict[str, str],
    outlets: int,
    languages: int,
    novelty: float,
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """Everything a reviewer needs to see why this was flagged."""
    return {
        "summary": (
            f"Repeats the narrative '{match.slug}' (p {flag.odds.repeat:.2f}, flagged from "
            f"{flag.odds.repeat_threshold:.2f}): similarity {match.similarity:.3f} to its known "
            f"phrasings ({match.cross_language_similarity:.3f} across languages); "
            f"{match.margin:+.3f} closer to them than to the vetted correction. "
            f"Found by {match.reason}."
        ),
        "claim": claim_text,
        "narrative": {"id": match.narrative_id, "slug": match.slug},
        "matched_phrasing": {"text": match.phrasing, "language": match.phrasing_language},
        "scores": {
            "flag": flag.score,
            "narrative_similarity": match.similarity,
            "best_phrasing_similarity": match.best_similarity,
            "cross_language_similarity": match.cross_language_similarity,
            "rebuttal_similarity": match.rebuttal_similarity,
            "margin": match.margin,
            "repeat_probability": flag.odds.repeat,
            "correction_probability": flag.odds.correction,
            "topic": topic,
            "checkworthiness": checkworthiness,
            **{f"component_{k}": v for k, v in flag.components.items()},
        },
        "topic_label": topic_label,
        "checkworthiness_cues": cues,
        "thresholds": thresholds,
        "candidates": [
            {"slug": c.slug, "similarity": c.similarity, "fused": c.fused, "reason": c.reason}
            for c in match.candidates
        ],
        "reach": {
            "outlets": outlets,
            "languages": languages,
            "bonus": reach_bonus(outlets, languages),
        },
        "novelty": novelty,
        "model_version": model_versions["embedding"],
        "model_versions": model_versions,
        "scoring": {
            "repeat_threshold": flag.odds.repeat_threshold,
            "correction_threshold": flag.odds.correction_threshold,
            "repeat_sharpness": REPEAT_SHARPNESS,
            "gate_scale": GATE_SCALE,
            "novelty_half_life_days": NOVELTY_HALF_LIFE_DAYS,
        },
    }
