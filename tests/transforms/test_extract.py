"""Unit tests of the generic extractor on small pages modelled on the outlets' real DOM.

The three fixture pages under tests/fixtures/extract/ reproduce the themes described in the
research notes (lebrief WordPress + Reading Time WP, tagDiv Newspaper on lepetitjournalmarocain,
maghress's JSF aggregator template) with the article text of the seed crawls; the smaller pages
below are built inline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.support import TESTS
from transforms.boilerplate import (
    block_fingerprint,
    clean_paragraph,
    drop_learned,
    learn_boilerplate,
)
from transforms.decode import decode_html
from transforms.extract import EXTRACTOR_VERSION, extract_article, main
from transforms.metadata import split_authors
from transforms.record import Article, ExtractionHints, Verdict

FIXTURES = TESTS / "fixtures" / "extract"


def _norm(text: str) -> str:
    return " ".join(text.split())


def _load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _assert_body(article: Article, present: list[str], absent: list[str]) -> None:
    text = _norm(article.text)
    for paragraph in present:
        assert _norm(paragraph) in text, paragraph[:60]
    for furniture in absent:
        assert furniture not in text, furniture


# --- lebrief: Reading Time WP ×3, tweets, related cards, newsletter, comment form ------------

LEBRIEF_URL = "https://www.lebrief.ma/bourita-sentretient-avec-bonnie-jenkins-208101/"
LEBRIEF_BODY = [
    "Le ministre des Affaires étrangères, de la Coopération africaine et des Marocains résidant à "
    "l’étranger, Nasser Bourita, s’est entretenu, mardi à Rabat, avec la sous-secrétaire d’État "
    "américaine chargée du Contrôle des armements et des Affaires de sécurité internationale, "
    "Bonnie Jenkins.",
    "À l’issue de cet entretien, le chef de la diplomatie marocaine a affirmé que ces discussions "
    "s’inscrivent dans le cadre de la coordination renforcée entre le Maroc et les États-Unis",
    "Un point d’orgue de cette collaboration sera une importante rencontre à Marrakech",
    "Enfin, Nasser Bourita a assuré que le Maroc reste pleinement solidaire avec le Royaume "
    "hachémite de Jordanie face à ces défis sécuritaires.",
]
LEBRIEF_FURNITURE = [
    "Temps de lecture",
    "(@MarocDiplomatie)",
    "January 30, 2024",
    "pic.twitter.com",
    "t.co/",
    "La newsletter qui vous briefe en 5 min",
    "recevez l’essentiel de l’information",
    "Et sur nos réseaux sociaux",
    "Quand les députés brillent par leur absence",
    "Hammouchi participe",
    "Laissez-nous vos commentaires",
    "Laisser un commentaire",
    "Votre adresse e-mail ne sera pas publiée",
    "Champs requis marqués avec",
    "Poster commentaire",
    "Les plus lus",
    "Tous droits réservés",
    "WhatsApp",
]


@pytest.fixture(scope="module")
def lebrief() -> Article:
    return extract_article(
        _load("lebrief_bourita_jenkins.html"),
        LEBRIEF_URL + "?utm_source=twitter&wpv_paged=6#respond",
        outlet="lebrief",
        headers={"Content-Type": "text/html; charset=UTF-8"},
    )


def test_lebrief_body_without_furniture(lebrief: Article) -> None:
    assert lebrief.verdict is Verdict.ARTICLE
    _assert_body(lebrief, LEBRIEF_BODY, LEBRIEF_FURNITURE)
    assert lebrief.text == "\n\n".join(lebrief.paragraphs)
    assert lebrief.word_count == len(lebrief.text.split())


def test_lebrief_metadata(lebrief: Article) -> None:
    assert lebrief.title == "Bourita s’entretient avec Bonnie Jenkins à Rabat"
    assert lebrief.authors == ["Rédaction LeBrief"]
    assert lebrief.published_at == datetime(2024, 1, 31, 10, 15, tzinfo=UTC)
    assert lebrief.modified_at == datetime(2024, 1, 31, 11, 2, tzinfo=UTC)
    assert lebrief.language == "fr"
    assert lebrief.canonical_url == LEBRIEF_URL
    assert lebrief.categories == ["Politique"]
    assert lebrief.tags == ["Maroc-USA", "Nasser Bourita"]
    assert lebrief.image == "https://www.lebrief.ma/wp-content/uploads/2024/01/bourita.jpg"
    assert lebrief.extractor_version == EXTRACTOR_VERSION
    assert lebrief.original_outlet is None


def test_extraction_is_repeatable() -> None:
    """Pure function: same input, same record (no caches, no clock, no dedup state)."""
    body = _load("lebrief_bourita_jenkins.html")
    first = extract_article(body, LEBRIEF_URL, outlet="lebrief")
    second = extract_article(body, LEBRIEF_URL, outlet="lebrief")
    assert first == second


# --- tagDiv Newspaper (lepetitjournalmarocain) -------------------------------------------------

LPJM_URL = "https://lepetitjournalmarocain.com/2022/05/11/nasser-bourita-antony-blinken/"


@pytest.fixture(scope="module")
def lpjm() -> Article:
    # Fetched through the AMP variant; the record must name the canonical article.
    return extract_article(_load("lpjm_bourita_blinken.html"), LPJM_URL + "amp/", outlet="lpjm")


def test_lpjm_body_without_furniture(lpjm: Article) -> None:
    assert lpjm.verdict is Verdict.ARTICLE
    _assert_body(
        lpjm,
        [
            "Nasser Bourita, a eu un entretien téléphonique avec le secrétaire d’État américain, "
            "Antony Blinken.",
            "Il tient depuis ses réunions sous format virtuel.",
            "Le conclave de Marrakech connaîtra la participation des représentants de plus de 80 "
            "pays et organisations internationales.",
            "lutter contre les sources du terrorisme et de l’extrémisme sur le continent africain.",
        ],
        [
            "vendredi, novembre 22, 2024",
            "InternationalNational",
            "À la une",
            "La MINURSO réduit ses effectifs",
            "Facebook",
            "Articles liés",
            "Plus de l'auteur",
            "Maroc-USA : le partenariat stratégique",
            "Article précédent",
            "Journaliste au Petit Journal",
            "LAISSER UN COMMENTAIRE",
            "Les plus lus",
            "Copyright",
            "TAGS",
        ],
    )
    assert len(lpjm.paragraphs) == 13


def test_lpjm_metadata(lpjm: Article) -> None:
    assert lpjm.title == (
        "Nasser Bourita a eu un entretien téléphonique avec le secrétaire d’État américain"
    )
    assert lpjm.authors == ["Samir Alaoui", "Leila Bennani"]
    assert lpjm.published_at == datetime(2022, 5, 11, 9, 40, 12, tzinfo=UTC)
    assert lpjm.published_at.utcoffset() is not None
    assert lpjm.categories == ["International", "National"]
    assert lpjm.tags == ["Daech", "Antony Blinken"]
    assert lpjm.canonical_url == LPJM_URL
    assert lpjm.language == "fr"


# --- maghress aggregator copy ---------------------------------------------------------------

MAGHRESS_URL = "https://www.maghress.com/fr/lopinion/111027"
MAGHRESS_BODY = [
    "Nouvelle étape du Dialogue Stratégique entre le Maroc et les USA, celle-ci couvre cette fois "
    "la lutte contre la prolifération nucléaire et d'armes de destruction massive.",
    "L'intense activité diplomatique entre Rabat et Washington se poursuit.",
    "En plus du Maroc et des Etats Unis, la réunion compte également sur la participation de la "
    "Tunisie et de la Libye.",
    "en passant par l'acquisition des FAR de missiles Patriot.",
]
MAGHRESS_FURNITURE = [
    "Nasser Zefzafi entame une grève",
    "Bourse de Casablanca : ouverture dans le vert",
    "Cours des devises",
    "Merci d'avoir signalé",
    "automatiquement bloquée",
    "أبلغ عن إشهار",
    "Publié dans",
    "Cliquez ici pour lire",
    "Immigration : L'UE donne un tour de vis",
    "Plus de L'opinion",
    "لدينا",
]


@pytest.mark.parametrize(
    "hints",
    [
        ExtractionHints(aggregator=True, remove_selectors=("#belowheader", "marquee", ".report")),
        None,  # the general rules alone must be enough
    ],
    ids=["with-registry-hints", "no-hints"],
)
def test_maghress_copy(hints: ExtractionHints | None) -> None:
    article = extract_article(
        _load("maghress_lopinion_111027.html"), MAGHRESS_URL, outlet="maghress_fr", hints=hints
    )
    assert article.verdict is Verdict.ARTICLE
    _assert_body(article, MAGHRESS_BODY, MAGHRESS_FURNITURE)
    assert len(article.paragraphs) == 6  # <br>-separated paragraphs stay paragraphs
    assert article.title == (
        "Dialogue Stratégique Maroc-USA : la coopération dans la lutte contre la prolifération "
        "nucléaire à l'ordre du jour"
    )
    casablanca = timezone(timedelta(hours=1))  # Morocco's standard offset since 2018
    assert article.original_outlet == "L'opinion"
    assert article.original_published_at == datetime(2021, 1, 26, tzinfo=casablanca)
    assert article.original_url == (
        "https://lopinion.ma/Dialogue-Strategique-Maroc-USA-la-cooperation-dans-la-lutte-contre-la-"
        "proliferation-nucleaire-a-l-ordre-du-jour_a11027.html"
    )
    assert article.published_at == datetime(2021, 1, 26, tzinfo=casablanca)
    assert article.language == "fr"


# --- encodings and languages ----------------------------------------------------------------

ARABIC_PARAGRAPHS = [
    "أجرى وزير الشؤون الخارجية والتعاون الإفريقي والمغاربة المقيمين بالخارج، ناصر بوريطة، "
    "اليوم الثلاثاء بالرباط، مباحثات مع مساعدة وزير الخارجية الأمريكي المكلفة بمراقبة التسلح "
    "والأمن الدولي، بوني جنكينز.",
    "وأكد الوزير أن هذه المباحثات تندرج في إطار التنسيق المعزز بين المغرب والولايات المتحدة "
    "حول قضايا الأمن والاستقرار في العالم، وخاصة في القارة الإفريقية، مشيرا إلى أن البلدين "
    "ملتزمان بالتعاون الوثيق في مكافحة التهديدات الأمنية.",
    "وتحتضن مدينة مراكش اجتماعا هاما مخصصا لمكافحة الاتجار في أسلحة الدمار الشامل في إفريقيا، "
    "سواء تعلق الأمر بالأسلحة الكيماوية أو البيولوجية، وذلك بمشاركة ممثلين عن عدد كبير من الدول "
    "والمنظمات الدولية.",
]


def _page(title: str, paragraphs: list[str], *, lang: str, head: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="{lang}"><head>{head}<title>{title}</title>'
        '<meta property="og:type" content="article"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Footer</footer></body></html>"
    )


def test_windows_1256_arabic_declared_in_meta_only() -> None:
    html = _page(
        "بوريطة يتباحث مع بوني جنكينز",
        ARABIC_PARAGRAPHS,
        lang="ar",
        head='<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">',
    )
    body = html.encode("windows-1256")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    article = extract_article(
        body, "https://www.example.ma/ar/article-12345.html", outlet="x",
        headers={"content-type": "text/html"},
    )
    assert article.verdict is Verdict.ARTICLE
    assert article.language == "ar"
    assert article.title == "بوريطة يتباحث مع بوني جنكينز"
    _assert_body(article, ARABIC_PARAGRAPHS, ["Footer", "Home"])


def test_windows_1256_without_any_declaration_is_guessed() -> None:
    body = _page("بوريطة يتباحث مع بوني جنكينز", ARABIC_PARAGRAPHS, lang="").encode("cp1256")
    text, _encoding = decode_html(body, {})
    assert ARABIC_PARAGRAPHS[0] in text


def test_decode_prefers_bom_and_skips_lying_header() -> None:
    assert decode_html("\ufeff<p>é</p>".encode(), {"Content-Type": "text/html; charset=cp1256"})[
        0
    ] == "<p>é</p>"
    # Declared UTF-8, sent windows-1256: the declaration is wrong, the meta tag is right.
    body = '<meta charset="windows-1256"><p>المغرب</p>'.encode("cp1256")
    text, encoding = decode_html(body, {"content-type": "text/html; charset=utf-8"})
    assert "المغرب" in text and encoding == "cp1256"
    assert decode_html(b"<p>caf\xe9</p>", {"content-type": "text/html; charset=iso-8859-1"})[
        0
    ] == "<p>café</p>"


ENGLISH_PARAGRAPHS = [
    "Morocco's foreign minister Nasser Bourita held talks in Rabat on Tuesday with the United "
    "States Under Secretary for Arms Control and International Security, Bonnie Jenkins, "
    "focusing on regional security cooperation.",
    "The two officials discussed ways to strengthen the strategic partnership between the two "
    "countries, particularly in the fight against the proliferation of weapons of mass "
    "destruction on the African continent.",
    "A high-level meeting on the same topic opened in Marrakech on Wednesday and will run until "
    "February 2, bringing together delegations from across Africa.",
]


def test_english_page() -> None:
    html = _page("Bourita meets Bonnie Jenkins in Rabat", ENGLISH_PARAGRAPHS, lang="en-US")
    article = extract_article(
        html.encode(), "https://en.example.ma/bourita-meets-jenkins-123", outlet="x"
    )
    assert article.verdict is Verdict.ARTICLE
    assert article.language == "en"
    _assert_body(article, ENGLISH_PARAGRAPHS, ["Footer"])


def test_language_read_from_the_body_over_the_declaration() -> None:
    # A template left at lang="fr" on an English article: the body decides (the quick sample
    # disagrees with the declaration, so the full sample is read).
    html = _page("Bourita meets Bonnie Jenkins in Rabat", ENGLISH_PARAGRAPHS, lang="fr")
    article = extract_article(html.encode(), "https://example.ma/bourita-jenkins-123", outlet="x")
    assert article.language == "en"


def test_naive_dates_are_outlet_local_time() -> None:
    head = '<meta property="article:published_time" content="2024-07-01T09:30:00">'
    html = _page("Bourita meets Bonnie Jenkins", ENGLISH_PARAGRAPHS, lang="en", head=head)
    article = extract_article(
        html.encode(), "https://en.example.ma/a-b-c-1", outlet="x",
        hints=ExtractionHints(timezone="Africa/Casablanca"),
    )
    assert article.published_at is not None
    assert article.published_at.utcoffset() == timedelta(hours=1)
    assert article.published_at.astimezone(UTC) == datetime(2024, 7, 1, 8, 30, tzinfo=UTC)


# --- verdicts -------------------------------------------------------------------------------


def test_soft_404_with_status_200() -> None:
    html = (
        "<html><head><title>Page introuvable - LeBrief</title></head><body>"
        "<h1>Oups ! Page non trouvée</h1><p>La page que vous cherchez n'existe pas ou a été "
        "déplacée.</p><form><input name='s'></form></body></html>"
    )
    article = extract_article(html.encode(), "https://lebrief.ma/x-y-z-1/", outlet="lebrief")
    assert article.verdict is Verdict.SOFT_404
    assert article.text == ""


def test_listing_page() -> None:
    teasers = "".join(
        f'<div class="td_module_10"><h3 class="entry-title"><a href="/2024/11/{i:02d}/'
        f'article-numero-{i}-sur-la-politique/">Article numéro {i} sur la politique</a></h3>'
        f'<div class="td-excerpt">Résumé court de l’article {i}, quelques mots seulement '
        "pour donner envie de lire la suite…</div></div>"
        for i in range(1, 13)
    )
    html = (
        '<html><head><meta property="og:type" content="website"><title>National - LPJM</title>'
        f'</head><body><div class="td-ss-main-content">{teasers}</div>'
        '<div class="page-nav"><a href="/category/national/page/2/">2</a></div></body></html>'
    )
    article = extract_article(
        html.encode(), "https://lepetitjournalmarocain.com/category/national/", outlet="lpjm"
    )
    assert article.verdict is Verdict.LISTING, article.reason


@pytest.mark.parametrize(
    "content_type",
    ["application/pdf", "text/html; charset=utf-8", ""],
    ids=["pdf", "lying", "none"],
)
def test_pdf_body_is_not_html(content_type: str) -> None:
    body = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n"
    article = extract_article(
        body, "https://lebrief.ma/doc.pdf", outlet="lebrief", headers={"content-type": content_type}
    )
    assert article.verdict is Verdict.NOT_HTML


def test_json_content_type_is_not_html() -> None:
    article = extract_article(
        b'{"a": 1}', "https://lebrief.ma/wp-json/", outlet="lebrief",
        headers={"content-type": "application/json"},
    )
    assert article.verdict is Verdict.NOT_HTML


# A date only trafilatura's metadata pass (htmldate) finds, and a byline only its heuristics do.
DC_DATE = '<meta name="dc.date" content="2026-11-22">'


def test_trafilatura_fills_what_ours_misses_on_an_article() -> None:
    paragraphs = [f"{p} Paragraphe {i}." for i, p in enumerate(LEBRIEF_BODY)]
    html = _page("Bourita reçoit Bonnie Jenkins", paragraphs, lang="fr", head=DC_DATE).replace(
        "<article>", '<article><div class="post-author">Par Karim Alaoui</div>', 1)
    article = extract_article(html.encode(), "https://example.ma/bourita-jenkins-1/", outlet="x")
    assert article.verdict is Verdict.ARTICLE, article.reason
    assert article.published_at == datetime(2026, 11, 22, tzinfo=timezone(timedelta(hours=1)))
    assert article.authors == ["Karim Alaoui"]


def test_listing_gets_no_guessed_date() -> None:
    # On a listing, htmldate's date is the newest teaser's: not the page's, so not asked for.
    teasers = "".join(
        f'<div class="td_module_10"><h3 class="entry-title"><a href="/2024/11/{i:02d}/'
        f'article-numero-{i}-sur-la-politique/">Article numéro {i}</a></h3></div>'
        for i in range(1, 13)
    )
    html = (f"<html><head><title>National - LPJM</title>{DC_DATE}</head><body>"
            f"<div class='td-ss-main-content'>{teasers}</div></body></html>")
    article = extract_article(
        html.encode(), "https://lepetitjournalmarocain.com/category/national/", outlet="lpjm"
    )
    assert article.verdict is Verdict.LISTING, article.reason
    assert article.published_at is None


def test_too_short_page() -> None:
    # Without article metadata a stub is not stored; with it (og:type article), it is stored
    # with a flag (issue 13: no heuristic gate throws away a page that says it is an article).
    html = _page("Brève", ["Le Conseil de gouvernement se réunit jeudi à Rabat."], lang="fr")
    bare = html.replace('<meta property="og:type" content="article">', "")
    article = extract_article(bare.encode(), "https://lebrief.ma/breve-conseil-1234/", outlet="x")
    assert article.verdict is Verdict.TOO_SHORT
    flagged = extract_article(html.encode(), "https://lebrief.ma/breve-conseil-1234/", outlet="x")
    assert flagged.verdict is Verdict.ARTICLE
    assert flagged.reason is not None and flagged.reason.startswith("flagged too_short:")


def test_http_error_status() -> None:
    article = extract_article(
        b"<html></html>", "https://lebrief.ma/a-b-c-1/", outlet="x", status=503
    )
    assert article.verdict is Verdict.ERROR and "503" in (article.reason or "")


# --- canonical URL ---------------------------------------------------------------------------


def test_foreign_canonical_is_ignored() -> None:
    head = '<link rel="canonical" href="https://other-site.com/copied-article/">'
    html = _page("Bourita meets Bonnie Jenkins", ENGLISH_PARAGRAPHS, lang="en", head=head)
    url = "https://en.example.ma/bourita-meets-jenkins-123?amp=1"
    article = extract_article(html.encode(), url, outlet="x")
    assert article.canonical_url == "https://en.example.ma/bourita-meets-jenkins-123"


def test_og_url_used_without_rel_canonical() -> None:
    head = '<meta property="og:url" content="https://www.example.ma/bourita-jenkins-123/">'
    html = _page("Bourita meets Bonnie Jenkins", ENGLISH_PARAGRAPHS, lang="en", head=head)
    article = extract_article(html.encode(), "https://example.ma/?p=123", outlet="x")
    assert article.canonical_url == "https://www.example.ma/bourita-jenkins-123/"


# --- line cleaning, authors, learned boilerplate --------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Temps de lecture : 2 minutes", ""),
        ("2 minutes read", ""),
        ("Publié dans Barlamane le 28 - 06 - 2021", ""),
        ("Cliquez ici pour lire l'article depuis sa source.", ""),
        ("Merci d'avoir signalé!", ""),
        ("— Maroc Diplomatie 🇲🇦 (@MarocDiplomatie) January 30, 2024", ""),
        ("📺 https://t.co/5pOK7KqNLs pic.twitter.com/cjSTrYDrJi— Maroc Diplomatie 🇲🇦 "
         "(@MarocDiplomatie) January 31, 2024", ""),
        ("Mme Bonnie D. Jenkin. pic.twitter.com/Q7mPQhjYnb", "Mme Bonnie D. Jenkin."),
        ("Le Maroc - qui préside - la session.", "Le Maroc - qui préside - la session."),
        ("La newsletter qui vous briefe en 5 min", ""),
    ],
)
def test_clean_paragraph(line: str, expected: str) -> None:
    assert clean_paragraph(line) == expected


def test_split_authors() -> None:
    assert split_authors("Par Samir Alaoui et Leila Bennani") == ["Samir Alaoui", "Leila Bennani"]
    assert split_authors("By A. Smith and B. Jones") == ["A. Smith", "B. Jones"]


def test_learned_boilerplate() -> None:
    footer = "Suivez LeBrief sur Google News pour ne rien rater de l'actualité 2024"
    topics = ["budget", "santé", "pêche", "tourisme", "neige", "emploi"]
    pages = [[f"Un article sur {t}.", footer.replace("2024", str(2020 + i))]
             for i, t in enumerate(topics)]
    learned = learn_boilerplate(pages, min_share=0.5)
    assert learned == frozenset({block_fingerprint(footer)})
    assert learn_boilerplate(pages[:2]) == frozenset()  # too few pages to learn from
    kept = drop_learned(["Prose.", footer], learned, title="Budget 2025")
    assert kept == ["Prose."]
    # A recurring block made of the page's own title words stays.
    assert drop_learned([footer], learned, title=footer) == [footer]


def test_cli_prints_body(capsys: pytest.CaptureFixture[str]) -> None:
    page = FIXTURES / "lpjm_bourita_blinken.html"
    assert main([str(page), "--url", LPJM_URL]) == 0
    out = capsys.readouterr().out
    assert "Il tient depuis ses réunions sous format virtuel." in out
    assert "InternationalNational" not in out


def test_cli_bad_input_is_one_line_exit_2(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing page, a folder, an unknown outlet: one line naming the problem, no traceback."""
    page = FIXTURES / "lpjm_bourita_blinken.html"
    for argv, needle in (([str(tmp_path / "missing.html")], "missing.html: No such file"),
                         ([str(tmp_path)], "Is a directory"),
                         ([str(page), "--outlet", "nowhere"], "unknown outlet 'nowhere'")):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("python -m transforms.extract: error: ")
        assert needle in lines[0], lines[0]
        assert captured.out == "" and "Traceback" not in captured.err
