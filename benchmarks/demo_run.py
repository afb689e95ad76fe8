"""Wall time and peak memory of the demo nightly run, as a newcomer runs it.

    .venv/bin/python benchmarks/demo_run.py [--runs 2]

Runs ``claimwatch demo --fresh`` (first run: crawl, analyse, queue) and then ``claimwatch demo``
again (nothing new), each in a fresh data directory's demo database, and prints wall time and the
peak resident memory of the whole process tree (the command, its Prefect server and its Scrapy
process), sampled every 50 ms from /proc (Linux). The embedding model already built by setup.sh is
reused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from claimwatch.settings import Settings

COMMAND = Path(sys.executable).with_name("claimwatch")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, resident bytes) for every process readable in /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1)
                for line in (entry / "status").read_text().splitlines()
                if ":" in line
            )
        except OSError:
            continue
        rss_kb = int(fields.get("VmRSS", "0 kB").split()[0])
        table[int(entry.name)] = (int(fields["PPid"]), rss_kb * 1024)
    return table


def tree_rss(root: int) -> int:
    table = _processes()
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [
            pid for pid, (ppid, _) in table.items() if ppid == parent and pid not in members
        ]
        members.update(children)
        frontier.extend(children)
    return sum(table[pid][1] for pid in members if pid in table)


def measure(args: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(COMMAND), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss(child.pid))
        time.sleep(0.05)
    return time.perf_counter() - started, peak, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="demo runs in the same data directory")
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="claimwatch-bench-"))
    env = {**os.environ, "CLAIMWATCH_MODELS_DIR": str(Settings().resolved_models_dir)}
    print(f"claimwatch demo, data directory {data_dir}")
    for run in range(1, options.runs + 1):
        args = ["--data-dir", str(data_dir), "demo", *(["--fresh"] if run == 1 else [])]
        seconds, peak, code = measure(args, env)
        status = "ok" if code == 0 else f"exit {code}"
        print(f"run {run}: {seconds:6.1f} s wall, peak tree RSS {peak / 2**20:7.0f} MiB ({status})")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
