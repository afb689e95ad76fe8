"""Fitting the flag model (``claimwatch.pipeline.flag_model``) on labelled matches.

Each example is a claim matched to its best narrative, labelled with what it is to that
narrative: ``repeat`` (it repeats the misleading claim), ``correction`` (it states the
correction), or another kind (``related``, ``unrelated``, or a repeat matched to the wrong
narrative, which must not flag either). For each of the two heads:

1. the regularisation with the lowest out-of-fold log-loss (5 folds, each example's fold fixed
   by a hash of its text, so that refitting with a few more examples — reviewers' decisions —
   leaves every other example in its fold, and a claim matched twice is never predicted from
   itself);
2. the threshold with the highest out-of-fold recall of its class among those whose false rates
   per other kind stay within ``LIMITS`` (ties: the higher threshold); 0.5 if none does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from claimwatch.errors import DataError
from claimwatch.pipeline.flag_model import (
    LIMITS,
    MATCH_FEATURES,
    REGULARISATION_GRID,
    REPEAT_ONLY_KINDS,
    FlagModel,
    LinearHead,
)

_THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


Folds = list[tuple[NDArray[np.intp], NDArray[np.intp]]]


def stable_folds(keys: Sequence[str], folds: int = 5) -> Folds:
    """Each example's fold is a hash of its key (its text), so refitting with a few more examples
    leaves every other example in its fold, and rows of the same text share a fold."""
    hashes = [int.from_bytes(hashlib.sha256(k.encode()).digest()[:4], "big") for k in keys]
    assignment = np.asarray(hashes, dtype=np.int64) % folds
    indices = np.arange(len(keys))
    return [(indices[assignment != k], indices[assignment == k]) for k in range(folds)]


def _out_of_fold(
    z: NDArray[np.float64], target: NDArray[np.bool_], regularisation: float, folds: Folds
) -> NDArray[np.float64]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000)
    found = cross_val_predict(model, z, target, cv=folds, method="predict_proba")
    return np.asarray(found[:, 1], dtype=np.float64)


def _log_loss(target: NDArray[np.bool_], p: NDArray[np.float64]) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(np.where(target, np.log(p), np.log(1 - p))))


def _threshold(
    p: NDArray[np.float64],
    target: NDArray[np.bool_],
    kinds: NDArray[np.str_],
    limits: Mapping[str, float],
) -> tuple[float, dict[str, float]]:
    best: tuple[float, float, dict[str, float]] | None = None
    for cut in _THRESHOLDS:
        chosen = p >= cut
        rates = {
            kind: float(chosen[(kinds == kind) & ~target].mean())
            for kind in limits
            if ((kinds == kind) & ~target).any()
        }
        if any(rates[k] > limit for k, limit in limits.items() if k in rates):
            continue
        recall = float(chosen[target].mean())
        if best is None or recall >= best[0]:
            best = (recall, float(cut), rates)
    if best is None:
        return 0.5, {}
    recall, cut, rates = best
    return cut, {
        "recall": round(recall, 4),
        **{f"false.{k}": round(v, 4) for k, v in rates.items()},
    }


def fit_head(
    features: NDArray[np.float64],
    target: NDArray[np.bool_],
    kinds: NDArray[np.str_],
    limits: Mapping[str, float],
    keys: Sequence[str],
) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    if int(target.sum()) < 5 or int((~target).sum()) < 5:
        raise DataError("fitting the flag needs at least five examples of each outcome")
    means = features.mean(axis=0)
    scales = np.maximum(features.std(axis=0), 1e-6)
    z = (features - means) / scales
    folds = stable_folds(keys)
    losses = {c: _out_of_fold(z, target, c, folds) for c in REGULARISATION_GRID}
    regularisation = min(losses, key=lambda c: (_log_loss(target, losses[c]), c))
    threshold, figures = _threshold(losses[regularisation], target, kinds, limits)
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000)
    model.fit(z, target)
    return LinearHead(
        means=tuple(round(float(v), 6) for v in means),
        scales=tuple(round(float(v), 6) for v in scales),
        weights=tuple(round(float(v), 6) for v in model.coef_[0]),
        bias=round(float(model.intercept_[0]), 6),
        threshold=threshold,
        regularisation=regularisation,
        cross_validated=figures,
    )


def fit_flag_model(
    features: NDArray[np.float64],
    outcomes: Sequence[str],
    kinds: Sequence[str],
    keys: Sequence[str],
    *,
    embedding_model: str,
    fitted_on: Mapping[str, object],
) -> FlagModel:
    """Both heads on the same examples. ``outcomes`` says what each example is to its matched
    narrative (``repeat``, ``correction`` or ``none``); ``kinds`` what it is in the data set;
    ``keys`` name each example (its text) for its cross-validation fold.
    Examples of a kind in ``REPEAT_ONLY_KINDS`` (a claim a reviewer said is not a repeat, which
    may still state the correction) teach the repeat head only."""
    labels = np.asarray(outcomes)
    kind_array = np.asarray(kinds)
    dimension = features.shape[1] - len(MATCH_FEATURES)
    heads = {}
    for name in ("repeat", "correction"):
        rows = (
            np.ones(len(labels), dtype=bool)
            if name == "repeat"
            else ~np.isin(kind_array, sorted(REPEAT_ONLY_KINDS))
        )
        heads[name] = fit_head(
            features[rows],
            labels[rows] == name,
            kind_array[rows],
            LIMITS[name],
            [k for k, keep in zip(keys, rows, strict=True) if keep],
        )
    return FlagModel(
        embedding_model=embedding_model,
        dimension=dimension,
        repeat=heads["repeat"],
        correction=heads["correction"],
        fitted_on={
            **fitted_on,
            "examples": len(labels),
            "per_outcome": {k: int((labels == k).sum()) for k in ("repeat", "correction", "none")},
        },
    )
