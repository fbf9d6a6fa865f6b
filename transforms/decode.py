"""Page bytes → text: pick the character encoding the way a browser would, then decode.

Moroccan sites still serve legacy encodings (windows-1256 Arabic, windows-1252 French) and often
declare them only in a ``<meta>`` tag, so the HTTP header alone is not enough. The order follows
the WHATWG sniffing rules in spirit: a byte-order mark wins, then the HTTP ``charset``, then the
first ``<meta charset>`` in the first 4 KB, then a strict UTF-8 attempt, then a statistical guess.

Two departures, both for declarations that lie. A declaration that does not decode cleanly is
skipped (UTF-8 declared, windows-1256 sent). And non-ASCII bytes that decode as strict UTF-8
*are* UTF-8, whatever a single-byte charset declaration says (``charset=iso-8859-1`` on a UTF-8
page, a CMS default): legacy text almost never forms valid multi-byte sequences (é in
windows-1252 is one byte followed by ASCII, which UTF-8 rejects), while a single-byte codec
decodes anything, so trusting it would turn every "é" into "Ã©".
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CHARSET_PARAM = re.compile(rb"""charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
# Browsers treat these labels as windows-1252 / windows-874 etc.; decoding "iso-8859-1" strictly
# would turn curly quotes (0x91-0x94 in windows-1252) into C1 control characters.
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-6": "iso-8859-6",
    "x-user-defined": "windows-1252",
}


def header(headers: Mapping[str, str] | None, name: str) -> str:
    """Case-insensitive header lookup (raw files keep lower-case names; callers may not)."""
    if not headers:
        return ""
    for key, value in headers.items():
        if key.lower() == name:
            return value or ""
    return ""


def _normalise(label: bytes | str | None) -> str | None:
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = name.strip().lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _strict(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode an HTML body.

    Args:
        body: the bytes as sent.
        headers: response headers (any case); only ``content-type`` is read.

    Returns:
        ``(text, encoding)``: the decoded text and the codec name that produced it.
    """
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_encoding, "replace"), bom_encoding

    if not body.isascii():
        text = _strict(body, "utf-8")
        if text is not None:
            return text, "utf-8"

    declared = _CHARSET_PARAM.search(header(headers, "content-type").encode("latin-1", "ignore"))
    meta = _META_CHARSET.search(body[:4096])
    for candidate in (declared and declared.group(1), meta and meta.group(1)):
        encoding = _normalise(candidate)
        # A declaration that does not decode cleanly is a lie (UTF-8 declared, cp1256 sent):
        # fall through to the next source rather than fill the text with U+FFFD.
        text = _strict(body, encoding)
        if text is not None:
            return text, encoding or "utf-8"

    text = _strict(body, "utf-8")
    if text is not None:
        return text, "utf-8"

    from charset_normalizer import from_bytes  # trafilatura's own dependency

    best = from_bytes(body[:65536]).best()
    if best is not None and best.encoding:
        encoding = _normalise(best.encoding) or "windows-1252"
        return body.decode(encoding, "replace"), encoding
    return body.decode("windows-1252", "replace"), "windows-1252"
