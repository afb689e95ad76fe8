"""Claim-analysis throughput: sentences embedded per second and claims processed per second end to
end, with peak memory.

    .venv/bin/python benchmarks/claim_throughput.py [--articles 200] [--batch-sizes 16,32,64]
                                                     [--threads 1,2] [--device cpu]

Part 1 embeds the bundled labelled sentences (English, French, Vietnamese; repeated to
``--sentences``) as E5 queries with each batch size and torch thread count, after one warm-up
batch, and prints sentences/s. Part 2 builds ``--articles`` articles in a fresh SQLite database
(the demo corpus's stories and articles assembled from the labelled sentences, each a new URL) and
runs the nightly run's analysis stages on them, timing each (after the heads and the language
centring are ready, which a data directory does once): segmentation and prefilter,
embedding, heads, narrative matching, clustering and flagging. The model is loaded once; its load
time is printed apart. Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from claimwatch.models import Embedder
from claimwatch.pipeline.flag_model import load_flag_model
from claimwatch.pipeline.labelled import EVAL_FILE, SEED_FILE, read_labelled
from claimwatch.resources import open_embedder
from claimwatch.settings import load_settings


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def labelled_texts() -> list[str]:
    return [s.text for path in (SEED_FILE, EVAL_FILE) for s in read_labelled(path)]


def embedding_throughput(
    embedder: Embedder, sentences: int, batch_sizes: list[int], threads: list[int]
) -> None:
    import torch

    pool = labelled_texts()
    texts = (pool * (sentences // len(pool) + 1))[:sentences]
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"\nEmbedding {len(texts)} sentences ({words:.1f} words on average) as E5 queries")
    embedder.embed_queries(texts[:8])  # warm-up
    for count in threads:
        torch.set_num_threads(count)
        for size in batch_sizes:
            embedder.batch_size = size
            started = time.perf_counter()
            embedder.embed_queries(texts)
            seconds = time.perf_counter() - started
            print(
                f"  threads {count}  batch {size:4d}: {len(texts) / seconds:7.1f} sentences/s"
                f"  ({seconds:.1f} s)"
            )


def synthetic_articles(count: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(title, text, language) for ``count`` articles: the demo stories, then assembled ones."""
    from claimwatch.crawlers.extract import extract_article
    from claimwatch.demo.server import corpus_root
    from claimwatch.pipeline.language import detect_article_language

    stories = []
    for page in sorted(corpus_root().rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        article = extract_article(html, f"https://bench.example/{page.name}")
        if article is not None:
            language = detect_article_language(article.title, article.text, article.html_lang)
            stories.append((article.title or "", article.text, language or "en"))
    rng = random.Random(seed)
    by_language: dict[str, list[str]] = {}
    for sentence in read_labelled(EVAL_FILE) + read_labelled(SEED_FILE):
        by_language.setdefault(sentence.language, []).append(sentence.text)
    articles = list(stories)
    while len(articles) < count:
        language = rng.choice(sorted(by_language))
        body = rng.sample(by_language[language], 12)
        paragraphs = ["\n".join(body[i : i + 3]) for i in range(0, 12, 3)]
        articles.append((body[0], "\n\n".join(paragraphs), language))
    return articles[:count]


def end_to_end(embedder: Embedder, count: int, data_dir: Path) -> None:
    from claimwatch.flows.analysis import AnalysisModels, analyse_new_articles
    from claimwatch.flows.steps import thresholds
    from claimwatch.flows.training import sentence_heads
    from claimwatch.pipeline.centring import language_centring
    from claimwatch.rebuttals.library import load_seed
    from claimwatch.store.db import make_engine, session_scope
    from claimwatch.store.migrate import upgrade
    from claimwatch.store.schema import Article, Source

    settings = load_settings(data_dir=data_dir)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    articles = synthetic_articles(count)
    with session_scope(engine) as session:
        load_seed(session)
        source = Source(name="bench", kind="feed", url="https://bench.example/feed")
        session.add(source)
        for number, (title, text, language) in enumerate(articles):
            session.add(
                Article(
                    source=source,
                    url=f"https://bench.example/{number}",
                    content_hash=f"{number:064d}",
                    title=title,
                    text=text,
                    language=language,
                )
            )
    started = time.perf_counter()
    heads = sentence_heads(settings, embedder)
    centring = language_centring(embedder, settings.resolved_embeddings_dir)
    once = time.perf_counter() - started
    limits = thresholds(settings)
    timings: dict[str, float] = {}

    def timed(name: str, call):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        value = call()
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
        return value

    print(f"\nEnd to end over {len(articles)} articles (SQLite, {embedder.version})")
    print(f"  once per data directory: heads and language centring {once:.1f} s")
    flag_model = load_flag_model(embedder.version, settings.resolved_flag_dir)
    models = AnalysisModels(embedder, heads, flag_model, centring)
    result = analyse_new_articles(engine, models, limits, batch_size=len(articles), stage=timed)
    analysis, matched, clusters, flags = (
        result.claims,
        result.matched,
        result.clusters,
        result.flags,
    )
    total = sum(timings.values())
    embedded = (
        analysis.sentences
        - sum(analysis.dropped.values())
        + analysis.dropped.get("not_checkworthy", 0)
    )
    print(
        f"  sentences {analysis.sentences}, embedded {embedded}, claims {analysis.claims}, "
        f"on topic {analysis.on_topic}, matched {matched.repeats}, clusters {clusters.new_clusters}, "
        f"queued {flags.created}"
    )
    print(f"  dropped before embedding or by the heads: {dict(sorted(analysis.dropped.items()))}")
    for name, seconds in timings.items():
        print(f"  {name:8s} {seconds:7.2f} s")
    print(f"  total    {total:7.2f} s")
    print(f"  sentences/s {analysis.sentences / total:8.1f}")
    print(f"  claims/s    {analysis.claims / total:8.1f}")
    print(f"  articles/s  {len(articles) / total:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="articles for the end-to-end run")
    parser.add_argument("--sentences", type=int, default=512, help="sentences for part 1")
    parser.add_argument("--batch-sizes", default="16,32,64", help="comma-separated batch sizes")
    parser.add_argument("--threads", default="", help="torch thread counts (default: torch's)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu, cuda")
    parser.add_argument("--skip-embedding", action="store_true", help="only the end-to-end run")
    options = parser.parse_args()
    import torch

    settings = load_settings(embed_device=options.device)
    started = time.perf_counter()
    embedder = open_embedder(settings)
    print(f"Model {embedder.version} loaded in {time.perf_counter() - started:.1f} s")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {options.device}")
    threads = [int(t) for t in options.threads.split(",") if t] or [torch.get_num_threads()]
    if not options.skip_embedding:
        sizes = [int(b) for b in options.batch_sizes.split(",") if b]
        embedding_throughput(embedder, options.sentences, sizes, threads)
    torch.set_num_threads(threads[-1])
    embedder.batch_size = settings.embed_batch_size
    with tempfile.TemporaryDirectory(prefix="claimwatch-throughput-") as scratch:
        end_to_end(embedder, options.articles, Path(scratch))
    print(f"\npeak RSS {peak_rss_mib():.0f} MiB")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
