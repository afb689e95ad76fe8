"""Two lanes in the queue (``repeat`` and ``emerging``), and claims that correct a narrative
("correction seen", linked to it, never flagged).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("lane", sa.String(length=20), nullable=False, server_default="repeat")
        )
        batch_op.create_index(batch_op.f("ix_queue_item_lane"), ["lane"], unique=False)
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_claim_correction_of_id"), ["correction_of_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_claim_correction_of_id_narrative"),
            "narrative",
            ["correction_of_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_claim_correction_of_id_narrative"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_claim_correction_of_id"))
        batch_op.drop_column("correction_of_id")
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_item_lane"))
        batch_op.drop_column("lane")
