"""The emerging lane's score, and the explanation stored with every emerging item.

An *emerging* claim is on topic and check-worthy, matches no known narrative, and is spreading:
several outlets carry it, in one language or more, and it is still growing. Most claims that
matter are new, so the queue has a lane for them beside "repeats narrative X":

    spread   = 1 − ½^(outlets − 1 + ½ × (languages − 1))    one outlet: 0; two: ½; three: ¾ …
    growth   = ½ + ½ × (share of its reports first stored in the last GROWTH_WINDOW)
    emerging = spread × growth × gate(topic) × gate(check-worthiness)
    priority = emerging × (1 + reach) × novelty       (as for repeats: ``claimwatch.pipeline.score.priority``)

The gates are the repeat lane's: σ((score − threshold) / GATE_SCALE) around each head's threshold
for the claim's language. Every item says which narratives came closest and why it is not a
repeat of them ("closest: asean-exit 0.83, below the match threshold").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from claimwatch.pipeline.match import Match

GATE_SCALE = 0.05
GROWTH_WINDOW = dt.timedelta(hours=48)


def _gate(score: float, threshold: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, (score - threshold) / GATE_SCALE))))


@dataclass(frozen=True)
class EmergingScore:
    score: float
    components: dict[str, float]


def spread(outlets: int, languages: int) -> float:
    """How widely a claim is carried: 0 for one outlet, towards 1 as outlets and languages add."""
    reach = max(0, outlets - 1) + 0.5 * max(0, languages - 1)
    return float(1.0 - 0.5**reach)


def growth(seen: Sequence[dt.datetime], now: dt.datetime) -> float:
    """½ for a claim that stopped spreading, 1 for one all of whose reports are recent."""
    if not seen:
        return 0.5
    recent = sum(1 for moment in seen if now - moment <= GROWTH_WINDOW)
    return 0.5 + 0.5 * recent / len(seen)


def emerging_score(
    *,
    topic: float,
    checkworthiness: float,
    topic_threshold: float,
    checkworthy_threshold: float,
    outlets: int,
    languages: int,
    seen: Sequence[dt.datetime],
    now: dt.datetime,
) -> EmergingScore:
    components = {
        "spread": spread(outlets, languages),
        "growth": growth(seen, now),
        "topic_gate": _gate(topic, topic_threshold),
        "checkworthy_gate": _gate(checkworthiness, checkworthy_threshold),
    }
    score = math.prod(components.values())
    return EmergingScore(round(score, 4), {k: round(v, 4) for k, v in components.items()})


def closest_narratives(match: Match | None, limit: int = 3) -> list[dict[str, Any]]:
    """The narratives that came closest to the claim (none of them close enough to be a
    repeat), best first."""
    if match is None:
        return []
    return [
        {"id": c.narrative_id, "slug": c.slug, "similarity": round(c.similarity, 4)}
        for c in match.candidates[:limit]
    ]


def emerging_explanation(
    score: EmergingScore,
    *,
    claim_text: str,
    topic: float,
    topic_label: str,
    checkworthiness: float,
    cues: list[str],
    closest: list[dict[str, Any]],
    model_versions: dict[str, str],
    outlets: int,
    languages: int,
    novelty: float,
    thresholds: dict[str, float],
) -> dict[str, Any]:
    """Everything a reviewer needs to see why a new claim was queued."""
    nearest = (
        f"closest narrative: {closest[0]['slug']} {closest[0]['similarity']:.2f} — not a repeat"
        if closest
        else "no narrative comes close"
    )
    return {
        "lane": "emerging",
        "summary": (
            f"A new claim, on topic and check-worthy, carried by {outlets} outlets in "
            f"{languages} language{'s' if languages != 1 else ''}; {nearest}."
        ),
        "claim": claim_text,
        "narrative": None,
        "closest": closest,
        "scores": {
            "emerging": score.score,
            "topic": topic,
            "checkworthiness": checkworthiness,
            **{f"component_{k}": v for k, v in score.components.items()},
        },
        "topic_label": topic_label,
        "checkworthiness_cues": cues,
        "thresholds": thresholds,
        "reach": {"outlets": outlets, "languages": languages},
        "novelty": novelty,
        "model_versions": model_versions,
    }
