"""Draft rebuttal for a queue item: the chosen snippets with their citations, for an editor.

The draft uses the snippets a reviewer chose on the item, or, when none was chosen yet and the
item repeats a narrative, its best suggested ones (an emerging claim's suggestions are context).
Each snippet is replaced by its vetted translation in the claim's language when the library has
one. Sources are numbered once each, in order of first citation. The text says
at its top that it is a draft; claimwatch never publishes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.review.queue import get_item
from claimwatch.store.schema import Claim, QueueItem, Snippet, SnippetSource

DEFAULT_SNIPPETS = 2
LABELS = {
    "en": {
        "draft": "DRAFT for the editor: not published. Check every sentence and source before use.",
        "claim": "Claim",
        "seen": "seen in {outlets} outlet(s), {languages}, first on {first}",
        "facts": "What the sources show",
        "sources": "Sources",
    },
    "fr": {
        "draft": "BROUILLON pour la rédaction : non publié. Vérifiez chaque phrase et chaque source.",
        "claim": "Affirmation",
        "seen": "vue dans {outlets} média(s), {languages}, pour la première fois le {first}",
        "facts": "Ce que montrent les sources",
        "sources": "Sources",
    },
    "vi": {
        "draft": "BẢN NHÁP cho biên tập viên: chưa đăng. Hãy kiểm tra từng câu và từng nguồn.",
        "claim": "Thông tin",
        "seen": "xuất hiện trên {outlets} trang, {languages}, lần đầu ngày {first}",
        "facts": "Các nguồn cho thấy",
        "sources": "Nguồn",
    },
}


@dataclass(frozen=True)
class Citation:
    number: int
    url: str
    publisher: str
    title: str
    published: dt.date | None
    quote: str | None


@dataclass(frozen=True)
class DraftRebuttal:
    item_id: int
    language: str
    claim: str
    snippet_keys: tuple[str, ...]
    citations: tuple[Citation, ...]
    markdown: str


def claim_of(item: QueueItem) -> Claim:
    """The claim the item was flagged for (the explanation's), else the cluster's first."""
    text = item.explanation.get("claim")
    claims = item.cluster.claims
    if not claims:
        raise LibraryError(f"queue item {item.id} has no claims")
    return next((c for c in claims if c.text == text), claims[0])


def is_citable(snippet: Snippet, day: dt.date | None = None) -> bool:
    """Vetted and not past its review-by date: only such a snippet is cited or served as
    vetted (a retired one never; an overdue one waits for an editor to vet it again)."""
    day = day or dt.date.today()
    return snippet.status == "vetted" and (snippet.review_by is None or snippet.review_by > day)


def in_language(snippet: Snippet, language: str | None) -> Snippet:
    """The vetted version of ``snippet`` in ``language`` (itself, its original or a sibling
    translation), else ``snippet``."""
    root = snippet.translation_of or snippet
    family = [root, *root.translations]
    return next((s for s in family if s.language == language and is_citable(s)), snippet)


def chosen_snippets(item: QueueItem, language: str | None) -> list[Snippet]:
    """The snippets a reviewer chose, else (for a repeat of a narrative) its best suggested
    ones. An emerging claim's suggestions are only context (its closest narratives' snippets,
    which rebut another claim): a draft uses them only once a reviewer chose them."""
    chosen = [s.snippet for s in item.suggestions if s.chosen]
    if not chosen and item.lane == "repeat":
        vetted = [s.snippet for s in item.suggestions if is_citable(s.snippet)]
        chosen = vetted[:DEFAULT_SNIPPETS]
    if not chosen and item.lane == "emerging":
        raise LibraryError(
            f"queue item {item.id} is a new claim: choose the snippets that rebut it first"
        )
    if not chosen:
        raise LibraryError(f"queue item {item.id} has no vetted snippet to draft from")
    picked = citable_versions(chosen, language)
    if not picked:
        keys = ", ".join(s.key for s in chosen)
        raise LibraryError(
            f"queue item {item.id}: its snippets ({keys}) are retired or past their review "
            "date; vet them again or choose others"
        )
    return picked


def citable_versions(snippets: list[Snippet], language: str | None) -> list[Snippet]:
    """Each snippet in ``language`` where a vetted translation exists, once, leaving out any
    that cannot be cited now (retired, draft, past its review date)."""
    picked: list[Snippet] = []
    for snippet in snippets:
        version = in_language(snippet, language)
        if version not in picked and is_citable(version):
            picked.append(version)
    return picked


def _cite(sources: list[SnippetSource], citations: dict[str, Citation]) -> list[int]:
    numbers = []
    for source in sources:
        if source.url not in citations:
            citations[source.url] = Citation(
                len(citations) + 1,
                source.url,
                source.publisher,
                source.title,
                source.published,
                source.quote,
            )
        numbers.append(citations[source.url].number)
    return numbers


def draft_rebuttal(session: Session, item_id: int) -> DraftRebuttal:
    item = get_item(session, item_id)
    claim = claim_of(item)
    language = claim.language if claim.language in LABELS else "en"
    labels = LABELS[language]
    snippets = chosen_snippets(item, claim.language)
    citations: dict[str, Citation] = {}
    cluster = item.cluster
    seen = labels["seen"].format(
        outlets=len(cluster.outlets),
        languages="/".join(cluster.languages),
        first=cluster.first_seen.date().isoformat(),
    )
    lines = [f"> {labels['draft']}", "", f"**{labels['claim']}** ({seen}): “{claim.text}”", ""]
    lines += [f"**{labels['facts']}**", ""]
    for snippet in snippets:
        marks = "".join(f"[{n}]" for n in _cite(snippet.sources, citations))
        lines += [f"{snippet.text} {marks}", ""]
    lines += [f"**{labels['sources']}**", ""]
    for citation in citations.values():
        date = f" ({citation.published.isoformat()})" if citation.published else ""
        quote = f" — “{citation.quote}”" if citation.quote else ""
        lines.append(
            f"{citation.number}. {citation.publisher}, “{citation.title}”{date}. "
            f"{citation.url}{quote}"
        )
    return DraftRebuttal(
        item_id=item.id,
        language=language,
        claim=claim.text,
        snippet_keys=tuple(s.key for s in snippets),
        citations=tuple(citations.values()),
        markdown="\n".join(lines) + "\n",
    )
