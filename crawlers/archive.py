"""The evidence archive: every fetched article page kept as a WARC response record (warcio).

A page is written once per payload: its SHA-256 is the key (``archived_page.digest``), so a page
fetched again unchanged costs nothing, and a stealth edit is a new record next to the old one.
Records go to WARC files under ``<data_dir>/archive`` (gzip members, one file per storing pass,
named by time and a random id). A record carries the page's URL, fetch time, HTTP status and
headers as fetched, and ``WARC-Payload-Digest: sha256:…``. The file is flushed to disk before the
transaction that stores its places (file, offset, length) commits, so the database never points
at a record that is not there; a run killed in between leaves at most a record nothing cites.

``read_payload`` returns an archived page's bytes; ``copy_records`` writes chosen records, byte
for byte, into one WARC file for a legal or audit file.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from claimwatch.crawlers.job import FetchedPage
from claimwatch.store.schema import ArchivedPage, utcnow

KEPT_HEADERS = ("content-type", "content-language", "date", "last-modified", "etag")
STATUS_TEXT = {200: "OK", 203: "Non-Authoritative Information"}


def payload_of(page: FetchedPage) -> bytes:
    """The page's bytes as fetched (its decoded text, when the crawl did not keep the bytes)."""
    return base64.b64decode(page.body_b64) if page.body_b64 else page.html.encode("utf-8")


def _fetched_at(page: FetchedPage) -> dt.datetime:
    if page.fetched_at:
        return dt.datetime.fromisoformat(page.fetched_at).astimezone(dt.UTC)
    return utcnow()


def _http_headers(page: FetchedPage, size: int) -> StatusAndHeaders:
    headers = [(k.title(), v) for k, v in page.headers.items() if k.lower() in KEPT_HEADERS]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "text/html; charset=utf-8"))
    headers.append(("Content-Length", str(size)))
    status = f"{page.status} {STATUS_TEXT.get(page.status, 'OK')}"
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


class PageArchive:
    """Writes fetched pages into one new WARC file under ``directory`` (opened at the first page
    that is not archived yet). Use as a context manager; leaving it flushes the file to disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._file: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._written: dict[str, dict[str, Any]] = {}  # digest -> the row's values

    def __enter__(self) -> PageArchive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None

    def _open(self) -> WARCWriter:
        if self._writer is None or self._file is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            stamp = utcnow().strftime("%Y%m%dT%H%M%S")
            self._name = f"claimwatch-{stamp}-{uuid.uuid4().hex[:12]}.warc.gz"
            self._file = (self.directory / self._name).open("xb")
            self._writer = WARCWriter(self._file, gzip=True)
        return self._writer

    def keep(self, session: Session, page: FetchedPage) -> ArchivedPage:
        """The archived page for ``page``: the one already kept with the same payload, else a
        new record written now (its row is added to ``session``)."""
        payload = payload_of(page)
        digest = hashlib.sha256(payload).hexdigest()
        known = session.scalar(select(ArchivedPage).where(ArchivedPage.digest == digest))
        if known is not None:
            return known
        if digest in self._written:  # written by this pass, its row undone with a refused page
            again = ArchivedPage(**self._written[digest])
            session.add(again)
            return again
        writer, fetched_at = self._open(), _fetched_at(page)
        http_headers = _http_headers(page, len(payload))
        record = writer.create_warc_record(
            page.url,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=http_headers,
            warc_headers_dict={
                "WARC-Date": fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "WARC-Payload-Digest": "sha256:" + base64.b32encode(bytes.fromhex(digest)).decode(),
            },
        )
        assert self._file is not None
        offset = self._file.tell()
        writer.write_record(record)
        values: dict[str, Any] = {
            "digest": digest,
            "url": page.url,
            "fetched_at": fetched_at,
            "content_type": (http_headers.get_header("Content-Type") or "")[:200] or None,
            "size": len(payload),
            "warc_file": self._name,
            "offset": offset,
            "length": self._file.tell() - offset,
        }
        self._written[digest] = values
        archived = ArchivedPage(**values)
        session.add(archived)
        return archived


def read_record(directory: Path, page: ArchivedPage) -> bytes:
    """The raw (gzipped) WARC record of ``page``, byte for byte."""
    with (directory / page.warc_file).open("rb") as file:
        file.seek(page.offset)
        return file.read(page.length)


def read_payload(directory: Path, page: ArchivedPage) -> bytes:
    """The archived page's bytes, as fetched."""
    for record in ArchiveIterator(io.BytesIO(read_record(directory, page))):
        return bytes(record.content_stream().read())
    raise ValueError(f"no WARC record at {page.warc_file}:{page.offset}")


def copy_records(directory: Path, pages: Iterable[ArchivedPage], out: BinaryIO) -> int:
    """Write a warcinfo record, then the records of ``pages`` (each once), into ``out``;
    returns how many pages were written."""
    writer = WARCWriter(out, gzip=True)
    info = writer.create_warcinfo_record(
        "claimwatch-export.warc.gz",
        {"software": "claimwatch", "description": "archived pages of chosen queue items"},
    )
    writer.write_record(info)
    written = 0
    for page in {p.digest: p for p in pages}.values():
        out.write(read_record(directory, page))
        written += 1
    return written
