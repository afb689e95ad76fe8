"""Snippet versions (existing snippets get their current state as a first version), users and
API tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 07:14:30.539601
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claimwatch.store.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_used_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("revoked_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "snippet_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("snippet_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snippet_id"], ["snippet.id"], name=op.f("fk_snippet_version_snippet_id_snippet")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snippet_version")),
        sa.UniqueConstraint("snippet_id", "version", name=op.f("uq_snippet_version_snippet_id")),
    )
    with op.batch_alter_table("snippet_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_snippet_version_snippet_id"), ["snippet_id"], unique=False
        )
    _backfill_versions()


def _backfill_versions() -> None:
    """Each snippet already in the library gets one version: its state now."""
    bind = op.get_bind()
    snippets = bind.execute(
        sa.text(
            "SELECT s.id, s.key, s.language, s.status, s.title, s.text, s.vetted_by, s.vetted_at,"
            " s.review_by, s.version, s.updated_at, n.slug, t.key FROM snippet s"
            " LEFT JOIN narrative n ON n.id = s.narrative_id"
            " LEFT JOIN snippet t ON t.id = s.translation_of_id"
        )
    ).all()
    table = sa.table(
        "snippet_version",
        sa.column("snippet_id", sa.Integer),
        sa.column("version", sa.Integer),
        sa.column("action", sa.String),
        sa.column("actor", sa.String),
        sa.column("at", claimwatch.store.schema.UTCDateTime(timezone=True)),
        sa.column("state", sa.JSON),
    )
    rows = []
    for row in snippets:
        sources = bind.execute(
            sa.text(
                "SELECT url, publisher, title, published, quote FROM snippet_source"
                " WHERE snippet_id = :id ORDER BY position"
            ),
            {"id": row[0]},
        ).all()
        state = {
            "key": row[1],
            "narrative": row[11],
            "language": row[2],
            "status": row[3],
            "translation_of": row[12],
            "title": row[4],
            "text": row[5],
            "vetted_by": row[6],
            "vetted_at": str(row[7]) if row[7] else None,
            "review_by": str(row[8]) if row[8] else None,
            "sources": [
                {
                    "url": s[0],
                    "publisher": s[1],
                    "title": s[2],
                    "published": str(s[3]) if s[3] else None,
                    "quote": s[4],
                }
                for s in sources
            ],
        }
        rows.append(
            {
                "snippet_id": row[0],
                "version": row[9],
                "action": "import",
                "actor": "schema migration",
                "at": claimwatch.store.schema.utcnow(),
                "state": state,
            }
        )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("snippet_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_snippet_version_snippet_id"))

    op.drop_table("snippet_version")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    op.drop_table("user_account")
