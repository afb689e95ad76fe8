"""The flag score of a claim, which way it leans, and the explanation stored with every flag.

    p        = softmax(W · z(features) + b)         over repeat, correction, none
    flag     = p(repeat) × gate(topic) × gate(check-worthiness)
    verdict  = repeat      when flag ≥ the flag threshold (0.5 by default)
               correction  when p(correction) × gates ≥ 0.5 (a report stating the correction)
               none        otherwise
    priority = flag × (1 + reach) × novelty
    reach    = 0.1 per extra outlet and per extra language (at most 1)
    novelty  = max(½, ½^(age / 30 days)) × (¼ if reviewers already decided the cluster, else 1)

The features are the match's language-centred evidence (``pipeline.match``): similarity to the
narrative's best phrasing, margin over its best correction sentence, and lead over the next
narrative, standardised (``z``). ``W`` and ``b`` are a multinomial logistic regression fitted on
the dev split of the bundled retrieval set (``claimwatch eval retrieval --fit``) and stored in
``data/flag_calibration.json``; its version (a hash of its content, ``calibration_version()``) is
recorded with every flag. Nothing in the flag is set by hand except the gates.

Each gate is σ((score − threshold) / GATE_SCALE) around the head's calibrated threshold for the
claim's language, so a claim barely over a threshold counts for less than a clear one.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimwatch.errors import DataError
from pipeline.match import Match

CALIBRATION_FILE = Path(__file__).with_name("data") / "flag_calibration.json"
CALIBRATION_FORMAT = "claimwatch-flag-calibration/1"
FEATURES = ("centred_similarity", "centred_margin", "centred_gap")
CLASSES = ("repeat", "correction", "none")
VERDICTS = CLASSES
DEFAULT_FLAG_THRESHOLD = 0.5
CORRECTION_THRESHOLD = 0.5
GATE_SCALE = 0.05
NOVELTY_HALF_LIFE_DAYS = 30.0
NOVELTY_FLOOR = 0.5
NOVELTY_DECIDED = 0.25


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _softmax(values: Sequence[float]) -> list[float]:
    top = max(values)
    exps = [math.exp(v - top) for v in values]
    return [e / sum(exps) for e in exps]


def match_features(match: Match) -> dict[str, float]:
    """The calibrated model's inputs, read from a match."""
    return {name: float(getattr(match, name)) for name in FEATURES}


@dataclass(frozen=True)
class FlagCalibration:
    """A multinomial logistic regression over standardised match features."""

    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    coefficients: tuple[tuple[float, ...], ...]  # one row per class, in CLASSES order
    intercepts: tuple[float, ...]
    fitted_on: Mapping[str, Any] = field(default_factory=dict)

    def parameters(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "classes": list(CLASSES),
            "means": list(self.means),
            "scales": list(self.scales),
            "coefficients": [list(row) for row in self.coefficients],
            "intercepts": list(self.intercepts),
        }

    @property
    def version(self) -> str:
        """``flag-`` and a hash of the parameters: a changed model is a new version."""
        canonical = json.dumps(self.parameters(), sort_keys=True, separators=(",", ":"))
        return "flag-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": CALIBRATION_FORMAT,
            "version": self.version,
            **self.parameters(),
            "fitted_on": dict(self.fitted_on),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FlagCalibration:
        if data.get("format") != CALIBRATION_FORMAT or list(data.get("classes", [])) != list(
            CLASSES
        ):
            raise ValueError(f"not a {CALIBRATION_FORMAT} file")
        features = tuple(str(f) for f in data["features"])
        unknown = [f for f in features if f not in FEATURES]
        if unknown:
            raise ValueError(f"unknown features {unknown}")
        width = len(features)
        rows = tuple(tuple(float(v) for v in row) for row in data["coefficients"])
        calibration = cls(
            features,
            tuple(float(v) for v in data["means"]),
            tuple(float(v) for v in data["scales"]),
            rows,
            tuple(float(v) for v in data["intercepts"]),
            dict(data.get("fitted_on", {})),
        )
        shapes = [len(calibration.means), len(calibration.scales), *map(len, rows)]
        if len(rows) != len(CLASSES) or len(calibration.intercepts) != len(CLASSES):
            raise ValueError("one coefficient row and one intercept per class are needed")
        if any(n != width for n in shapes) or any(s <= 0 for s in calibration.scales):
            raise ValueError("means, scales and coefficients must match the features")
        return calibration

    def probabilities(self, match: Match) -> dict[str, float]:
        """p(repeat), p(correction) and p(none) for a match."""
        values = match_features(match)
        z = [
            (values[f] - mean) / scale
            for f, mean, scale in zip(self.features, self.means, self.scales, strict=True)
        ]
        logits = [
            b + sum(w * x for w, x in zip(row, z, strict=True))
            for row, b in zip(self.coefficients, self.intercepts, strict=True)
        ]
        return dict(zip(CLASSES, _softmax(logits), strict=True))


def save_calibration(calibration: FlagCalibration, path: Path = CALIBRATION_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(calibration.to_json(), indent=2, ensure_ascii=False) + "\n"
    partial = path.with_suffix(".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    _load_cached.cache_clear()


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path, stamp: float) -> FlagCalibration:
    try:
        return FlagCalibration.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"{path}: not a flag calibration ({error})") from None


def load_calibration(path: Path = CALIBRATION_FILE) -> FlagCalibration:
    """The fitted flag calibration (read once, again when the file changes)."""
    if not path.is_file():
        raise DataError(f"{path}: not found; run `claimwatch eval retrieval --fit`")
    return _load_cached(path, path.stat().st_mtime)


def calibration_version(path: Path = CALIBRATION_FILE) -> str:
    """The version of the flag calibration every flag is made with (``flag-<hash>``)."""
    return load_calibration(path).version


@dataclass(frozen=True)
class Flag:
    score: float
    components: dict[str, float]
    verdict: str = "none"
    calibration: str = ""


def flag_score(
    match: Match,
    topic: float,
    checkworthiness: float,
    *,
    topic_threshold: float,
    checkworthy_threshold: float,
    flag_threshold: float = DEFAULT_FLAG_THRESHOLD,
    calibration: FlagCalibration | None = None,
) -> Flag:
    """The flag for one matched claim: p(repeat) through the gates, and which way it leans."""
    model = calibration or load_calibration()
    p = model.probabilities(match)
    gates = {
        "topic_gate": _sigmoid((topic - topic_threshold) / GATE_SCALE),
        "checkworthy_gate": _sigmoid((checkworthiness - checkworthy_threshold) / GATE_SCALE),
    }
    gate = math.prod(gates.values())
    score = round(p["repeat"] * gate, 4)
    if score >= flag_threshold:
        verdict = "repeat"
    elif p["correction"] * gate >= CORRECTION_THRESHOLD:
        verdict = "correction"
    else:
        verdict = "none"
    components = {"repeat": p["repeat"], "correction": p["correction"], **gates}
    return Flag(score, {k: round(v, 4) for k, v in components.items()}, verdict, model.version)


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
    lean = {
        "repeat": "Repeats",
        "correction": "States the correction of",
        "none": "Is closest to",
    }[flag.verdict]
    return {
        "summary": (
            f"{lean} the narrative '{match.slug}': similarity {match.similarity:.3f} to its known "
            f"phrasings ({match.cross_language_similarity:.3f} across languages); "
            f"{match.margin:+.3f} closer to them than to the vetted correction. "
            f"Found by {match.reason}."
        ),
        "claim": claim_text,
        "narrative": {"id": match.narrative_id, "slug": match.slug},
        "matched_phrasing": {"text": match.phrasing, "language": match.phrasing_language},
        "verdict": flag.verdict,
        "scores": {
            "flag": flag.score,
            "centred_similarity": match.centred_similarity,
            "centred_margin": match.centred_margin,
            "centred_gap": match.centred_gap,
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
            "flag_calibration": flag.calibration,
            "features": list(FEATURES),
            "gate_scale": GATE_SCALE,
            "novelty_half_life_days": NOVELTY_HALF_LIFE_DAYS,
        },
    }
