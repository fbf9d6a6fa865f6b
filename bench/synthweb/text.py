"""Deterministic French news text for the synthetic web, recombined from the snapshot.

The snapshot's 36 hand-written articles are the raw material: their sentences are split out,
their figures and place names become slots, and new sentences are also built from a small
grammar of Moroccan-news phrases (the "other material"). An article is then a seeded draw of
titles, paragraphs and figures, so 20,000 pages read like news, differ from each other (no two
share a paragraph, so the extractor's learned-boilerplate pass keeps them whole), and the same
seed always gives the same bytes.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from snapshot import SNAPSHOT_DIR

__all__ = ["Corpus", "Text", "corpus"]

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Þ«“\"])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
CITIES = (
    "Rabat", "Casablanca", "Tanger", "Marrakech", "Agadir", "Fès", "Meknès", "Oujda", "Tétouan",
    "Kénitra", "Laâyoune", "Dakhla", "Béni Mellal", "Errachidia", "Safi", "El Jadida", "Nador",
    "Essaouira", "Ouarzazate", "Taza", "Khouribga", "Settat", "Larache",
)
_CITY = re.compile(r"\b(" + "|".join(sorted(CITIES, key=len, reverse=True)) + r")\b")

_SUBJECTS = (
    "Le ministère de l’Équipement", "La wilaya de la région", "Le Haut-Commissariat au Plan",
    "Bank Al-Maghrib", "L’Office national de l’électricité et de l’eau potable",
    "Le conseil communal", "La Chambre des conseillers", "L’Agence nationale des ports",
    "La direction régionale de la santé", "Le syndicat des enseignants",
    "L’Office chérifien des phosphates", "La fédération des transporteurs",
    "Le Conseil économique, social et environnemental", "La Caisse de dépôt et de gestion",
    "L’association des producteurs d’agrumes", "Le groupement des pharmaciens",
    "La Fédération royale marocaine de football", "Le tribunal de première instance",
)
_VERBS = (
    "a annoncé", "a présenté", "a confirmé", "prévoit", "a lancé", "a dévoilé", "a signé",
    "examine", "a validé", "a mis en service", "a inauguré", "a reporté",
)
_OBJECTS = (
    "un programme de {n} millions de dirhams pour la réhabilitation des routes rurales",
    "un plan d’action couvrant {n} communes de la région de {city}",
    "la construction de {n} logements sociaux à la périphérie de {city}",
    "une convention de partenariat pour la formation de {n} jeunes diplômés",
    "un nouveau calendrier pour les travaux du tramway de {city}",
    "une hausse de {p}% des investissements prévus l’an prochain",
    "l’ouverture de {n} classes préscolaires supplémentaires à {city}",
    "la mise en service d’une station de dessalement d’une capacité de {n} mètres cubes par jour",
    "un accord portant sur l’exportation de {n} tonnes de produits agricoles",
    "une campagne de contrôle des prix dans {n} marchés de gros",
    "un projet de parc solaire de {n} mégawatts près de {city}",
    "la rénovation de {n} centres de santé de proximité",
)
_TAILS = (
    "selon un communiqué publié {day}", "d’ici la fin de l’année {year}",
    "en présence des élus locaux", "après plusieurs mois de concertation",
    "dans le cadre du nouveau modèle de développement", "a-t-on appris de source officielle",
    "malgré les réserves exprimées par l’opposition", "lors d’une réunion tenue {day} à {city}",
)
_DAYS = "lundi mardi mercredi jeudi vendredi samedi dimanche".split()
_TITLE_TOPICS = (
    "Inflation", "Tourisme", "Eau potable", "Santé", "Éducation", "Emploi", "Logement", "Énergie",
    "Agriculture", "Transport", "Football", "Culture", "Justice", "Diplomatie", "Industrie",
    "Numérique", "Pêche", "Environnement", "Finances publiques", "Sécurité routière",
)


@dataclass(frozen=True, slots=True)
class Text:
    """One drawn article body: title, subtitle and paragraphs (plain text)."""

    title: str
    subtitle: str
    paragraphs: tuple[str, ...]


class Corpus:
    """Sentences, titles and authors taken from the snapshot's content files."""

    def __init__(self, content_dir: Path = SNAPSHOT_DIR / "content") -> None:
        sentences: list[str] = []
        titles: list[str] = []
        subtitles: list[str] = []
        authors: set[str] = set()
        for path in sorted(content_dir.glob("*/[!_]*.yaml")):
            article = yaml.safe_load(path.read_text(encoding="utf-8"))
            if article.get("title"):
                titles.append(article["title"])
            if article.get("subtitle"):
                subtitles.append(article["subtitle"])
            if article.get("author"):
                authors.add(article["author"])
            for paragraph in article.get("paragraphs") or ():
                sentences += [s for s in _SENTENCE_END.split(paragraph) if len(s.split()) >= 6]
        self.sentences = tuple(dict.fromkeys(sentences))
        self._templates = tuple(_template(s) for s in self.sentences)
        self.titles = tuple(titles)
        self.subtitles = tuple(subtitles)
        self.authors = tuple(sorted(authors))

    def _vary(self, rng: random.Random, sentence: str) -> str:
        """The same sentence with other figures and other cities: reads alike, hashes apart."""
        return _fill(rng, _template(sentence))

    def _fact(self, rng: random.Random) -> tuple[str, str]:
        """(subject + verb + object, a trailing circumstance) from the phrase grammar."""
        fill = {"n": rng.randint(2, 900), "p": rng.randint(2, 40), "city": rng.choice(CITIES),
                "day": rng.choice(_DAYS), "year": rng.randint(2026, 2030)}
        obj = rng.choice(_OBJECTS).format(**fill)
        return (f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {obj}",
                rng.choice(_TAILS).format(**fill))

    def _grammar_sentence(self, rng: random.Random) -> str:
        fact, tail = self._fact(rng)
        return f"{fact}, {tail}."

    def sentence(self, rng: random.Random) -> str:
        if rng.random() < 0.7:
            return _fill(rng, rng.choice(self._templates))
        return self._grammar_sentence(rng)

    def paragraph(self, rng: random.Random) -> str:
        return " ".join(self.sentence(rng) for _ in range(rng.randint(2, 4)))

    def title(self, rng: random.Random) -> str:
        """A headline: a snapshot headline's head with another's tail (figures and cities
        redrawn), or a head or topic with a fact from the phrase grammar."""
        heads = [t.split(" : ")[0] for t in self.titles]
        if rng.random() < 0.4:
            tails = [t.split(" : ", 1)[1] for t in self.titles if " : " in t]
            return self._vary(rng, f"{rng.choice(heads)} : {rng.choice(tails)}")
        fact, _ = self._fact(rng)
        head = rng.choice(heads) if rng.random() < 0.3 else rng.choice(_TITLE_TOPICS)
        return f"{head} : {fact[0].lower()}{fact[1:]}"

    def text(self, rng: random.Random) -> Text:
        paragraphs = tuple(self.paragraph(rng) for _ in range(rng.randint(4, 7)))
        subtitle = self._vary(rng, rng.choice(self.subtitles)) if self.subtitles else ""
        return Text(self.title(rng), subtitle, paragraphs)

    def near_duplicate(self, rng: random.Random, original: Text) -> Text:
        """The same story retold by another outlet: a few figures changed, one paragraph added."""
        paragraphs = [
            _NUMBER.sub(lambda m: _figure(rng, m.group(0)), p) if rng.random() < 0.3 else p
            for p in original.paragraphs
        ]
        paragraphs.append(self.paragraph(rng))
        return Text(f"{original.title} (réactions)", original.subtitle, tuple(paragraphs))


_Template = tuple[tuple[str, str], ...]  # (literal text, slot: "" | a figure | "city")


def _template(sentence: str) -> _Template:
    """A sentence cut into literal text and slots (its figures and cities), parsed once so
    that drawing a variant is a join, not a regex substitution per page."""
    slot = re.compile(f"{_NUMBER.pattern}|{_CITY.pattern}")
    parts, last = [], 0
    for match in slot.finditer(sentence):
        figure = match.group(0)
        parts.append((sentence[last:match.start()],
                      "city" if _CITY.fullmatch(figure) else figure))
        last = match.end()
    parts.append((sentence[last:], ""))
    return tuple(parts)


def _fill(rng: random.Random, template: _Template) -> str:
    out = []
    for text, slot in template:
        out.append(text)
        if slot == "city":
            out.append(rng.choice(CITIES))
        elif slot:
            out.append(_figure(rng, slot))
    return "".join(out)


def _figure(rng: random.Random, figure: str) -> str:
    """Another number of the same shape (a year stays a plausible year)."""
    if len(figure) == 4 and figure.startswith("20"):
        return str(rng.randint(2019, 2030))
    return "".join(str(rng.randint(1 if i == 0 else 0, 9)) if c.isdigit() else c
                   for i, c in enumerate(figure))


@cache
def corpus() -> Corpus:
    """The corpus of the bundled snapshot (read once per process)."""
    return Corpus()
