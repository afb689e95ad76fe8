"""The command line: triage the queue, pull snippets, and fail with one clear line on bad input.
Crawled text is shown as text, never interpreted as console markup."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.rebuttals.library import load_seed
from claimwatch.review.queue import SuggestedSnippet, upsert_item
from claimwatch.store.schema import Article, AuditEvent, Claim, Cluster, Snippet, Source

HOSTILE = "Vietnam [bold red]joined[/] NATO <script>alert(1)</script>"
runner = CliRunner()


@pytest.fixture
def item(session: Session) -> tuple[int, int]:
    load_seed(session)
    source = Source(name="ledger", kind="feed", url="http://127.0.0.1/rss.xml")
    article = Article(
        source=source, url="http://127.0.0.1/a.html", content_hash="h", text="body", language="en"
    )
    cluster = Cluster(outlets=["ledger"], languages=["en"], occurrences=1)
    session.add_all(
        [
            article,
            cluster,
            Claim(
                article=article,
                cluster=cluster,
                position=1,
                text=HOSTILE,
                language="en",
                checkworthiness=0.9,
            ),
        ]
    )
    session.flush()
    snippet = session.scalars(select(Snippet).where(Snippet.key == "military-alliance/en")).one()
    upsert_item(
        session,
        cluster=cluster,
        flag_score=0.9,
        priority=0.9,
        explanation={"claim": HOSTILE, "narrative": "military-alliance"},
        model_version="m@1",
        narrative_id=snippet.narrative_id,
        suggestions=[SuggestedSnippet(snippet.id, 0.9)],
    )
    session.commit()
    return cluster.id, snippet.id


def test_queue_list_and_show_print_hostile_text_verbatim(item: tuple[int, int]) -> None:
    listed = runner.invoke(app, ["queue", "list"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "[bold red]joined[/]" in listed.output and "new: 1" in listed.output
    shown = runner.invoke(app, ["queue", "show", "1"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert (
        "[bold red]joined[/] NATO <script>" in shown.output
        and "military-alliance/en" in shown.output
    )


def test_queue_show_json_has_evidence(item: tuple[int, int]) -> None:
    shown = runner.invoke(app, ["queue", "show", "1", "--json"])
    data = json.loads(shown.output)
    assert (
        data["model_version"] == "m@1" and data["explanation"]["narrative"] == "military-alliance"
    )
    assert [o["outlet"] for o in data["occurrences"]] == ["ledger"]


def test_queue_decide_records_the_reviewer(item: tuple[int, int], session: Session) -> None:
    _, snippet_id = item
    result = runner.invoke(
        app,
        [
            "queue",
            "decide",
            "1",
            "misleading",
            "--snippet",
            str(snippet_id),
            "--reviewer",
            "desk-a",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "misleading (decided) by desk-a" in result.output
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "queue_item")).one()
    assert event.actor == "desk-a"
    listed = json.loads(runner.invoke(app, ["queue", "list", "--all", "--json"]).output)
    assert [(row["id"], row["decision"]) for row in listed] == [(1, "misleading")]


def test_snippets_pull_json_and_markdown(session: Session, tmp_path: Path) -> None:
    load_seed(session)
    session.commit()
    pulled = runner.invoke(app, ["snippets", "pull", "--lang", "vi"])
    document = json.loads(pulled.output)
    assert document["snippets"] and {s["language"] for s in document["snippets"]} == {"vi"}
    assert all(s["status"] == "vetted" and s["sources"] for s in document["snippets"])
    target = tmp_path / "snippets.md"
    written = runner.invoke(
        app, ["snippets", "pull", "--format", "md", "--narrative", "asean-exit", "-o", str(target)]
    )
    assert written.exit_code == 0 and "Wrote" in written.output
    markdown = target.read_text(encoding="utf-8")
    assert markdown.startswith("# claimwatch rebuttal snippets") and "Sources:" in markdown


def test_snippets_import_refuses_a_bad_file_and_changes_nothing(
    session: Session, tmp_path: Path
) -> None:
    bad = tmp_path / "library.json"
    bad.write_text(
        json.dumps(
            {
                "snippets": [
                    {
                        "key": "x/en",
                        "narrative": None,
                        "language": "en",
                        "title": "t",
                        "text": "t",
                        "sources": [],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["snippets", "import", str(bad)])
    assert result.exit_code != 0 and "sources" in str(result.exception)
    assert session.scalars(select(Snippet)).all() == []


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "from claimwatch.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_errors_are_one_clear_line(data_dir: Path) -> None:
    result = run_cli("queue", "decide", "7", "misleading", "--reviewer", "desk")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: no queue item 7"
    bad_format = run_cli("snippets", "pull", "--format", "pdf")
    assert (
        bad_format.returncode == 1
        and "--format must be one of json, csv, md, claimreview" in bad_format.stderr
    )
    assert "Traceback" not in result.stderr + bad_format.stderr
