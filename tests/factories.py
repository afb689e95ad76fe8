"""Building realistic rows for tests: a flagged queue item whose cluster has claims from several
outlets and languages, with the seed library's snippets suggested."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from claimwatch.rebuttals.library import load_seed
from claimwatch.review.queue import SuggestedSnippet, upsert_item
from claimwatch.store.schema import Article, Claim, Cluster, Narrative, QueueItem, Snippet, Source


@dataclass(frozen=True)
class Occurrence:
    outlet: str
    language: str
    text: str
    published: dt.datetime
    title: str | None = None


ALLIANCE = [
    Occurrence(
        "hanoi-ledger",
        "en",
        "Vietnam has signed a secret military alliance with the United States.",
        dt.datetime(2026, 11, 28, 8, tzinfo=dt.UTC),
        "Leaked papers point to a secret pact",
    ),
    Occurrence(
        "courrier-mekong",
        "fr",
        "Le Vietnam a signé une alliance militaire secrète avec les États-Unis.",
        dt.datetime(2026, 11, 27, 18, tzinfo=dt.UTC),
        "Cam Ranh : un accord secret ?",
    ),
    Occurrence(
        "tin-quoc-te",
        "vi",
        "Việt Nam đã ký một liên minh quân sự bí mật với Hoa Kỳ.",
        dt.datetime(2026, 11, 29, 6, tzinfo=dt.UTC),
    ),
]


def _source(session: Session, name: str) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, kind="feed", url=f"https://{name}.example/rss.xml")
        session.add(source)
    return source


def flagged_item(
    session: Session,
    occurrences: Sequence[Occurrence] = ALLIANCE,
    *,
    narrative: str | None = "military-alliance",
    snippet_keys: Sequence[str] = ("military-alliance/en", "military-alliance/vi"),
    priority: float = 0.9,
) -> QueueItem:
    """A queue item for one cluster of ``occurrences`` (the first is the flagged claim): a
    repeat of ``narrative``, or with ``narrative=None`` an emerging claim."""
    load_seed(session)
    cluster = Cluster(
        outlets=sorted({o.outlet for o in occurrences}),
        languages=sorted({o.language for o in occurrences}),
        occurrences=len(occurrences),
        first_seen=min(o.published for o in occurrences),
        last_seen=max(o.published for o in occurrences),
    )
    session.add(cluster)
    session.flush()
    for position, occurrence in enumerate(occurrences):
        seed = f"{cluster.id}/{occurrence.outlet}/{occurrence.text}"
        digest = hashlib.sha256(seed.encode()).hexdigest()
        article = Article(
            source=_source(session, occurrence.outlet),
            url=f"https://{occurrence.outlet}.example/{digest[:12]}.html",
            content_hash=digest,
            title=occurrence.title,
            text=occurrence.text,
            language=occurrence.language,
            published_at=occurrence.published,
        )
        session.add(
            Claim(
                article=article,
                cluster=cluster,
                position=position,
                text=occurrence.text,
                language=occurrence.language,
                checkworthiness=0.9,
            )
        )
    session.flush()
    narrative_row = session.scalar(select(Narrative).where(Narrative.slug == narrative))
    snippets = {
        s.key: s for s in session.scalars(select(Snippet).where(Snippet.key.in_(snippet_keys)))
    }
    upsert_item(
        session,
        cluster=cluster,
        flag_score=0.95,
        priority=priority,
        explanation={
            "claim": occurrences[0].text,
            "narrative": {"slug": narrative} if narrative else None,
        },
        model_version="test-model",
        narrative_id=narrative_row.id if narrative_row else None,
        lane="repeat" if narrative else "emerging",
        suggestions=[
            SuggestedSnippet(snippets[key].id, 0.9 - rank / 10)
            for rank, key in enumerate(snippet_keys)
        ],
    )
    return session.scalars(select(QueueItem).where(QueueItem.cluster_id == cluster.id)).one()
