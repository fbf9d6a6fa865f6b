"""Keep secrets out of what a crawl writes for people to read: its log and its fetch records.

A registry URL may carry a secret: a paid feed's ``?token=…`` or ``?key=…``, or credentials
(``https://user:password@host/feed``). The request needs the real URL; nothing a person reads
afterwards may show it. Redaction is by shape, not by knowing the secrets: the user-info part
of any URL, and the values of query parameters whose names say secret (:data:`SECRET_PARAMS`:
``token``, ``access_token``, ``key``, ``api_key``, ``sig``, ``password``, ``session``…) become
``REDACTED``. Other URLs are left exactly as they are (article URLs stay joinable).

* :class:`LogRedaction` (an extension, ``EXTENSIONS``) installs a log record factory, so every
  record of the process (Scrapy's "Crawled <GET …>", retries, warnings, tracebacks, our own
  lines) is redacted whatever handler writes it; it also masks the value of any setting whose
  name says secret in Scrapy's "Overridden settings" line. Lazily: a record is redacted when a
  handler formats it, so the DEBUG records an INFO crawl drops (an item repr holds a whole page)
  cost nothing.
* :class:`RedactFetchRecordsPipeline` (before ``RawStorePipeline``) redacts the URL of every
  fetch record. Raw pages are left alone: article URLs come from the outlet's public pages.

The validators file (feed and sitemap ETags, which the warehouse keeps in ``http_validators``)
is keyed by the redacted URL too (``spiders/news.py`` looks validators up by it); the request
itself always goes to the real URL. The crawl report's ``sources[].url`` is redacted in
``spiders/pipelines.py``.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import unquote, urlsplit, urlunsplit

from khabar.run.records import FetchRecord

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

REDACTED = "REDACTED"
# Query parameter names whose values are secrets (lower case, "-" read as "_").
SECRET_PARAMS = re.compile(
    r"^(?:key|sig|signature|pass|pwd|sid|session(?:_?id)?|auth|jwt|bearer|"
    r".*(?:token|secret|password|passwd|api_?key|access_?key|credential).*)$"
)
# A URL in running text: up to whitespace, a quote or an angle bracket (Scrapy writes
# requests as "<GET https://…>"). Bounded repeats: log lines can hold a whole page.
_URL_IN_TEXT = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]{0,15}://[^\s'"<>]+""")
# "user:password@host" outside a URL (Twisted's "invalid hostname: user:pw@host" error).
_USERINFO = re.compile(r"""(?<![\w/@])[^\s:/@'"<>]{1,64}:[^\s/@'"<>]{1,128}@(?=[\w\[])""")
# "'HTTPAUTH_PASS': 'hunter2'" in a pprint of settings.
_SETTING = re.compile(r"""(['"])([A-Z][A-Z0-9_]{0,63})\1(:\s*)(['"])[^'"\n]{0,500}\4""")
_SECRET_SETTING_NAME = re.compile(r"PASS|SECRET|TOKEN|_KEY|KEY_ID|CREDENTIAL")


def redact_url(url: str) -> str:
    """``url`` with its user-info and secret query values replaced by ``REDACTED``; the same
    string when it holds neither (or does not parse)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query \
        else parts.query
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name, equals, value = pair.partition("=")
    if equals and value and SECRET_PARAMS.match(unquote(name).lower().replace("-", "_")):
        return f"{name}={REDACTED}"
    return pair


def redact_text(text: str) -> str:
    """``text`` with every URL in it redacted (:func:`redact_url`) and secret-named settings
    masked."""
    if "://" in text:
        text = _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), text)
    if "@" in text:
        text = _USERINFO.sub(f"{REDACTED}@", text)
    if "'" in text or '"' in text:
        text = _SETTING.sub(_mask_setting, text)
    return text


def _mask_setting(match: re.Match[str]) -> str:
    if not _SECRET_SETTING_NAME.search(match.group(2)):
        return match.group(0)
    quote = match.group(4)
    return f"{match.group(1)}{match.group(2)}{match.group(1)}{match.group(3)}" \
           f"{quote}{REDACTED}{quote}"


class RedactedLogRecord(logging.LogRecord):
    """A log record whose message and formatted traceback come out redacted."""

    def getMessage(self) -> str:  # noqa: N802 (logging's naming)
        return redact_text(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        return self._exc_text

    @exc_text.setter
    def exc_text(self, value: str | None) -> None:
        # Formatter.format() caches the formatted traceback here before printing it.
        self._exc_text = redact_text(value) if value else value


def install_log_redaction() -> None:
    """Make every log record of this process a :class:`RedactedLogRecord` (idempotent).

    Replaces the record factory only if it is still logging's own: a factory someone else
    installed is left alone, and the records stay unredacted (logged once as a warning).
    """
    current = logging.getLogRecordFactory()
    if current is RedactedLogRecord:
        return
    if current is not logging.LogRecord:
        logging.getLogger(__name__).warning("A log record factory is installed already: "
                                            "URLs in the log are not redacted")
        return
    logging.setLogRecordFactory(RedactedLogRecord)


class LogRedaction:
    """Extension installing :func:`install_log_redaction` when the crawler is built (before
    Scrapy logs the overridden settings and long before any URL)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        install_log_redaction()
        return cls()


class RedactFetchRecordsPipeline:
    """Redacts the URL of fetch records on their way to ``RawStorePipeline``."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, FetchRecord):
            clean = redact_url(item.url)
            if clean != item.url:
                return dataclasses.replace(item, url=clean)
        return item
