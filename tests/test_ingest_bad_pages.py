"""One bad page never fails the Extract stage, on SQLite and on PostgreSQL: a language tag or a
URL longer than its column, NUL characters and lone surrogates in text, and a page the database
itself refuses. The other pages of the batch are stored; each refused page is counted and
reported with its reason."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from claimwatch.crawlers.feeds import FeedEntry
from claimwatch.crawlers.health import SourceHealth
from claimwatch.crawlers.ingest import IngestCounts, store_pages, sync_sources
from claimwatch.crawlers.job import FetchedPage
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.store.db import make_engine, session_factory, session_scope
from claimwatch.store.migrate import upgrade
from claimwatch.store.schema import Article

PAGE = (Path(__file__).with_name("fixtures") / "site" / "pages" / "laos-education.html").read_text(
    encoding="utf-8"
)
UNTITLED = re.sub(r"<(title|h1)\b.*?</\1>", "", PAGE, flags=re.S)
SOURCE = SourceConfig(name="ledger", kind="feed", url="https://ledger.example/rss.xml")
BASE = "https://ledger.example/news/"
LONG_URL = "https://ledger.example/" + "a" * (2049 - len("https://ledger.example/"))


def scores_page(lang: str) -> str:
    """A page of figures only: no language can be detected, so the declared one is used."""
    figures = " ".join(f"{i}:{i * 7 % 13}" for i in range(60))
    return f'<html lang="{lang}"><head><title>2024</title></head><body><article><p>{figures}</p></article></body></html>'


def variant(html: str, word: str) -> str:
    return html.replace("Laos", f"Laos {word}", 3)


PAGES = [
    FetchedPage("ledger", f"{BASE}one.html", 200, variant(PAGE, "one")),
    FetchedPage(
        "ledger", f"{BASE}locale.html", 200, scores_page("en_US_POSIX_variant_very_long_xx")
    ),
    FetchedPage("ledger", LONG_URL, 200, variant(PAGE, "long")),
    FetchedPage("ledger", f"{BASE}two.html", 200, variant(PAGE, "two")),
    FetchedPage("ledger", f"{BASE}nul.html", 200, variant(UNTITLED, "nul")),
    FetchedPage("ledger", f"{BASE}surrogate.html", 200, variant(UNTITLED, "surrogate")),
    FetchedPage("ledger", f"{BASE}poison.html", 200, variant(UNTITLED, "poison")),
    FetchedPage("ledger", f"{BASE}garbage.html", 200, scores_page("x" * 31).replace("0:0", "0:1")),
    FetchedPage("ledger", f"{BASE}three.html", 200, variant(PAGE, "three")),
]
ENTRIES = {
    f"{BASE}nul.html": FeedEntry(f"{BASE}nul.html", "A title\x00 with NUL", None, None, None),
    f"{BASE}surrogate.html": FeedEntry(
        f"{BASE}surrogate.html", "Lone \ud800 half", None, None, None
    ),
    f"{BASE}poison.html": FeedEntry(f"{BASE}poison.html", "Poison pill", None, None, None),
}
POISON_TRIGGER = {
    "sqlite": [
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON article WHEN NEW.title = 'Poison pill' "
        "BEGIN SELECT RAISE(ABORT, 'poison page'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
        "IF NEW.title = 'Poison pill' THEN RAISE EXCEPTION 'poison page'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON article "
        "FOR EACH ROW EXECUTE FUNCTION refuse_poison()",
    ],
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated database whose ``article`` table refuses a page titled "Poison pill", as a
    database may refuse a row for reasons no check foresees."""
    if request.param == "sqlite":
        engine: Engine = request.getfixturevalue("engine")
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        upgrade(engine)
    with engine.begin() as connection:
        for statement in POISON_TRIGGER[request.param]:
            connection.execute(text(statement))
    yield engine
    engine.dispose()


@pytest.fixture
def stored(database: Engine) -> tuple[IngestCounts, dict[str, Article]]:
    with session_scope(database) as session:
        sources = sync_sources(session, [SOURCE])
        counts = store_pages(session, PAGES, [], sources, ENTRIES, max_chars=100_000)
    with session_scope(database) as session:  # what was committed
        articles = {a.url: a for a in session.scalars(select(Article))}
    return counts, articles


def test_the_other_pages_are_stored(stored: tuple[IngestCounts, dict[str, Article]]) -> None:
    counts, articles = stored
    assert counts.new == 7 and len(articles) == 7
    assert {f"{BASE}{name}.html" for name in ("one", "two", "three")} <= set(articles)


def test_a_refused_page_is_counted_and_reported_with_its_reason(
    stored: tuple[IngestCounts, dict[str, Article]],
) -> None:
    counts, articles = stored
    reasons = {r.url: r.reason for r in counts.refused}
    assert set(reasons) == {LONG_URL, f"{BASE}poison.html"}
    assert reasons[LONG_URL] == "url longer than 2048 characters (2049)"
    assert reasons[f"{BASE}poison.html"].startswith("the database refused it")
    assert "poison page" in reasons[f"{BASE}poison.html"]
    assert counts.refused_by_source["ledger"] == 2
    assert sum("refused:" in line for line in counts.problems) == 2
    assert LONG_URL not in articles and f"{BASE}poison.html" not in articles


def test_a_long_language_tag_is_cut_to_its_primary_subtag_or_dropped(
    stored: tuple[IngestCounts, dict[str, Article]],
) -> None:
    _, articles = stored
    assert articles[f"{BASE}locale.html"].language == "en"
    assert articles[f"{BASE}garbage.html"].language is None


def test_nul_characters_and_lone_surrogates_are_cleaned(
    stored: tuple[IngestCounts, dict[str, Article]],
) -> None:
    _, articles = stored
    assert articles[f"{BASE}nul.html"].title == "A title with NUL"
    assert articles[f"{BASE}surrogate.html"].title == "Lone \ufffd half"


def test_storing_pages_leaves_the_callers_transaction_whole(database: Engine) -> None:
    """Each page has its own savepoint inside the caller's transaction: rolling that transaction
    back undoes every page, on SQLite too (where the driver begins transactions late)."""
    with session_scope(database) as session:
        sync_sources(session, [SOURCE])  # committed: the next transaction starts with reads
    session = session_factory(database)()
    try:
        counts = store_pages(
            session, PAGES[:1], [], sync_sources(session, [SOURCE]), {}, max_chars=100_000
        )
        assert counts.new == 1
        session.rollback()
    finally:
        session.close()
    with session_scope(database) as session:
        assert session.scalars(select(Article)).all() == []


def test_refused_pages_count_in_their_sources_health(
    stored: tuple[IngestCounts, dict[str, Article]],
) -> None:
    counts, _ = stored
    health = {"ledger": SourceHealth(pages_refused=1)}  # one refused by robots.txt already
    counts.add_to_health(health)
    assert health["ledger"].pages_refused == 3
