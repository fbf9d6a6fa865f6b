"""Embedded social posts: read from the untouched page, then taken out of the article body.

A tweet, an Instagram or Facebook post, a TikTok or a YouTube video that a story embeds is a
quote the story relies on ("the minister wrote on X…"), not the outlet's prose. It is kept in the
record (``Article.embeds``: platform, URL, author, handle, text) and removed from the tree before
trafilatura reads the body (``EmbedsFound.remove``, right after furniture removal), so it never
counts as the outlet's words, whatever the theme's markup around it.

What is recognised, as the platforms' embed codes write it (and WordPress's ``wp-block-embed``
wrappers around them):

* X/Twitter: ``blockquote.twitter-tweet`` / ``twitter-video`` (text, "— Name (@handle) date"
  footer, status link); rendered widgets and iframes carrying ``data-tweet-id`` or ``?id=``.
* Instagram: ``blockquote.instagram-media`` (permalink, "A post shared by Name (@handle)", the
  caption when the code has one); ``instagram.com/p|reel|tv/<id>/embed`` iframes.
* Facebook: ``div.fb-post`` / ``div.fb-video`` (``data-href``, the quoted text and "Posted by");
  ``facebook.com/plugins/post.php`` / ``video.php`` iframes. Like buttons and page boxes
  (``like.php``, ``page.php``) are widgets, not posts.
* TikTok: ``blockquote.tiktok-embed`` (``cite``, caption, @handle).
* YouTube: ``youtube.com`` / ``youtube-nocookie.com`` ``/embed/<id>`` iframes (``src`` or a
  lazy loader's ``data-src``) and ``lite-youtube[videoid]``; the text is the video's title when
  the embed names it.

Embeds inside nav, aside, a sidebar, or the page's header or footer (not the article's own) are
the site's (its channel, its feed), not the story's: they are left for furniture removal and
not recorded. "Widget" classes
do not count: themes wrap in-article embeds in them ("sdc-article-widget").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from lxml.html import HtmlElement

from transforms.htmltext import block_lines
from transforms.record import Embed

# Tags an embed code uses; divs count only with a Facebook class or a tweet id (checked in
# ``_candidates``). One ``iter`` over these tags costs less than half an XPath union (which walks
# the tree once per path): 0.3 ms against 0.75 ms per WCXB page.
_CANDIDATE_TAGS = ("iframe", "lite-youtube", "blockquote", "div", "twitter-widget")
_TWEET_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d+)", re.I
)
# "— Maroc Diplomatie 🇲🇦 (@MarocDiplomatie) January 30, 2024" closes the blockquote.
_TWEET_FOOTER = re.compile(r"[—–-]\s*(?P<name>[^()\n]*?)\s*\(@(?P<handle>\w{1,15})\)[^()]*$")
_INSTAGRAM_URL = re.compile(r"https?://(?:www\.)?instagram\.com/(?:[\w.]+/)?(p|reel|tv)/([\w-]+)")
# "A post shared by Patagonia (@patagonia)", in whatever language the embed code was made.
_SHARED_BY = re.compile(r"(?P<name>[^()\n]*?)\s*\(@(?P<handle>[\w.]{1,30})\)\s*$")
_SHARED_BY_LABEL = re.compile(
    r"^(?:a post shared by|une publication partagée par|ein beitrag geteilt von"
    r"|una publicación compartida por|um post compartilhado por|un post condiviso da"
    r"|تمت مشاركة منشور بواسطة|منشور تمت مشاركته بواسطة)\s*",
    re.IGNORECASE,
)
_INSTAGRAM_FURNITURE = re.compile(
    r"^(?:view this post on instagram|voir cette publication sur instagram"
    r"|diesen beitrag auf instagram ansehen|ver esta publicación en instagram"
    r"|عرض هذا المنشور على إنستغرام)$",
    re.IGNORECASE,
)
_YOUTUBE_ID = re.compile(r"(?:youtube(?:-nocookie)?\.com/(?:embed|v)/|youtu\.be/)([\w-]{11})")
# Titles an embed code gives every video: not the video's.
_GENERIC_TITLES = re.compile(
    r"^(?:youtube(?: video)?(?: player)?|video(?: player)?|embedded (?:content|video)|play video|"
    r"watch the video|vidéo youtube|lecteur vidéo youtube)$",
    re.IGNORECASE,
)
_FACEBOOK_PLUGIN = re.compile(r"facebook\.com/plugins/(post|video)\.php", re.I)
_POSTED_BY = re.compile(r"^(?:posted by|publié par|publicado por|veröffentlicht von)\s+", re.I)
_TIKTOK_HANDLE = re.compile(r"tiktok\.com/@([\w.]+)")
# Wrappers that hold nothing but the embed (WordPress blocks, theme boxes, a lone paragraph).
_WRAPPER_TAGS = {"figure", "div", "p", "span", "center", "section"}
_OUTSIDE = {"nav", "aside", "footer", "header"}
# Class tokens of the site's own areas (checked token by token, below <article>/<main>).
_OUTSIDE_CLASS = re.compile(
    r"^(?:sidebar|site-footer|site-header|footer|menu)$|[-_]sidebar$",
    re.IGNORECASE,
)
_LAZY_SRC = ("src", "data-src", "data-lazy-src", "data-litespeed-src")


def _text(element: HtmlElement) -> str:
    """Text with <br> and block boundaries as line breaks, spaces collapsed within lines."""
    return "\n".join(block_lines(element))


def _src(element: HtmlElement) -> str:
    for name in _LAZY_SRC:
        value = (element.get(name) or "").strip()
        if value and not value.startswith("data:") and value != "about:blank":
            return value
    return ""


def _tweet(element: HtmlElement) -> Embed | None:
    tweet_id = element.get("data-tweet-id")
    if tweet_id and element.tag != "blockquote":
        return Embed(platform="twitter", url=f"https://twitter.com/i/status/{tweet_id}")
    links = [m for a in element.iter("a") if (m := _TWEET_URL.search(a.get("href") or ""))]
    text = _text(element)
    author = handle = None
    footer = _TWEET_FOOTER.search(text)
    if footer:
        author, handle = footer.group("name").strip() or None, footer.group("handle")
        text = text[: footer.start()].strip()
    url = None
    if links:
        user, status = links[-1].groups()
        url = f"https://twitter.com/{user}/status/{status}"
        handle = handle or user
    return Embed(platform="twitter", url=url, author=author, handle=handle, text=text or None)


def _instagram(element: HtmlElement) -> Embed:
    url = None
    for candidate in [element.get("data-instgrm-permalink") or ""] + [
        a.get("href") or "" for a in element.iter("a")
    ]:
        match = _INSTAGRAM_URL.search(candidate)
        if match:
            url = f"https://www.instagram.com/{match.group(1)}/{match.group(2)}/"
            break
    author = handle = None
    lines = []
    for line in _text(element).split("\n"):
        if _INSTAGRAM_FURNITURE.match(line):
            continue
        shared = _SHARED_BY.search(line) if _SHARED_BY_LABEL.match(line) else None
        if shared:
            author = _SHARED_BY_LABEL.sub("", shared.group("name")).strip() or None
            handle = shared.group("handle")
            continue
        lines.append(line)
    return Embed(platform="instagram", url=url, author=author, handle=handle,
                 text="\n".join(lines) or None)


def _facebook(element: HtmlElement, base: str) -> Embed:
    href = element.get("data-href") or ""
    author = None
    lines = []
    for line in _text(element).split("\n"):
        if _POSTED_BY.match(line):
            author = _POSTED_BY.sub("", line).split(" on ")[0].split(" sur ")[0].strip() or None
            continue
        lines.append(line)
    return Embed(platform="facebook", url=urljoin(base, href) if href else None, author=author,
                 text="\n".join(lines) or None)


def _tiktok(element: HtmlElement) -> Embed:
    url = element.get("cite") or None
    handle_match = _TIKTOK_HANDLE.search(url or "")
    handle = handle_match.group(1) if handle_match else None
    lines = [line for line in _text(element).split("\n")
             if not line.startswith("♬") and line.lstrip("@") != handle]
    return Embed(platform="tiktok", url=url, handle=handle, text=" ".join(lines) or None)


def _video_title(element: HtmlElement) -> str | None:
    title = " ".join((element.get("title") or "").split())
    return None if not title or _GENERIC_TITLES.match(title) else title


def _iframe(element: HtmlElement, base: str) -> Embed | None:
    src = urljoin(base, _src(element))
    if (match := _YOUTUBE_ID.search(src)) is not None:
        return Embed(platform="youtube", url=f"https://www.youtube.com/watch?v={match.group(1)}",
                     text=_video_title(element))
    host = (urlsplit(src).hostname or "").lower()
    query = parse_qs(urlsplit(src).query)
    if host.endswith("twitter.com") and "/embed" in src and query.get("id"):
        return Embed(platform="twitter", url=f"https://twitter.com/i/status/{query['id'][0]}")
    if (match := _INSTAGRAM_URL.search(src)) is not None:
        return Embed(platform="instagram",
                     url=f"https://www.instagram.com/{match.group(1)}/{match.group(2)}/")
    if _FACEBOOK_PLUGIN.search(src) and query.get("href"):
        return Embed(platform="facebook", url=unquote(query["href"][0]))
    return None


def _parse(element: HtmlElement, base: str) -> Embed | None:
    tag = element.tag
    classes = set((element.get("class") or "").split())
    if tag == "iframe":
        return _iframe(element, base)
    if tag == "lite-youtube":
        video = element.get("videoid")
        if not video:
            return None
        return Embed(platform="youtube", url=f"https://www.youtube.com/watch?v={video}",
                     text=_video_title(element))
    if classes & {"twitter-tweet", "twitter-video"} or element.get("data-tweet-id"):
        return _tweet(element)
    if "instagram-media" in classes:
        return _instagram(element)
    if "tiktok-embed" in classes:
        return _tiktok(element)
    if classes & {"fb-post", "fb-video"}:
        return _facebook(element, base)
    return None


def _candidates(root: HtmlElement) -> list[HtmlElement]:
    """The elements that may be embeds, in document order."""
    found = []
    for element in root.iter(*_CANDIDATE_TAGS):
        if element.tag == "div":
            classes = element.get("class") or ""
            if "fb-" not in classes and not element.get("data-tweet-id"):
                continue
        found.append(element)
    return found


def _site_furniture(element: HtmlElement) -> bool:
    """In nav, aside, a sidebar, or a header or footer that is the page's, not the article's (an
    article's own <header> may hold its lead video). Ancestors are read up to <article>/<main>."""
    path, in_article = [], False
    for node in element.iterancestors():
        if node.tag in {"article", "main", "body", "html"}:
            in_article = node.tag in {"article", "main"}
            break
        path.append(node)
    for node in path:
        if node.tag in _OUTSIDE and not (in_article and node.tag in {"header", "footer"}):
            return True
        if any(_OUTSIDE_CLASS.search(token) for token in (node.get("class") or "").split()):
            return True
    return False


def _outermost_wrapper(element: HtmlElement) -> HtmlElement:
    """The embed with the wrappers that hold nothing else (no text of their own around it)."""
    node = element
    while True:
        parent = node.getparent()
        if parent is None or parent.tag not in _WRAPPER_TAGS:
            return node
        others = [c for c in parent if c is not node and isinstance(c.tag, str)
                  and c.tag not in {"script", "noscript"}]
        loose = (parent.text or "").strip() or any((c.tail or "").strip() for c in parent)
        if others or loose:
            return node
        node = parent


@dataclass
class EmbedsFound:
    """The embeds of a page (``embeds``) and the elements they occupy (``nodes``)."""

    embeds: list[Embed] = field(default_factory=list)
    nodes: list[HtmlElement] = field(default_factory=list)

    def remove(self) -> None:
        """Take the embeds (and their empty wrappers) out of the tree they were read from."""
        for element in self.nodes:
            if element.getparent() is not None:
                element.drop_tree()  # lxml keeps the tail text, joined to what precedes
        self.nodes = []


def read_embeds(root: HtmlElement, base_url: str) -> EmbedsFound:
    """Every embedded post of the page in reading order, and where it sits.

    The same post embedded twice is recorded once (both places are removed). An embed of an
    unknown kind (a map, a poll) is left alone. ``remove()`` takes them out: the extractor calls
    it after furniture removal, so that the furniture rules weigh the page as it was served
    (their "keeps most of the page's prose" guard counts the embeds' paragraphs too).
    """
    found = EmbedsFound()
    seen: set[tuple[str, str]] = set()
    taken: set[HtmlElement] = set()
    for element in _candidates(root):
        if any(node in taken for node in element.iterancestors()):
            continue  # inside an embed already taken (the iframe a widget rendered)
        if _site_furniture(element):
            continue
        embed = _parse(element, base_url)
        if embed is None:
            continue
        taken.add(element)
        found.nodes.append(_outermost_wrapper(element))
        key = (embed.platform, embed.url or embed.text or "")
        if key not in seen:
            seen.add(key)
            found.embeds.append(embed)
    return found


def take_embeds(root: HtmlElement, base_url: str) -> list[Embed]:
    """``read_embeds`` and ``remove()`` at once: the embeds, now out of ``root``."""
    found = read_embeds(root, base_url)
    found.remove()
    return found.embeds
