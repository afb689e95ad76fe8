"""Run integrity: where a run's process ran (to close a killed run and clean up after it), a
longer run status, and the claims a later revision of their article no longer carries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import claimwatch.store.schema

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "removed_at", claimwatch.store.schema.UTCDateTime(timezone=True), nullable=True
            )
        )
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.alter_column(
            "status", existing_type=sa.String(length=20), type_=sa.String(length=30)
        )


def downgrade() -> None:
    with op.batch_alter_table("run", schema=None) as batch_op:
        batch_op.alter_column(
            "status", existing_type=sa.String(length=30), type_=sa.String(length=20)
        )
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
