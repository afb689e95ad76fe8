"""Rich renderings for the terminal. Crawled text is untrusted: it is always passed to Rich as
plain ``Text``, never as markup, so ``[link=…]`` or ``[bold]`` in an article stays literal."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from claimwatch.crawlers.check import SourceCheck
from claimwatch.crawlers.health import KEEPS_FAILING
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.flows.report import RunReport, TopItem
from claimwatch.store.schema import QueueItem, Source, SourceRun


def plain(value: object, limit: int | None = None) -> Text:
    text = str(value) if value is not None else ""
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return Text(text)


def run_report(report: RunReport) -> Group:
    counts = report.counts
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    rows = [
        (
            "Sources",
            f"{counts.get('sources', 0)} ({counts.get('feeds_read', 0)} feeds read, {counts.get('feeds_not_modified', 0)} unchanged, {counts.get('sources_failed', 0)} failed)",
        ),
        (
            "Articles",
            f"{counts.get('articles_new', 0)} new, {counts.get('articles_updated', 0)} updated, {counts.get('articles_duplicate', 0)} already stored ({counts.get('pages_fetched', 0)} pages fetched, {counts.get('page_failures', 0)} failures, {counts.get('pages_refused', 0)} refused by robots.txt, URL policy or source domains, {counts.get('pages_not_stored', 0)} not stored: a field no column takes)",
        ),
        (
            "Analysed",
            f"{counts.get('articles_analysed', 0)} articles ({counts.get('articles_revised', 0)} revised by their outlet, {counts.get('claims_removed', 0)} claims no longer in them)",
        ),
        (
            "Claims",
            f"{counts.get('claims', 0)} check-worthy of {counts.get('sentences', 0)} sentences, {counts.get('claims_on_topic', 0)} on topic, {counts.get('claims_matched', 0)} repeat a known narrative, {counts.get('corrections_seen', 0)} state a correction",
        ),
        (
            "Not claims",
            ", ".join(
                f"{count} {name.removeprefix('dropped_').replace('_', ' ')}"
                for name, count in counts.items()
                if name.startswith("dropped_")
            )
            or "none",
        ),
        (
            "Clusters",
            f"{counts.get('clusters_new', 0)} new, {counts.get('clusters_grown', 0)} grown",
        ),
        (
            "Repeats",
            f"{counts.get('queue_created', 0)} new items, {counts.get('queue_updated', 0)} updated, {counts.get('queue_held_back', 0)} held back by the caps on new items",
        ),
        (
            "Emerging",
            f"{counts.get('emerging_created', 0)} new items, {counts.get('emerging_updated', 0)} updated, {counts.get('emerging_below_line', 0)} below the line (the night's cap), {counts.get('emerging_below_threshold', 0)} of {counts.get('emerging_candidates', 0)} spreading claims below the threshold, {counts.get('emerging_same_story', 0)} other sentences of stories already queued",
        ),
        ("Queue", f"{report.queue_total} items"),
        (
            "Time",
            f"{report.seconds:.1f} s ("
            + ", ".join(f"{k.lower()} {v:.1f}" for k, v in report.timings.items())
            + ")",
        ),
    ]
    for label, value in rows:
        summary.add_row(label, value)
    parts: list[Any] = [
        Panel(summary, title=f"Nightly run #{report.run_id}: {report.status}", expand=False)
    ]
    if report.resumed:
        parts.append(
            Panel(
                Text("\n".join(report.resumed)), title="Resumed", border_style="cyan", expand=False
            )
        )
    if report.top_items:
        parts.append(top_items_table(report))
    if report.failing_sources:
        parts.append(failing_sources_panel(report.failing_sources))
    if report.problems:
        parts.append(
            Panel(
                Text("\n".join(report.problems)),
                title=f"{len(report.problems)} problems",
                border_style="yellow",
                expand=False,
            )
        )
    return Group(*parts)


def failing_sources_panel(failing: list[dict[str, Any]]) -> Panel:
    lines = Text()
    for row in failing:
        style = "bold red" if row.get("keeps_failing") else "yellow"
        runs = row.get("consecutive_failures")
        lines.append(f"{row.get('source')}: failed {runs} run(s) in a row", style=style)
        if row.get("keeps_failing"):
            lines.append(" (keeps failing: check it with `claimwatch sources check`)", style=style)
        lines.append(f" — {row.get('last_error') or 'unknown error'}\n")
    return Panel(lines, title=f"{len(failing)} failing sources", border_style="red", expand=False)


def top_items_table(report: RunReport) -> Table:
    table = Table(title="Top flagged items", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Priority", justify="right")
    table.add_column("Narrative")
    table.add_column("Claim (outlets · languages)")
    table.add_column("Suggested rebuttal snippets")
    for item in report.top_items:
        claim = plain(item.claim, 160)
        claim.append(f"\n{len(item.outlets)} outlets · {', '.join(item.languages)}", style="dim")
        snippets = Text()
        if item.lane == "emerging" and item.snippets:
            snippets.append("context only: the closest narrative's\n", style="italic")
        for snippet in item.snippets:
            snippets.append(f"[{snippet['language']}] ", style="bold")
            snippets.append(snippet["title"] + "\n")
            snippets.append(snippet["source"] + "\n", style="dim")
        table.add_row(str(item.item_id), f"{item.score:.2f}", _lane_cell(item), claim, snippets)
    return table


def _lane_cell(item: TopItem) -> Text:
    """A repeat's narrative; for an emerging claim, that it is new and what came closest."""
    if item.lane != "emerging":
        return plain(item.narrative)
    cell = Text("new claim (emerging)")
    if item.closest:
        cell.append("\nclosest: ", style="dim")
        cell.append(plain(f"{item.closest} — not a repeat"))
    return cell


def queue_table(items: list[QueueItem]) -> Table:
    table = Table(title=f"Review queue ({len(items)} shown)")
    for name, justify in (
        ("#", "right"),
        ("Priority", "right"),
        ("Status", "left"),
        ("Narrative", "left"),
        ("Languages", "left"),
        ("Outlets", "right"),
        ("Claim", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for item in items:
        table.add_row(
            str(item.id),
            f"{item.priority:.2f}",
            item.decision or item.status,
            plain(item.narrative.slug if item.narrative else "—"),
            ", ".join(item.cluster.languages),
            str(len(item.cluster.outlets)),
            plain(item.explanation.get("claim", ""), 100),
        )
    return table


def queue_item(item: QueueItem) -> Group:
    why = item.explanation
    scores = why.get("scores", {})
    header = Text()
    header.append(f"Item #{item.id} · {item.status}", style="bold")
    if item.decision:
        header.append(f" · decided {item.decision} by {item.decided_by}")
    header.append("\n\n")
    header.append(Text(str(why.get("claim", ""))))
    reasons = Text()
    reasons.append(str(why.get("summary", "")) + "\n")
    reasons.append(
        f"Matched phrasing ({why.get('matched_phrasing', {}).get('language')}): ", style="dim"
    )
    reasons.append(str(why.get("matched_phrasing", {}).get("text", "")) + "\n")
    reasons.append(
        "Scores: " + ", ".join(f"{k} {v}" for k, v in scores.items()) + "\n", style="dim"
    )
    reasons.append(f"Model: {item.model_version}", style="dim")
    occurrences = Table(title="Occurrences", show_header=True)
    for column in ("Outlet", "Lang", "Published", "Sentence", "URL"):
        occurrences.add_column(column)
    for claim in item.cluster.claims:
        article = claim.article
        published = (article.published_at or article.fetched_at).date().isoformat()
        occurrences.add_row(
            plain(article.source.name),
            plain(claim.language),
            published,
            plain(claim.text, 120),
            plain(article.url),
        )
    snippets = Table(title="Suggested snippets (vetted)")
    for column in ("Snippet", "Lang", "Score", "Chosen", "Title / sources"):
        snippets.add_column(column)
    for suggestion in item.suggestions:
        snippet = suggestion.snippet
        body = Text(snippet.title + "\n")
        for source in snippet.sources:
            body.append(f"{source.publisher}: {source.url}\n", style="dim")
        snippets.add_row(
            plain(snippet.key),
            snippet.language,
            f"{suggestion.score:.2f}",
            "yes" if suggestion.chosen else "",
            body,
        )
    return Group(
        Panel(header, expand=False),
        Panel(reasons, title="Why it was flagged", expand=False),
        occurrences,
        snippets,
    )


def print_report(console: Console, report: RunReport) -> None:
    console.print(run_report(report))


def source_row(
    config: SourceConfig, source: Source | None, last: SourceRun | None
) -> dict[str, Any]:
    """One source's configuration and health, as the list command shows and prints as JSON."""
    return {
        "name": config.name,
        "kind": config.kind,
        "group": config.group,
        "enabled": config.enabled,
        "language": config.language,
        "url": config.url,
        "last_success_at": source.last_success_at.isoformat(timespec="minutes")
        if source and source.last_success_at
        else None,
        "consecutive_failures": source.consecutive_failures if source else 0,
        "last_error": source.last_error if source else None,
        "last_run": {
            "status": last.status,
            "items_read": last.items_read,
            "articles_new": last.articles_new,
            "http_statuses": last.http_statuses,
            "bytes_read": last.bytes_read,
        }
        if last
        else None,
    }


def sources_table(rows: list[dict[str, Any]], origin: str) -> Table:
    table = Table(title=f"Sources ({origin})")
    for column in (
        "Name",
        "Kind",
        "Group",
        "On",
        "Lang",
        "URL",
        "Last run",
        "Last success",
        "Failures",
        "Last error",
    ):
        table.add_column(column)
    for row in rows:
        last = row["last_run"]
        statuses = " ".join(
            f"{k}×{v}" for k, v in sorted((last or {}).get("http_statuses", {}).items())
        )
        summary = (
            f"{last['status']}: {last['items_read']} read, {last['articles_new']} new, {statuses}"
            if last
            else ""
        )
        failures = row["consecutive_failures"]
        table.add_row(
            row["name"],
            row["kind"],
            row["group"],
            "yes" if row["enabled"] else "no",
            row["language"] or "",
            plain(row["url"]),
            plain(summary),
            row["last_success_at"] or "",
            Text(str(failures), style="bold red" if failures >= KEEPS_FAILING else ""),
            plain(row["last_error"], 80),
        )
    return table


def source_check_report(check: SourceCheck) -> Group:
    lines = Text()
    lines.append(f"{check.source} ({check.kind}) {check.url}\n", style="bold")
    if check.error:
        lines.append(f"FAILED: {check.error}\n", style="bold red")
    if check.kind == "feed" and not check.error:
        lines.append(f"{check.entries} entries with links")
        lines.append(
            f", {len(check.outside_domains)} outside the source's domains (not crawled)\n"
            if check.outside_domains
            else "\n"
        )
    if check.feed_problem:
        lines.append(f"Feed problem (entries still read): {check.feed_problem}\n", style="yellow")
    if check.refused:
        lines.append(
            f"Refused: {len(check.refused)} (robots.txt, URL policy, outside the source)\n"
        )
    table = Table(title=f"What a run would read (first {len(check.pages)} pages)")
    for column in ("URL", "Title", "Lang", "Chars", "Problem"):
        table.add_column(column)
    for page in check.pages:
        table.add_row(
            plain(page.url, 70),
            plain(page.title, 60),
            page.language or "",
            str(page.chars),
            plain(page.problem),
        )
    return Group(lines, table)
