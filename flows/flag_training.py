"""Refitting the flag from reviewers' decisions, made current only past a held-out gate.

Decisions become examples, one per distinct claim text of a decided item, matched against the
library as it is now:

- an item in the repeat lane decided ``misleading``: a repeat of the item's narrative;
- an item in the repeat lane decided ``accurate`` or ``out_of_scope``, and an emerging item
  decided ``misleading``, ``accurate`` or ``out_of_scope``: not a repeat of the narrative it
  matches best (kind ``rejected``). It teaches the repeat head only: an accurate claim matched to
  a narrative may well state its correction;
- ``needs_expert`` and ``duplicate_of`` decisions, and promoted items (the new narrative's
  phrasings are their own claims), are not used.

The share of decisions the heads hold out (``claimwatch.flows.training.is_held_out``) is held out here
too. The candidate is fitted on the bundled retrieval set's dev split and the decisions not held
out; the current model and the candidate are evaluated on the bundled test split and on the
held-out decisions. The candidate becomes current only if

- on the test split, repeat recall falls by no more than ``flag_promotion_tolerance`` and no
  false rate (corrections, related claims, unrelated claims, unknown narratives) rises by more;
- with at least ``heads_min_held_out_decisions`` decisions held out, recall on the held-out
  repeats does not fall and the flag rate of held-out rejected claims does not rise.

Every fitted model is kept in ``<data_dir>/flag/`` and every outcome logged in its
``history.jsonl``; ``rollback_flag`` makes an earlier model current again.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimwatch.errors import ModelError
from claimwatch.evaluation.retrieval import (
    MatchedCases,
    RetrievalCase,
    evaluate_matched,
    fit_on,
    match_against,
    match_cases,
    read_retrieval_set,
)
from claimwatch.flows.training import GateResult, is_held_out
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import language_centring
from claimwatch.pipeline.flag_model import (
    FlagModel,
    current_flag_version,
    load_flag_model,
    make_current,
    model_by_version,
    write_model,
)
from claimwatch.rebuttals.library_index import build_library_index
from claimwatch.settings import Settings
from claimwatch.store.schema import Cluster, QueueItem

HISTORY_FILE = "history.jsonl"
REJECTING = frozenset({"accurate", "out_of_scope"})
# The figures the gate compares on the bundled test split: higher is better for the first.
RECALL = "flag.recall"
FALSE_RATES = (
    "flag.false_rate.correction",
    "flag.false_rate.related",
    "flag.false_rate.unrelated",
    "flag.false_rate.unknown_narrative",
)


# ── decisions as examples ───────────────────────────────────────────────────────────────────


def _kind(item: QueueItem) -> str | None:
    """What a decided item says of its claims and their best narrative (see the docstring)."""
    if item.decision is None or "promoted_to" in (item.explanation or {}):
        return None
    if item.lane == "repeat" and item.narrative is not None:
        if item.decision == "misleading":
            return "repeat"
        return "rejected" if item.decision in REJECTING else None
    if item.lane == "emerging" and item.decision in REJECTING | {"misleading"}:
        return "rejected"
    return None


def flag_cases_from_decisions(session: Session) -> list[RetrievalCase]:
    """One case per distinct claim text of every usable decided item; held-out ones have split
    ``test``, the others ``dev``."""
    items = session.scalars(
        select(QueueItem)
        .where(QueueItem.decision.is_not(None))
        .options(
            selectinload(QueueItem.cluster).selectinload(Cluster.claims),
            selectinload(QueueItem.narrative),
        )
        .order_by(QueueItem.id)
    )
    cases: dict[str, RetrievalCase] = {}
    for item in items:
        kind = _kind(item)
        if kind is None:
            continue
        slug = item.narrative.slug if kind == "repeat" and item.narrative else None
        for claim in item.cluster.claims:
            if claim.text in cases or not claim.language:
                continue
            split = "test" if is_held_out(claim.text) else "dev"
            cases[claim.text] = RetrievalCase(
                f"decision-{item.id}-{claim.id}", claim.language, claim.text, slug, kind, split
            )
    return list(cases.values())


# ── history ─────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FlagEvent:
    """One line of the flag's history: a model made current, or refused."""

    at: str
    event: str  # baseline, fitted, promoted, refused, unchanged, rollback
    version: str
    actor: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def made_current(self) -> bool:
        return self.event != "refused"


def record_flag_event(
    directory: Path,
    event: str,
    model: FlagModel,
    *,
    actor: str,
    reason: str,
    figures: dict[str, Any] | None = None,
) -> FlagEvent:
    """Append one event to the flag's ``history.jsonl`` (never rewritten)."""
    entry = FlagEvent(
        at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        event=event,
        version=model.version,
        actor=actor,
        reason=reason,
        figures=dict(figures or {}),
    )
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / HISTORY_FILE).open("a", encoding="utf-8") as log:
        log.write(json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n")
    return entry


def read_flag_history(directory: Path) -> list[FlagEvent]:
    """Every event of the flag's history, oldest first."""
    path = directory / HISTORY_FILE
    if not path.is_file():
        return []
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            events.append(FlagEvent(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as error:
            raise ModelError(f"{path}:{number}: malformed history line ({error})") from None
    return events


def keep_current(directory: Path, model: FlagModel, *, actor: str, event: str, reason: str) -> None:
    """Keep ``model``'s file in ``directory``, make it current and log it."""
    write_model(model, directory)
    make_current(model, directory)
    record_flag_event(directory, event, model, actor=actor, reason=reason)


def current_flag(settings: Settings, embedder: Embedder, *, actor: str) -> FlagModel:
    """The model a run uses, kept in the data directory and logged as the baseline if it is not
    there yet (the bundled model, the first time)."""
    directory = settings.resolved_flag_dir
    model = load_flag_model(embedder.version, directory)
    logged = {event.version for event in read_flag_history(directory)}
    if current_flag_version(directory) != model.version or model.version not in logged:
        keep_current(
            directory, model, actor=actor, event="baseline", reason="in use before any training"
        )
    return model


# ── evaluation and the gate ─────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FlagFigures:
    """A model's figures on the bundled test split and on the held-out decisions."""

    bundled: dict[str, float]
    decisions: dict[str, float]

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {"bundled": self.bundled, "decisions": self.decisions}


def evaluate_flag(
    model: FlagModel, bundled_test: MatchedCases, held_out: MatchedCases, *, threshold: float
) -> FlagFigures:
    decisions = (
        evaluate_matched(held_out, model, flag_threshold=threshold)
        if held_out.cases
        else {"cases": 0.0}
    )
    return FlagFigures(
        bundled=evaluate_matched(bundled_test, model, flag_threshold=threshold),
        decisions={
            "n": decisions["cases"],
            "repeats": float(sum(c.kind == "repeat" for c in held_out.cases)),
            "rejected": float(sum(c.kind == "rejected" for c in held_out.cases)),
            **{k: v for k, v in decisions.items() if k.startswith("flag.")},
        },
    )


def _fell(before: dict[str, float], after: dict[str, float], name: str, slack: float) -> bool:
    return name in before and after.get(name, 0.0) < before[name] - slack - 1e-9


def _rose(before: dict[str, float], after: dict[str, float], name: str, slack: float) -> bool:
    return name in before and after.get(name, 1.0) > before[name] + slack + 1e-9


def flag_gate(
    current: FlagFigures, candidate: FlagFigures, *, tolerance: float, min_decisions: int
) -> GateResult:
    """Promote only if the candidate is not worse (the rule is in this module's docstring)."""
    reasons = []
    before, after = current.bundled, candidate.bundled
    if _fell(before, after, RECALL, tolerance):
        reasons.append(
            f"repeat recall on the test split would fall from {before[RECALL]:.3f} to "
            f"{after.get(RECALL, 0.0):.3f} (tolerance {tolerance:.3f})"
        )
    for name in FALSE_RATES:
        if _rose(before, after, name, tolerance):
            kind = name.rsplit(".", 1)[1].replace("_", " ")
            reasons.append(
                f"the flag rate of {kind} claims on the test split would rise from "
                f"{before[name]:.3f} to {after.get(name, 1.0):.3f} (tolerance {tolerance:.3f})"
            )
    held = int(candidate.decisions.get("n", 0))
    if held >= min_decisions:
        old, new = current.decisions, candidate.decisions
        if _fell(old, new, RECALL, 0.0):
            reasons.append(
                f"recall of the held-out repeats would fall from {old[RECALL]:.3f} to "
                f"{new.get(RECALL, 0.0):.3f}"
            )
        if _rose(old, new, "flag.false_rate.rejected", 0.0):
            reasons.append(
                "the flag rate of held-out claims reviewers rejected would rise from "
                f"{old['flag.false_rate.rejected']:.3f} to {new['flag.false_rate.rejected']:.3f}"
            )
    return GateResult(promote=not reasons, reasons=reasons)


# ── retraining ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FlagTrainingResult:
    """What ``retrain_flag`` did: the model before, the candidate, their figures, the verdict."""

    current: FlagModel
    candidate: FlagModel
    from_decisions: int
    held_out_decisions: int
    before: FlagFigures
    after: FlagFigures
    verdict: GateResult

    @property
    def unchanged(self) -> bool:
        return self.candidate.version == self.current.version

    @property
    def promoted(self) -> bool:
        return self.verdict.promote and not self.unchanged


def _matched_sets(
    settings: Settings, session: Session, embedder: Embedder
) -> tuple[MatchedCases, MatchedCases, MatchedCases, MatchedCases]:
    """``(bundled dev, bundled test, decisions to train on, held-out decisions)``."""
    centring = language_centring(embedder, settings.resolved_embeddings_dir)
    bundled = match_cases(read_retrieval_set(), embedder, centring)
    decisions = match_against(
        flag_cases_from_decisions(session),
        embedder,
        build_library_index(session, embedder, centring),
        unknown=False,
    )
    return (
        bundled.subset("dev"),
        bundled.subset("test"),
        decisions.subset("dev"),
        decisions.subset("test"),
    )


def retrain_flag(
    settings: Settings, session: Session, embedder: Embedder, *, actor: str
) -> FlagTrainingResult:
    """Fit a candidate flag model on the bundled dev split and the decisions not held out,
    evaluate it and the current model, and make it current only if it is not worse. The
    candidate's file is kept either way; the outcome is logged in the flag's history. With no
    decisions to train on, the candidate is the current model (``unchanged``)."""
    directory = settings.resolved_flag_dir
    current = current_flag(settings, embedder, actor=actor)
    dev, test, train, held_out = _matched_sets(settings, session, embedder)
    candidate = (
        fit_on(dev.joined(train), embedder.version, decisions=len(train.cases))
        if train.cases
        else current  # nothing new to learn from
    )
    threshold = settings.flag_threshold
    before = evaluate_flag(current, test, held_out, threshold=threshold)
    after = evaluate_flag(candidate, test, held_out, threshold=threshold)
    verdict = flag_gate(
        before,
        after,
        tolerance=settings.flag_promotion_tolerance,
        min_decisions=settings.heads_min_held_out_decisions,
    )
    result = FlagTrainingResult(
        current, candidate, len(train.cases), len(held_out.cases), before, after, verdict
    )
    write_model(candidate, directory)
    if result.promoted:
        make_current(candidate, directory)
    record_flag_event(
        directory,
        "unchanged" if result.unchanged else "promoted" if result.promoted else "refused",
        candidate,
        actor=actor,
        reason="; ".join(verdict.reasons) or "not worse on the held-out data",
        figures={
            "before": before.as_dict(),
            "after": after.as_dict(),
            "before_version": current.version,
        },
    )
    return result


# ── versions and rollback ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FlagVersion:
    """A kept flag model as the history knows it, with its held-out figures when measured."""

    version: str
    first_at: str
    events: list[str]
    figures: dict[str, Any]
    current: bool


def list_flag_versions(directory: Path) -> list[FlagVersion]:
    """Every model in the flag's history (oldest first), the current one marked."""
    now = current_flag_version(directory)
    versions: dict[str, FlagVersion] = {}
    for event in read_flag_history(directory):
        measured = _measured(event)
        for version, figures in measured.items():
            known = versions.get(version)
            if known is not None and not known.figures:
                versions[version] = FlagVersion(
                    version, known.first_at, known.events, figures, version == now
                )
        known = versions.get(event.version)
        versions[event.version] = FlagVersion(
            version=event.version,
            first_at=known.first_at if known else event.at,
            events=[*(known.events if known else []), event.event],
            figures=measured.get(event.version) or (known.figures if known else {}),
            current=event.version == now,
        )
    return list(versions.values())


def _measured(event: FlagEvent) -> dict[str, dict[str, Any]]:
    """The figures a training event measured: the candidate's, and the model current then."""
    found: dict[str, dict[str, Any]] = {}
    after, before = event.figures.get("after"), event.figures.get("before")
    if isinstance(after, dict):
        found[event.version] = after
    previous = event.figures.get("before_version")
    if isinstance(before, dict) and isinstance(previous, str):
        found.setdefault(previous, before)
    return found


def rollback_flag(settings: Settings, wanted: str | None = None, *, actor: str) -> FlagVersion:
    """Make an earlier flag model current again (default: the one current before this one)."""
    directory = settings.resolved_flag_dir
    now = current_flag_version(directory)
    if wanted is None:
        earlier = [e for e in read_flag_history(directory) if e.made_current and e.version != now]
        if not earlier:
            raise ModelError("there is no earlier version of the flag model to roll back to")
        wanted = earlier[-1].version
    model = model_by_version(directory, wanted)
    if model is None:
        known = ", ".join(v.version for v in list_flag_versions(directory)) or "none"
        raise ModelError(f"unknown flag model version {wanted!r} (known: {known})")
    current = model_by_version(directory, now) if now else None
    if current is not None and current.embedding_model != model.embedding_model:
        raise ModelError(f"flag model {wanted} belongs to another embedding model")
    make_current(model, directory)
    record_flag_event(
        directory, "rollback", model, actor=actor, reason=f"restored from {now or 'none'}"
    )
    return next(v for v in list_flag_versions(directory) if v.version == model.version)
