"""The nightly flow end to end, over the demo corpus served on 127.0.0.1, with the real model, a
real SQLite database and Prefect's ephemeral API: what lands in the queue, and that a second run
over the same corpus adds nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from claimwatch.cli.render import top_items_table
from claimwatch.demo.server import RunningServer
from claimwatch.flows.report import RunReport
from claimwatch.settings import load_settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.schema import ArchivedPage, Article, Claim, Cluster, QueueItem, Source

MISLEADING = {
    "military-alliance": {
        "/hanoi-ledger/news/cam-ranh-alliance.html",
        "/courrier-mekong/articles/alliance-cam-ranh.html",
        "/tin-quoc-te/bai-viet/lien-minh-quan-su.html",
        "/pacific-wire/stories/hanoi-defence-pact.html",
    },
    "evisa-restrictions": {
        "/hanoi-ledger/news/evisa-thirty-days.html",
        "/tin-quoc-te/bai-viet/thi-thuc-dien-tu-30-ngay.html",
    },
    "asean-exit": {
        "/hanoi-ledger/news/asean-withdrawal-rumour.html",
        "/tin-quoc-te/bai-viet/rut-khoi-asean.html",
    },
    "overseas-vietnamese-property": {
        "/courrier-mekong/articles/logement-viet-kieu.html",
        "/pacific-wire/stories/overseas-vietnamese-homes.html",
    },
    "france-relations-frozen": {"/courrier-mekong/articles/cooperation-gelee.html"},
}
EMERGING = {
    "/hanoi-ledger/news/japan-aid-cancelled.html",
    "/courrier-mekong/articles/aide-japonaise-annulee.html",
    "/tin-quoc-te/bai-viet/nhat-ban-cat-vien-tro.html",
}
ACCURATE_OR_OFF_TOPIC = {
    "/hanoi-ledger/news/japan-fifty-years.html",
    "/hanoi-ledger/news/korea-student-exchange.html",
    "/hanoi-ledger/news/v-league-derby.html",
    "/courrier-mekong/articles/partenariat-strategique-global.html",
    "/courrier-mekong/articles/meteo-lyon.html",
    "/courrier-mekong/articles/fete-du-tet-paris.html",
    "/tin-quoc-te/bai-viet/thi-thuc-90-ngay.html",
    "/tin-quoc-te/bai-viet/gia-vang.html",
    "/tin-quoc-te/bai-viet/giao-luu-viet-lao.html",
    "/pacific-wire/stories/asean-since-1995.html",
    "/pacific-wire/stories/lemon-water-flu.html",
    "/pacific-wire/stories/phone-launch.html",
}


@pytest.fixture(scope="module")
def two_runs(
    prefect_harness: None, corpus_server: RunningServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    from claimwatch.flows.nightly import nightly

    data_dir = tmp_path_factory.mktemp("nightly")
    overrides = {"data_dir": data_dir, "allow_private_hosts": True, "download_delay_s": 0.0}
    first = nightly(demo_base=corpus_server.base_url, overrides=overrides)
    second = nightly(demo_base=corpus_server.base_url, overrides=overrides)
    return first, second, data_dir


@pytest.fixture
def db(two_runs: tuple[dict[str, Any], dict[str, Any], Path]) -> Session:
    engine = make_engine(load_settings(data_dir=two_runs[2]).resolved_database_url)
    with session_scope(engine) as session:
        yield session  # type: ignore[misc]
    engine.dispose()


def queued_paths(session: Session, base: str) -> dict[str, set[str]]:
    items = session.scalars(
        select(QueueItem).options(
            selectinload(QueueItem.narrative),
            selectinload(QueueItem.cluster)
            .selectinload(Cluster.claims)
            .selectinload(Claim.article),
        )
    )
    return {
        (i.narrative.slug if i.narrative else f"emerging #{i.id}"): {
            c.article.url.removeprefix(base) for c in i.cluster.claims
        }
        for i in items
    }


def test_first_run_reads_every_demo_source(
    two_runs: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    counts = two_runs[0]["counts"]
    assert counts["sources"] == 4 and counts["feeds_read"] == 3 and counts["sources_failed"] == 0
    assert counts["articles_new"] == 27  # 26 stories and Pacific Wire's about page
    assert counts["pages_refused"] == 1  # the draft robots.txt disallows
    assert two_runs[0]["status"] == "completed"


def test_outlets_are_named_by_their_feed_or_their_configured_title(db: Session) -> None:
    titles = {name: title for name, title in db.execute(select(Source.name, Source.title))}
    assert titles == {
        "hanoi-ledger": "The Hanoi Ledger",  # the feed's own <title>
        "courrier-mekong": "Le Courrier du Mékong",
        "tin-quoc-te": "Tin Quốc Tế",
        "pacific-wire": "Pacific Wire",  # a site: its title from sources.toml
    }


def test_misleading_claims_are_queued_one_item_per_narrative_and_the_new_one_as_emerging(
    db: Session, corpus_server: RunningServer
) -> None:
    queued = queued_paths(db, corpus_server.base_url)
    assert {k: v for k, v in queued.items() if not k.startswith("emerging")} == MISLEADING
    assert [v for k, v in queued.items() if k.startswith("emerging")] == [EMERGING]


def test_the_new_claim_is_queued_in_the_emerging_lane_with_its_context(
    db: Session, two_runs: tuple[dict[str, Any], dict[str, Any], Path]
) -> None:
    item = db.scalars(select(QueueItem).where(QueueItem.lane == "emerging")).one()
    assert item.narrative_id is None and sorted(item.cluster.languages) == ["en", "fr", "vi"]
    why = item.explanation
    assert why["lane"] == "emerging" and why["closest"] and "not a repeat" in why["summary"]
    assert why["scores"]["emerging"] == item.flag_score >= 0.35
    assert set(why["model_versions"]) == {"embedding", "topic", "checkworthy"}
    counts = two_runs[0]["counts"]
    assert counts["emerging_created"] == 1 and counts["queue_created"] == 5
    assert counts["emerging_same_story"] >= 1  # its headline and standfirst: one item


def test_the_report_tells_an_emerging_claim_from_a_repeat(
    two_runs: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    report = RunReport.from_dict(two_runs[0])
    console = Console(width=200, record=True)
    console.print(top_items_table(report))
    rows = console.export_text()
    emerging = next(i for i in report.top_items if i.lane == "emerging")
    assert emerging.narrative is None and emerging.closest
    assert f"closest: {emerging.closest} — not a repeat" in rows
    assert "new claim (emerging)" in rows and "context only: the closest narrative's" in rows
    repeats = [i for i in report.top_items if i.lane == "repeat"]
    assert repeats and all(i.narrative and i.narrative in rows for i in repeats)


def test_accurate_and_off_topic_articles_are_not_queued(
    db: Session, corpus_server: RunningServer
) -> None:
    flagged = set().union(*queued_paths(db, corpus_server.base_url).values())
    assert flagged & ACCURATE_OR_OFF_TOPIC == set()


def test_near_duplicates_across_outlets_and_languages_form_one_cluster(db: Session) -> None:
    item = db.scalars(
        select(QueueItem).where(QueueItem.narrative.has(slug="military-alliance"))
    ).one()
    assert sorted(item.cluster.languages) == ["en", "fr", "vi"]
    assert len(item.cluster.outlets) == 4


def test_every_flag_explains_itself(db: Session) -> None:
    for item in db.scalars(select(QueueItem).where(QueueItem.lane == "repeat")):
        explanation = item.explanation
        assert explanation["narrative"]["slug"] == item.narrative.slug  # type: ignore[union-attr]
        assert explanation["model_version"].startswith("intfloat/multilingual-e5-small@")
        assert 0 < item.flag_score <= 1 and item.suggestions, item.id
        assert all(s.snippet.status == "vetted" and s.snippet.sources for s in item.suggestions)
        assert set(explanation["model_versions"]) == {"embedding", "topic", "checkworthy", "flag"}
        assert explanation["model_versions"]["flag"].startswith("flag-")
        assert "fused" in explanation["summary"] and explanation["thresholds"]["topic"] > 0
        first = item.suggestions[0].snippet
        assert first.narrative_id == item.narrative_id  # the matched narrative's snippets first
        claim = next(c for c in item.cluster.claims if c.text == explanation["claim"])
        assert first.language == claim.language  # in the claim's language first
        assert all(s["reason"] for s in explanation["snippets"])


def test_second_run_adds_nothing(
    two_runs: tuple[dict[str, Any], dict[str, Any], Path], db: Session
) -> None:
    counts = two_runs[1]["counts"]
    assert counts["feeds_not_modified"] == 3
    assert (
        counts["articles_new"]
        == counts["claims"]
        == counts["clusters_new"]
        == counts["queue_created"]
        == counts["emerging_created"]
        == 0
    )
    assert db.scalar(select(func.count()).select_from(Article)) == 27
    assert db.scalar(select(func.count()).select_from(QueueItem)) == 6
    assert two_runs[1]["queue_total"] == 6


def test_every_article_page_is_archived_once_across_both_runs(
    db: Session, two_runs: tuple[dict[str, Any], dict[str, Any], Path]
) -> None:
    articles = db.scalars(select(Article)).all()
    assert len(articles) == 27
    assert all(len(a.revisions) == 1 and a.archived_page is not None for a in articles)
    assert db.scalar(select(func.count()).select_from(ArchivedPage)) == 27  # not 54
    archive = two_runs[2] / "archive"
    assert sum(1 for _ in archive.glob("*.warc.gz")) == 1  # the second run wrote nothing


def test_every_source_has_a_health_record_per_run(db: Session) -> None:
    from claimwatch.store.schema import SourceRun

    rows = db.scalars(select(SourceRun).order_by(SourceRun.run_id, SourceRun.source_id)).all()
    first = {r.source.name: r for r in rows if r.run_id == 1}
    second = {r.source.name: r for r in rows if r.run_id == 2}
    assert {name: r.status for name, r in first.items()} == dict.fromkeys(
        ["hanoi-ledger", "courrier-mekong", "tin-quoc-te", "pacific-wire"], "ok"
    )
    assert first["pacific-wire"].articles_new == 6 and first["pacific-wire"].pages_refused == 1
    assert first["hanoi-ledger"].items_read == 7 and first["hanoi-ledger"].bytes_read > 0
    assert {second[n].status for n in ("hanoi-ledger", "courrier-mekong", "tin-quoc-te")} == {
        "not_modified"
    }
    assert second["hanoi-ledger"].http_statuses == {"304": 1}
