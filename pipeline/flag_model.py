"""The fitted flag: how likely a claim matched to a narrative repeats it, or states its correction.

    features      = the match's evidence (7 numbers, ``MATCH_FEATURES``) + the claim's embedding
    p(repeat)     = σ(w_r · z(features) + b_r)      one logistic regression
    p(correction) = σ(w_c · z(features) + b_c)      another, over the same features

Embeddings barely see negation, so similarity alone cannot tell "Vietnam will leave ASEAN" from
"Vietnam is not leaving ASEAN"; the claim's own embedding carries how it is worded (a denial, a
report of an official statement, a rumour), which the regressions weigh. Both are fitted on the
dev split of the bundled retrieval set (``claimwatch eval retrieval --fit``): the regularisation
by cross-validated log-loss, each threshold as the highest out-of-fold recall whose false rates on
the dev split stay under ``LIMITS``. The test split is never seen in fitting.

A model is JSON (never pickled), named by a hash of its parameters, and belongs to one embedding
model. The bundled ``data/flag_model.json`` fits the bundled embedder. Models fitted in a data
directory (``claimwatch eval retrieval --fit``, ``claimwatch models train``) are kept there as
``<data_dir>/flag/<version>.json``, every version, and ``<data_dir>/flag/current`` names the one
a run uses; it is preferred when it belongs to the embedding model in use.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import ModelError
from claimwatch.pipeline.match import Match

BUNDLED_FILE = Path(__file__).with_name("data") / "flag_model.json"
SINGLE_FILE = "flag_model.json"  # one unversioned model: the bundled form (older releases too)
CURRENT_POINTER = "current"
FORMAT = "claimwatch-flag-model/1"
MATCH_FEATURES = (
    "similarity",
    "best_similarity",
    "cross_language_similarity",
    "rebuttal_similarity",
    "margin",
    "fused",
    "lead",
)
REGULARISATION_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
# Highest false rates (per kind of non-target claim, on dev, out of fold) a threshold may reach.
# ``rejected``: claims reviewers decided were not a repeat of the narrative they were matched to.
LIMITS = {
    "repeat": {
        "correction": 0.08,
        "related": 0.08,
        "unrelated": 0.02,
        "unknown": 0.05,
        "rejected": 0.10,
    },
    "correction": {"repeat": 0.05, "related": 0.08, "unrelated": 0.02},
}

REPEAT_ONLY_KINDS = frozenset({"rejected"})


def match_evidence(match: Match) -> list[float]:
    """The match's numbers, in ``MATCH_FEATURES`` order; ``lead`` is how far the best candidate
    narrative's similarity is ahead of the next one's."""
    ranked = [*sorted((c.similarity for c in match.candidates), reverse=True), 0.0, 0.0]
    return [
        match.similarity,
        match.best_similarity,
        match.cross_language_similarity,
        match.rebuttal_similarity,
        match.margin,
        match.fused,
        ranked[0] - ranked[1],
    ]


def feature_matrix(matches: Sequence[Match], vectors: NDArray[np.float32]) -> NDArray[np.float64]:
    """One row per match: its evidence, then the claim's embedding."""
    evidence = np.asarray([match_evidence(m) for m in matches], dtype=np.float64)
    return np.hstack([evidence.reshape(len(matches), -1), np.asarray(vectors, dtype=np.float64)])


@dataclass(frozen=True)
class LinearHead:
    """A logistic regression over standardised features, with its decision threshold."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    regularisation: float
    cross_validated: dict[str, float] = field(default_factory=dict)

    def probabilities(self, features: NDArray[np.float64]) -> NDArray[np.float64]:
        z = (features - np.asarray(self.means)) / np.asarray(self.scales)
        logits = z @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits, -60.0, 60.0))), dtype=np.float64)


@dataclass(frozen=True)
class FlagOdds:
    """The two probabilities for one matched claim, with the thresholds they are read against."""

    repeat: float
    correction: float
    repeat_threshold: float
    correction_threshold: float

    @property
    def verdict(self) -> str:
        """``repeat``, ``correction`` (a report stating the narrative's correction) or ``none``."""
        if self.repeat >= self.repeat_threshold:
            return "repeat"
        if self.correction >= self.correction_threshold:
            return "correction"
        return "none"

    def repeat_strength(self, sharpness: float = 4.0) -> float:
        """p(repeat) around its threshold, on 0–1 with 0.5 at the threshold (for the flag)."""
        return _sigmoid(sharpness * (_logit(self.repeat) - _logit(self.repeat_threshold)))


@dataclass(frozen=True)
class FlagModel:
    embedding_model: str
    dimension: int
    repeat: LinearHead
    correction: LinearHead
    fitted_on: dict[str, Any] = field(default_factory=dict)

    def parameters(self) -> dict[str, Any]:
        return {
            "embedding_model": self.embedding_model,
            "dimension": self.dimension,
            "match_features": list(MATCH_FEATURES),
            "repeat": asdict(self.repeat),
            "correction": asdict(self.correction),
        }

    @property
    def version(self) -> str:
        """``flag-`` and a hash of the parameters: a refitted model is a new version."""
        canonical = json.dumps(self.parameters(), sort_keys=True, separators=(",", ":"))
        return "flag-" + hashlib.sha256(canonical.encode()).hexdigest()[:12]

    def odds(self, matches: Sequence[Match], vectors: NDArray[np.float32]) -> list[FlagOdds]:
        if not matches:
            return []
        if vectors.shape[1] != self.dimension:
            raise ModelError(
                f"flag model {self.version} expects {self.dimension}-d embeddings, "
                f"got {vectors.shape[1]}-d"
            )
        features = feature_matrix(matches, vectors)
        repeat = self.repeat.probabilities(features)
        correction = self.correction.probabilities(features)
        return [
            FlagOdds(
                round(float(r), 4),
                round(float(c), 4),
                self.repeat.threshold,
                self.correction.threshold,
            )
            for r, c in zip(repeat, correction, strict=True)
        ]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def to_json(model: FlagModel) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": model.version,
        **model.parameters(),
        "fitted_on": model.fitted_on,
    }


def _head(data: Mapping[str, Any], width: int) -> LinearHead:
    head = LinearHead(
        means=tuple(float(v) for v in data["means"]),
        scales=tuple(float(v) for v in data["scales"]),
        weights=tuple(float(v) for v in data["weights"]),
        bias=float(data["bias"]),
        threshold=float(data["threshold"]),
        regularisation=float(data["regularisation"]),
        cross_validated={str(k): float(v) for k, v in data.get("cross_validated", {}).items()},
    )
    if {len(head.means), len(head.scales), len(head.weights)} != {width}:
        raise ValueError(f"a head needs {width} means, scales and weights")
    if any(s <= 0 for s in head.scales) or not 0 < head.threshold < 1:
        raise ValueError("scales must be positive and the threshold between 0 and 1")
    return head


def from_json(data: Mapping[str, Any]) -> FlagModel:
    """A model from its JSON document; ``ValueError`` says what is wrong with it."""
    if data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} document")
    if list(data.get("match_features", [])) != list(MATCH_FEATURES):
        raise ValueError(f"match_features must be {list(MATCH_FEATURES)}")
    dimension = int(data["dimension"])
    width = len(MATCH_FEATURES) + dimension
    return FlagModel(
        embedding_model=str(data["embedding_model"]),
        dimension=dimension,
        repeat=_head(data["repeat"], width),
        correction=_head(data["correction"], width),
        fitted_on=dict(data.get("fitted_on", {})),
    )


def read_model(path: Path) -> FlagModel:
    try:
        return from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelError(f"{path}: not a flag model ({error})") from None


def write_model(model: FlagModel, directory: Path) -> Path:
    """Write ``<directory>/<version>.json`` atomically (the file is the version; nothing becomes
    current)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{model.version}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(to_json(model), indent=1) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def write_single(model: FlagModel, directory: Path) -> Path:
    """Write ``<directory>/flag_model.json`` atomically: the form bundled with the package."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SINGLE_FILE
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(to_json(model), indent=1) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def make_current(model: FlagModel, directory: Path) -> None:
    """Point ``<directory>/current`` at the (already written) file of ``model``."""
    pointer = directory / CURRENT_POINTER
    partial = pointer.with_suffix(".partial")
    partial.write_text(f"{model.version}.json", encoding="utf-8")
    partial.replace(pointer)


def current_flag_version(directory: Path) -> str | None:
    """The version ``<directory>/current`` points at, if any."""
    pointer = directory / CURRENT_POINTER
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip().removesuffix(".json")


def model_by_version(directory: Path, version: str) -> FlagModel | None:
    """The kept model file of ``version``, or ``None`` if there is none."""
    if not version.startswith("flag-") or "/" in version or "\\" in version:
        return None
    path = directory / f"{version}.json"
    return read_model(path) if path.is_file() else None


def _candidate_files(directory: Path | None) -> list[Path]:
    if directory is None:
        return [BUNDLED_FILE]
    current = current_flag_version(directory)
    mine = [directory / f"{current}.json"] if current else []
    return [*mine, directory / SINGLE_FILE, BUNDLED_FILE]


def load_flag_model(embedding_model: str, directory: Path | None = None) -> FlagModel:
    """The flag model for ``embedding_model``: the current one of ``directory`` if it matches
    (else a ``flag_model.json`` written there by an older release), else the bundled one if it
    matches; otherwise an error saying how to fit one."""
    for path in _candidate_files(directory):
        if path.is_file():
            model = read_model(path)
            if model.embedding_model == embedding_model:
                return model
    raise ModelError(
        f"no flag model fitted for the embedding model {embedding_model}; "
        "fit one with `claimwatch eval retrieval --fit`"
    )
