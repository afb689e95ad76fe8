"""A nightly run over a sources file holding bad URLs: each such source fails alone, named in the
run report and in its health; the run and the other sources go on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from claimwatch.flows.sequence import run_nightly
from claimwatch.settings import load_settings
from claimwatch.store.db import make_engine, session_scope
from claimwatch.store.schema import Source
from tests.httpserver import fixed, serve_routes

EMPTY_FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


def test_a_run_fails_only_the_sources_with_bad_urls(tmp_path: Path, data_dir: Path) -> None:
    with serve_routes(
        {"/rss.xml": fixed(200, EMPTY_FEED, {"Content-Type": "application/rss+xml"})}
    ) as base:
        sources = tmp_path / "sources.toml"
        sources.write_text(
            f'[[source]]\nname = "good-feed"\nkind = "feed"\nurl = "{base}/rss.xml"\n\n'
            '[[source]]\nname = "bad-feed"\nkind = "feed"\nurl = "http://[zz/rss.xml"\n\n'
            '[[source]]\nname = "bad-site"\nkind = "site"\nurl = "https://wire.example:99999/"\n',
            encoding="utf-8",
        )
        settings = load_settings(
            sources_file=sources, allow_private_hosts=True, download_delay_s=0.0
        )
        report = run_nightly(settings)
    problems = "\n".join(report.problems)
    assert "bad-feed: refused: not a valid URL (Invalid IPv6 URL)" in problems
    assert report.counts["feeds_read"] == 1
    with session_scope(make_engine(settings.resolved_database_url)) as session:
        health = {s.name: s for s in session.scalars(select(Source))}
        assert health["good-feed"].consecutive_failures == 0
        assert health["bad-feed"].consecutive_failures == 1
        assert health["bad-site"].consecutive_failures == 1
        assert "not a valid URL" in (health["bad-site"].last_error or "")
