"""Size limits with error classes that say so in the fetch records.

Scrapy 2.19 enforces ``DOWNLOAD_MAXSIZE`` on the wire (the HTTP/1.1 handler aborts a response
whose Content-Length, or whose bytes received so far, exceed it) and after decompression
(``HttpCompressionMiddleware`` inflates in steps and stops past the limit: no gzip bombs). But
it reports the first as a ``DownloadCancelledError`` and the second as a bare ``IgnoreRequest``,
the class robots.txt refusals have too; a fetch record saying "IgnoreRequest" for a gzip bomb
sends whoever reads it to the wrong place. The two middlewares here only rename those outcomes:

* :class:`DecompressionLimitMiddleware` replaces ``HttpCompressionMiddleware`` (same place,
  same settings) and raises :class:`DecompressionLimitError` (with the compressed response, so
  the record keeps status and bytes received) instead of a bare ``IgnoreRequest``;
* :class:`SizeLimitMiddleware` turns a download cancelled for its size into
  :class:`ResponseTooLargeError`. In Scrapy's HTTP/1.1 handler only the size limit cancels a
  download (a timeout raises ``DownloadTimeoutError``); the check below still asks for the
  handler's "max size" message, or an empty one (a body cut while streaming carries none).

Both errors are ``IgnoreRequest`` subclasses: not retried (the page will not shrink), and the
errback records them. Settings read: ``DOWNLOAD_MAXSIZE``, ``COMPRESSION_ENABLED`` (Scrapy's).
Stats: ``limits/too_large``, ``limits/decompression``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ResponseTooLargeError(IgnoreRequest):
    """The response is larger than ``DOWNLOAD_MAXSIZE`` (declared or received)."""


class DecompressionLimitError(ResponseTooLargeError):
    """The response inflates past ``DOWNLOAD_MAXSIZE`` (a gzip bomb); ``response`` is the
    compressed response."""

    def __init__(self, message: str, response: Response):
        super().__init__(message)
        self.response = response


class DecompressionLimitMiddleware(HttpCompressionMiddleware):
    """``HttpCompressionMiddleware`` whose size-limit refusal has its own class."""

    # Scrapy 2.13 calls a middleware without ``spider``; the base class's hints still have it.
    def process_response(  # type: ignore[override]
            self, request: Request, response: Response) -> Request | Response:
        try:
            return super().process_response(request, response)
        except IgnoreRequest as exc:  # the only IgnoreRequest it raises: past DOWNLOAD_MAXSIZE
            if self.stats is not None:
                self.stats.inc_value("limits/decompression")
            raise DecompressionLimitError(str(exc), response) from exc


class SizeLimitMiddleware:
    """Renames a download cancelled for its size (see the module docstring)."""

    def __init__(self, crawler: Crawler):
        if not crawler.settings.getint("DOWNLOAD_MAXSIZE"):
            raise NotConfigured
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if not isinstance(exception, DownloadCancelledError):
            return
        message = str(exception)
        if message and "max size" not in message:
            return
        self.crawler.stats.inc_value("limits/too_large")
        raise ResponseTooLargeError(message or f"{request.url}: larger than DOWNLOAD_MAXSIZE"
                                    ) from exception
