"""Embedded posts: parsed from the untouched page, kept in the record, out of the body.

Synthetic pages written as the platforms' embed codes write them (X/Twitter, Instagram, Facebook,
TikTok, YouTube, WordPress wrappers), and the lebrief fixture with its two real tweet embeds.
"""

from __future__ import annotations

import lxml.html
import pytest

from tests.support import ROOT, TESTS
from transforms.embeds import take_embeds
from transforms.extract import extract_article
from transforms.record import Embed, Verdict

FIXTURES = TESTS / "fixtures" / "extract"
PROSE = (
    "<p>Le ministre des Affaires étrangères a reçu mardi à Rabat son homologue pour un entretien "
    "consacré à la coopération bilatérale, à la sécurité régionale et aux échanges commerciaux "
    "entre les deux pays, qui ont progressé de douze pour cent l'an dernier.</p>"
    "<p>Les deux responsables ont convenu de tenir une commission mixte avant la fin de l'année "
    "et d'ouvrir de nouvelles lignes aériennes entre leurs capitales, selon un communiqué publié "
    "à l'issue de la rencontre par le ministère.</p>"
)
TWEET = (
    '<figure class="wp-block-embed is-provider-twitter wp-block-embed-twitter">'
    '<div class="wp-block-embed__wrapper"><blockquote class="twitter-tweet" data-width="550">'
    '<p lang="fr" dir="ltr">Entretien fructueux avec mon homologue à Rabat.<br>Cap sur 2030 '
    '<a href="https://t.co/AbC">pic.twitter.com/AbC</a></p>&mdash; Maroc Diplomatie 🇲🇦 '
    '(@MarocDiplomatie) <a href="https://twitter.com/MarocDiplomatie/status/1752383377580278000'
    '?ref_src=twsrc%5Etfw">January 30, 2024</a></blockquote>'
    '<script async src="https://platform.twitter.com/widgets.js"></script></div></figure>'
)
INSTAGRAM = (
    '<blockquote class="instagram-media" data-instgrm-captioned '
    'data-instgrm-permalink="https://www.instagram.com/p/CxjBfOhswdQ/?utm_source=ig_embed">'
    '<div><a href="https://www.instagram.com/p/CxjBfOhswdQ/?utm_source=ig_embed">'
    "<div>View this post on Instagram</div></a>"
    "<p>Nouvelle collection, fabriquée au Maroc.</p>"
    '<p><a href="https://www.instagram.com/p/CxjBfOhswdQ/">A post shared by VEJA (@veja)</a></p>'
    "</div></blockquote>"
)
FACEBOOK = (
    '<div class="fb-post" data-href="https://www.facebook.com/MAEC.Maroc/posts/12345" '
    'data-width="500"><blockquote cite="https://www.facebook.com/MAEC.Maroc/posts/12345" '
    'class="fb-xfbml-parse-ignore"><p>Communiqué conjoint publié ce mardi.</p>'
    'Posted by <a href="https://www.facebook.com/MAEC.Maroc">Ministère des Affaires '
    'étrangères</a> on <a href="https://www.facebook.com/MAEC.Maroc/posts/12345">Tuesday, '
    "January 30, 2024</a></blockquote></div>"
)
TIKTOK = (
    '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@nogood.io/video/738008756" '
    'data-video-id="738008756"><section><a target="_blank" title="@nogood.io" '
    'href="https://www.tiktok.com/@nogood.io">@nogood.io</a><p>just why 😫 #marketing</p>'
    '<a href="https://www.tiktok.com/music/x">♬ original sound – NoGood</a></section></blockquote>'
)
YOUTUBE = (
    '<p><iframe title="Discours du ministre à Marrakech" width="560" height="315" '
    'src="about:blank" data-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0">'
    "</iframe></p>"
    '<lite-youtube videoid="K2oawPsUc8Y" title="YouTube video player"></lite-youtube>'
)


def _page(inner: str, aside: str = "") -> str:
    return (
        '<html lang="fr"><head><title>Rencontre à Rabat - Le Site</title>'
        '<meta property="og:type" content="article"></head><body>'
        f"<article><h1>Rencontre à Rabat</h1>{inner}</article>"
        f'<aside class="sidebar">{aside}</aside></body></html>'
    )


def _take(html: str) -> tuple[list[Embed], str]:
    root = lxml.html.document_fromstring(html)
    embeds = take_embeds(root, "https://lebrief.ma/rencontre-1/")
    return embeds, " ".join(root.text_content().split())


def test_tweet_is_parsed_and_taken_out_with_its_wrapper() -> None:
    embeds, rest = _take(_page(PROSE + TWEET + PROSE))
    assert embeds == [Embed(
        platform="twitter", url="https://twitter.com/MarocDiplomatie/status/1752383377580278000",
        author="Maroc Diplomatie 🇲🇦", handle="MarocDiplomatie",
        text="Entretien fructueux avec mon homologue à Rabat.\nCap sur 2030 pic.twitter.com/AbC",
    )]
    assert "Entretien fructueux" not in rest and "MarocDiplomatie" not in rest
    assert "commission mixte" in rest


def test_every_platform_in_page_order() -> None:
    embeds, rest = _take(_page(INSTAGRAM + PROSE + FACEBOOK + TIKTOK + YOUTUBE))
    assert [e.platform for e in embeds] == [
        "instagram", "facebook", "tiktok", "youtube", "youtube"]
    instagram, facebook, tiktok, video, lite = embeds
    assert instagram == Embed(platform="instagram", url="https://www.instagram.com/p/CxjBfOhswdQ/",
                              author="VEJA", handle="veja",
                              text="Nouvelle collection, fabriquée au Maroc.")
    assert facebook == Embed(platform="facebook",
                             url="https://www.facebook.com/MAEC.Maroc/posts/12345",
                             author="Ministère des Affaires étrangères",
                             text="Communiqué conjoint publié ce mardi.")
    assert tiktok == Embed(platform="tiktok",
                           url="https://www.tiktok.com/@nogood.io/video/738008756",
                           handle="nogood.io", text="just why 😫 #marketing")
    # The lazy loader's data-src counts; a generic player title is not the video's.
    assert video == Embed(platform="youtube", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                          text="Discours du ministre à Marrakech")
    assert lite == Embed(platform="youtube", url="https://www.youtube.com/watch?v=K2oawPsUc8Y")
    for gone in ("Nouvelle collection", "Communiqué conjoint", "just why", "Posted by"):
        assert gone not in rest
    assert "coopération bilatérale" in rest


def test_iframes_of_posts_but_not_widgets() -> None:
    html = _page(PROSE + (
        '<iframe src="https://platform.twitter.com/embed/Tweet.html?id=1752383377580278000">'
        "</iframe>"
        '<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook'
        '.com%2FMAEC.Maroc%2Fposts%2F777&width=500"></iframe>'
        '<iframe src="https://www.instagram.com/reel/Cxa7WTSxszo/embed/captioned"></iframe>'
        '<iframe src="https://www.facebook.com/plugins/like.php?href=https%3A%2F%2Flebrief.ma">'
        "</iframe>"
        '<iframe src="https://www.google.com/maps/embed?pb=1"></iframe>'
    ))
    embeds, _ = _take(html)
    assert [(e.platform, e.url) for e in embeds] == [
        ("twitter", "https://twitter.com/i/status/1752383377580278000"),
        ("facebook", "https://www.facebook.com/MAEC.Maroc/posts/777"),
        ("instagram", "https://www.instagram.com/reel/Cxa7WTSxszo/"),
    ]


def test_site_furniture_duplicates_and_text_around_are_respected() -> None:
    sidebar_video = '<iframe src="https://www.youtube.com/embed/SiteChannel1"></iframe>'
    site_header = ('<header class="masthead"><iframe src="https://www.youtube.com/embed/'
                   'LiveTv00001"></iframe></header>')
    lead_video = ('<header class="entry-header"><iframe src="https://www.youtube.com/embed/'
                  'LeadVideo01"></iframe></header>')
    captioned = (
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">'
        f"{TWEET}</div><figcaption>Le tweet du ministère, mardi.</figcaption></figure>"
    )
    embeds, rest = _take(site_header + _page(lead_video + PROSE + TWEET + captioned,
                                              aside=sidebar_video))
    # The same post twice is one embed; the site's channel and live videos (sidebar, page
    # header) are not quotes; the article's own header holds its lead video.
    assert [e.url for e in embeds] == [
        "https://www.youtube.com/watch?v=LeadVideo01",
        "https://twitter.com/MarocDiplomatie/status/1752383377580278000"]
    # A wrapper with text of its own (a caption) keeps that text.
    assert "Le tweet du ministère, mardi." in rest


def test_record_carries_embeds_and_body_does_not() -> None:
    html = _page(PROSE + TWEET + INSTAGRAM + PROSE)
    article = extract_article(html.encode(), "https://lebrief.ma/rencontre-1/", outlet="x")
    assert article.verdict is Verdict.ARTICLE
    assert [e.platform for e in article.embeds] == ["twitter", "instagram"]
    assert "Entretien fructueux" not in article.text
    assert "Nouvelle collection" not in article.text
    assert "commission mixte" in article.text


@pytest.mark.parametrize("hints", [None, "registry"])
def test_lebrief_fixture_tweets(hints: str | None) -> None:
    """The fixture's two Maroc Diplomatie tweets, with and without the registry's selectors."""
    from registry import load_outlets

    page = (FIXTURES / "lebrief_bourita_jenkins.html").read_bytes()
    article = extract_article(
        page, "https://lebrief.ma/maroc-usa-bourita-s-entretient-avec-bonnie-jenkins-208880/",
        outlet="lebrief",
        hints=load_outlets()["lebrief"].extraction_hints if hints else None,
    )
    assert [(e.handle, e.url) for e in article.embeds] == [
        ("MarocDiplomatie", "https://twitter.com/MarocDiplomatie/status/1752383377580278000"),
        ("MarocDiplomatie", "https://twitter.com/MarocDiplomatie/status/1752700000000000000"),
    ]
    assert article.embeds[0].text.startswith("M. Nasser Bourita a reçu, aujourd’hui à Rabat")
    assert "pic.twitter.com" not in article.text and "a prononcé" not in article.text



SCRAPINGHUB = ROOT.parent / "shared" / "datasets" / "scrapinghub"


@pytest.mark.skipif(not SCRAPINGHUB.exists(),
                    reason="../shared/datasets/scrapinghub absent (real pages are not in the repo)")
def test_furniture_rules_weigh_the_page_with_its_embeds() -> None:
    """Embeds leave after furniture removal: its "most of the prose" guard counts their text.

    A real page (dawgsbynature.com, ScrapingHub's set) whose article is lists and tables with two
    tweets: taken out first, the tweets' paragraphs no longer outweigh the cookie banner's, the
    banner is kept as "most of the prose", and trafilatura returns it instead of the article.
    """
    import gzip
    import json

    truth = json.loads((SCRAPINGHUB / "ground-truth.json").read_text(encoding="utf-8"))
    (name,) = [k for k in truth if k.startswith("6a72de37e8")]
    body = gzip.decompress((SCRAPINGHUB / "html" / f"{name}.html.gz").read_bytes())
    article = extract_article(body, truth[name]["url"], outlet="x")
    assert "Below, we analyze the snap counts" in article.text
    assert "We use cookies" not in article.text
    assert [e.handle for e in article.embeds] == ["PFF_Browns", "PFF_Browns"]


def test_golden_pages_embeds_out_of_the_body() -> None:
    """Every golden page: each embedded post is in the record and none of its text in the body;
    the body is what ``expected.json`` says (the golden tests' F1 1.000 stays)."""
    from tests.support.golden import load_golden

    with_embeds = 0
    for page in load_golden():
        article = extract_article(page.body, page.url, outlet=page.outlet, headers=page.headers)
        tweets = page.body.count(b'class="twitter-tweet"')
        assert len(article.embeds) == tweets, page.name
        with_embeds += bool(tweets)
        for embed in article.embeds:
            first_line = (embed.text or "").split("\n")[0]
            assert first_line and first_line not in article.text, page.name
        assert article.paragraphs == page.expected.get("paragraphs", []), page.name
    assert with_embeds >= 1
