"""Reader for CLEF CheckThat! 2022 Task 2A (English): tweets, fact-checked claims, gold pairs.

The folder holds ``vclaims.jsonl`` (title, subtitle, vclaim, date, vclaim_id), the queries
``CT2022-Task2A-EN-Train-Dev_Queries.tsv`` (tweet_id, text) and TREC qrels per split
(``…-Train_QRELs.tsv``, ``…-Dev_QRELs.tsv``: ``query_id 0 vclaim_id 1``). Every malformed line is
reported with its file and line number rather than skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from claimwatch.errors import DataError

SPLITS = {"train": "CT2022-Task2A-EN-Train_QRELs.tsv", "dev": "CT2022-Task2A-EN-Dev_QRELs.tsv"}
QUERIES = "CT2022-Task2A-EN-Train-Dev_Queries.tsv"
VCLAIMS = "vclaims.jsonl"
_LINK = re.compile(r"https?://\S+|pic\.twitter\.com/\S+")


@dataclass(frozen=True)
class CheckedClaim:
    claim_id: str
    title: str
    subtitle: str
    claim: str

    @property
    def document(self) -> str:
        """The text that is indexed: title, subtitle and the verified claim."""
        return " ".join(p.strip() for p in (self.title, self.subtitle, self.claim) if p.strip())


@dataclass(frozen=True)
class MatchingSet:
    claims: list[CheckedClaim]
    queries: dict[str, str]  # query id -> text, for the queries of the split
    gold: dict[str, set[str]]  # query id -> relevant claim ids


def clean_tweet(text: str) -> str:
    """A tweet without its links (they carry no words to match), in single spaces."""
    return " ".join(_LINK.sub(" ", text).split())


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"{path}: not found (is --data the checkthat2022-2a folder?)")
    return path


def read_claims(folder: Path) -> list[CheckedClaim]:
    path = _require(folder / VCLAIMS)
    claims = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            claims.append(
                CheckedClaim(
                    row["vclaim_id"],
                    row.get("title") or "",
                    row.get("subtitle") or "",
                    row["vclaim"],
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise DataError(f"{path}:{number}: not a verified-claim record ({error})") from None
    return claims


def _rows(path: Path, fields: int) -> list[tuple[int, list[str]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t", fields - 1) if fields == 2 else line.split()
        if len(parts) != fields:
            raise DataError(f"{path}:{number}: expected {fields} fields, found {len(parts)}")
        rows.append((number, parts))
    return rows


def read_split(folder: Path, split: str) -> MatchingSet:
    """The fact-checked claims, and the queries and gold pairs of ``split`` (train or dev)."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    claims = read_claims(folder)
    known = {c.claim_id for c in claims}
    texts = {q: t for _, (q, t) in _rows(_require(folder / QUERIES), 2)}
    gold: dict[str, set[str]] = {}
    qrels = _require(folder / SPLITS[split])
    for number, (query_id, _, claim_id, relevance) in _rows(qrels, 4):
        if query_id not in texts or claim_id not in known:
            raise DataError(f"{qrels}:{number}: unknown query or claim id")
        if relevance != "0":
            gold.setdefault(query_id, set()).add(claim_id)
    return MatchingSet(claims, {q: clean_tweet(texts[q]) for q in gold}, gold)
