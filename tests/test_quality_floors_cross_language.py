"""Quality floors of cross-language narrative matching (``claimwatch.evaluation.cross_language``).

Against libraries that phrase each narrative in one language only, the bundled repeats found
their narrative first 0.987 of the time in the narrative's language and 0.857 in another, with
narratives ranked on language-centred embeddings as a run ranks them; on raw cosines the second
figure was 0.540. Each floor sits a little under what was reached.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimwatch.errors import DataError
from claimwatch.evaluation.cross_language import cross_language_top1, one_language_library
from claimwatch.evaluation.retrieval import read_retrieval_set
from claimwatch.models import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.rebuttals.library import SEED_FILE

FLOORS = {"same.top1": 0.96, "other.top1": 0.83}


@pytest.fixture(scope="module")
def report(embedder: Embedder, centring: LanguageCentring) -> dict[str, float]:
    return cross_language_top1(read_retrieval_set(), embedder, centring)


@pytest.mark.parametrize(("figure", "floor"), sorted(FLOORS.items()))
def test_repeats_find_a_narrative_phrased_in_another_language(
    report: dict[str, float], figure: str, floor: float
) -> None:
    assert report[figure] >= floor, f"{figure} {report[figure]:.3f} < floor {floor:.2f}"
    assert report["other.cases"] == 2 * report["same.cases"] == 300


def test_each_narrative_keeps_one_language_and_every_language_is_used() -> None:
    document = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    rotated = one_language_library(document, 1)
    kept = {n["slug"]: list(n["claims"]) for n in rotated["narratives"]}
    assert all(len(languages) == 1 for languages in kept.values())
    assert {languages[0] for languages in kept.values()} == {"en", "fr", "vi"}
    assert rotated["snippets"] and all(
        s["language"] == kept[s["narrative"]][0] and s["translation_of"] is None
        for s in rotated["snippets"]
    )


def test_a_library_that_is_not_json_is_a_clear_error(
    tmp_path: Path, embedder: Embedder, centring: LanguageCentring
) -> None:
    path = tmp_path / "library.csv"
    path.write_text("slug,title\n", encoding="utf-8")
    with pytest.raises(DataError, match="needs a JSON library"):
        cross_language_top1(read_retrieval_set(), embedder, centring, library=path)
