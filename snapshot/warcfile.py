"""Deterministic WARC writing: the same pages always give the same bytes.

Record ids are hashed from the URL, every record carries one fixed date, records are sorted by
URL and warcio's per-record gzip members carry no mtime, so `snapshot.build --check` can compare
bytes.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_NAME = "outlets.warc.gz"


@dataclass
class Page:
    """One HTTP response to store; `kind` says what it is for expected.json."""

    url: str
    body: bytes
    content_type: str = "text/html; charset=UTF-8"
    status: int = 200
    location: str = ""
    kind: str = "page"
    validators: bool = False


def _record_id(name: str) -> str:
    return f"<urn:uuid:{uuid.UUID(hashlib.sha1(name.encode()).hexdigest()[:32])}>"


def warc_bytes(pages: list[Page], crawled: datetime) -> bytes:
    """Write pages as WARC/1.1 response records, sorted by URL, with fixed dates and ids."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True, warc_version="1.1")
    stamp = crawled.strftime("%Y-%m-%dT%H:%M:%SZ")
    info = writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(
            b"software: khabar snapshot.build\r\nformat: WARC File Format 1.1\r\n"
            b"description: offline sample of three Moroccan news outlets\r\n"),
        warc_content_type="application/warc-fields",
        warc_headers_dict={"WARC-Date": stamp, "WARC-Record-ID": _record_id("warcinfo"),
                           "WARC-Filename": WARC_NAME})
    writer.write_record(info)
    reasons = {200: "OK", 301: "Moved Permanently"}
    for page in sorted(pages, key=lambda p: p.url):
        headers = [("Date", format_datetime(crawled, usegmt=True)),
                   ("Server", "nginx" if "maghress" not in page.url else "Apache-Coyote/1.1"),
                   ("Content-Type", page.content_type),
                   ("Content-Length", str(len(page.body)))]
        if page.location:
            headers.append(("Location", page.location))
        if page.validators:
            etag = hashlib.sha1(page.body).hexdigest()[:16]
            headers += [("ETag", f'"{etag}"'),
                        ("Last-Modified", format_datetime(crawled, usegmt=True))]
        if "maghress" in page.url:
            session = hashlib.sha1(page.url.encode()).hexdigest()[:32].upper()
            headers += [("X-Powered-By", "JSF/2.0"),
                        ("Set-Cookie", f"JSESSIONID={session}; Path=/; HttpOnly")]
        http = StatusAndHeaders(f"{page.status} {reasons[page.status]}", headers,
                                protocol="HTTP/1.1")
        record = writer.create_warc_record(
            page.url, "response", payload=io.BytesIO(page.body), length=len(page.body),
            http_headers=http,
            warc_headers_dict={"WARC-Date": stamp, "WARC-Record-ID": _record_id(page.url)})
        writer.write_record(record)
    return buffer.getvalue()


