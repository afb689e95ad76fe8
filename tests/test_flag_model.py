"""The flag model file: the one fitted for the embedder in use is found, anything else is a clear
error, and a refit in the data directory takes precedence over the bundled model."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from claimwatch.errors import ModelError
from claimwatch.models import Embedder
from claimwatch.pipeline.flag_model import (
    BUNDLED_FILE,
    SINGLE_FILE,
    load_flag_model,
    make_current,
    read_model,
    to_json,
    write_model,
)


def test_the_current_refit_in_the_data_directory_is_preferred(
    tmp_path: Path, embedder: Embedder
) -> None:
    bundled = read_model(BUNDLED_FILE)
    refit = dataclasses.replace(bundled, repeat=dataclasses.replace(bundled.repeat, threshold=0.6))
    other = dataclasses.replace(bundled, repeat=dataclasses.replace(bundled.repeat, threshold=0.7))
    write_model(refit, tmp_path)
    assert load_flag_model(embedder.version, tmp_path).version == bundled.version  # kept only
    make_current(refit, tmp_path)
    write_model(other, tmp_path)
    found = load_flag_model(embedder.version, tmp_path)
    assert found.version == refit.version != bundled.version
    assert load_flag_model(embedder.version, tmp_path / "none").version == bundled.version


def test_a_model_written_by_an_older_release_is_still_used(
    tmp_path: Path, embedder: Embedder
) -> None:
    bundled = read_model(BUNDLED_FILE)
    refit = dataclasses.replace(bundled, repeat=dataclasses.replace(bundled.repeat, threshold=0.6))
    (tmp_path / SINGLE_FILE).write_text(json.dumps(to_json(refit)), encoding="utf-8")
    assert load_flag_model(embedder.version, tmp_path).version == refit.version


def test_another_embedder_needs_its_own_fit(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="claimwatch eval retrieval --fit"):
        load_flag_model("some/other-model@1", tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="x"), "not a claimwatch-flag-model/1 document"),
        (lambda d: d["repeat"].update(weights=[1.0]), "391 means, scales and weights"),
        (lambda d: d["correction"].update(threshold=1.5), "threshold between 0 and 1"),
        (lambda d: d.pop("dimension"), "dimension"),
    ],
)
def test_a_damaged_file_is_one_clear_error(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "flag_model.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as raised:
        read_model(path)
    assert str(path) in str(raised.value)
