"""``claimwatch queue``: triage the review queue from the terminal."""

from __future__ import annotations

import getpass
import json
import os
from typing import Annotated

import typer
from rich.console import Console

from claimwatch.cli.options import AllowLocalUrl
from claimwatch.cli.render import queue_item, queue_table
from claimwatch.resources import publisher, ready_database
from claimwatch.review.queue import (
    DECISIONS,
    decide,
    get_item,
    item_state,
    list_items,
    status_counts,
)
from claimwatch.store.db import session_scope

app = typer.Typer(help="Triage the review queue.", no_args_is_help=True, rich_markup_mode=None)
console = Console()


def _default_reviewer() -> str:
    return os.environ.get("CLAIMWATCH_REVIEWER") or getpass.getuser()


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="new, needs_expert or decided.")] = "new",
    narrative: Annotated[str | None, typer.Option(help="Only this narrative (slug).")] = None,
    lane: Annotated[
        str | None, typer.Option(help="Only this lane: repeat (a known narrative) or emerging.")
    ] = None,
    language: Annotated[
        str | None, typer.Option("--lang", help="Only clusters with a claim in this language.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    all_statuses: Annotated[bool, typer.Option("--all", help="Every status.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
) -> None:
    """Items by priority, highest first (only new ones unless --status or --all)."""
    with session_scope(ready_database()) as session:
        items = list_items(
            session,
            status=None if all_statuses else status,
            narrative=narrative,
            language=language,
            lane=lane,
            limit=limit,
        )
        if as_json:
            rows = [
                {
                    "id": i.id,
                    "priority": i.priority,
                    "status": i.status,
                    "lane": i.lane,
                    "decision": i.decision,
                    "narrative": i.narrative.slug if i.narrative else None,
                    "languages": i.cluster.languages,
                    "outlets": i.cluster.outlets,
                    "claim": i.explanation.get("claim"),
                }
                for i in items
            ]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        console.print(queue_table(items))
        counts = status_counts(session)
        console.print(" · ".join(f"{k}: {v}" for k, v in counts.items()), markup=False)


@app.command("show")
def show_command(
    item_id: Annotated[int, typer.Argument(help="Queue item number.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a panel.")] = False,
) -> None:
    """One item: the claim, every occurrence, why it was flagged, suggested snippets."""
    with session_scope(ready_database()) as session:
        item = get_item(session, item_id)
        if as_json:
            data = {
                "id": item.id,
                **item_state(item),
                "priority": item.priority,
                "flag_score": item.flag_score,
                "model_version": item.model_version,
                "explanation": item.explanation,
                "occurrences": [
                    {
                        "outlet": c.article.source.name,
                        "language": c.language,
                        "url": c.article.url,
                        "text": c.text,
                        "published": (c.article.published_at or c.article.fetched_at).isoformat(),
                    }
                    for c in item.cluster.claims
                ],
                "suggestions": [
                    {
                        "snippet": s.snippet.key,
                        "snippet_id": s.snippet_id,
                        "language": s.snippet.language,
                        "score": s.score,
                        "chosen": s.chosen,
                    }
                    for s in item.suggestions
                ],
            }
            typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        console.print(queue_item(item))


@app.command("decide")
def decide_command(
    item_id: Annotated[int, typer.Argument(help="Queue item number.")],
    decision: Annotated[str, typer.Argument(help=" | ".join(DECISIONS))],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    of: Annotated[
        int | None, typer.Option("--of", help="With duplicate_of: the item this one duplicates.")
    ] = None,
    snippet: Annotated[
        list[int] | None,
        typer.Option("--snippet", help="A suggested snippet id to use (repeatable)."),
    ] = None,
    reviewer: Annotated[
        str | None,
        typer.Option(help="Who decides (default CLAIMWATCH_REVIEWER or the login name)."),
    ] = None,
) -> None:
    """Record a decision. Nothing is published: a decision only records the desk's judgement."""
    with session_scope(ready_database()) as session:
        item = decide(
            session,
            item_id,
            decision,
            actor=reviewer or _default_reviewer(),
            note=note,
            duplicate_of=of,
            snippet_ids=tuple(snippet or ()),
        )
        console.print(
            f"Item #{item.id}: {item.decision} ({item.status}) by {item.decided_by}", markup=False
        )


@app.command("draft")
def draft_command(item_id: Annotated[int, typer.Argument(help="Queue item number.")]) -> None:
    """A draft rebuttal (Markdown) from the item's chosen snippets, in the claim's language where
    the library has it, with numbered citations. A draft for the editor: nothing is published."""
    from claimwatch.rebuttals.draft import draft_rebuttal

    with session_scope(ready_database()) as session:
        typer.echo(draft_rebuttal(session, item_id).markdown, nl=False)


@app.command("claimreview")
def claimreview_command(
    item_id: Annotated[int, typer.Argument(help="A queue item decided misleading or accurate.")],
    url: Annotated[
        str | None, typer.Option(help="Where the fact-check is published (default: its page).")
    ] = None,
    allow_local_url: AllowLocalUrl = False,
) -> None:
    """The item's ClaimReview (schema.org JSON-LD), to publish with the fact-check."""
    from claimwatch.rebuttals.claimreview import claim_review, json_ld
    from claimwatch.settings import load_settings

    settings = load_settings()
    with session_scope(ready_database(settings)) as session:
        review = claim_review(
            session, item_id, publisher(settings), url=url, allow_local=allow_local_url
        )
    typer.echo(json_ld(review, indent=2))


@app.command("promote")
def promote_command(
    item_id: Annotated[int, typer.Argument(help="An emerging item's number.")],
    slug: Annotated[str, typer.Option(help="The new narrative's slug, e.g. japan-aid-cut.")],
    title: Annotated[str, typer.Option(help="The new narrative's title.")],
    summary: Annotated[str, typer.Option(help="What the narrative claims, in a sentence.")] = "",
    editor: Annotated[
        str | None, typer.Option(help="Who promotes (default: $CLAIMWATCH_REVIEWER or $USER).")
    ] = None,
) -> None:
    """Make an emerging item a new narrative, seeded with its cluster's claims as phrasings
    (edit them later with `snippets import`); later repeats match it. Undo with `unpromote`."""
    from claimwatch.review.promote import promote

    with session_scope(ready_database()) as session:
        narrative = promote(
            session,
            item_id,
            slug=slug,
            title=title,
            summary=summary,
            actor=editor or _default_reviewer(),
        )
        console.print(
            f"Item #{item_id} now repeats the new narrative {narrative.slug!r} "
            f"({len(narrative.phrasings)} phrasings).",
            markup=False,
        )


@app.command("unpromote")
def unpromote_command(
    item_id: Annotated[int, typer.Argument(help="A promoted item's number.")],
    editor: Annotated[str | None, typer.Option(help="Who takes it back.")] = None,
) -> None:
    """Take a promotion back: the narrative is removed and the item is emerging again."""
    from claimwatch.review.promote import undo_promote

    with session_scope(ready_database()) as session:
        undo_promote(session, item_id, actor=editor or _default_reviewer())
        console.print(f"Item #{item_id} is an emerging claim again.", markup=False)
