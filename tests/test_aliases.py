"""Cross-article aliases: acronyms learned from one article, applied to the next."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.records import Entity, Mention, TaggedArticle
from pipeline.stages.aliases import alias_key, apply_aliases, learned_aliases
from pipeline.stages.tag import tag_articles
from tests.support.articles import DEFINES, USES, article

SURNAME = "Olaf Scholz met Emmanuel Macron in Paris. Scholz said the talks went well."


@pytest.fixture(scope="module")
def tagged(nlp: Language) -> dict[str, TaggedArticle]:
    texts = {"defines": DEFINES, "uses": USES, "surname": SURNAME}
    items = tag_articles(nlp, [article(text, key) for key, text in texts.items()])
    return {item.article.id: item for item in items}


def test_alias_key() -> None:
    assert alias_key("RSF") == alias_key("R.S.F.") == "acronym:rsf"


def test_article_defining_an_acronym_teaches_it(tagged: dict[str, TaggedArticle]) -> None:
    assert learned_aliases(tagged["defines"]) == {"acronym:rsf": "org:rapid-support-forces"}


def test_acronym_alone_and_surnames_teach_nothing(tagged: dict[str, TaggedArticle]) -> None:
    assert learned_aliases(tagged["uses"]) == {}
    assert learned_aliases(tagged["surname"]) == {}


def test_later_article_gets_the_known_id(tagged: dict[str, TaggedArticle]) -> None:
    assert [e.id for e in tagged["uses"].entities] == ["org:rsf"]
    known = learned_aliases(tagged["defines"])
    (rsf,) = apply_aliases(tagged["uses"], known).entities
    assert (rsf.id, rsf.label, rsf.name, rsf.count) == ("org:rapid-support-forces", "ORG", "RSF", 2)
    assert [m.text for m in rsf.mentions] == ["RSF", "RSF"]


def test_nothing_known_leaves_the_article_alone(tagged: dict[str, TaggedArticle]) -> None:
    assert apply_aliases(tagged["uses"], {}) is tagged["uses"]
    assert apply_aliases(tagged["surname"], {"acronym:rsf": "org:x"}) is tagged["surname"]


def test_alias_takes_the_label_of_its_id_and_joins_a_namesake(
    tagged: dict[str, TaggedArticle],
) -> None:
    text = "Rapid Support Forces fighters moved north. Witnesses said RSF trucks were seen."
    forces = entity_at(text, "Rapid Support Forces", "org:rapid-support-forces", "ORG")
    rsf = entity_at(text, "RSF", "person:rsf", "PERSON")  # mis-tagged, so not merged
    split = tagged["uses"].model_copy(update={"article": article(text), "entities": [forces, rsf]})
    (joined,) = apply_aliases(split, {"acronym:rsf": "org:rapid-support-forces"}).entities
    assert (joined.id, joined.label, joined.name) == (forces.id, "ORG", "Rapid Support Forces")
    assert [m.text for m in joined.mentions] == ["Rapid Support Forces", "RSF"]
    assert joined.count == 2 and joined.first_offset == 0


def entity_at(text: str, name: str, entity_id: str, label: str) -> Entity:
    start = text.index(name)
    mention = Mention(start=start, end=start + len(name), text=name)
    return Entity(
        id=entity_id, name=name, label=label, count=1, mentions=[mention], first_offset=start
    )
