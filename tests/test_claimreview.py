"""Draft rebuttals and ClaimReview for decided items: the claim's language, numbered citations,
a visible draft mark, schema.org's own property names and Google's required and recommended
ones, only verdicts that can be published, a body only from chosen snippets that can be cited
today (never for an accurate claim), public addresses only, JSON-LD that crawled text cannot
break out of when embedded in a page (API, CLI and pulls), and only http(s) addresses."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app as cli
from claimwatch.errors import ConfigError, LibraryError
from claimwatch.rebuttals.claimreview import claim_review, json_ld, reviewable_items
from claimwatch.rebuttals.draft import draft_rebuttal, in_language
from claimwatch.rebuttals.editing import retire_snippet
from claimwatch.rebuttals.export import pull, select_snippets
from claimwatch.resources import publisher
from claimwatch.review.auth import create_token, create_user
from claimwatch.review.queue import decide
from claimwatch.settings import Settings
from claimwatch.store.schema import Source
from claimwatch.web import create_app
from tests.conftest import DESK
from tests.factories import ALLIANCE, Occurrence, flagged_item

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
    "archivedAt",
}
PROPERTIES = {
    "ClaimReview": CREATIVE_WORK | {"claimReviewed", "reviewRating", "itemReviewed", "reviewBody"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance"},
    "Rating": THING | {"ratingValue", "bestRating", "worstRating", "ratingExplanation"},
    "NewsArticle": CREATIVE_WORK,
    "CreativeWork": CREATIVE_WORK,
    "Organization": THING,
}


pytestmark = pytest.mark.usefixtures("public_desk")


def google_problems(review: dict[str, Any]) -> list[str]:
    """What Google's fact-check structured-data guidelines require (ClaimReview: claimReviewed,
    reviewRating with alternateName, url) and recommend (author with name and url,
    datePublished, itemReviewed: a Claim with author, datePublished, appearance and
    firstAppearance; the rating's name, ratingValue within worstRating..bestRating) that is
    missing or wrong in ``review``."""
    problems = [k for k in ("claimReviewed", "reviewRating", "url") if not review.get(k)]
    rating = review.get("reviewRating") or {}
    problems += [f"reviewRating.{k}" for k in ("alternateName", "name") if not rating.get(k)]
    if (
        not rating.get("worstRating", 1)
        <= rating.get("ratingValue", 0)
        <= rating.get("bestRating", 5)
    ):
        problems.append("reviewRating.ratingValue outside worstRating..bestRating")
    author = review.get("author") or {}
    problems += [f"author.{k}" for k in ("name", "url") if not author.get(k)]
    if author.get("@type") not in ("Organization", "Person"):
        problems.append("author.@type")
    problems += ["datePublished"] if not review.get("datePublished") else []
    claim = review.get("itemReviewed") or {}
    if claim.get("@type") != "Claim":
        return [*problems, "itemReviewed.@type"]
    for key in ("author", "datePublished", "appearance", "firstAppearance"):
        if not claim.get(key):
            problems.append(f"itemReviewed.{key}")
    if not (claim.get("author") or {}).get("name"):
        problems.append("itemReviewed.author.name")
    if claim.get("firstAppearance") not in claim.get("appearance", []):
        problems.append("itemReviewed.firstAppearance not among appearances")
    return problems


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
    review = claim_review(
        session, item.id, publisher(settings), url="https://desk.example/checks/1"
    )
    assert check_schema(review) == [] and google_problems(review) == []
    assert review["@type"] == "ClaimReview" and review["url"] == "https://desk.example/checks/1"
    assert review["claimReviewed"] == ALLIANCE[0].text and review["inLanguage"] == "en"
    assert review["datePublished"] == dt.date.today().isoformat()
    assert review["reviewRating"]["alternateName"] == "Misleading"
    assert review["reviewRating"]["ratingValue"] == 2
    assert review["author"] == {"@type": "Organization", "name": "claimwatch desk", "url": DESK}
    claim = review["itemReviewed"]
    assert claim["@type"] == "Claim" and len(claim["appearance"]) == 3
    assert claim["firstAppearance"]["publisher"]["name"] == "courrier-mekong"
    assert claim["firstAppearance"]["datePublished"] == "2026-11-27"
    assert claim["author"] == {"@type": "Organization", "name": "courrier-mekong"}
    assert claim["datePublished"] == "2026-11-27"  # the claim's date: its first appearance
    assert claim["firstAppearance"]["headline"] == "Cam Ranh : un accord secret ?"
    assert review["citation"] and "Person" not in str(review)


def test_claimreview_of_an_accurate_item_and_refusals(session: Session, settings: Settings) -> None:
    accurate = flagged_item(session)
    undecided = flagged_item(session, [ALLIANCE[1]])
    expert = flagged_item(session, [ALLIANCE[2]])
    decide(session, accurate.id, "accurate", actor="rev")
    decide(session, expert.id, "needs_expert", actor="rev")
    review = claim_review(session, accurate.id, publisher(settings))
    assert review["reviewRating"]["alternateName"] == "Accurate"
    assert review["url"] == f"{DESK}/items/{accurate.id}"
    assert google_problems(review) == []
    assert "reviewBody" not in review and "citation" not in review
    for item, state in ((undecided, "not decided"), (expert, "needs_expert")):
        with pytest.raises(LibraryError, match=f"is {state}; a ClaimReview needs"):
            claim_review(session, item.id, publisher(settings))
    assert reviewable_items(session) == [accurate.id]
    assert reviewable_items(session, language="vi") == [accurate.id]  # reported in vi too
    assert reviewable_items(session, language="de") == []
    assert reviewable_items(session, narrative="asean-exit") == []


BREAKOUT = "</script><script>alert(1)</script> & <!-- \u2028\u2029"


def hostile_item(session: Session) -> int:
    """A decided item whose crawled claim and headline try to leave a <script> element."""
    published = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    occurrence = Occurrence(
        "wire", "en", f"Vietnam left ASEAN {BREAKOUT}", published, title=f"Exit? {BREAKOUT}"
    )
    item = flagged_item(session, [occurrence])
    chosen = item.suggestions[0].snippet_id
    decide(session, item.id, "misleading", actor="rev", snippet_ids=(chosen,))
    session.commit()
    return item.id


def assert_embeddable(text: str, expected: Any) -> None:
    """The text means exactly ``expected`` and cannot end or confuse an HTML <script> element."""
    assert json.loads(text) == expected
    assert "</script" not in text.lower() and "<!--" not in text
    assert not set("<>&\u2028\u2029") & set(text)
    assert "\\u003c/script\\u003e" in text and "\\u0026" in text and "\\u2028" in text


def test_claimreview_json_ld_is_safe_inside_a_script_element(
    session: Session, settings: Settings
) -> None:
    item = hostile_item(session)
    review = claim_review(session, item, publisher(settings))
    assert review["itemReviewed"]["appearance"][0]["headline"] == f"Exit? {BREAKOUT}"
    assert_embeddable(json_ld(review), review)
    assert_embeddable(json_ld(review, indent=2), review)
    pulled = pull(session, publisher(settings), format="claimreview")
    assert_embeddable(pulled.text, [review])


def test_every_claimreview_output_is_escaped(session: Session, settings: Settings) -> None:
    item = hostile_item(session)
    review = claim_review(session, item, publisher(settings))
    create_user(session, "ed", "editor", actor="admin")
    token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    with TestClient(create_app(settings)) as client:
        served = client.get(
            f"/api/v1/items/{item}/claimreview", headers={"Authorization": f"Bearer {token}"}
        )
    assert served.status_code == 200
    assert_embeddable(served.text, review)
    shown = CliRunner().invoke(cli, ["queue", "claimreview", str(item)])
    assert shown.exit_code == 0, shown.output
    assert_embeddable(shown.stdout, review)
    pulled = CliRunner().invoke(cli, ["snippets", "pull", "--format", "claimreview"])
    assert pulled.exit_code == 0, pulled.output
    assert_embeddable(pulled.stdout, [review])


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " https://desk.example/checks/1",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/checks/1",
        "https:///no-host",
        "ftp://desk.example/checks/1",
        "https://desk.example/\nchecks",
    ],
)
def test_a_claimreview_url_must_be_http(session: Session, settings: Settings, url: str) -> None:
    item = flagged_item(session)
    decide(session, item.id, "accurate", actor="rev")
    with pytest.raises(LibraryError, match="url must be an http\\(s\\) address"):
        claim_review(session, item.id, publisher(settings), url=url)


def test_non_http_addresses_are_refused_everywhere(session: Session, settings: Settings) -> None:
    item = flagged_item(session)
    decide(session, item.id, "accurate", actor="rev")
    create_user(session, "ed", "editor", actor="admin")
    token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    with TestClient(create_app(settings)) as client:
        refused = client.get(
            f"/api/v1/items/{item.id}/claimreview",
            params={"url": "javascript:alert(1)"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert refused.status_code == 400 and "http(s) address" in refused.json()["detail"]
    shown = CliRunner().invoke(
        cli, ["queue", "claimreview", str(item.id), "--url", "javascript:alert(1)"]
    )
    assert shown.exit_code != 0 and isinstance(shown.exception, LibraryError)
    article = item.cluster.claims[0].article
    article.url = "javascript:alert(1)"
    with pytest.raises(LibraryError, match=r"itemReviewed\.appearance\[\d\]\.url must be"):
        claim_review(session, item.id, publisher(settings))


def test_an_accurate_verdict_never_carries_a_rebuttal(session: Session, settings: Settings) -> None:
    item = flagged_item(session)
    chosen = item.suggestions[0].snippet_id
    decide(session, item.id, "accurate", actor="rev", snippet_ids=(chosen,))
    review = claim_review(session, item.id, publisher(settings))
    assert review["reviewRating"]["alternateName"] == "Accurate"
    assert "reviewBody" not in review and "citation" not in review


def test_the_body_comes_only_from_chosen_snippets(session: Session, settings: Settings) -> None:
    unchosen = flagged_item(session)
    decide(session, unchosen.id, "misleading", actor="rev")
    review = claim_review(session, unchosen.id, publisher(settings))
    assert "reviewBody" not in review and "citation" not in review  # no suggestion stands in
    chosen = flagged_item(session, [ALLIANCE[1]])
    english = next(s for s in chosen.suggestions if s.snippet.key == "military-alliance/en")
    decide(session, chosen.id, "misleading", actor="rev", snippet_ids=(english.snippet_id,))
    review = claim_review(session, chosen.id, publisher(settings))
    french = in_language(english.snippet, "fr")  # the claim is French: its vetted translation
    assert french.key == "military-alliance/fr" and review["reviewBody"] == french.text
    assert {c["url"] for c in review["citation"]} == {s.url for s in french.sources}


def test_retired_and_overdue_snippets_are_never_cited(session: Session, settings: Settings) -> None:
    item = flagged_item(session)
    english = next(s for s in item.suggestions if s.snippet.key == "military-alliance/en")
    decide(session, item.id, "misleading", actor="rev", snippet_ids=(english.snippet_id,))
    assert "citation" in claim_review(session, item.id, publisher(settings))
    snippet = english.snippet
    snippet.review_by = dt.date.today() - dt.timedelta(days=1)
    session.flush()
    assert "citation" not in claim_review(session, item.id, publisher(settings))
    assert snippet not in select_snippets(session, status="vetted")
    assert snippet in select_snippets(session, status="overdue")
    with pytest.raises(LibraryError, match="retired or past their review date"):
        draft_rebuttal(session, item.id)
    snippet.review_by = dt.date.today() + dt.timedelta(days=30)
    retire_snippet(session, snippet.key, actor="ed")
    session.flush()
    review = claim_review(session, item.id, publisher(settings))
    assert "citation" not in review and snippet.text not in json.dumps(review)


def test_outlets_are_named_as_readers_know_them(session: Session, settings: Settings) -> None:
    item = flagged_item(session)
    decide(session, item.id, "accurate", actor="rev")
    source = session.query(Source).filter_by(name="courrier-mekong").one()
    source.title = "Le Courrier du Mékong"
    session.flush()
    claim = claim_review(session, item.id, publisher(settings))["itemReviewed"]
    assert claim["author"]["name"] == "Le Courrier du Mékong"
    assert claim["firstAppearance"]["publisher"]["name"] == "Le Courrier du Mékong"


def test_a_local_address_is_refused_naming_the_setting(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = flagged_item(session)
    decide(session, item.id, "accurate", actor="rev")
    create_user(session, "ed", "editor", actor="admin")
    token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    monkeypatch.delenv("CLAIMWATCH_PUBLIC_URL")  # back to the loopback default
    local = Settings()
    with pytest.raises(ConfigError, match="CLAIMWATCH_PUBLIC_URL"):
        claim_review(session, item.id, publisher(local))
    review = claim_review(session, item.id, publisher(local), url=f"{DESK}/checks/7")
    assert review["url"] == f"{DESK}/checks/7"
    monkeypatch.delenv("CLAIMWATCH_PUBLISHER_URL")
    with pytest.raises(ConfigError, match="CLAIMWATCH_PUBLISHER_URL"):
        claim_review(session, item.id, publisher(Settings()), url=f"{DESK}/checks/7")
    refused = CliRunner().invoke(cli, ["queue", "claimreview", str(item.id)])
    assert refused.exit_code != 0 and isinstance(refused.exception, ConfigError)
    allowed = CliRunner().invoke(cli, ["queue", "claimreview", str(item.id), "--allow-local-url"])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["url"] == f"http://127.0.0.1:8000/items/{item.id}"
    with TestClient(create_app(Settings())) as client:
        served = client.get(
            f"/api/v1/items/{item.id}/claimreview", headers={"Authorization": f"Bearer {token}"}
        )
    assert served.status_code == 400 and "CLAIMWATCH_PUBLIC_URL" in served.json()["detail"]


def test_every_export_meets_googles_guidelines(session: Session, settings: Settings) -> None:
    misleading, accurate = flagged_item(session), flagged_item(session, [ALLIANCE[2]])
    chosen = misleading.suggestions[0].snippet_id
    decide(session, misleading.id, "misleading", actor="rev", snippet_ids=(chosen,))
    decide(session, accurate.id, "accurate", actor="rev")
    create_user(session, "ed", "editor", actor="admin")
    token = create_token(session, "ed", "cms", actor="admin").token
    session.commit()
    exports = [claim_review(session, i.id, publisher(settings)) for i in (misleading, accurate)]
    exports += json.loads(pull(session, publisher(settings), format="claimreview").text)
    shown = CliRunner().invoke(cli, ["queue", "claimreview", str(accurate.id)])
    assert shown.exit_code == 0, shown.output
    exports.append(json.loads(shown.stdout))
    with TestClient(create_app(settings)) as client:
        served = client.get(
            f"/api/v1/items/{misleading.id}/claimreview",
            headers={"Authorization": f"Bearer {token}"},
        )
    exports.append(served.json())
    assert len(exports) == 6
    assert [google_problems(review) for review in exports] == [[]] * 6
    assert [check_schema(review) for review in exports] == [[]] * 6
