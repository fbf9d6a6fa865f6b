"""Speed work on extraction (issue 13): the same output for less work.

* ``extract._body_container`` finds, in Python, the element trafilatura's ``BODY_XPATH`` finds;
* ``Removal.weak_prose_removed`` counts the prose the floor's untouched page can give back, and
  ``floor.check_reason`` skips the second trafilatura pass when that cannot reach the ratio.
"""

from __future__ import annotations

import gzip
import math

import pytest
from trafilatura.xpaths import BODY_XPATH

from tests.support import TESTS
from transforms import floor
from transforms.boilerplate import Removal, parse_page, remove_boilerplate_nodes
from transforms.decode import decode_html
from transforms.extract import _body_container, extract_article

GOLDEN = TESTS / "golden"
PROSE = "".join(f"<p>Paragraph {i} tells of the council meeting on the water plan and the "
                f"wells of the valley, which ran dry in the summer of 2023.</p>" for i in range(6))


def _xpath_container(root: object) -> object:
    for expr in BODY_XPATH:
        found = expr(root)
        if found:
            return found[0]
    return None


@pytest.mark.parametrize("body", [
    "<div class='entry'>x</div>",
    "<section><div class='wrap'><div class='post-content'>x</div></div></section>",
    "<div id='article-body'>x</div><article>y</article>",
    "<div itemprop='articleBody'>x</div>",
    "<main><article>y</article></main><div class='article-text'>z</div>",
    "<article>y</article><div class='story'>z</div>",
    "<div role='article'>x</div><div class='FullText'>y</div>",
    "<div class='story-content'>x</div><div id='content'>y</div>",
    "<div class='Main-Content'>x</div>",
    "<section class='Page-Content'>x</section><div id='main-col'>y</div>",
    "<div id='mainstage'>x</div><main>y</main>",
    "<span class='entry-content'>x</span><p class='content'>y</p>",
    "<div class='sidebar'><div class='content'>x</div></div><div class='text'>y</div>",
    "<div>x</div>",
], ids=range(14))
def test_body_container_is_trafilaturas(body: str) -> None:
    root = parse_page(f"<html><body>{body}</body></html>")
    assert _body_container(root) is _xpath_container(root)


def test_body_container_on_golden_pages() -> None:
    pages = sorted(GOLDEN.glob("*/*.html.gz"))
    assert pages
    for path in pages:
        root = parse_page(decode_html(gzip.decompress(path.read_bytes()), None)[0])
        assert _body_container(root) is _xpath_container(root), path.name
        remove_boilerplate_nodes(root)
        assert _body_container(root) is _xpath_container(root), path.name


def test_removal_counts_what_the_untouched_page_keeps() -> None:
    # A sidebar is removed by a rule the floor's untouched page does not apply; a newsletter
    # box by one it applies too: only the sidebar's prose can come back.
    sidebar = "<div class='sidebar'>" + PROSE + "</div>"
    newsletter = "<div class='newsletter'>" + PROSE + PROSE + "</div>"
    root = parse_page(f"<html><body><article>{PROSE}{PROSE}{PROSE}</article>{sidebar}"
                      f"{newsletter}</body></html>")
    removal = remove_boilerplate_nodes(root)
    assert removal.prose_removed > removal.weak_prose_removed > 0
    assert removal.weak_prose_removed * 2 < removal.prose_removed
    strong = remove_boilerplate_nodes(parse_page(
        f"<html><body><article>{PROSE * 3}</article>{newsletter}</body></html>"),
        strong_only=True)
    assert strong.prose_removed > 0 and strong.weak_prose_removed == 0


def test_floor_skips_the_second_pass_when_it_cannot_be_richer() -> None:
    body_chars = 1000
    # Removed 3,000 characters of prose, all by rules the untouched page applies too.
    strong = Removal(elements=3, prose=4000, prose_removed=3000, weak_prose_removed=0)
    assert floor.check_reason(200, body_chars, strong, narrowed=False) is None
    bound = math.ceil((floor.UNTOUCHED_RATIO - 1) * body_chars)
    weak = Removal(elements=3, prose=4000, prose_removed=3000, weak_prose_removed=bound)
    assert floor.check_reason(200, body_chars, weak, narrowed=False)
    below = Removal(elements=3, prose=4000, prose_removed=3000, weak_prose_removed=bound - 1)
    assert floor.check_reason(200, body_chars, below, narrowed=False) is None
    assert floor.check_reason(0, 0, strong, narrowed=False) == "empty body"


def test_page_whose_furniture_is_all_strong_keeps_its_body_without_the_floor() -> None:
    related = "<div class='related-posts'>" + PROSE * 3 + "</div>"
    page = f"<html><body><article>{PROSE}</article>{related}</body></html>".encode()
    article = extract_article(page, "https://news.example.com/2024/05/water", outlet="test")
    assert "Paragraph 5" in article.text
    assert "floor:" not in (article.reason or "")
