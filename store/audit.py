"""Writing the audit trail: one row per change a person (or the seed import) makes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from claimwatch.store.schema import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after
    )
    session.add(event)
    return event
