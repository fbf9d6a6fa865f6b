"""Small French article pages for the tests that serve them over loopback (not a test module)."""

from __future__ import annotations

import random

SENTENCES = [
    "Le gouvernement a présenté mardi à Rabat son programme de réforme du système de santé.",
    "Les syndicats ont salué une avancée tout en réclamant un calendrier plus précis.",
    "Selon le ministre, les hôpitaux régionaux recevront des moyens supplémentaires dès l'été.",
    "Les élus de l'opposition ont dénoncé un manque de concertation avec les professionnels.",
    "À Casablanca, les médecins du secteur public attendent des mesures concrètes et rapides.",
    "Le texte sera examiné par la commission parlementaire compétente avant la fin du mois.",
]


def paragraphs(seed: int) -> list[str]:
    """Three paragraphs of four sentences each, drawn by ``seed``."""
    rng = random.Random(seed)
    return [" ".join(rng.sample(SENTENCES, 4)) for _ in range(3)]


def article_html(title: str, seed: int, head: str = "") -> str:
    """A plain article page with three paragraphs of about 60 words each."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs(seed))
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8">{head}'
            f'<title>{title}</title><meta property="og:type" content="article"></head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>")
