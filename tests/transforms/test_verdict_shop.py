"""Shop category pages whose grid JavaScript draws (issue 13): the page's own markup names it a
product listing page (``listing.product_listing_markup``). Small synthetic pages; the corpus
figures are in ``bench/corpora.py``."""

from __future__ import annotations

from transforms.boilerplate import parse_page
from transforms.extract import extract_article
from transforms.listing import product_listing_markup
from transforms.record import Article, Verdict

# A shop's SEO text: four paragraphs of 40+ words, a headline-like title, a slug of three words
# and no link, price or card: no other listing or catalogue rule holds.
SEO = [
    f"Part {i}: choosing a machine for the first loaves of bread is easier than it looks, "
    f"since every model we make kneads, rises and bakes on its own, with programs for whole "
    f"wheat, gluten free and sweet doughs, a delay timer for fresh bread at breakfast and a "
    f"window to watch the crust brown."
    for i in range(4)
]
URL = "https://shop.example.com/appliances/bread-makers-and-ovens/"
TITLE = "Bread Makers for Every Kitchen and Every Loaf"


def _page(grid: str, head: str = "") -> bytes:
    text = "".join(f"<p>{line}</p>" for line in SEO)
    return (f"<!DOCTYPE html><html lang='en'><head><title>{TITLE}</title>{head}</head><body>"
            f"<main><h1>{TITLE}</h1>{text}{grid}</main></body></html>").encode()


def _extract(body: bytes) -> Article:
    return extract_article(body, URL, outlet="test")


def test_page_named_a_product_listing_page_is_a_listing() -> None:
    article = _extract(_page("<div class='bg plp-page'><div id='grid'></div></div>"))
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "product listing page markup (class plp-page)"
    assert article.text == ""
    shopify = _extract(_page("").replace(b"<body>", b"<body class='theme template-collection'>"))
    assert shopify.verdict is Verdict.LISTING, shopify.reason
    assert shopify.reason == "product listing page markup (class template-collection)"


def test_the_same_page_without_the_markup_is_stored() -> None:
    assert _extract(_page("<div class='bg'><div id='grid'></div></div>")).verdict \
        is Verdict.ARTICLE
    # The word elsewhere is no name: in a link, an image's file name, a style sheet.
    elsewhere = ("<a href='/products#t=plp-products'>All products</a>"
                 "<img src='/img/PLP%20(1).jpg' alt=''><style>.newsletter-plp{}</style>")
    assert _extract(_page(elsewhere)).verdict is Verdict.ARTICLE


def test_product_listing_markup_with_article_evidence_is_stored_with_a_flag() -> None:
    head = '<meta property="og:type" content="article">'
    article = _extract(_page("<div id='plp'></div>", head))
    assert article.verdict is Verdict.ARTICLE
    assert (article.reason or "").startswith("flagged listing: product listing page markup "
                                             "(id plp)")


def test_product_listing_markup_reads_tokens() -> None:
    root = parse_page("<html><body><div class='displayplp'></div>"
                      "<section id='plp-section-header'></section></body></html>")
    assert root is not None
    body = root.find("body")
    assert body is not None
    assert product_listing_markup(body) == "id plp-section-header"
    root = parse_page("<html><body><div class='displayplp complp-x'></div></body></html>")
    assert root is not None and product_listing_markup(root) is None


def _offer(title: str, ld_type: str, url: str = "https://learn.example.com/paths/17") -> Article:
    """A course's page: prose, no link, no price, a JSON-LD object naming what it is."""
    ld = f'<script type="application/ld+json">{{"@type": "{ld_type}", "name": "{title}"}}</script>'
    text = "".join(f"<p>{line}</p>" for line in SEO)
    page = (f"<!DOCTYPE html><html lang='en'><head><title>{title}</title>{ld}</head><body>"
            f"<main><h1>{title}</h1>{text}</main></body></html>").encode()
    return extract_article(page, url, outlet="test")


def test_named_page_describing_an_offer_is_a_catalogue_page() -> None:
    article = _offer("Machine Learning Engineer", "Course")
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.reason == "catalogue page: a 3-word title, no date, JSON-LD course"
    product = _offer("Dark Roast Coffee", "Product", "https://shop.example.com/products/dark")
    assert product.verdict is Verdict.LISTING, product.reason


def test_offer_object_needs_the_catalogue_s_other_pieces() -> None:
    # A headline for a title, a list or FAQ object (articles carry them): stored.
    headline = "Why machine learning engineers are hard to hire this year"
    assert _offer(headline, "Course").verdict is Verdict.ARTICLE
    assert _offer("Machine Learning Engineer", "ItemList").verdict is Verdict.ARTICLE
    assert _offer("Machine Learning Engineer", "FAQPage").verdict is Verdict.ARTICLE
