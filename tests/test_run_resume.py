"""What real nights do to a run, in this process: an outlet edits an article overnight (over a copy
of the demo corpus), a feed's validators must wait for the entries they cover, and one outlet
floods the night with near-identical claims."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from claimwatch.crawlers.feeds import FeedEntry
from claimwatch.crawlers.ingest import FeedCounts, save_feed_validators
from claimwatch.demo.server import RunningServer, corpus_root, serve_directory
from claimwatch.flows.sequence import run_nightly
from claimwatch.resources import open_database
from claimwatch.settings import Settings, load_settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.schema import Article, Claim, QueueItem, Run, Source
from tests.httpserver import Route, fixed, serve_routes
from tests.runs import write_sources

STORY = "hanoi-ledger/news/evisa-thirty-days.html"
STORIES = 7  # in The Hanoi Ledger's feed
ADDED = "The ministry said a further review of the visa rules would begin in the spring."


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[tuple[Path, RunningServer]]:
    root = tmp_path / "corpus"
    shutil.copytree(corpus_root(), root)
    with serve_directory(root) as server:
        yield root, server


def _settings(tmp_path: Path, server: RunningServer, **overrides: object) -> Settings:
    sources = write_sources(
        tmp_path / "sources.toml", server.base_url, {"hanoi-ledger": ("rss.xml", "en")}
    )
    return load_settings(
        data_dir=tmp_path / "data",
        sources_file=sources,
        allow_private_hosts=True,
        download_delay_s=0.0,
        **overrides,
    )


def _edit_story(root: Path, *, add: str, drop: str) -> None:
    """The outlet rewrites the story: one paragraph's sentence dropped, one sentence added, and
    the feed entry says it was updated."""
    page = root / STORY
    html = page.read_text(encoding="utf-8")
    assert drop in html
    html = html.replace(drop, "")
    html = html.replace("</article>", f"<p>{add}</p></article>", 1)
    page.write_text(html, encoding="utf-8")
    feed = root / "hanoi-ledger" / "rss.xml"
    updated = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = feed.read_text(encoding="utf-8")
    text = re.sub(
        r"(<link>\{\{BASE\}\}/hanoi-ledger/news/evisa-thirty-days\.html[^<]*</link>)",
        rf"\1<atom:updated>{updated}</atom:updated>",
        text,
    )
    feed.write_text(text, encoding="utf-8")


def _story_claims(session: Session) -> list[Claim]:
    article = session.scalars(
        select(Article)
        .where(Article.url.endswith("evisa-thirty-days.html"))
        .options(selectinload(Article.claims))
    ).one()
    return list(article.claims)


def test_an_article_edited_overnight_is_analysed_again_and_later_runs_go_on(
    corpus: tuple[Path, RunningServer], tmp_path: Path
) -> None:
    root, server = corpus
    settings = _settings(tmp_path, server)
    assert run_nightly(settings).status == "completed"
    engine = make_engine(settings.resolved_database_url)
    with session_scope(engine) as session:
        before = {c.text: c.position for c in _story_claims(session)}
    html = (root / STORY).read_text(encoding="utf-8")
    dropped = next(t for t, position in before.items() if position > 0 and html.count(t) == 1)
    _edit_story(root, add=ADDED, drop=dropped)

    second = run_nightly(settings)
    assert second.status == "completed", second.problems
    assert second.counts["articles_updated"] == 1 and second.counts["articles_revised"] == 1
    with session_scope(engine) as session:
        claims = _story_claims(session)
    positions = [c.position for c in claims]
    assert len(positions) == len(set(positions))
    by_text = {c.text: c for c in claims}
    for text, position in before.items():  # earlier claims keep their place
        assert by_text[text].position == position
    assert by_text[dropped].removed_at is not None  # kept as evidence, marked removed
    assert all(c.removed_at is None for c in claims if c.text != dropped)
    if ADDED in by_text:  # a new check-worthy sentence takes the next free position
        assert by_text[ADDED].position > max(before.values())

    third = run_nightly(settings)  # and the nights after go on
    assert third.status == "completed" and third.counts["articles_updated"] == 0
    engine.dispose()


@pytest.mark.parametrize("filled_at", ["store_articles", "analyse"])
def test_a_full_disk_loses_nothing(
    filled_at: str, corpus: tuple[Path, RunningServer], tmp_path: Path
) -> None:
    """The database fills up while the articles are stored, or while they are analysed: the run
    fails, and the next one finishes the work (a feed's validators were not saved without its
    articles, an article's "analysed" mark not without its claims)."""
    _root, server = corpus
    settings = _settings(tmp_path, server)
    engine = open_database(settings)

    def fill_up(connection: Any, _record: Any) -> None:  # no room left for another page
        cursor = connection.cursor()
        cursor.execute("VACUUM")
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
        cursor.close()

    def call(step: Callable[..., Any], *args: Any) -> Any:
        if step.__name__ == filled_at:
            engine.dispose()
            event.listen(engine, "connect", fill_up)
        return step(*args)

    with pytest.raises(OperationalError):  # "database or disk is full", or what it left
        run_nightly(settings, call=call)
    event.remove(engine, "connect", fill_up)
    engine.dispose()

    report = run_nightly(settings)
    assert report.status == "completed", report.problems
    counts = report.counts
    if filled_at == "store_articles":
        assert counts["feeds_read"] == 1 and counts["articles_new"] == STORIES
    else:
        assert counts["feeds_not_modified"] == 1 and counts["articles_resumed"] == STORIES
    assert counts["articles_analysed"] == STORIES and counts["claims"] > 0
    assert _run_statuses(engine)[-1] == "completed"


def _run_statuses(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Run.status).order_by(Run.id)))


def test_feed_validators_wait_for_every_entry_they_cover(session: Session) -> None:
    source = Source(name="outlet", kind="feed", url="https://outlet.example/rss")
    session.add(source)
    session.flush()
    entries = [FeedEntry(f"https://outlet.example/{n}", None, None, None, None) for n in ("a", "b")]
    feeds = FeedCounts(entries={"outlet": entries}, validators={"outlet": ('"v2"', "Thu")})
    assert save_feed_validators(session, {"outlet": source}, feeds, {entries[0].url}) == ["outlet"]
    assert source.etag is None  # one entry not stored yet: read the whole feed next time
    assert save_feed_validators(session, {"outlet": source}, feeds, {e.url for e in entries}) == []
    assert (source.etag, source.last_modified) == ('"v2"', "Thu")


FLOOD_ARTICLES = 26


def _flood_routes() -> dict[str, Route]:
    """One outlet's feed of near-identical stories that differ only in a number: each repeats
    the ASEAN-exit narrative, and no two can share a cluster (their numbers disagree)."""
    routes: dict[str, Route] = {}
    items = []
    for n in range(FLOOD_ARTICLES):
        days = 30 + 7 * n
        path = f"/flood/story-{n}.html"
        items.append(
            f"<item><title>Vietnam to leave ASEAN in {days} days</title>"
            f"<link>{{base}}{path}</link><guid>{n}</guid>"
            "<pubDate>Thu, 03 Dec 2026 08:00:00 +0000</pubDate></item>"
        )
        page = (
            "<html lang='en'><head><title>Vietnam to leave ASEAN</title></head><body><article>"
            f"<h1>Vietnam to leave ASEAN in {days} days</h1>"
            f"<p>Vietnam will pull out of ASEAN within {days} days, a senior official said. "
            f"Hanoi has quietly started the process of leaving ASEAN, {days} days before the "
            "summit, according to documents seen by the outlet.</p></article></body></html>"
        )
        routes[path] = fixed(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
    feed = "<?xml version='1.0'?><rss version='2.0'><channel><title>Flood</title>"
    feed += "".join(items) + "</channel></rss>"

    def serve_feed(request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        base = f"http://{request.headers['Host']}"
        body = feed.replace("{base}", base).encode()
        return 200, {"Content-Type": "application/rss+xml"}, body

    routes["/flood/rss.xml"] = serve_feed
    return routes


def test_a_flood_from_one_outlet_is_reported_not_queued(tmp_path: Path) -> None:
    """26 stories repeating one narrative with 26 different numbers: the source's cap (20 new
    items in 24 hours) queues 20, and the report counts the rest as held back and names the
    source."""
    with serve_routes(_flood_routes()) as base:
        sources = write_sources(tmp_path / "sources.toml", base, {"flood": ("rss.xml", "en")})
        settings = load_settings(
            data_dir=tmp_path / "data",
            sources_file=sources,
            allow_private_hosts=True,
            download_delay_s=0.0,
            max_new_items_per_source=20,
        )
        report = run_nightly(settings)
    flagged = report.counts["clusters_flagged"]
    assert flagged >= 24, report.counts  # nearly every story repeats the narrative
    assert report.counts["queue_created"] == 20
    assert report.counts["queue_held_back"] == flagged - 20
    assert any(p.startswith("flood: ") and "held back by the cap" in p for p in report.problems)
    with session_scope(make_engine(settings.resolved_database_url)) as session:
        assert len(session.scalars(select(QueueItem)).all()) == 20
