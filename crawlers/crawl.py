"""Run a crawl in a separate Scrapy process and collect what it fetched.

The crawl's files live in a scratch folder ``crawl-<pid>-…`` (under the given directory, or the
system's temporary one), removed when the crawl ends; the child's process id and start time are
written there as ``crawl.pid``, so that after a killed run the next one can end a child that
outlived it and remove the folder (``claimwatch.flows.lifecycle``). The child also ends itself when its
parent goes away.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from claimwatch.crawlers.job import CrawlJob, CrawlResult
from claimwatch.errors import TransientFetchError


def _command(folder: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "claimwatch.crawlers.scrapy_process",
        str(folder / "job.json"),
        str(folder / "items.jsonl"),
        str(folder / "stats.json"),
    ]


def _run_child(folder: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    with subprocess.Popen(
        _command(folder), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        started = psutil.Process(child.pid).create_time()
        (folder / "crawl.pid").write_text(f"{child.pid} {started}")
        try:
            stdout, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            child.kill()
            child.communicate()
            raise TransientFetchError(
                "crawl", f"the Scrapy process ran past {timeout_s:.0f} s"
            ) from exc
        except BaseException:
            child.kill()
            raise
        return subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)


def crawl(job: CrawlJob, *, timeout_s: float = 3600.0, scratch: Path | None = None) -> CrawlResult:
    """Fetch the job's pages. A crawl that cannot finish is a transient error (worth a retry)."""
    if not job.targets:
        return CrawlResult()
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"crawl-{os.getpid()}-", dir=scratch) as tmp:
        folder = Path(tmp)
        (folder / "job.json").write_text(job.to_json(), encoding="utf-8")
        completed = _run_child(folder, timeout_s)
        if completed.returncode != 0:
            tail = completed.stderr.strip().splitlines()[-5:]
            raise TransientFetchError("crawl", "the Scrapy process failed: " + " | ".join(tail))
        return CrawlResult.read(folder / "items.jsonl", folder / "stats.json")
