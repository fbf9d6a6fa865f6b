"""Per-outlet extraction hooks (``transforms/outlets/<outlet_id>.py``): loaded by outlet id,
applied to that outlet only, and never worse than the general rules when their markup is gone."""

from __future__ import annotations

import pkgutil

import pytest

from registry import load_outlets
from tests.support.golden import GoldenPage, load_golden
from transforms import outlets
from transforms.extract import extract_article

HOOKS = [m.name for m in pkgutil.iter_modules(outlets.__path__)]


def _lopinion_page() -> GoldenPage:
    return next(p for p in load_golden() if p.outlet == "lopinion")


@pytest.mark.parametrize("outlet", HOOKS)
def test_hooks_are_registry_outlets_with_known_fields(outlet: str) -> None:
    """A hook for an id the registry lacks, or a function named for no field ("author"), would
    silently do nothing."""
    assert outlet in load_outlets()
    module = outlets.outlet_module(outlet)
    public = {n for n, v in vars(module).items()
              if callable(v) and not n.startswith("_") and v.__module__ == module.__name__}
    assert public and public <= set(outlets.FIELDS)


@pytest.mark.parametrize("outlet", ["lebrief", "scrapinghub", "../registry", "Lopinion", "a.b"])
def test_no_hook_for_other_ids(outlet: str) -> None:
    assert outlets.outlet_module(outlet) is None
    assert outlets.field_hooks(outlet) == {}


def test_lopinion_hook_reads_the_wmaker_byline_and_section() -> None:
    """The worked example: without it the general rules find neither (see the same page under
    another outlet id)."""
    page = _lopinion_page()
    ours = extract_article(page.body, page.url, outlet="lopinion", headers=page.headers)
    assert ours.authors == ["Nadia Berrada"] and ours.categories == ["Société"]
    other = extract_article(page.body, page.url, outlet="barlamane_fr", headers=page.headers)
    assert other.authors == [] and other.categories == []
    assert other.text == ours.text and other.title == ours.title


def test_an_empty_hook_value_keeps_the_general_reading() -> None:
    """A redesign that drops span.auteur degrades to the general rules (meta author), not to
    no author."""
    page = _lopinion_page()
    body = page.body.decode("utf-8")
    body = body.replace('<span class="auteur">Rédigé par Nadia Berrada</span>', "")
    body = body.replace("</head>", '<meta name="author" content="Karim Tazi"></head>')
    article = extract_article(body.encode("utf-8"), page.url, outlet="lopinion",
                              headers=page.headers)
    assert article.authors == ["Karim Tazi"]
    assert article.categories == ["Société"]
