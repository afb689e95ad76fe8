"""``claimwatch sources``: add and disable keep the file's comments, bad input changes nothing,
``check`` reads a demo source without storing it, ``list`` shows health as JSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.crawlers.sources import load_sources
from claimwatch.settings import REPO_ROOT

runner = CliRunner()


@pytest.fixture
def sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "sources.toml"
    shutil.copy(REPO_ROOT / "sources.toml", path)
    monkeypatch.setenv("CLAIMWATCH_SOURCES_FILE", str(path))
    return path


def test_add_and_disable_keep_comments(sources_file: Path) -> None:
    before = sources_file.read_text(encoding="utf-8")
    added = runner.invoke(
        app,
        [
            "sources",
            "add",
            "vn-news",
            "https://vietnamnews.vn/rss/home.rss",
            "--language",
            "en",
            "--domain",
            "vietnamnews.vn",
        ],
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(app, ["sources", "disable", "pacific-wire"]).exit_code == 0
    after = sources_file.read_text(encoding="utf-8")
    assert all(line in after for line in before.splitlines())  # nothing lost, comments included
    configs = {c.name: c for c in load_sources(sources_file)}
    assert configs["vn-news"].domains == ("vietnamnews.vn",) and not configs["pacific-wire"].enabled


def test_bad_additions_are_refused_and_change_nothing(sources_file: Path) -> None:
    before = sources_file.read_text(encoding="utf-8")
    for args in (
        ["x", "ftp://a.example/feed"],
        ["hanoi-ledger", "https://a.example/feed"],
        ["y", "https://a.example/f", "--kind", "podcast"],
    ):
        result = runner.invoke(app, ["sources", "add", *args])
        assert result.exit_code != 0 and result.exception is not None
    assert sources_file.read_text(encoding="utf-8") == before


def test_check_reads_a_demo_source_and_stores_nothing(sources_file: Path, data_dir: Path) -> None:
    result = runner.invoke(
        app,
        ["sources", "check", "courrier-mekong", "--demo", "--limit", "3"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "7 entries with links" in result.output and result.output.count(" fr ") >= 3
    assert not (data_dir / "claimwatch.db").exists()


def test_check_needs_demo_for_a_demo_source(sources_file: Path) -> None:
    result = runner.invoke(app, ["sources", "check", "hanoi-ledger"])
    assert "add --demo" in str(result.exception)


def test_list_as_json(sources_file: Path) -> None:
    rows = json.loads(runner.invoke(app, ["sources", "list", "--json"]).output)
    assert [r["name"] for r in rows][:4] == [
        "hanoi-ledger",
        "courrier-mekong",
        "tin-quoc-te",
        "pacific-wire",
    ]
    assert rows[0]["last_run"] is None and rows[0]["consecutive_failures"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://[zz/rss.xml",
        "https://news.example:99999/rss",
        "https://news.example:0/rss",
        "http://1.2.3.999/rss",
        "https://news.example/" + "a" * 2048,
        "https://news example/rss",
    ],
)
def test_a_url_that_cannot_be_fetched_is_refused_naming_source_and_field(
    sources_file: Path, url: str
) -> None:
    before = sources_file.read_text(encoding="utf-8")
    result = runner.invoke(app, ["sources", "add", "broken-feed", url])
    assert result.exit_code != 0
    assert "source 'broken-feed'" in str(result.exception)
    assert "field 'url'" in str(result.exception)
    assert sources_file.read_text(encoding="utf-8") == before


def test_a_file_holding_a_bad_url_can_still_be_edited(sources_file: Path) -> None:
    with sources_file.open("a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nname = "old-bad"\nkind = "feed"\nurl = "http://[zz/rss.xml"\n')
    assert runner.invoke(app, ["sources", "disable", "old-bad"]).exit_code == 0
    added = runner.invoke(app, ["sources", "add", "vn-news", "https://vietnamnews.vn/rss.rss"])
    assert added.exit_code == 0, added.output
    configs = {c.name: c for c in load_sources(sources_file)}
    assert not configs["old-bad"].enabled and "vn-news" in configs


def test_check_of_a_source_with_a_bad_url_reports_it(sources_file: Path) -> None:
    with sources_file.open("a", encoding="utf-8") as handle:
        handle.write('\n[[source]]\nname = "old-bad"\nkind = "feed"\nurl = "http://[zz/rss.xml"\n')
    result = runner.invoke(app, ["sources", "check", "old-bad"], env={"COLUMNS": "200"})
    assert result.exit_code == 1
    assert "not a valid URL" in result.output
