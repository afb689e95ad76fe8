"""Trainable classifier heads over sentence embeddings, with a calibrated threshold per language.

A head is a logistic regression (scikit-learn) over a feature vector (the embedding, optionally
with a few hand-made cues). Its regularisation is chosen by cross-validation: the strength whose
out-of-fold predictions reach the best F1 (unit-length embeddings have small components, so a
weak penalty is usually best). Training also calibrates: the out-of-fold probabilities
(k-fold, each example's fold fixed by a hash of its content, so that retraining with a few more
examples does not reshuffle the others) choose, for each language with enough examples of both classes, the threshold that
maximises F1 there; other languages use the threshold chosen over all languages. A head is saved
as JSON (weights, thresholds, training counts, cross-validated figures) — never pickled — and is
named by a hash of that content, which every score it produces carries.

Every head file is kept. ``<name>.current`` names the file a run uses; ``history.jsonl`` in the
same directory is the plain, append-only log of which pair of heads (topic, check-worthiness)
became current or was refused, when, by whom, why, and with which held-out figures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import ModelError

FORMAT = "claimwatch-head/1"
ANY_LANGUAGE = "*"
MIN_PER_CLASS = 8  # examples of each class a language needs for its own threshold
_GRID = np.round(np.arange(0.10, 0.91, 0.01), 2)
REGULARISATION_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)  # scikit-learn's C: larger is weaker


@dataclass(frozen=True)
class Head:
    name: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    thresholds: dict[str, float]
    embedding_model: str
    trained_on: dict[str, Any] = field(default_factory=dict)
    cross_validated: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        payload = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return f"{self.name}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"

    def probabilities(self, features: NDArray[np.float32]) -> NDArray[np.float64]:
        if features.ndim != 2 or features.shape[1] != len(self.weights):
            raise ModelError(
                f"head {self.name} expects {len(self.weights)} features, got {features.shape}"
            )
        logits = features.astype(np.float64) @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60))), dtype=np.float64)

    def threshold(self, language: str | None) -> float:
        return self.thresholds.get(language or "", self.thresholds[ANY_LANGUAGE])


F1_TOLERANCE = 0.01


def _best_threshold(
    labels: NDArray[np.bool_], probabilities: NDArray[np.float64]
) -> tuple[float, float]:
    """The cut nearest 0.5 among those whose F1 is within ``F1_TOLERANCE`` of the best, and its
    F1. Out-of-fold F1 over a few hundred examples is flat and noisy near its top, so the exact
    maximum moves with one example; the cut nearest the model's own decision point is steadier."""
    scores = []
    for cut in _GRID:
        predicted = probabilities >= cut
        tp = float(np.sum(predicted & labels))
        scores.append((float(cut), 2 * tp / (np.sum(predicted) + np.sum(labels)) if tp else 0.0))
    best_f1 = max(f1 for _, f1 in scores)
    near_best = [(cut, f1) for cut, f1 in scores if f1 >= best_f1 - F1_TOLERANCE]
    return min(near_best, key=lambda pair: (abs(pair[0] - 0.5), -pair[1]))


def _out_of_fold(
    features: NDArray[np.float32],
    labels: NDArray[np.bool_],
    regularisation: float,
    keys: Sequence[bytes],
) -> NDArray[np.float64]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    folds = min(5, int(labels.sum()), int((~labels).sum()))
    if folds < 2:
        raise ModelError("training needs at least two examples of each class")
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=2000)
    splits = _stable_folds(keys, labels, folds)
    result = cross_val_predict(model, features, labels, cv=splits, method="predict_proba")
    return np.asarray(result[:, 1], dtype=np.float64)


def _stable_folds(
    keys: Sequence[bytes], labels: NDArray[np.bool_], folds: int
) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Each example's fold is a hash of its key and label, so adding a few examples
    (reviewers' decisions) leaves every other example in its fold and the calibration moves
    only as much as the new examples move it."""
    hashes = [
        int.from_bytes(hashlib.sha256(key + bytes([int(y)])).digest()[:4], "big")
        for key, y in zip(keys, labels, strict=True)
    ]
    assignment = np.asarray(hashes, dtype=np.int64) % folds
    indices = np.arange(len(labels))
    splits = [(indices[assignment != k], indices[assignment == k]) for k in range(folds)]
    return [(train, test) for train, test in splits if len(test)]


def _calibrate(
    labels: NDArray[np.bool_], out_of_fold: NDArray[np.float64], languages: Sequence[str]
) -> tuple[dict[str, float], dict[str, Any]]:
    thresholds = {ANY_LANGUAGE: _best_threshold(labels, out_of_fold)[0]}
    figures: dict[str, Any] = {}
    codes = np.asarray(languages)
    for language in sorted(set(languages)):
        mask = codes == language
        positives = int(labels[mask].sum())
        if min(positives, int(mask.sum()) - positives) >= MIN_PER_CLASS:
            thresholds[language] = _best_threshold(labels[mask], out_of_fold[mask])[0]
        cut = thresholds.get(language, thresholds[ANY_LANGUAGE])
        predicted = out_of_fold[mask] >= cut
        tp = int(np.sum(predicted & labels[mask]))
        precision = tp / max(1, int(predicted.sum()))
        recall = tp / max(1, positives)
        figures[language] = {
            "threshold": cut,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
            "n": int(mask.sum()),
        }
    return thresholds, figures


def train_head(
    name: str,
    feature_names: Sequence[str],
    features: NDArray[np.float32],
    labels: Sequence[bool],
    languages: Sequence[str],
    *,
    embedding_model: str,
    regularisation: float | None = None,
    sources: dict[str, int] | None = None,
    seed_digest: str = "",
    keys: Sequence[str] | None = None,
) -> Head:
    """Fit the head on all examples, after choosing its regularisation (unless given) and
    calibrating its thresholds on out-of-fold predictions. ``keys`` identify the examples (their
    texts) and decide their folds; without them the features' bytes do, which differ in their
    last bits between machines that computed the same embeddings."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=bool)
    if len(y) != len(features) or len(y) != len(languages):
        raise ModelError("features, labels and languages differ in length")
    candidates = REGULARISATION_GRID if regularisation is None else (regularisation,)
    fold_keys = (
        [key.encode() for key in keys]
        if keys is not None
        else [row.tobytes() for row in np.ascontiguousarray(features)]
    )
    if len(fold_keys) != len(y):
        raise ModelError("keys and labels differ in length")
    scored = [(c, _out_of_fold(features, y, c, fold_keys)) for c in candidates]
    regularisation, out_of_fold = max(scored, key=lambda s: _best_threshold(y, s[1])[1])
    thresholds, figures = _calibrate(y, out_of_fold, languages)
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=2000)
    model.fit(features, y)
    return Head(
        name=name,
        features=tuple(feature_names),
        weights=tuple(round(float(w), 6) for w in model.coef_[0]),
        bias=round(float(model.intercept_[0]), 6),
        thresholds=thresholds,
        embedding_model=embedding_model,
        trained_on={
            "examples": len(y),
            "positives": int(y.sum()),
            "languages": dict(sorted(Counter(languages).items())),
            "sources": dict(sorted((sources or {}).items())),
            "regularisation": regularisation,
            "seed_digest": seed_digest,
        },
        cross_validated=figures,
    )


def write_head(head: Head, directory: Path) -> Path:
    """Write ``<directory>/<version>.json`` (the file is the version; nothing becomes current)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{head.version}.json"
    document = {"format": FORMAT, **asdict(head)}
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(path)
    return path


def make_current(head: Head, directory: Path) -> None:
    """Point ``<name>.current`` at the (already written) file of ``head``."""
    pointer = directory / f"{head.name}.current"
    partial = pointer.with_suffix(".partial")
    partial.write_text(f"{head.version}.json", encoding="utf-8")
    partial.replace(pointer)


def save_head(head: Head, directory: Path) -> Path:
    """Write ``<directory>/<version>.json`` and point ``<name>.current`` at it."""
    path = write_head(head, directory)
    make_current(head, directory)
    return path


def load_head(path: Path) -> Head:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"{path}: cannot read head ({error})") from None
    if document.pop("format", None) != FORMAT:
        raise ModelError(f"{path}: not a {FORMAT} file")
    try:
        document["features"] = tuple(document["features"])
        document["weights"] = tuple(document["weights"])
        return Head(**document)
    except TypeError as error:
        raise ModelError(f"{path}: malformed head ({error})") from None


def current_head(directory: Path, name: str, embedding_model: str) -> Head | None:
    """The head ``name`` last saved in ``directory`` for this embedding model, if any."""
    pointer = directory / f"{name}.current"
    if not pointer.is_file():
        return None
    head = load_head(directory / pointer.read_text(encoding="utf-8").strip())
    return head if head.embedding_model == embedding_model else None


def current_version(directory: Path, name: str) -> str | None:
    """The version ``<name>.current`` points at, if any (whatever its embedding model)."""
    pointer = directory / f"{name}.current"
    if not pointer.is_file():
        return None
    return pointer.read_text(encoding="utf-8").strip().removesuffix(".json")


def head_by_version(directory: Path, version: str) -> Head | None:
    """The kept head file of ``version``, or ``None`` if there is none."""
    if "/" in version or "\\" in version or version.startswith("."):
        return None
    path = directory / f"{version}.json"
    return load_head(path) if path.is_file() else None


HISTORY_FILE = "history.jsonl"


@dataclass(frozen=True)
class HeadsEvent:
    """One line of the heads' history: a pair of heads made current, or refused."""

    at: str
    event: str  # baseline, promoted, refused, unchanged, rollback
    topic: str
    checkworthy: str
    actor: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.topic, self.checkworthy)

    @property
    def made_current(self) -> bool:
        return self.event != "refused"


def pair_id(topic_version: str, checkworthy_version: str) -> str:
    """A short name for a pair of heads: ``heads-`` and 10 hex digits of both versions."""
    digest = hashlib.sha256(f"{topic_version}+{checkworthy_version}".encode()).hexdigest()
    return f"heads-{digest[:10]}"


def record_event(
    directory: Path,
    event: str,
    topic: Head,
    checkworthy: Head,
    *,
    actor: str,
    reason: str,
    figures: Mapping[str, Any] | None = None,
) -> HeadsEvent:
    """Append one event to ``history.jsonl`` (one JSON object a line, never rewritten)."""
    entry = HeadsEvent(
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        event=event,
        topic=topic.version,
        checkworthy=checkworthy.version,
        actor=actor,
        reason=reason,
        figures=dict(figures or {}),
    )
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / HISTORY_FILE).open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n")
    return entry


def read_history(directory: Path) -> list[HeadsEvent]:
    """Every event of ``history.jsonl``, oldest first (none when there is no log yet)."""
    path = directory / HISTORY_FILE
    if not path.is_file():
        return []
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(HeadsEvent(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as error:
            raise ModelError(f"{path}:{number}: malformed history line ({error})") from None
    return events
