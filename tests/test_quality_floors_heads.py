"""Quality floors of the seed-trained heads on the bundled held-out sentences, per language.

Each floor sits about 0.02 under what the heads reached when it was set (topic F1 en 0.950,
fr 0.892, vi 0.919; check-worthiness F1 en 0.976, fr 0.976, vi 0.982), so a change to the
seeds, the topic labels, the cues or the training that costs more than that fails here.
"""

from __future__ import annotations

import pytest

from claimwatch.evaluation.sentences import evaluate_sentences
from claimwatch.models import Embedder
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.labelled import EVAL_FILE, read_labelled
from claimwatch.settings import Settings

FLOORS = {
    "topic.en.f1": 0.93,
    "topic.fr.f1": 0.87,
    "topic.vi.f1": 0.90,
    "checkworthy.en.f1": 0.95,
    "checkworthy.fr.f1": 0.95,
    "checkworthy.vi.f1": 0.96,
}


@pytest.fixture(scope="module")
def report(embedder: Embedder, heads: SentenceHeads) -> dict[str, float]:
    cache_dir = Settings().resolved_embeddings_dir  # the shared cache of fixed collections
    return evaluate_sentences(read_labelled(EVAL_FILE), embedder, heads, cache_dir=cache_dir)


@pytest.mark.parametrize(("figure", "floor"), sorted(FLOORS.items()))
def test_held_out_f1_stays_above_its_floor(
    report: dict[str, float], figure: str, floor: float
) -> None:
    assert report[figure] >= floor, f"{figure} {report[figure]:.3f} < floor {floor:.2f}"
