"""sources.toml: validation with errors that name the entry and field, groups, placeholders."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from claimwatch.crawlers.feeds import fetch_feed, http_client
from claimwatch.crawlers.sources import load_sources, parse_sources, select_sources
from claimwatch.errors import ConfigError, PermanentFetchError
from claimwatch.settings import REPO_ROOT

VALID = """
[[source]]
name = "feed-one"
kind = "feed"
url = "https://news.example/rss.xml"
language = "vi"

[[source]]
name = "demo-site"
kind = "site"
url = "{demo}/site/index.html"
group = "demo"

[[source]]
name = "disabled"
kind = "feed"
url = "https://other.example/feed"
enabled = false
"""


def test_a_valid_file_loads_with_defaults() -> None:
    sources = parse_sources(VALID)
    assert [s.name for s in sources] == ["feed-one", "demo-site", "disabled"]
    assert sources[0].group == "default" and sources[0].max_depth == 1 and sources[0].enabled


def test_errors_name_the_entry_and_the_field() -> None:
    text = '[[source]]\nname = "ok"\nkind = "feed"\nurl = "https://a.example/f"\n\n[[source]]\nname = "bad"\nkind = "podcast"\nurl = "ftp://x"\n'
    with pytest.raises(ConfigError) as error:
        parse_sources(text)
    message = str(error.value)
    assert "source #2 ('bad')" in message
    assert "field 'kind'" in message and "field 'url'" in message
    assert "source #1" not in message


def test_unknown_fields_duplicate_names_and_bad_toml_are_rejected() -> None:
    with pytest.raises(ConfigError, match="field 'colour'"):
        parse_sources(
            '[[source]]\nname = "a"\nkind = "feed"\nurl = "https://a.example"\ncolour = "red"\n'
        )
    with pytest.raises(ConfigError, match="used twice"):
        parse_sources('[[source]]\nname = "a"\nkind = "feed"\nurl = "https://a.example"\n' * 2)
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_sources("[[source]\nname=")


def test_the_demo_runs_only_the_demo_group_and_resolves_its_placeholder() -> None:
    sources = parse_sources(VALID)
    demo = select_sources(sources, demo_base="http://127.0.0.1:9999")
    assert [s.name for s in demo] == ["demo-site"]
    assert demo[0].url == "http://127.0.0.1:9999/site/index.html"
    assert demo[0].scope == ("http://127.0.0.1:9999/site/",)
    assert [s.name for s in select_sources(sources)] == ["feed-one"]


def test_a_placeholder_without_the_demo_server_is_an_error() -> None:
    source = parse_sources('[[source]]\nname = "x"\nkind = "feed"\nurl = "{demo}/f.xml"\n')[0]
    with pytest.raises(ConfigError, match="demo server"):
        source.resolved(None)


def test_the_shipped_sources_file_is_valid_and_has_the_demo_outlets() -> None:
    sources = load_sources(REPO_ROOT / "sources.toml")
    demo = {s.name for s in sources if s.group == "demo"}
    assert demo == {"hanoi-ledger", "courrier-mekong", "tin-quoc-te", "pacific-wire"}


def test_a_missing_sources_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read sources file"):
        load_sources(tmp_path / "nope.toml")


BAD_URL_FILE = """
[[source]]
name = "good-feed"
kind = "feed"
url = "https://news.example/rss.xml"

[[source]]
name = "bad-feed"
kind = "feed"
url = "http://[zz/rss.xml"

[[source]]
name = "bad-site"
kind = "site"
url = "https://wire.example:99999/world/"
"""


def test_a_bad_url_already_in_the_file_fails_its_source_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="claimwatch.crawlers.sources"):
        sources = parse_sources(BAD_URL_FILE)
    assert [s.name for s in sources] == ["good-feed", "bad-feed", "bad-site"]
    logged = caplog.text
    assert "source #2 ('bad-feed'): field 'url'" in logged
    assert "source #3 ('bad-site'): field 'url'" in logged
    assert "good-feed" not in logged
    resolved = {s.name: s for s in select_sources(sources)}  # a run resolves every source
    assert resolved["good-feed"].url_problem is None
    assert resolved["bad-feed"].url_problem == "not a valid URL (Invalid IPv6 URL)"
    assert resolved["bad-site"].domains == () and resolved["bad-site"].url_problem


def test_a_feed_with_a_bad_url_is_a_permanent_fetch_error() -> None:
    bad = parse_sources(BAD_URL_FILE)[1]
    with (
        http_client("claimwatch-tests", 5.0) as client,
        pytest.raises(PermanentFetchError, match="refused: not a valid URL"),
    ):
        fetch_feed(client, bad.url)


def test_a_bad_url_with_other_faults_is_still_an_error_for_the_file() -> None:
    with pytest.raises(ConfigError, match=r"field 'kind'.*field 'url'"):
        parse_sources('[[source]]\nname = "b"\nkind = "podcast"\nurl = "http://[zz/x"\n')
