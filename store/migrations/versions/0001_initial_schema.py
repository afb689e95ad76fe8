"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 23:56:15.640708
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claimwatch.store.schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)

    op.create_table(
        "narrative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("updated_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_narrative")),
        sa.UniqueConstraint("slug", name=op.f("uq_narrative_slug")),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("timings", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run")),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("country", sa.String(length=10), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column(
            "last_fetched_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("name", name=op.f("uq_source_name")),
    )
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column(
            "published_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("fetched_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("analysed_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_article_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article")),
        sa.UniqueConstraint("source_id", "content_hash", name=op.f("uq_article_source_id")),
        sa.UniqueConstraint("url", name=op.f("uq_article_url")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_article_content_hash"), ["content_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_article_source_id"), ["source_id"], unique=False)

    op.create_table(
        "cluster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=True),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("outlets", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("first_seen", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["narrative_id"], ["narrative.id"], name=op.f("fk_cluster_narrative_id_narrative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster")),
    )
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_narrative_id"), ["narrative_id"], unique=False)

    op.create_table(
        "narrative_phrasing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["narrative_id"],
            ["narrative.id"],
            name=op.f("fk_narrative_phrasing_narrative_id_narrative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_narrative_phrasing")),
    )
    with op.batch_alter_table("narrative_phrasing", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_narrative_phrasing_narrative_id"), ["narrative_id"], unique=False
        )

    op.create_table(
        "snippet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translation_of_id", sa.Integer(), nullable=True),
        sa.Column("vetted_by", sa.String(length=200), nullable=True),
        sa.Column("vetted_at", sa.Date(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["narrative_id"], ["narrative.id"], name=op.f("fk_snippet_narrative_id_narrative")
        ),
        sa.ForeignKeyConstraint(
            ["translation_of_id"], ["snippet.id"], name=op.f("fk_snippet_translation_of_id_snippet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snippet")),
        sa.UniqueConstraint("key", name=op.f("uq_snippet_key")),
    )
    with op.batch_alter_table("snippet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_snippet_narrative_id"), ["narrative_id"], unique=False)

    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("checkworthiness", sa.Float(), nullable=False),
        sa.Column("topic_score", sa.Float(), nullable=True),
        sa.Column("topic_label", sa.String(length=100), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.Column("narrative_id", sa.Integer(), nullable=True),
        sa.Column("flag_score", sa.Float(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_claim_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["cluster.id"], name=op.f("fk_claim_cluster_id_cluster")
        ),
        sa.ForeignKeyConstraint(
            ["narrative_id"], ["narrative.id"], name=op.f("fk_claim_narrative_id_narrative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        sa.UniqueConstraint("article_id", "position", name=op.f("uq_claim_article_id")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claim_narrative_id"), ["narrative_id"], unique=False)

    op.create_table(
        "queue_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("narrative_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("flag_score", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column(
            "lock_expires_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["cluster.id"], name=op.f("fk_queue_item_cluster_id_cluster")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["queue_item.id"],
            name=op.f("fk_queue_item_duplicate_of_id_queue_item"),
        ),
        sa.ForeignKeyConstraint(
            ["narrative_id"], ["narrative.id"], name=op.f("fk_queue_item_narrative_id_narrative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_item")),
        sa.UniqueConstraint("cluster_id", name=op.f("uq_queue_item_cluster_id")),
    )
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_queue_item_narrative_id"), ["narrative_id"], unique=False
        )
        batch_op.create_index("ix_queue_item_status_priority", ["status", "priority"], unique=False)

    op.create_table(
        "snippet_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snippet_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("publisher", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snippet_id"], ["snippet.id"], name=op.f("fk_snippet_source_snippet_id_snippet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snippet_source")),
    )
    with op.batch_alter_table("snippet_source", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_snippet_source_snippet_id"), ["snippet_id"], unique=False
        )

    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("snippet_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["queue_item.id"], name=op.f("fk_suggestion_item_id_queue_item")
        ),
        sa.ForeignKeyConstraint(
            ["snippet_id"], ["snippet.id"], name=op.f("fk_suggestion_snippet_id_snippet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
        sa.UniqueConstraint("item_id", "snippet_id", name=op.f("uq_suggestion_item_id")),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_item_id"))

    op.drop_table("suggestion")
    with op.batch_alter_table("snippet_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snippet_source_snippet_id"))

    op.drop_table("snippet_source")
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_item_status_priority")
        batch_op.drop_index(batch_op.f("ix_queue_item_narrative_id"))

    op.drop_table("queue_item")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_narrative_id"))
        batch_op.drop_index(batch_op.f("ix_claim_cluster_id"))
        batch_op.drop_index(batch_op.f("ix_claim_article_id"))

    op.drop_table("claim")
    with op.batch_alter_table("snippet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snippet_narrative_id"))

    op.drop_table("snippet")
    with op.batch_alter_table("narrative_phrasing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_narrative_phrasing_narrative_id"))

    op.drop_table("narrative_phrasing")
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_narrative_id"))

    op.drop_table("cluster")
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_source_id"))
        batch_op.drop_index(batch_op.f("ix_article_content_hash"))

    op.drop_table("article")
    op.drop_table("source")
    op.drop_table("run")
    op.drop_table("narrative")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
