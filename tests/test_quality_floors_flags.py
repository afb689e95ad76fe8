"""Quality floors of the flag on the bundled retrieval set's test split (never fitted on).

Every test claim goes through narrative matching against the seed library and the bundled flag
model, as the nightly run does, with the topic and check-worthiness gates open. Each floor sits a
little beyond what the flag reached when it was fitted (repeat recall 0.867; false flags on
corrections 0.135, related claims 0, unrelated claims 0, repeats of a narrative the library does
not know 0.013; narrative top-1 0.926; corrections seen 0.595), so a change to matching, the
features or the model that costs more than that fails here. The hand-set flag it replaced
reached recall 0.44 with 0.243 of corrections and 0.137 of related claims flagged.
"""

from __future__ import annotations

import pytest

from claimwatch.evaluation.retrieval import (
    evaluate_matched,
    fit_on,
    match_cases,
    read_retrieval_set,
)
from claimwatch.models import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.pipeline.flag_model import load_flag_model

FLOORS = {
    "flag.recall": 0.85,
    "narrative.top1": 0.90,
    "correction.seen": 0.57,
}
CEILINGS = {
    "flag.false_rate.correction": 0.17,
    "flag.false_rate.related": 0.03,
    "flag.false_rate.unrelated": 0.02,
    "flag.false_rate.unknown_narrative": 0.03,
}


@pytest.fixture(scope="module")
def report(embedder: Embedder, centring: LanguageCentring) -> dict[str, float]:
    test = [c for c in read_retrieval_set() if c.split == "test"]
    model = load_flag_model(embedder.version)
    return evaluate_matched(match_cases(test, embedder, centring), model)


@pytest.mark.parametrize(("figure", "floor"), sorted(FLOORS.items()))
def test_test_split_figure_stays_above_its_floor(
    report: dict[str, float], figure: str, floor: float
) -> None:
    assert report[figure] >= floor, f"{figure} {report[figure]:.3f} < floor {floor:.2f}"


@pytest.mark.parametrize(("figure", "ceiling"), sorted(CEILINGS.items()))
def test_false_flags_stay_under_their_ceiling(
    report: dict[str, float], figure: str, ceiling: float
) -> None:
    assert report[figure] <= ceiling, f"{figure} {report[figure]:.3f} > ceiling {ceiling:.2f}"


def test_the_bundled_flag_model_is_what_fitting_the_dev_split_gives(
    embedder: Embedder, centring: LanguageCentring
) -> None:
    dev = [c for c in read_retrieval_set() if c.split == "dev"]
    fitted = fit_on(match_cases(dev, embedder, centring), embedder.version)
    bundled = load_flag_model(embedder.version)
    # the embeddings of a batch differ from those of another in the last bits, which can move an
    # out-of-fold probability across a cut: the threshold may move by a step of the grid
    for head in ("repeat", "correction"):
        refit, shipped = getattr(fitted, head), getattr(bundled, head)
        assert abs(refit.threshold - shipped.threshold) <= 0.011, head
        assert refit.regularisation == shipped.regularisation, head
    assert fitted.fitted_on == bundled.fitted_on
