"""Robustness of the feed reader on real-world feeds: every file parsed, nothing may crash.

    .venv/bin/python benchmarks/feed_robustness.py [--data ../shared/data/feeds] [--include-expected]
        [--content-type application/rss+xml]

Reads the feeds collected from feed-parser test suites (feedjira, rss-parser, feed-rs and
feedparser's ill-formed cases; see ``SOURCE.txt`` in the data folder, which is not part of the
product) and hands each file's bytes to ``claimwatch.crawlers.feeds.parse_feed`` as if fetched from
``https://feeds.example/<relative path>``. Each file ends in one of four ways: parsed cleanly,
parsed with a recorded problem (feedparser's "bozo": entries read despite malformed XML), refused as
not a feed (``PermanentFetchError``), or crashed (any other exception: a bug in the feed reader).
Files are parsed without response headers unless ``--content-type`` gives the Content-Type a server
would have sent (feedparser counts a missing or non-XML Content-Type as a problem of its own).

The test suites' expected outputs (``rss-parser/expected-output/*.json``, ``*.serde.json``) and
licence files are not feeds and are left out unless ``--include-expected`` is given.

Printed per collection and in total: files, parsed cleanly, parsed with a problem, refused,
crashed, entries with an http(s) link; every crash with its exception; the slowest files. Exit
status 1 when anything crashed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from claimwatch.crawlers.feeds import parse_feed
from claimwatch.errors import PermanentFetchError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO_ROOT / ".." / "shared" / "data" / "feeds"
NOT_FEEDS = ("LICENSE", "SOURCE", "README")
_POSITION = re.compile(r"<unknown>:\d+:\d+: ")


@dataclass
class Tally:
    files: int = 0
    clean: int = 0
    problem: int = 0
    refused: int = 0
    crashed: int = 0
    entries: int = 0

    def add(self, other: Tally) -> None:
        for name in ("files", "clean", "problem", "refused", "crashed", "entries"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Report:
    collections: dict[str, Tally] = field(default_factory=dict)
    timings: list[tuple[float, str, str]] = field(default_factory=list)
    crashes: list[tuple[str, str]] = field(default_factory=list)
    refusals: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    left_out: int = 0


def is_expected_output(relative: Path) -> bool:
    """A test suite's expected result for another file, not a feed."""
    return relative.name.endswith(".serde.json") or "expected-output" in relative.parts


def feed_files(data: Path, include_expected: bool) -> Iterator[tuple[Path, bool]]:
    """Every file under ``data`` (sorted), with whether it is to be parsed."""
    for path in sorted(p for p in data.rglob("*") if p.is_file()):
        relative = path.relative_to(data)
        skip = path.name.startswith(NOT_FEEDS) or (
            not include_expected and is_expected_output(relative)
        )
        yield path, not skip


def check(data: Path, include_expected: bool, content_type: str | None) -> Report:
    report = Report()
    for path, wanted in feed_files(data, include_expected):
        relative = path.relative_to(data)
        if not wanted:
            report.left_out += 1
            continue
        collection = relative.parts[0] if len(relative.parts) > 1 else "(top level)"
        tally = report.collections.setdefault(collection, Tally())
        tally.files += 1
        content = path.read_bytes()
        url = f"https://feeds.example/{relative.as_posix()}"
        headers = {"content-type": content_type} if content_type else None
        outcome = ""
        started = time.perf_counter()
        try:
            result = parse_feed(content, url, headers)
        except PermanentFetchError as exc:
            tally.refused += 1
            outcome = "refused"
            report.refusals.append((relative.as_posix(), exc.reason))
        except Exception as exc:  # anything else is a bug in the feed reader
            tally.crashed += 1
            outcome = "CRASHED"
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
            report.crashes.append((relative.as_posix(), f"{type(exc).__name__}: {exc} ({where})"))
            print(f"CRASH {relative.as_posix()}: {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exception(exc, file=sys.stderr)
        else:
            tally.entries += len(result.entries)
            if result.problem:
                tally.problem += 1
                outcome = "problem"
                report.problems.append((relative.as_posix(), result.problem))
            else:
                tally.clean += 1
                outcome = "clean"
        elapsed = time.perf_counter() - started
        report.timings.append((elapsed, relative.as_posix(), f"{outcome}, {len(content):,} bytes"))
    return report


def _grouped(items: list[tuple[str, str]]) -> dict[str, list[str]]:
    """File names by reason, the parser's line:column positions left out."""
    groups: dict[str, list[str]] = defaultdict(list)
    for name, reason in items:
        groups[_POSITION.sub("", reason)].append(name)
    return dict(sorted(groups.items(), key=lambda item: -len(item[1])))


def print_report(report: Report, data: Path, seconds: float, content_type: str | None) -> None:
    header = ("collection", "files", "clean", "problem", "refused", "crashed", "entries")
    rows = []
    total = Tally()
    for name, tally in sorted(report.collections.items()):
        total.add(tally)
        rows.append((name, tally))
    rows.append(("total", total))
    width = max(len(name) for name, _ in rows)
    print(f"feeds under {data}: {total.files} parsed, {report.left_out} left out (not feeds)")
    print(f"Content-Type given to the parser: {content_type or 'none (no response headers)'}")
    print("problem = parsed with a recorded problem (bozo); refused = not a feed;")
    print("entries = entries with an http(s) link\n")
    print(f"{header[0]:<{width}}" + "".join(f"{h:>9}" for h in header[1:]))
    for name, t in rows:
        if name == "total":
            print("-" * (width + 9 * 6))
        values = (t.files, t.clean, t.problem, t.refused, t.crashed, t.entries)
        print(f"{name:<{width}}" + "".join(f"{v:>9}" for v in values))
    for label, items in (
        ("crashed", report.crashes),
        ("refused as not a feed", report.refusals),
    ):
        if items:
            print(f"\n{label} ({len(items)}):")
            for name, reason in items:
                print(f"  {name}: {reason}")
    if report.problems:
        print(f"\nparsed with a problem ({len(report.problems)}), by problem:")
        for reason, names in _grouped(report.problems).items():
            shown = ", ".join(names[:6]) + (f", … {len(names) - 6} more" if len(names) > 6 else "")
            print(f"  {len(names):4d}  {reason}\n        {shown}")
    print("\n10 slowest files:")
    for elapsed, name, what in sorted(report.timings, reverse=True)[:10]:
        print(f"  {elapsed * 1000:8.1f} ms  {name} ({what})")
    print(f"\n{len(report.timings)} files in {seconds:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help="folder of feed collections (default: ../shared/data/feeds beside the repository)",
    )
    parser.add_argument(
        "--content-type",
        default=None,
        help="Content-Type header to parse every file with (default: no headers)",
    )
    parser.add_argument(
        "--include-expected",
        action="store_true",
        help="also parse the test suites' expected-output JSON files",
    )
    options = parser.parse_args()
    data: Path = options.data.resolve()
    if not data.is_dir():
        sys.exit(
            f"feed data not found at {data}: it is not part of the repository; point --data at a "
            "folder of feed files (for example a checkout's ../shared/data/feeds)"
        )
    started = time.perf_counter()
    report = check(data, options.include_expected, options.content_type)
    print_report(report, data, time.perf_counter() - started, options.content_type)
    if report.crashes:
        sys.exit(1)


if __name__ == "__main__":
    main()
