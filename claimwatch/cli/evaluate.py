"""``claimwatch eval``: measure claim matching and the heads on labelled data.

Each prints one ``name value`` line per figure, so scripts and CI can read and compare them.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from claimwatch.errors import DataError
from claimwatch.settings import load_settings

eval_app = typer.Typer(
    help="Measure claim matching and the heads on labelled data.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
err = Console(stderr=True)
COUNTS = (".n", ".support", "queries", "groups", "clusters", "sentences", "cases")


def _print(report: dict[str, float]) -> None:
    for name, value in report.items():
        shown = int(value) if name.endswith(COUNTS) else f"{value:.4f}"
        typer.echo(f"{name} {shown}")


@eval_app.command("matching")
def eval_matching(
    data: Annotated[
        Path,
        typer.Option("--data", help="The checkthat2022-2a folder (vclaims.jsonl, queries, qrels)."),
    ],
    split: Annotated[str, typer.Option("--split", help="train or dev.")] = "dev",
    dense_weight: Annotated[
        float | None,
        typer.Option("--dense-weight", min=0, max=1, help="Fusion weight of meaning vs words."),
    ] = None,
    tune: Annotated[
        bool,
        typer.Option("--tune", help="Choose the fusion weight on this split and print the sweep."),
    ] = False,
) -> None:
    """Rank fact-checked claims for each query; print MAP@k, MRR and success@k against gold."""
    from claimwatch.evaluation.checkthat import read_split
    from claimwatch.evaluation.matching import embed_set, evaluate, tune_dense_weight
    from claimwatch.pipeline.hybrid_search import DENSE_WEIGHT
    from claimwatch.resources import open_embedder

    settings = load_settings()
    started = time.perf_counter()
    data_set = read_split(data, split)
    embedder = open_embedder(settings)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(
            "Embedding fact-checked claims (cached after the first run)", total=len(data_set.claims)
        )
        embedded = embed_set(
            data_set,
            embedder,
            settings.resolved_embeddings_dir,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    weight = dense_weight if dense_weight is not None else DENSE_WEIGHT
    if tune:
        weight = tune_dense_weight(embedded, say=lambda line: err.print(line, markup=False))
    report = evaluate(embedded, weight)
    report["dense_weight"] = weight
    report["seconds"] = round(time.perf_counter() - started, 1)
    _print(report)


@eval_app.command("sentences")
def eval_sentences(
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Labelled sentences (JSON Lines); default: the bundled held-out set."
        ),
    ] = None,
) -> None:
    """Precision, recall and F1 of the topic and check-worthiness heads, per language."""
    from claimwatch.evaluation.sentences import evaluate_sentences
    from claimwatch.flows.training import sentence_heads
    from claimwatch.pipeline.labelled import EVAL_FILE, read_labelled
    from claimwatch.resources import open_embedder

    settings = load_settings()
    sentences = read_labelled(data or EVAL_FILE)
    with err.status("Loading the model and heads…"):
        embedder = open_embedder(settings)
        heads = sentence_heads(settings, embedder)
    report = evaluate_sentences(
        sentences, embedder, heads, cache_dir=settings.resolved_embeddings_dir
    )
    _print(report)


@eval_app.command("clustering")
def eval_clustering(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Grouped sentences (JSON Lines); default: the bundled set."),
    ] = None,
    split: Annotated[str, typer.Option("--split", help="dev or test.")] = "test",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", min=0, max=1, help="Cosine to join a cluster."),
    ] = None,
    tune: Annotated[
        bool, typer.Option("--tune", help="Choose the threshold on the dev split first.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Compare raw embeddings (no language centring).")
    ] = False,
    details: Annotated[
        str,
        typer.Option(
            "--details",
            help="Details that must agree: comma-separated kinds among years, months, figures, "
            "entities, places, numbers (any shared number, the older rule), or none.",
        ),
    ] = "years,months,figures,entities",
    any_member: Annotated[
        bool,
        typer.Option("--any-member", help="Details need agree with one member, not every one."),
    ] = False,
    agreement_bonus: Annotated[
        float | None,
        typer.Option(
            "--agreement-bonus",
            min=0,
            max=1,
            help="Cosine forgiven per agreeing kind (month, figure); default 0.10.",
        ),
    ] = None,
) -> None:
    """Pair precision, recall and F1 of near-duplicate clustering, and cross-language recall."""
    from claimwatch.evaluation.clustering import (
        SPLITS,
        embed_cluster_set,
        evaluate_clustering,
        linkage_from_options,
        read_cluster_set,
        tune_threshold,
    )
    from claimwatch.resources import open_embedder

    if split not in SPLITS:
        raise typer.BadParameter(f"expected one of {', '.join(SPLITS)}", param_hint="--split")
    try:
        linkage = linkage_from_options(details, not any_member, agreement_bonus)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--details") from None
    settings = load_settings()
    sentences = read_cluster_set(data) if data else read_cluster_set()
    with err.status("Loading the model…"):
        embedder = open_embedder(settings)
    vectors = embed_cluster_set(
        sentences, embedder, settings.resolved_embeddings_dir, centred=not raw
    )
    cut = threshold if threshold is not None else settings.cluster_similarity
    if tune:
        dev = [i for i, s in enumerate(sentences) if s.split == "dev"]
        cut, f1 = tune_threshold([sentences[i] for i in dev], vectors[dev], linkage)
        err.print(f"threshold {cut:.2f} has the best pair F1 on dev ({f1:.4f})", markup=False)
    rows = [i for i, s in enumerate(sentences) if s.split == split]
    report = evaluate_clustering([sentences[i] for i in rows], vectors[rows], cut, linkage=linkage)
    report["threshold"] = cut
    _print(report)


@eval_app.command("retrieval")
def eval_retrieval(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Retrieval cases (JSON Lines); default: the bundled set."),
    ] = None,
    library: Annotated[
        Path | None,
        typer.Option("--library", help="A library file (JSON or CSV); default: the seed library."),
    ] = None,
    fit: Annotated[
        bool,
        typer.Option(
            "--fit",
            help="Fit the flag model on the dev split first and make it current in the data "
            "directory (or write it with --fit-into); the figures are then those of the new "
            "model.",
        ),
    ] = False,
    fit_into: Annotated[
        Path | None,
        typer.Option(
            "--fit-into",
            help="With --fit: write the model as FOLDER/flag_model.json (the bundled form; "
            "--fit-into pipeline/data regenerates the bundled model) instead of making it "
            "current in the data directory.",
        ),
    ] = None,
    cross_language: Annotated[
        bool,
        typer.Option(
            "--cross-language",
            help="Also match the repeats against libraries that phrase each narrative in one "
            "language only (rotated), and print top-1 for repeats in the narrative's language "
            "and in another, ranked as a run ranks (centred) and on raw cosines.",
        ),
    ] = False,
) -> None:
    """Narrative matching, the flag and snippet retrieval for claims, per split (dev, test):
    narrative top-1 and MRR, the first reference's narrative and language, flag recall per
    language, false-flag rates per kind of claim, corrections seen."""
    from claimwatch.evaluation.retrieval import (
        RETRIEVAL_FILE,
        evaluate_retrieval,
        fit_on,
        match_cases,
        read_retrieval_set,
    )
    from claimwatch.flows.flag_training import keep_current
    from claimwatch.flows.training import actor_name
    from claimwatch.pipeline.centring import language_centring
    from claimwatch.pipeline.flag_model import load_flag_model, write_single
    from claimwatch.rebuttals.library import SEED_FILE
    from claimwatch.resources import open_embedder

    settings = load_settings()
    cases = read_retrieval_set(data) if data else read_retrieval_set()
    with err.status("Loading the model…"):
        embedder = open_embedder(settings)
    centring = language_centring(embedder, settings.resolved_embeddings_dir)
    matched = match_cases(cases, embedder, centring, library=library or SEED_FILE)
    if fit:
        dev = matched.subset("dev")
        if not dev.cases:
            raise DataError("--fit needs cases with split 'dev' in the data")
        model = fit_on(dev, embedder.version)
        if fit_into:
            path = write_single(model, fit_into)
            err.print(f"Fitted {model.version} on {len(dev.cases)} dev cases: {path}")
        else:
            reason = f"fitted on the {len(dev.cases)} dev cases of {(data or RETRIEVAL_FILE).name}"
            directory = settings.resolved_flag_dir
            keep_current(directory, model, actor=actor_name(), event="fitted", reason=reason)
            err.print(
                f"Fitted {model.version} on {len(dev.cases)} dev cases: current in {directory}"
            )
    else:
        model = load_flag_model(embedder.version, settings.resolved_flag_dir)
    report = evaluate_retrieval(matched, model, flag_threshold=settings.flag_threshold)
    if cross_language:
        from claimwatch.evaluation.cross_language import cross_language_top1

        for name, used in (("cross_language", centring), ("cross_language.raw", None)):
            found = cross_language_top1(cases, embedder, used, library=library or SEED_FILE)
            report.update({f"{name}.{key}": value for key, value in found.items()})
    _print(report)


@eval_app.command("real-news")
def eval_real_news(
    data: Annotated[
        Path,
        typer.Option("--data", help="Folder of real headlines and leads (vi.jsonl, fr.jsonl…)."),
    ],
    labels: Annotated[
        Path | None,
        typer.Option(
            "--labels",
            help="Hand labels (JSON Lines of id and on_topic) for the precision of the calls; "
            "the bundled evaluation/data/real_news_labels.jsonl fits ../shared/data/real-news.",
        ),
    ] = None,
    show_unlabelled: Annotated[
        bool,
        typer.Option(
            "--show-unlabelled", help="List the calls the labels file lacks (to stderr), to label."
        ),
    ] = False,
) -> None:
    """The share of real headlines and leads called on topic (and yielding an on-topic claim),
    per language, and with --labels the precision of those calls."""
    from claimwatch.evaluation.real_news import (
        judge_records,
        read_labels,
        read_real_news,
        summarise,
    )
    from claimwatch.flows.training import sentence_heads
    from claimwatch.resources import open_embedder

    settings = load_settings()
    records = read_real_news(data)
    known = read_labels(labels) if labels else None
    with err.status("Loading the model and heads…"):
        embedder = open_embedder(settings)
        heads = sentence_heads(settings, embedder)
    with err.status(f"Judging {len(records)} records (embeddings cached after the first run)…"):
        calls = judge_records(records, embedder, heads, cache_dir=settings.resolved_embeddings_dir)
    if show_unlabelled:
        for call in calls:
            if call.on_topic and (known is None or call.id not in known):
                err.print(f"{call.id}\t{call.language}\t{call.title}", markup=False)
    _print(summarise(calls, known))
