"""The database schema (SQLAlchemy 2 declarative). Alembic migrations in ``store/migrations``
create it; change both together (``claimwatch db revision`` drafts a migration from this file).

It stores what was published and what the desk decided, never profiles of authors or readers:
articles keep their outlet, URL, title, date and text, and no byline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware (UTC) datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Source(Base):
    """A configured feed or site, with its conditional-GET state and health."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))  # the outlet's name, for people
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    country: Mapped[str | None] = mapped_column(String(10))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_fetched_at: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def outlet(self) -> str:
        """The outlet's name as people know it: its title, else the configured slug."""
        return self.title or self.name


class SourceRun(Base):
    """A source's health in one run: what was read, HTTP answers, bytes, and the error if any."""

    __tablename__ = "source_run"
    __table_args__ = (UniqueConstraint("run_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # ok, not_modified, partial, failed
    items_read: Mapped[int] = mapped_column(default=0)
    articles_new: Mapped[int] = mapped_column(default=0)
    articles_updated: Mapped[int] = mapped_column(default=0)
    pages_refused: Mapped[int] = mapped_column(default=0)
    http_statuses: Mapped[dict[str, Any]] = mapped_column(default=dict)
    bytes_read: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    source: Mapped[Source] = relationship()


class Article(Base):
    """One published article. Unique by canonical URL, and by content within one outlet."""

    __tablename__ = "article"
    __table_args__ = (UniqueConstraint("source_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None]
    language: Mapped[str | None] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)  # +1 each time the outlet changes the text
    updated_at: Mapped[dt.datetime | None]
    analysed_at: Mapped[dt.datetime | None]

    source: Mapped[Source] = relationship()
    claims: Mapped[list[Claim]] = relationship(back_populates="article", order_by="Claim.position")
    revisions: Mapped[list[ArticleRevision]] = relationship(
        back_populates="article", order_by="ArticleRevision.revision"
    )

    @property
    def archived_page(self) -> ArchivedPage | None:
        """The archived page of the latest revision, if it was archived."""
        return self.revisions[-1].archived_page if self.revisions else None


class ArchivedPage(Base):
    """A fetched page kept as a WARC response record (``<data_dir>/archive``), once per payload:
    its SHA-256, where the record is (file, offset, length) and when it was fetched."""

    __tablename__ = "archived_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the payload, hex
    url: Mapped[str] = mapped_column(String(2048))
    fetched_at: Mapped[dt.datetime]
    content_type: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int]
    warc_file: Mapped[str] = mapped_column(String(200))
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)


class ArticleRevision(Base):
    """One version of an article's text as it was fetched (a history, never overwritten), with
    the archived page it came from."""

    __tablename__ = "article_revision"
    __table_args__ = (UniqueConstraint("article_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    revision: Mapped[int]
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    archived_page_id: Mapped[int | None] = mapped_column(ForeignKey("archived_page.id"))

    article: Mapped[Article] = relationship(back_populates="revisions")
    archived_page: Mapped[ArchivedPage | None] = relationship()


class Cluster(Base):
    """Near-duplicate claims across outlets and languages. Claims that repeat a narrative only
    group with claims repeating the same narrative (``narrative_id``)."""

    __tablename__ = "cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narrative.id"), index=True)
    occurrences: Mapped[int] = mapped_column(default=0)
    outlets: Mapped[list[Any]] = mapped_column(default=list)
    languages: Mapped[list[Any]] = mapped_column(default=list)
    first_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[dt.datetime] = mapped_column(default=utcnow)

    claims: Mapped[list[Claim]] = relationship(back_populates="cluster", order_by="Claim.id")


class Claim(Base):
    """A check-worthy sentence of an article (position 0 is the title), with its scores, its
    embedding, and the narrative it repeats when its flag score reached the threshold."""

    __tablename__ = "claim"
    __table_args__ = (UniqueConstraint("article_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("article.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    checkworthiness: Mapped[float]
    topic_score: Mapped[float | None]
    topic_label: Mapped[str | None] = mapped_column(String(100))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narrative.id"), index=True)
    flag_score: Mapped[float | None]
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when a later revision of the article no longer carries the sentence: the claim stays
    # (with its cluster and decisions) as evidence of what was published.
    removed_at: Mapped[dt.datetime | None]
    # The narrative this claim corrects or denies ("correction seen"): linked, never flagged.
    correction_of_id: Mapped[int | None] = mapped_column(ForeignKey("narrative.id"), index=True)

    article: Mapped[Article] = relationship(back_populates="claims")
    cluster: Mapped[Cluster | None] = relationship(back_populates="claims")


class Narrative(Base):
    """A recurring misleading story, with example phrasings in any language."""

    __tablename__ = "narrative"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phrasings: Mapped[list[NarrativePhrasing]] = relationship(
        back_populates="narrative", cascade="all, delete-orphan", order_by="NarrativePhrasing.id"
    )
    snippets: Mapped[list[Snippet]] = relationship(back_populates="narrative")


class NarrativePhrasing(Base):
    """One way the misleading claim is worded, in one language."""

    __tablename__ = "narrative_phrasing"

    id: Mapped[int] = mapped_column(primary_key=True)
    narrative_id: Mapped[int] = mapped_column(ForeignKey("narrative.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)

    narrative: Mapped[Narrative] = relationship(back_populates="phrasings")


class Snippet(Base):
    """A short vetted answer in one language, with its sources. draft → vetted → retired."""

    __tablename__ = "snippet"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narrative.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    translation_of_id: Mapped[int | None] = mapped_column(ForeignKey("snippet.id"))
    vetted_by: Mapped[str | None] = mapped_column(String(200))
    vetted_at: Mapped[dt.date | None] = mapped_column(Date)
    review_by: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    narrative: Mapped[Narrative | None] = relationship(back_populates="snippets")
    translation_of: Mapped[Snippet | None] = relationship(
        remote_side=[id], back_populates="translations"
    )
    translations: Mapped[list[Snippet]] = relationship(
        back_populates="translation_of", order_by="Snippet.language"
    )
    sources: Mapped[list[SnippetSource]] = relationship(
        back_populates="snippet", cascade="all, delete-orphan", order_by="SnippetSource.position"
    )
    versions: Mapped[list[SnippetVersion]] = relationship(
        back_populates="snippet", cascade="all, delete-orphan", order_by="SnippetVersion.version"
    )


class SnippetVersion(Base):
    """Every state a snippet has had: the whole snippet (text, status, sources…) after each
    change, who made it and how (create, edit, vet, retire, reopen, import)."""

    __tablename__ = "snippet_version"
    __table_args__ = (UniqueConstraint("snippet_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippet.id"), index=True)
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)

    snippet: Mapped[Snippet] = relationship(back_populates="versions")


class SnippetSource(Base):
    """A source a snippet cites: URL, publisher, title, date and the quoted passage."""

    __tablename__ = "snippet_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippet.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    url: Mapped[str] = mapped_column(String(2048))
    publisher: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    published: Mapped[dt.date | None] = mapped_column(Date)
    quote: Mapped[str | None] = mapped_column(Text)

    snippet: Mapped[Snippet] = relationship(back_populates="sources")


class QueueItem(Base):
    """A flagged cluster waiting for (or holding) a reviewer's decision, with its explanation.

    ``assignee`` and ``lock_expires_at`` are the lock a reviewer holds while working on the item
    (taken by "next item", released on decision or when it expires); ``assigned_to`` is a
    lasting assignment made by a bulk action: such an item is handed only to that reviewer.
    ``claim_text`` and ``claim_language`` copy the flagged claim for search and filters.

    ``lane`` says why it is in the queue: ``repeat`` (it repeats a known narrative) or
    ``emerging`` (a new on-topic, check-worthy claim spreading across outlets that matches no
    narrative)."""

    __tablename__ = "queue_item"
    __table_args__ = (
        Index("ix_queue_item_status_priority", "status", "priority"),
        # "next item": the reviewer's assigned items by priority, and the lock they hold
        Index("ix_queue_item_assigned_status_priority", "assigned_to", "status", "priority"),
        Index("ix_queue_item_assignee_status", "assignee", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"), unique=True)
    lane: Mapped[str] = mapped_column(
        String(20), default="repeat", server_default="repeat", index=True
    )
    narrative_id: Mapped[int | None] = mapped_column(ForeignKey("narrative.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    flag_score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    model_version: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("queue_item.id"))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None]
    assignee: Mapped[str | None] = mapped_column(String(200))
    lock_expires_at: Mapped[dt.datetime | None]
    assigned_to: Mapped[str | None] = mapped_column(String(200))
    claim_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    claim_language: Mapped[str | None] = mapped_column(String(10), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cluster: Mapped[Cluster] = relationship()
    narrative: Mapped[Narrative | None] = relationship()
    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Suggestion.rank"
    )


class Suggestion(Base):
    """A snippet suggested as a rebuttal reference for a queue item, with its score."""

    __tablename__ = "suggestion"
    __table_args__ = (UniqueConstraint("item_id", "snippet_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("queue_item.id"), index=True)
    snippet_id: Mapped[int] = mapped_column(ForeignKey("snippet.id"))
    score: Mapped[float]
    rank: Mapped[int]
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)

    item: Mapped[QueueItem] = relationship(back_populates="suggestions")
    snippet: Mapped[Snippet] = relationship()


class AuditEvent(Base):
    """Every change a reviewer or editor makes: who, what, before, after, when."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class User(Base):
    """A person of the desk: reviewer, editor or admin. Only what signing in needs."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """A token for the HTTP API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class Run(Base):
    """One nightly run: what it read and produced, its errors and timings."""

    __tablename__ = "run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    # running, completed, completed_with_problems, failed, interrupted (killed, closed by the next run)
    status: Mapped[str] = mapped_column(String(30), default="running")
    host: Mapped[str | None] = mapped_column(String(255))  # where the run's process ran
    pid: Mapped[int | None]  # its process id, to clean up after a killed run
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    timings: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WebSession(Base):
    """A signed-in browser session. The cookie carries a random id; only its SHA-256 is stored,
    so the server can end the session: signing out, a new password or deactivating the user
    deletes its rows, and a replayed cookie no longer signs anyone in."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)

    user: Mapped[User] = relationship()
