"""Extraction quality by class of page: claimwatch's extractor against trafilatura's defaults.

    .venv/bin/python benchmarks/extraction_quality.py [--pages 300] [--seed 20261121]

Renders ``--pages`` news-article pages with the generator of ``benchmarks/extract_pages.py`` (six
fictional outlets and layouts, English, French and Vietnamese), each in three classes
(``claimwatch.evaluation.extraction``): as served, server-rendered by a JavaScript framework
(HTML comments between text nodes) and laid out in a table. Every page is extracted with
``claimwatch.crawlers.extract.extract_article`` and with ``trafilatura.extract`` at its defaults,
and scored on word tokens against the page's known standfirst and body paragraphs. Printed per
class and extractor: mean precision, recall and F1, and pages with recall under 0.9.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from pathlib import Path

import trafilatura

sys.path.insert(0, str(Path(__file__).parent))
from extract_pages import generate_pages, render_page

from claimwatch.crawlers.extract import extract_article
from claimwatch.evaluation.extraction import PAGE_CLASSES, TokenScores, token_scores


def extractors() -> dict[str, object]:
    def ours(document: str, url: str) -> str:
        article = extract_article(document, url)
        return article.text if article else ""

    def plain(document: str, url: str) -> str:
        return trafilatura.extract(document, url=url) or ""

    return {"claimwatch": ours, "trafilatura defaults": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages per class (default 300)")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed of the pages")
    options = parser.parse_args()
    pages = generate_pages(options.pages, options.seed)
    rng = random.Random(options.seed)
    rendered = [
        (page, render_page(page, [pages[(i + k) % len(pages)] for k in range(1, 10)], rng))
        for i, page in enumerate(pages)
    ]
    print(
        f"{'class':20s} {'extractor':22s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'recall<0.9':>10s}"
    )
    for name, transform in PAGE_CLASSES.items():
        for label, extract in extractors().items():
            scores: list[TokenScores] = []
            for page, document in rendered:
                variant = transform(document, page.paragraphs)
                url = f"https://{page.outlet.slug}.example/{page.path}"
                expected = "\n".join([page.lead, *page.paragraphs])
                scores.append(token_scores(expected, extract(variant, url)))  # type: ignore[operator]
            p = statistics.mean(s.precision for s in scores)
            r = statistics.mean(s.recall for s in scores)
            f = statistics.mean(s.f1 for s in scores)
            low = sum(s.recall < 0.9 for s in scores)
            print(f"{name:20s} {label:22s} {p:9.3f} {r:7.3f} {f:7.3f} {low:10d}")


if __name__ == "__main__":
    main()
