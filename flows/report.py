"""The run report: what one nightly run read and produced, and the top flagged items, in a form
a person reads at a glance (the command line renders it) and a machine stores (the ``run`` row)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from claimwatch.store.schema import QueueItem, Snippet, Suggestion


@dataclass
class TopItem:
    item_id: int
    score: float
    narrative: str | None
    claim: str
    outlets: list[str]
    languages: list[str]
    snippets: list[dict[str, str]]
    lane: str = "repeat"
    closest: str | None = None  # emerging items: the closest narrative and its similarity


@dataclass
class RunReport:
    run_id: int
    status: str
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    top_items: list[TopItem] = field(default_factory=list)
    queue_total: int = 0
    failing_sources: list[dict[str, Any]] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)  # what this run picked up from killed ones

    @property
    def every_source_failed(self) -> bool:
        """Sources were configured and not one of them could be read this run."""
        sources = self.counts.get("sources", 0)
        return sources > 0 and len(self.failing_sources) >= sources

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunReport:
        fields = dict(data)
        items = [TopItem(**i) for i in fields.pop("top_items", [])]
        return cls(**fields, top_items=items)


def top_items(session: Session, limit: int = 5) -> list[TopItem]:
    """The highest-priority open items with their suggested snippets (claim's language first)."""
    items = session.scalars(
        select(QueueItem)
        .where(QueueItem.status != "decided")
        .options(
            selectinload(QueueItem.cluster),
            selectinload(QueueItem.narrative),
            selectinload(QueueItem.suggestions)
            .selectinload(Suggestion.snippet)
            .selectinload(Snippet.sources),
        )
        .order_by(QueueItem.priority.desc(), QueueItem.id.desc())
        .limit(limit)
    )
    result = []
    for item in items:
        snippets = [
            {
                "key": s.snippet.key,
                "language": s.snippet.language,
                "title": s.snippet.title,
                "source": s.snippet.sources[0].url if s.snippet.sources else "",
            }
            for s in item.suggestions[:3]
        ]
        result.append(
            TopItem(
                item_id=item.id,
                score=item.priority,
                narrative=item.narrative.slug if item.narrative else None,
                claim=str(item.explanation.get("claim", "")),
                outlets=list(item.cluster.outlets),
                languages=list(item.cluster.languages),
                snippets=snippets,
                lane=item.lane,
                closest=_closest(item),
            )
        )
    return result


def _closest(item: QueueItem) -> str | None:
    """``slug 0.83`` for an emerging item's closest narrative (none for a repeat)."""
    closest = item.explanation.get("closest") if item.lane == "emerging" else None
    if not closest or not isinstance(closest, list) or not isinstance(closest[0], dict):
        return None
    return f"{closest[0].get('slug', '?')} {float(closest[0].get('similarity', 0.0)):.2f}"
