"""Salience: first offset, title presence, the score and the order of entities."""

from __future__ import annotations

import math

import pytest
from spacy.language import Language

from pipeline.records import Entity, Mention
from pipeline.stages.salience import in_title, ranked, salience
from pipeline.stages.tag import tag_articles
from tests.support.articles import article


def entity(name: str, label: str, *mentions: tuple[int, str]) -> Entity:
    return Entity(
        id=f"{label.lower()}:{name.lower().replace(' ', '-')}",
        name=name,
        label=label,
        count=len(mentions),
        mentions=[Mention(start=s, end=s + len(t), text=t) for s, t in mentions],
    )


def test_formula() -> None:
    assert salience(3, 3, 0, 100, True) == 1.0
    assert salience(1, 3, 50, 100, False) == pytest.approx(0.4 * 0.5 + 0.3 * 0.5)
    assert salience(1, 1, 99, 100, False) == pytest.approx(0.403)
    assert salience(0, 0, 0, 0, False) == 0.0


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Scholz’s coalition collapses after Lindner is fired", True),
        ("Olaf Scholz calls a confidence vote", True),
        ("SCHOLZ SACKS FINANCE MINISTER", True),
        ("Scholzes of Berlin", False),
        ("", False),
    ],
)
def test_person_in_title_by_surname(title: str, expected: bool) -> None:
    scholz = entity("Olaf Scholz", "PERSON", (0, "Olaf Scholz"), (40, "Scholz"))
    assert in_title(scholz, title) is expected


def test_title_match_keeps_case_unless_all_caps() -> None:
    us = entity("US", "GPE", (10, "US"))
    assert in_title(us, "US troops leave Niger")
    assert not in_title(us, "Trump tells us to wait")
    assert in_title(us, "TRUMP TELLS US TO WAIT")


def test_ranked_sets_fields_and_orders_with_stable_ties() -> None:
    text_length = 1000
    late = entity("Sudan", "GPE", (900, "Sudan"))
    often = entity("Rapid Support Forces", "ORG", (100, "Rapid Support Forces"), (300, "RSF"))
    twin_a = entity("Khartoum", "GPE", (500, "Khartoum"))
    twin_b = entity("Darfur", "GPE", (500, "Darfur"))
    result = ranked([late, twin_b, often, twin_a], "RSF fighters enter El Fasher", text_length)
    assert [e.name for e in result] == ["Rapid Support Forces", "Darfur", "Khartoum", "Sudan"]
    top = result[0]
    assert (top.first_offset, top.in_title, top.salience) == (100, True, 0.97)
    assert result[-1].salience == pytest.approx(
        0.4 * math.log(2) / math.log(3) + 0.3 * 0.1, abs=1e-4
    )


def test_tag_articles_ranks_by_salience(nlp: Language) -> None:
    text = (
        "Fighting spread across Darfur on Sunday. The Rapid Support Forces (RSF) said its "
        "fighters had entered El Fasher, and the RSF accused the army of shelling markets. "
        "Aid groups in Chad said thousands had crossed the border."
    )
    item = article(text).model_copy(update={"title": "RSF says it has entered El Fasher"})
    (tagged,) = tag_articles(nlp, [item])
    top = tagged.entities[0]
    assert (top.id, top.count, top.in_title) == ("org:rapid-support-forces", 3, True)
    assert top.first_offset == text.index("Rapid Support Forces")
    assert [e.salience for e in tagged.entities] == sorted(
        (e.salience for e in tagged.entities), reverse=True
    )


def test_messages_without_the_new_fields_still_parse() -> None:
    old = {"id": "gpe:sudan", "name": "Sudan", "label": "GPE", "count": 1, "mentions": []}
    parsed = Entity.model_validate(old)
    assert (parsed.first_offset, parsed.in_title, parsed.salience, parsed.related) == (
        0,
        False,
        0.0,
        None,
    )
