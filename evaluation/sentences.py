"""Topic and check-worthiness evaluation on the held-out labelled sentences, per language.

Sentences go through what the nightly run does: the prefilter (a sentence it drops is predicted
not check-worthy), then both heads with their per-language thresholds. Topic is judged on every
sentence. Figures: precision, recall and F1 of the positive class, per language and overall.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from claimwatch.evaluation.metrics import binary_scores
from claimwatch.models.cache import cached_embeddings
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.checkworthy import prefilter
from claimwatch.pipeline.classify import SentenceHeads
from claimwatch.pipeline.labelled import LabelledSentence


def evaluate_sentences(
    sentences: Sequence[LabelledSentence],
    embedder: Embedder,
    heads: SentenceHeads,
    *,
    cache_dir: Path,
) -> dict[str, float]:
    """``{"topic.<lang>.f1": …, "checkworthy.all.precision": …}`` and the like."""
    texts = [s.text for s in sentences]
    languages = [s.language for s in sentences]
    vectors = cached_embeddings(embedder, texts, prompt="query", cache_dir=cache_dir)
    verdicts = heads.judge(texts, languages, vectors)
    worthy = [v.checkworthy and prefilter(t) is None for v, t in zip(verdicts, texts, strict=True)]
    report: dict[str, float] = {}
    for language in [*sorted(set(languages)), "all"]:
        rows = [i for i, lang in enumerate(languages) if language in ("all", lang)]
        topic = binary_scores(
            [sentences[i].topic for i in rows], [verdicts[i].on_topic for i in rows]
        )
        check = binary_scores([sentences[i].checkworthy for i in rows], [worthy[i] for i in rows])
        for name, scores in (("topic", topic), ("checkworthy", check)):
            for key, value in scores.as_dict().items():
                report[f"{name}.{language}.{key}"] = value
    return report
