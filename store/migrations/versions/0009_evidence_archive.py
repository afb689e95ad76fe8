"""The evidence archive: fetched pages kept as WARC records (``archived_page``) and every
revision of an article's text (``article_revision``); existing articles get their current text
as a revision, with no archived page.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 13:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claimwatch.store.schema

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "archived_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("fetched_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("warc_file", sa.String(length=200), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archived_page")),
        sa.UniqueConstraint("digest", name=op.f("uq_archived_page_digest")),
    )
    op.create_table(
        "article_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archived_page_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_article_revision_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["archived_page_id"],
            ["archived_page.id"],
            name=op.f("fk_article_revision_archived_page_id_archived_page"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_revision")),
        sa.UniqueConstraint("article_id", "revision", name=op.f("uq_article_revision_article_id")),
    )
    op.create_index(
        op.f("ix_article_revision_article_id"), "article_revision", ["article_id"], unique=False
    )
    op.execute(
        "INSERT INTO article_revision (article_id, revision, title, text, content_hash, fetched_at) "
        "SELECT id, revision, title, text, content_hash, COALESCE(updated_at, fetched_at) "
        "FROM article"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_article_revision_article_id"), table_name="article_revision")
    op.drop_table("article_revision")
    op.drop_table("archived_page")
