"""Cross-language narrative matching: does a repeat find its narrative when the narrative is
phrased only in another language?

A desk's library is rarely phrased in every language. Here each narrative of the library keeps
its phrasings and snippets in one language only — English, French and Vietnamese in turn, and the
assignment rotated three times so that every narrative is tried in each — and every repeat of
the bundled retrieval set is matched. Narrative top-1 is reported apart for repeats in the
narrative's language (``same``) and in another (``other``). Raw cosines favour same-language
phrasings; a run ranks narratives on language-centred embeddings instead
(``claimwatch.pipeline.match.NarrativeIndex`` with a ``LanguageCentring``).

    claimwatch eval retrieval --cross-language
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from claimwatch.errors import DataError
from claimwatch.evaluation.retrieval import RetrievalCase, match_cases
from claimwatch.models.embedder import Embedder
from claimwatch.pipeline.centring import LanguageCentring
from claimwatch.rebuttals.library import SEED_FILE

LANGUAGES = ("en", "fr", "vi")


def one_language_library(document: dict[str, Any], shift: int) -> dict[str, Any]:
    """A copy of a JSON library document where narrative ``i`` keeps only the phrasings and
    snippets in ``LANGUAGES[(i + shift) % 3]`` (translations become originals)."""
    kept = {
        narrative["slug"]: LANGUAGES[(i + shift) % len(LANGUAGES)]
        for i, narrative in enumerate(document["narratives"])
    }
    narratives = [
        {**n, "claims": {kept[n["slug"]]: n["claims"].get(kept[n["slug"]], [])}}
        for n in document["narratives"]
    ]
    snippets = [
        {**s, "translation_of": None}
        for s in document.get("snippets", [])
        if s.get("narrative") in kept and s.get("language") == kept[s["narrative"]]
    ]
    return {**document, "narratives": narratives, "snippets": snippets}


def _read_json_library(library: Path) -> dict[str, Any]:
    try:
        document = json.loads(library.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(
            f"{library}: the cross-language check needs a JSON library ({error})"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("narratives"), list):
        raise DataError(f"{library}: not a library document with narratives")
    return document


def cross_language_top1(
    cases: list[RetrievalCase],
    embedder: Embedder,
    centring: LanguageCentring | None,
    *,
    library: Path = SEED_FILE,
) -> dict[str, float]:
    """Top-1 of the repeats in ``cases`` against the rotated one-language libraries, for
    repeats in the narrative's language and in another, and how many of each were matched."""
    document = _read_json_library(library)
    repeats = [c for c in cases if c.kind == "repeat" and c.narrative]
    hits: dict[str, list[bool]] = {"same": [], "other": []}
    with tempfile.TemporaryDirectory(prefix="claimwatch-xlang-") as scratch:
        for shift in range(len(LANGUAGES)):
            rotated = one_language_library(document, shift)
            language_of = {n["slug"]: next(iter(n["claims"])) for n in rotated["narratives"]}
            path = Path(scratch) / f"library-{shift}.json"
            path.write_text(json.dumps(rotated, ensure_ascii=False), encoding="utf-8")
            matched = match_cases(repeats, embedder, centring, library=path)
            for case, match in zip(matched.cases, matched.matches, strict=True):
                side = "same" if case.language == language_of.get(case.narrative or "") else "other"
                hits[side].append(match is not None and match.slug == case.narrative)
    return {
        **{f"{side}.top1": round(sum(v) / len(v), 4) if v else 0.0 for side, v in hits.items()},
        **{f"{side}.cases": float(len(v)) for side, v in hits.items()},
    }
