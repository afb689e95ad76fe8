"""Run a crawl in a separate Scrapy process and collect what it fetched."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from claimwatch.errors import TransientFetchError
from crawlers.job import CrawlJob, CrawlResult


def crawl(job: CrawlJob, *, timeout_s: float = 3600.0) -> CrawlResult:
    """Fetch the job's pages. A crawl that cannot finish is a transient error (worth a retry)."""
    if not job.targets:
        return CrawlResult()
    with tempfile.TemporaryDirectory(prefix="claimwatch-crawl-") as tmp:
        job_path, items, stats = (
            Path(tmp, "job.json"),
            Path(tmp, "items.jsonl"),
            Path(tmp, "stats.json"),
        )
        job_path.write_text(job.to_json(), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "crawlers.scrapy_process",
            str(job_path),
            str(items),
            str(stats),
        ]
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise TransientFetchError(
                "crawl", f"the Scrapy process ran past {timeout_s:.0f} s"
            ) from exc
        if completed.returncode != 0:
            tail = completed.stderr.strip().splitlines()[-5:]
            raise TransientFetchError("crawl", "the Scrapy process failed: " + " | ".join(tail))
        return CrawlResult.read(items, stats)
