"""Arabic terms of the story features: one word gives one term whatever is fused before it, and
a word's own first letter is not cut as if it were the conjunction "و"."""

from __future__ import annotations

import pytest

from transforms.story import content_terms, entity_keys, story_features


def _term(word: str) -> str:
    (term,) = content_terms(word)
    return term


@pytest.mark.parametrize(
    ("forms", "term"),
    [
        # "minister": its "و" is a root letter, kept bare, after the article and after "و"
        (["وزير", "الوزير", "والوزير", "ووزير", "للوزير", "بالوزير"], "وزير"),
        # "ministry" (ة folded to ه): a longer root-"و" word
        (["وزارة", "الوزارة", "والوزارة", "ووزارة", "للوزارة"], "وزاره"),
        (["وكالة", "الوكالة", "ووكالة"], "وكاله"),
        # the conjunction and the article are still cut before an ordinary word
        (["حكومة", "الحكومة", "والحكومة", "وحكومة", "بالحكومة", "للحكومة"], "حكومه"),
        (["مشروع", "ومشروع", "المشروع", "والمشروع"], "مشروع"),
    ],
)
def test_one_word_one_term(forms: list[str], term: str) -> None:
    assert {form: _term(form) for form in forms} == dict.fromkeys(forms, term)


@pytest.mark.parametrize("name", ["بوريطة", "بنسليمان", "لقجع", "لخضر", "فاطمة", "وجدة"])
def test_names_keep_their_first_letter(name: str) -> None:
    assert _term(name)[0] == name[0]


def test_a_minister_in_two_headlines_is_one_shared_term() -> None:
    a = content_terms("وزير الصحة يزور مستشفى العيون")
    b = content_terms("الوزير التهراوي في زيارة لمستشفى العيون")
    assert "وزير" in set(a) & set(b)
    assert "زير" not in set(a) | set(b)


def test_words_every_outlet_uses_are_no_title_keys() -> None:
    common = story_features("المغرب والحكومة ووزارة الوزير", "", "ar")
    rare = story_features("فيضانات تارودانت", "", "ar")
    assert common.title  # still terms the scorer compares
    assert entity_keys(common) == []
    assert len(entity_keys(rare)) == 2
