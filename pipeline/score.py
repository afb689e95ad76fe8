"""The flag score of a claim, and the explanation stored with every flag.

    match    = σ((similarity − MATCH_CENTRE) / MATCH_SCALE)   how closely it repeats a narrative
    stance   = σ((margin + STANCE_ALLOWANCE) / STANCE_SCALE)  not a restatement of the correction
    flag     = match × stance × gate(topic) × gate(check-worthiness)
    priority = flag × (1 + reach) × novelty
    reach    = 0.1 per extra outlet and per extra language (at most 1)
    novelty  = max(½, ½^(age / 30 days)) × (¼ if reviewers already decided the cluster, else 1)

Each gate is σ((score − threshold) / GATE_SCALE) around the head's calibrated threshold for the
claim's language, so a claim barely over a threshold counts for less than a clear one.

E5 similarities run high (unrelated sentences score ~0.75), so the constants were set on the
bundled demo corpus and seed library, where repeats of a narrative score ≥ 0.90 and on-topic
sentences that do not repeat one score ≤ 0.89. They are a starting point, to be calibrated on
labelled data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from pipeline.match import Match

MATCH_CENTRE = 0.895
MATCH_SCALE = 0.005
STANCE_ALLOWANCE = 0.04
STANCE_SCALE = 0.01
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


def flag_score(
    match: Match,
    topic: float,
    checkworthiness: float,
    *,
    topic_threshold: float,
    checkworthy_threshold: float,
) -> Flag:
    components = {
        "match": _sigmoid((match.similarity - MATCH_CENTRE) / MATCH_SCALE),
        "stance": _sigmoid((match.margin + STANCE_ALLOWANCE) / STANCE_SCALE),
        "topic_gate": _sigmoid((topic - topic_threshold) / GATE_SCALE),
        "checkworthy_gate": _sigmoid((checkworthiness - checkworthy_threshold) / GATE_SCALE),
    }
    score = math.prod(components.values())
    return Flag(round(score, 4), {k: round(v, 4) for k, v in components.items()})


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
            f"Repeats the narrative '{match.slug}': similarity {match.similarity:.3f} to its known "
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
            "match_centre": MATCH_CENTRE,
            "match_scale": MATCH_SCALE,
            "stance_allowance": STANCE_ALLOWANCE,
            "stance_scale": STANCE_SCALE,
            "gate_scale": GATE_SCALE,
            "novelty_half_life_days": NOVELTY_HALF_LIFE_DAYS,
        },
    }
