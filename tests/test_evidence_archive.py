"""The evidence archive: every stored article page kept once per payload as a WARC record with
its fetch time and SHA-256; every revision of an article's text kept; archived copies served so
that no script in them runs; a WARC export of chosen items that standard tools read."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from claimwatch.cli import app as cli
from claimwatch.crawlers.archive import PageArchive
from claimwatch.crawlers.ingest import store_pages, sync_sources
from claimwatch.crawlers.job import FetchedPage
from claimwatch.crawlers.sources import SourceConfig
from claimwatch.settings import Settings
from claimwatch.store.schema import ArchivedPage, Article, ArticleRevision, Claim, QueueItem
from claimwatch.web import create_app
from tests.factories import flagged_item
from tests.web_helpers import add_people, sign_in

PAGE = (Path(__file__).with_name("fixtures") / "site" / "pages" / "laos-education.html").read_text(
    encoding="utf-8"
)
SOURCE = SourceConfig(name="ledger", kind="feed", url="https://ledger.example/rss.xml")
URL = "https://ledger.example/news/laos.html"
HOSTILE = "<script>document.title='pwned'</script>"
SHOWN = "&lt;img src=x onerror=alert(1)&gt;"  # text that reads as markup once extracted


def fetched(html: str, at: str = "2026-12-01T02:00:00+00:00") -> FetchedPage:
    body = html.encode("utf-8")
    headers = {"content-type": "text/html; charset=utf-8", "etag": '"v1"'}
    return FetchedPage("ledger", URL, 200, html, base64.b64encode(body).decode(), headers, at)


def store(session: Session, archive_dir: Path, pages: list[FetchedPage]) -> None:
    sources = sync_sources(session, [SOURCE])
    with PageArchive(archive_dir) as archive:
        store_pages(session, pages, [], sources, {}, max_chars=100_000, archive=archive)
    session.commit()


def warc_records(directory: Path) -> list[tuple[str, str, bytes]]:
    found = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    digest = record.rec_headers.get_header("WARC-Payload-Digest")
                    found.append((uri, digest, record.content_stream().read()))
    return found


def edited(html: str) -> str:
    return html.replace("</p>", f" A correction was added on Friday. {SHOWN}{HOSTILE}</p>", 1)


def test_each_page_is_kept_once_and_every_revision_is_kept(
    session: Session, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    store(session, archive, [fetched(PAGE)])
    store(session, archive, [fetched(PAGE, at="2026-12-02T02:00:00+00:00")])  # unchanged
    store(session, archive, [fetched(edited(PAGE), at="2026-12-03T02:00:00+00:00")])
    article = session.scalars(select(Article)).one()
    assert [r.revision for r in article.revisions] == [1, 2]
    first, second = article.revisions
    assert "A correction was added" not in first.text and "A correction was added" in second.text
    assert first.archived_page is not None and second.archived_page is not None
    assert first.archived_page.fetched_at == dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC)
    assert session.scalar(select(func.count()).select_from(ArchivedPage)) == 2
    records = {
        hashlib.sha256(payload).hexdigest(): (uri, digest)
        for uri, digest, payload in warc_records(archive)
    }
    assert set(records) == {first.archived_page.digest, second.archived_page.digest}
    for sha256, (uri, digest) in records.items():
        assert uri == URL
        assert digest == "sha256:" + base64.b32encode(bytes.fromhex(sha256)).decode()


def test_a_kill_before_commit_leaves_no_row_pointing_nowhere(
    session: Session, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    sources = sync_sources(session, [SOURCE])
    with PageArchive(archive) as pages:
        store_pages(session, [fetched(PAGE)], [], sources, {}, max_chars=100_000, archive=pages)
    session.rollback()  # the run died before its commit: the record is there, unreferenced
    store(session, archive, [fetched(PAGE)])
    page = session.scalars(select(ArchivedPage)).one()
    with (archive / page.warc_file).open("rb") as stream:
        stream.seek(page.offset)
        record = next(iter(ArchiveIterator(io.BytesIO(stream.read(page.length)))))
        assert hashlib.sha256(record.content_stream().read()).hexdigest() == page.digest


def item_with_archived_article(session: Session, settings: Settings) -> int:
    store(session, settings.resolved_archive_dir, [fetched(edited(PAGE))])
    item = flagged_item(session)
    article = session.scalars(select(Article).where(Article.url == URL)).one()
    claim = session.scalars(select(Claim).where(Claim.cluster_id == item.cluster_id)).first()
    assert claim is not None
    claim.article = article
    session.commit()
    return item.id


def test_the_item_page_links_a_sandboxed_archived_copy_and_the_revisions(
    session: Session, settings: Settings
) -> None:
    item = item_with_archived_article(session, settings)
    add_people(session)
    session.commit()
    page = session.scalars(select(ArchivedPage)).one()
    article = session.scalars(select(Article).where(Article.url == URL)).one()
    with TestClient(create_app(settings)) as client:
        assert client.get(f"/archive/{page.digest}", follow_redirects=False).status_code in (
            302,
            303,
            401,
        )
        sign_in(client, "rev1")
        shown = client.get(f"/items/{item}").text
        assert f'href="/archive/{page.digest}"' in shown
        assert f'href="/articles/{article.id}/revisions"' in shown
        copy = client.get(f"/archive/{page.digest}")
        assert copy.status_code == 200 and HOSTILE.encode() in copy.content  # as fetched
        policy = copy.headers["content-security-policy"]
        assert policy.startswith("sandbox;") and "allow-scripts" not in policy
        assert "default-src 'none'" in policy
        revisions = client.get(f"/articles/{article.id}/revisions").text
        assert "&lt;img src=x onerror=alert(1)&gt;" in revisions
        assert "<img src=x" not in revisions
        assert client.get("/archive/" + "0" * 64).status_code == 404


def test_archive_export_writes_a_warc_of_the_items_pages(
    session: Session, settings: Settings, tmp_path: Path
) -> None:
    item = item_with_archived_article(session, settings)
    out = tmp_path / "evidence.warc.gz"
    result = CliRunner().invoke(cli, ["archive", "export", str(item), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 1 archived pages of 1 item(s)" in result.output
    with gzip.open(out, "rb") as whole:  # concatenated gzip members read as one stream
        kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(whole.read()))]
    assert kinds == ["warcinfo", "response"]
    uris = [uri for uri, _, _ in warc_records(tmp_path)]
    assert uris == [URL]
    missing = CliRunner().invoke(cli, ["archive", "export", "999", "-o", str(out)])
    assert missing.exit_code != 0 and "no queue item 999" in str(missing.exception)
    assert session.scalar(select(func.count()).select_from(QueueItem)) == 1
    assert session.scalar(select(func.count()).select_from(ArticleRevision)) == 1
