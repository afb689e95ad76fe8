"""Source health per run; article revisions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:28:24.617454
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claimwatch.store.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("items_read", sa.Integer(), nullable=False),
        sa.Column("articles_new", sa.Integer(), nullable=False),
        sa.Column("articles_updated", sa.Integer(), nullable=False),
        sa.Column("pages_refused", sa.Integer(), nullable=False),
        sa.Column("http_statuses", sa.JSON(), nullable=False),
        sa.Column("bytes_read", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["run.id"], name=op.f("fk_source_run_run_id_run")),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_source_run_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_run")),
        sa.UniqueConstraint("run_id", "source_id", name=op.f("uq_source_run_run_id")),
    )
    with op.batch_alter_table("source_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_run_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_source_run_source_id"), ["source_id"], unique=False)

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column(
                "updated_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("revision")

    with op.batch_alter_table("source_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_run_source_id"))
        batch_op.drop_index(batch_op.f("ix_source_run_run_id"))

    op.drop_table("source_run")
