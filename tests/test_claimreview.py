"""Draft rebuttals and ClaimReview for decided items: the claim's language, numbered citations,
a visible draft mark, schema.org's own property names, and only verdicts that can be published."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy.orm import Session

from claimwatch.errors import LibraryError
from claimwatch.settings import Settings
from rebuttals.claimreview import claim_review, reviewable_items
from rebuttals.draft import draft_rebuttal
from review.queue import decide
from tests.factories import ALLIANCE, flagged_item

# The properties schema.org defines for each type used (https://schema.org/ClaimReview, /Claim,
# /Rating, /NewsArticle, /CreativeWork, /Organization: own and inherited ones that we use).
THING = {"@type", "@context", "name", "url", "alternateName"}
CREATIVE_WORK = THING | {
    "author",
    "publisher",
    "datePublished",
    "inLanguage",
    "citation",
    "headline",
    "text",
}
PROPERTIES = {
    "ClaimReview": CREATIVE_WORK | {"claimReviewed", "reviewRating", "itemReviewed", "reviewBody"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance"},
    "Rating": THING | {"ratingValue", "bestRating", "worstRating", "ratingExplanation"},
    "NewsArticle": CREATIVE_WORK,
    "CreativeWork": CREATIVE_WORK,
    "Organization": THING,
}


def check_schema(node: Any) -> list[str]:
    """Every JSON-LD object's keys are properties of its @type."""
    problems = []
    if isinstance(node, dict):
        kind = node.get("@type")
        allowed = PROPERTIES.get(kind, set())
        problems += [f"{kind}.{key}" for key in node if key not in allowed]
        for value in node.values():
            problems += check_schema(value)
    elif isinstance(node, list):
        for value in node:
            problems += check_schema(value)
    return problems


def test_draft_rebuttal_is_in_the_claims_language_with_numbered_citations(
    session: Session,
) -> None:
    occurrences = [ALLIANCE[2], ALLIANCE[0]]  # flagged in Vietnamese
    item = flagged_item(session, occurrences, snippet_keys=("military-alliance/en",))
    draft = draft_rebuttal(session, item.id)
    assert draft.language == "vi" and draft.snippet_keys == ("military-alliance/vi",)
    assert draft.markdown.startswith("> BẢN NHÁP cho biên tập viên: chưa đăng.")
    assert "“Việt Nam đã ký một liên minh quân sự bí mật với Hoa Kỳ.”" in draft.markdown
    assert "lần đầu ngày 2026-11-28" in draft.markdown
    assert [c.number for c in draft.citations] == [1, 2, 3]
    assert "[1][2][3]" in draft.markdown
    assert f"3. {draft.citations[2].publisher}" in draft.markdown


def test_chosen_snippets_make_the_draft(session: Session) -> None:
    item = flagged_item(session)
    vietnamese = next(s for s in item.suggestions if s.snippet.key == "military-alliance/vi")
    decide(session, item.id, "misleading", actor="rev", snippet_ids=(vietnamese.snippet_id,))
    draft = draft_rebuttal(session, item.id)
    assert draft.language == "en" and draft.snippet_keys == ("military-alliance/en",)
    assert draft.markdown.startswith("> DRAFT for the editor: not published.")


def test_claimreview_of_a_misleading_item(session: Session, settings: Settings) -> None:
    item = flagged_item(session)
    chosen = item.suggestions[0].snippet_id
    decide(session, item.id, "misleading", actor="rev", snippet_ids=(chosen,))
    review = claim_review(session, item.id, settings, url="https://desk.example/checks/1")
    assert check_schema(review) == []
    assert review["@type"] == "ClaimReview" and review["url"] == "https://desk.example/checks/1"
    assert review["claimReviewed"] == ALLIANCE[0].text and review["inLanguage"] == "en"
    assert review["datePublished"] == dt.date.today().isoformat()
    assert review["reviewRating"]["alternateName"] == "Misleading"
    assert review["reviewRating"]["ratingValue"] == 2
    assert review["author"] == {
        "@type": "Organization",
        "name": "claimwatch desk",
        "url": "http://127.0.0.1:8000",
    }
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim" and len(claim["appearance"]) == 3
    assert claim["firstAppearance"]["publisher"]["name"] == "courrier-mekong"
    assert claim["firstAppearance"]["datePublished"] == "2026-11-27"
    assert claim["firstAppearance"]["headline"] == "Cam Ranh : un accord secret ?"
    assert review["citation"] and "Person" not in str(review)


def test_claimreview_of_an_accurate_item_and_refusals(session: Session, settings: Settings) -> None:
    accurate = flagged_item(session)
    undecided = flagged_item(session, [ALLIANCE[1]])
    expert = flagged_item(session, [ALLIANCE[2]])
    decide(session, accurate.id, "accurate", actor="rev")
    decide(session, expert.id, "needs_expert", actor="rev")
    review = claim_review(session, accurate.id, settings)
    assert review["reviewRating"]["alternateName"] == "Accurate"
    assert review["url"] == f"http://127.0.0.1:8000/items/{accurate.id}"
    for item, state in ((undecided, "not decided"), (expert, "needs_expert")):
        with pytest.raises(LibraryError, match=f"is {state}; a ClaimReview needs"):
            claim_review(session, item.id, settings)
    assert reviewable_items(session) == [accurate.id]
    assert reviewable_items(session, language="vi") == [accurate.id]  # reported in vi too
    assert reviewable_items(session, language="de") == []
    assert reviewable_items(session, narrative="asean-exit") == []
