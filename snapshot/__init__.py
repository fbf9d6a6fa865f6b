"""The bundled offline sample web: three outlets stored as one WARC and replayed on loopback.

Users try Khabar with no network, so the repo ships `outlets.warc.gz` (built from the readable
sources in `content/` and `templates/` by `python -m snapshot.build`) and `expected.json`, the
golden extraction of every article page in it. This module only names those files and reads
them; it imports nothing else from the project.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

SNAPSHOT_DIR = Path(__file__).resolve().parent
SNAPSHOT_WARC = SNAPSHOT_DIR / "outlets.warc.gz"
EXPECTED_JSON = SNAPSHOT_DIR / "expected.json"

_SKIPPED_TAGS = ("script", "style", "noscript", "template", "head")


def load_expected(path: Path = EXPECTED_JSON) -> list[dict]:
    """Return the golden records, one per article page (canonical URL order).

    Args:
        path: an expected.json written by `snapshot.build`.

    Returns:
        The `articles` list; non-article pages are in `load_non_articles`.
    """
    return json.loads(path.read_text(encoding="utf-8"))["articles"]


def load_non_articles(path: Path = EXPECTED_JSON) -> list[dict]:
    """Return the linked pages that a crawler must NOT store as articles (url, kind, note)."""
    return json.loads(path.read_text(encoding="utf-8"))["non_articles"]


def snapshot_outlets() -> list[str]:
    """Registry ids of the outlets in the snapshot (sorted)."""
    return sorted({record["outlet"] for record in load_expected()})


@cache
def _target_uris(path: Path) -> tuple[str, ...]:
    from warcio.archiveiterator import ArchiveIterator

    with path.open("rb") as stream:
        return tuple(
            record.rec_headers.get_header("WARC-Target-URI")
            for record in ArchiveIterator(stream)
            if record.rec_type == "response"
        )


def snapshot_hosts(path: Path = SNAPSHOT_WARC) -> list[str]:
    """Every host with at least one response record: the replay server binds one address each."""
    return sorted({urlsplit(uri).hostname or "" for uri in _target_uris(path)} - {""})


def normalise_space(text: str) -> str:
    """Collapse all whitespace (&nbsp; included) to single spaces, as the golden data does."""
    return " ".join(text.split())


def parse_html(body: bytes | str):  # noqa: ANN201 (lxml element)
    """Parse a snapshot page; every page is UTF-8, as its Content-Type header says.

    Decoding first matters: on some themes `<meta charset>` comes after `<title>`, too late for
    libxml2's own sniffing, exactly as on the real sites.
    """
    from lxml import html

    return html.fromstring(body.decode("utf-8") if isinstance(body, bytes) else body)


def visible_text(body: bytes | str) -> str:
    """Whitespace-normalised text a reader sees on a page (no head, scripts or styles).

    Both the build (to pick boilerplate strings) and the tests (to check that the golden data
    really occurs on its page) use this one definition.
    """
    doc = parse_html(body)
    for element in list(doc.iter(*_SKIPPED_TAGS)):
        element.drop_tree()
    return normalise_space(doc.text_content())
