"""Narrative matching: a claim finds its narrative across languages, a correction is told apart
from the claim it corrects, and contradicting numbers do not match."""

from __future__ import annotations

import pytest

from claimwatch.models import Embedder
from claimwatch.pipeline.match import NarrativeIndex, NarrativeText, SnippetText

PHRASINGS = [
    NarrativeText(1, "bases", "en", "US warships will soon be permanently based at Cam Ranh Bay."),
    NarrativeText(
        1,
        "bases",
        "fr",
        "Des navires de guerre américains seront bientôt basés en permanence à Cam Ranh.",
    ),
    NarrativeText(2, "visa", "en", "Vietnam has cut visa-free stays for Europeans to 15 days."),
    NarrativeText(
        2,
        "visa",
        "vi",
        "Việt Nam đã rút ngắn thời gian miễn thị thực cho người châu Âu xuống 15 ngày.",
    ),
]
SNIPPETS = [
    SnippetText(
        10,
        1,
        "en",
        "vetted",
        "Vietnam hosts no foreign bases",
        "Vietnam's defence policy rules out foreign military bases on its territory.",
    ),
    SnippetText(
        11,
        2,
        "en",
        "vetted",
        "Visa-free stays were extended",
        "Since August 2023, visa-free stays for eligible Europeans last 45 days.",
    ),
]


@pytest.fixture(scope="module")
def index(embedder: Embedder) -> NarrativeIndex:
    return NarrativeIndex(embedder, PHRASINGS, SNIPPETS)


def match(index: NarrativeIndex, embedder: Embedder, text: str, language: str):  # type: ignore[no-untyped-def]
    return index.match(embedder.embed_queries([text]), [language], [text])[0]


def test_claim_in_another_language_finds_its_narrative(
    index: NarrativeIndex, embedder: Embedder
) -> None:
    found = match(
        index, embedder, "Tàu chiến Mỹ sẽ sớm đóng quân thường trực tại vịnh Cam Ranh.", "vi"
    )
    assert found is not None and found.slug == "bases"
    assert found.similarity > 0.85 and found.candidates[0].slug == "bases"


def test_correction_is_closer_to_its_snippet(index: NarrativeIndex, embedder: Embedder) -> None:
    claim = match(
        index, embedder, "American warships are to be stationed permanently at Cam Ranh Bay.", "en"
    )
    correction = match(
        index,
        embedder,
        "Vietnam's defence policy rules out any foreign military bases on its soil.",
        "en",
    )
    assert claim is not None and correction is not None
    assert claim.margin > correction.margin


def test_contradicting_numbers_do_not_match(index: NarrativeIndex, embedder: Embedder) -> None:
    found = match(
        index, embedder, "Vietnam has cut visa-free stays for Europeans to 45 days.", "en"
    )
    assert found is None or found.slug != "visa"


def test_empty_library_matches_nothing(embedder: Embedder) -> None:
    empty = NarrativeIndex(embedder, [], [])
    assert empty.match(embedder.embed_queries(["anything"]), ["en"], ["anything"]) == [None]
