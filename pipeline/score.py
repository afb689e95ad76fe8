"""The flag score of a claim, and the explanation stored with every flag.

    match    = σ((similarity − MATCH_CENTRE) / MATCH_SCALE)   how closely it repeats a narrative
    stance   = σ((margin + STANCE_ALLOWANCE) / STANCE_SCALE)  not a restatement of the correction
    flag     = match × stance × gate(topic) × gate(check-worthiness)
    priority = flag × (1 + reach), reach = 0.1 per extra outlet and per extra language (max 1)

E5 similarities run high (unrelated sentences score ~0.75), so the constants were set on the
bundled demo corpus and seed library, where repeats of a narrative score ≥ 0.90 and on-topic
sentences that do not repeat one score ≤ 0.89. They are a starting point, to be calibrated on
labelled data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pipeline.match import Match

MATCH_CENTRE = 0.895
MATCH_SCALE = 0.005
STANCE_ALLOWANCE = 0.04
STANCE_SCALE = 0.01
GATE_SCALE = 0.05


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
    return min(1.0, 0.1 * max(0, outlets - 1) + 0.1 * max(0, languages - 1))


def priority(flag: float, outlets: int, languages: int) -> float:
    return round(flag * (1.0 + reach_bonus(outlets, languages)), 4)


def explanation(
    match: Match,
    flag: Flag,
    *,
    claim_text: str,
    topic: float,
    topic_label: str,
    checkworthiness: float,
    cues: list[str],
    model_version: str,
    outlets: int,
    languages: int,
) -> dict[str, Any]:
    """Everything a reviewer needs to see why this was flagged."""
    return {
        "summary": (
            f"Repeats the narrative '{match.slug}': similarity {match.similarity:.3f} to its known "
            f"phrasings ({match.cross_language_similarity:.3f} across languages); "
            f"{match.margin:+.3f} closer to them than to the vetted correction."
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
        "candidates": [{"slug": c.slug, "similarity": c.similarity} for c in match.candidates],
        "reach": {"outlets": outlets, "languages": languages},
        "model_version": model_version,
        "scoring": {
            "match_centre": MATCH_CENTRE,
            "match_scale": MATCH_SCALE,
            "stance_allowance": STANCE_ALLOWANCE,
            "stance_scale": STANCE_SCALE,
        },
    }
