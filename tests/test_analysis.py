"""The analysis stages over a real SQLite database with the real model: claims cluster across
outlets and languages night after night, hostile or odd text never crashes a run and every
sentence is accounted for, and reviewers' decisions retrain the heads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.flows.analysis import AnalysisCounts, Thresholds, analyse_articles, cluster_claims
from claimwatch.flows.training import examples_from_decisions, retrain
from claimwatch.models import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.review.queue import decide, upsert_item
from claimwatch.settings import Settings
from claimwatch.store.schema import Article, Claim, Cluster, QueueItem, Source

THRESHOLDS = Thresholds(flag=0.5, cluster=0.5, narrative_cluster=0.35)
NIGHT_1 = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)
NIGHT_2 = dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)


def add_article(
    session: Session, outlet: str, text: str, language: str, published: dt.datetime
) -> Article:
    source = session.scalar(select(Source).where(Source.name == outlet))
    if source is None:
        source = Source(name=outlet, kind="feed", url=f"https://{outlet}.example/feed")
        session.add(source)
    article = Article(
        source=source,
        url=f"https://{outlet}.example/{abs(hash(text))}",
        content_hash=f"{abs(hash(text)):064d}"[:64],
        title=None,
        text=text,
        language=language,
        published_at=published,
    )
    session.add(article)
    session.flush()
    return article


def analyse_night(
    session: Session, embedder: Embedder, heads: SentenceHeads, centring: LanguageCentring
) -> AnalysisCounts:
    counts = analyse_articles(session, embedder, heads)
    cluster_claims(
        session,
        counts.claim_ids,
        THRESHOLDS,
        centring,
        dimension=embedder.dimension,
        model_version=embedder.version,
    )
    session.flush()
    return counts


def cluster_of(session: Session, text_start: str) -> Cluster:
    claim = session.scalars(select(Claim).where(Claim.text.startswith(text_start))).one()
    assert claim.cluster is not None, claim.text
    return claim.cluster


def test_a_claim_reported_in_three_languages_on_two_nights_is_one_cluster(
    session: Session, embedder: Embedder, heads: SentenceHeads, centring: LanguageCentring
) -> None:
    add_article(
        session,
        "courrier",
        "Le Japon et le Vietnam ont ouvert une ligne aérienne directe entre Osaka et Da Nang en mars 2024.",
        "fr",
        NIGHT_1,
    )
    add_article(
        session,
        "ledger",
        "Vietnam signed a free trade agreement with the United Arab Emirates in October 2023.",
        "en",
        NIGHT_1,
    )
    analyse_night(session, embedder, heads, centring)
    first = cluster_of(session, "Le Japon")
    assert (first.occurrences, first.languages, first.outlets) == (1, ["fr"], ["courrier"])

    add_article(
        session,
        "tinquocte",
        "Nhật Bản và Việt Nam đã mở đường bay thẳng giữa Osaka và Đà Nẵng vào tháng 3 năm 2024.",
        "vi",
        NIGHT_2,
    )
    add_article(
        session,
        "wire",
        "A direct flight route between Osaka and Da Nang was opened by Japan and Vietnam in March 2024.",
        "en",
        NIGHT_2,
    )
    analyse_night(session, embedder, heads, centring)
    grown = cluster_of(session, "Nhật Bản")
    assert grown.id == first.id == cluster_of(session, "A direct flight").id
    assert grown.occurrences == 3
    assert grown.languages == ["en", "fr", "vi"]
    assert grown.outlets == ["courrier", "tinquocte", "wire"]
    assert (grown.first_seen, grown.last_seen) == (NIGHT_1, NIGHT_2)
    assert cluster_of(session, "Vietnam signed a free trade").id != grown.id


HOSTILE = [
    ("empty", "", "en"),
    ("spaces", " \n\n \t ", "en"),
    (
        "huge",
        " ".join(
            f"Vietnam and partner number {i} signed cooperation agreement {i} in Hanoi."
            for i in range(3000)
        ),
        "en",
    ),
    (
        "mixed",
        "Vietnam and France agreed to expand their cooperation in culture and education. "
        "Việt Nam và Pháp nhất trí mở rộng hợp tác văn hóa và giáo dục trong năm tới. "
        "Le Vietnam et la France ont convenu d'étendre leur coopération culturelle.",
        "en",
    ),
    ("caps", "VIETNAM HAS SIGNED A SECRET MILITARY ALLIANCE WITH THE UNITED STATES!!!", "en"),
    ("emoji", "🇻🇳🤝🇯🇵 Vietnam and Japan upgraded ties 🎉🎉 in November 2023 👏", "en"),
    (
        "html",
        "<div class='share'>Share</div><script>alert('x')</script> Vietnam &amp; Laos opened "
        "a new border gate &nbsp; in Quang Tri <br/> province last week.",
        "en",
    ),
    (
        "rtl",
        "وقعت فيتنام والمملكة العربية السعودية اتفاقية تعاون جديدة في الرياض يوم الاثنين. "
        "ויאטנם וישראל חתמו על הסכם סחר חופשי בשנת 2023.",
        "ar",
    ),
    ("controls", "Vietnam\u0000 joined\u200b the\u202e United Nations in 1977.\ufeff", "en"),
]


def test_odd_and_hostile_text_is_analysed_and_every_sentence_accounted_for(
    session: Session, embedder: Embedder, heads: SentenceHeads, centring: LanguageCentring
) -> None:
    for name, text, language in HOSTILE:
        add_article(session, name, text, language, NIGHT_1)
    counts = analyse_night(session, embedder, heads, centring)
    assert counts.articles == len(HOSTILE)
    assert counts.sentences == counts.claims + sum(counts.dropped.values())
    assert counts.dropped.get("over_article_limit", 0) > 0  # the huge article was capped
    texts = list(session.scalars(select(Claim.text)))
    assert any(t.startswith("VIETNAM HAS SIGNED") for t in texts)
    assert any("Laos" in t for t in texts)
    assert all(len(t) <= 1000 for t in texts)
    unanalysed = session.scalars(select(Article).where(Article.analysed_at.is_(None))).all()
    assert unanalysed == []


def test_decisions_become_training_examples_and_retrain_the_heads(
    session: Session, settings: Settings, embedder: Embedder, heads: SentenceHeads
) -> None:
    claims = {}
    for outlet, text in [
        ("a", "Vietnam's national football team won the regional cup in January 2024."),
        ("b", "Vietnam and Chile signed a memorandum on wine imports in Santiago in 2024."),
    ]:
        article = add_article(session, outlet, text, "en", NIGHT_1)
        cluster = Cluster(outlets=[outlet], languages=["en"], occurrences=1)
        claim = Claim(article=article, position=0, text=text, language="en", checkworthiness=0.9)
        claim.cluster = cluster
        session.add_all([cluster, claim])
        session.flush()
        upsert_item(
            session,
            cluster=cluster,
            flag_score=0.9,
            priority=0.9,
            explanation={"claim": text},
            model_version="m",
            narrative_id=None,
            suggestions=[],
        )
        claims[outlet] = cluster.id
    items = {i.cluster_id: i.id for i in session.scalars(select(QueueItem))}
    decide(session, items[claims["a"]], "out_of_scope", actor="rev")
    decide(session, items[claims["b"]], "accurate", actor="rev")
    examples = {e.text: e for e in examples_from_decisions(session)}
    assert [examples[t].topic for t in sorted(examples)] == [True, False]
    assert all(e.checkworthy for e in examples.values())

    result = retrain(settings, session, embedder)
    assert result.from_decisions == 2 and result.examples > 400
    assert result.topic.trained_on["sources"]["decision"] == 2
    assert result.topic.version != heads.topic.version
    current = Path(settings.resolved_heads_dir / "topic.current").read_text().strip()
    assert current == f"{result.topic.version}.json"


def test_text_in_languages_the_desk_does_not_cover_is_counted_and_skipped(
    session: Session, embedder: Embedder, heads: SentenceHeads
) -> None:
    text = (
        "Vietnam and Japan agreed on Tuesday to expand their cooperation on labour and trade. "
        "越南和日本周二同意扩大在劳动力和贸易方面的合作，双方将于明年举行新一轮会谈。"
    )
    add_article(session, "wire", text, "en", NIGHT_1)
    counts = analyse_articles(session, embedder, heads, languages=("en", "fr", "vi"))
    assert counts.dropped.get("language_not_covered") == 1  # the Chinese sentence, not too short
    assert "too_short" not in counts.dropped
    stored = session.scalars(select(Claim.language)).all()
    assert "zh-cn" not in stored and "zh" not in stored
