"""Queue assignment (assigned_to), indexes for "next item", and the flagged claim's text and
language on the item (filled in from each item's explanation and cluster).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:36:40.428089
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_to", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("claim_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("claim_language", sa.String(length=10), nullable=True))
        batch_op.create_index(
            "ix_queue_item_assigned_status_priority",
            ["assigned_to", "status", "priority"],
            unique=False,
        )
        batch_op.create_index("ix_queue_item_assignee_status", ["assignee", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_queue_item_claim_language"), ["claim_language"], unique=False
        )
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    items = bind.execute(sa.text("SELECT id, cluster_id, explanation FROM queue_item")).all()
    for item_id, cluster_id, explanation in items:
        data = json.loads(explanation) if isinstance(explanation, str) else (explanation or {})
        text = str(data.get("claim") or "")
        language = bind.execute(
            sa.text(
                "SELECT language FROM claim WHERE cluster_id = :cluster"
                " ORDER BY (text = :text) DESC, id LIMIT 1"
            ),
            {"cluster": cluster_id, "text": text},
        ).scalar()
        bind.execute(
            sa.text(
                "UPDATE queue_item SET claim_text = :text, claim_language = :lang WHERE id = :id"
            ),
            {"text": text, "lang": language, "id": item_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_queue_item_claim_language"))
        batch_op.drop_index("ix_queue_item_assignee_status")
        batch_op.drop_index("ix_queue_item_assigned_status_priority")
        batch_op.drop_column("claim_language")
        batch_op.drop_column("claim_text")
        batch_op.drop_column("assigned_to")
