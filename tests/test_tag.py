"""Tag stage: entity spans, mention merging and the nlp.pipe pass."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

import pipeline.stages.tag
from pipeline.records import CleanArticle, Entity
from pipeline.stages.clean import normalize_text
from pipeline.stages.nlp import model_info
from pipeline.stages.tag import LABELS, entities_from_doc, nlp_input, tag_articles
from tests.support.articles import article

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
MARKED = re.compile(r"\[([^|\]]+)\|([A-Z_]+)\]")


def annotated(nlp: Language, marked: str) -> Doc:
    """A tokenised Doc whose entities are given inline: "[Olaf Scholz|PERSON] said"."""
    text, spans, last = "", [], 0
    for match in MARKED.finditer(marked):
        text += marked[last : match.start()]
        spans.append((len(text), len(text) + len(match[1]), match[2]))
        text += match[1]
        last = match.end()
    doc = nlp.make_doc(text + marked[last:])
    ents = [doc.char_span(start, end, label=label) for start, end, label in spans]
    assert all(ents), "entity markup must align with tokens"
    doc.ents = [ent for ent in ents if ent is not None]
    return doc


def summary(entities: list[Entity]) -> list[tuple[str, str, list[str]]]:
    return [(e.id, e.name, [m.text for m in e.mentions]) for e in entities]


# --- entities_from_doc: spans and merge rules on given NER spans ------------------------------


def test_surname_joins_full_name_and_person_wins(nlp: Language) -> None:
    doc = annotated(
        nlp, "[Olaf Scholz|ORG] arrived. [Scholz|PERSON] spoke; [Scholz’s|PERSON] aides left."
    )
    assert summary(entities_from_doc(doc)) == [
        ("person:olaf-scholz", "Olaf Scholz", ["Olaf Scholz", "Scholz", "Scholz"])
    ]


def test_mistagged_surname_joins_person_name(nlp: Language) -> None:
    doc = annotated(nlp, "[Angela Merkel|PERSON] left. [Merkel|GPE] and [Angela|PERSON] spoke.")
    (merkel,) = entities_from_doc(doc)
    assert (merkel.id, merkel.label, merkel.count) == ("person:angela-merkel", "PERSON", 3)


def test_ambiguous_surname_stays_apart(nlp: Language) -> None:
    doc = annotated(
        nlp, "[Olaf Scholz|PERSON] and [Britta Scholz|PERSON] met. [Scholz|PERSON] left."
    )
    assert [e.count for e in entities_from_doc(doc)] == [1, 1, 1]


@pytest.mark.parametrize(
    "marked",
    [
        "[Paris Hilton|PERSON] flew to [Paris|GPE].",
        "[Air France|ORG] flies to [France|GPE].",
        "[Bank of America|ORG] expands in [America|GPE].",
        "[Trump Tower|ORG] and [Trump|PERSON].",
        "[Blue Moon|PERSON] and the [moon|PERSON].",
    ],
)
def test_places_do_not_join_names_containing_them(nlp: Language, marked: str) -> None:
    assert len(entities_from_doc(annotated(nlp, marked))) == 2


def test_same_normalised_text_joins(nlp: Language) -> None:
    doc = annotated(
        nlp,
        "[U.S.|GPE] troops and [US|GPE] jets left [the U.S.|GPE] now. "
        "[Apple Inc.|ORG] and [Apple|ORG].",
    )
    assert summary(entities_from_doc(doc)) == [
        ("gpe:united-states", "U.S.", ["U.S.", "US", "U.S."]),
        ("org:apple-inc", "Apple Inc.", ["Apple Inc.", "Apple"]),
    ]


def test_acronym_defined_in_parentheses(nlp: Language) -> None:
    doc = annotated(
        nlp,
        "[The European Central Bank|ORG] (ECB) and [the Social Democratic Party|ORG] ([SPD|ORG]) "
        "met. [The ECB|ORG] and [SPD|ORG] leaders spoke.",
    )
    assert summary(entities_from_doc(doc)) == [
        ("org:european-central-bank", "European Central Bank", ["European Central Bank", "ECB"]),
        (
            "org:social-democratic-party",
            "Social Democratic Party",
            ["Social Democratic Party", "SPD", "SPD"],
        ),
    ]


def test_acronym_from_initials(nlp: Language) -> None:
    doc = annotated(
        nlp,
        "The [CDU|ORG] and [Christian Democratic Union|ORG] of the "
        "[United States|GPE] and [US|GPE].",
    )
    assert [(e.id, e.count) for e in entities_from_doc(doc)] == [
        ("org:christian-democratic-union", 2),
        ("gpe:united-states", 2),
    ]


def test_parenthesised_party_does_not_join_person(nlp: Language) -> None:
    doc = annotated(nlp, "[Olaf Scholz|PERSON] ([SPD|ORG]) and [Sarah Palin|PERSON] ([SP|ORG]).")
    assert len(entities_from_doc(doc)) == 4


def test_span_trimming_and_exact_offsets(nlp: Language) -> None:
    doc = annotated(
        nlp,
        'In [the Kremlin|ORG], ["Brexit"|EVENT] and [Jones\'|PERSON] car. [Putin’s|PERSON] aide. '
        "[Thunderbolt 3\n\nApple|PRODUCT] sells.",
    )
    entities = entities_from_doc(doc)
    texts = [m.text for e in entities for m in e.mentions]
    assert texts == ["Kremlin", "Brexit", "Jones", "Putin", "Thunderbolt 3"]
    for mention in (m for e in entities for m in e.mentions):
        assert doc.text[mention.start : mention.end] == mention.text


def test_labels_ids_and_order(nlp: Language) -> None:
    doc = annotated(
        nlp,
        "On [Monday|DATE], [3|CARDINAL] went to [Zürich|GPE]; [Jordan|GPE], [Jordan|PERSON] and "
        "[北京|GPE]. Back in [Zurich|GPE], [Jordan|GPE].",
    )
    entities = entities_from_doc(doc)
    assert [(e.id, e.count) for e in entities][:2] == [("gpe:zurich", 2), ("gpe:jordan", 3)]
    assert re.fullmatch(r"gpe:x-[0-9a-f]{10}", entities[2].id)
    assert len(entities) == 3


# --- entities_from_doc with the model ---------------------------------------------------------


def test_model_merges_names_and_acronyms(nlp: Language) -> None:
    texts = [
        "The European Central Bank (ECB) raised rates on Thursday. The ECB said prices rose.",
        "Rates stay on hold, said Angela Merkel. Merkel’s aides and Andrew Bailey agreed. "
        "Bailey's view is that Merkel is right.",
    ]
    found = {
        e.name: [m.text for m in e.mentions] for d in nlp.pipe(texts) for e in entities_from_doc(d)
    }
    assert found["European Central Bank"] == ["European Central Bank", "ECB", "ECB"]
    assert found["Angela Merkel"] == ["Angela Merkel", "Merkel", "Merkel"]
    assert found["Andrew Bailey"] == ["Andrew Bailey", "Bailey"]


# --- tag_articles -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bodies(shared_data: Path) -> list[CleanArticle]:
    path = shared_data / "article-html" / "ground-truth-dev.json"
    truth = json.loads(path.read_text(encoding="utf-8"))
    texts = {key: normalize_text(value["articleBody"]) for key, value in truth.items()}
    return [article(text, key) for key, text in list(texts.items())[:20] if text]


def check_tagged(text: str, entities: list[Entity]) -> None:
    ranks = [(-e.salience, e.first_offset) for e in entities]
    assert ranks == sorted(ranks)
    for entity in entities:
        assert entity.label in LABELS and entity.count == len(entity.mentions)
        assert entity.first_offset == entity.mentions[0].start and 0 <= entity.salience <= 1
        assert re.fullmatch(rf"{entity.label.lower()}:[a-z0-9]+(-[a-z0-9]+)*", entity.id)
        assert [m.start for m in entity.mentions] == sorted(m.start for m in entity.mentions)
        for mention in entity.mentions:
            assert text[mention.start : mention.end] == mention.text
            assert not re.search(r"^(the|The) |['’]s?$|^[\s\"'’(,;:]|[\s\"'’),;:]$", mention.text)


def test_tag_articles_on_real_bodies(nlp: Language, bodies: list[CleanArticle]) -> None:
    tagged = tag_articles(nlp, bodies, batch_size=8)
    assert [t.article.id for t in tagged] == [a.id for a in bodies]
    for item in tagged:
        check_tagged(item.article.text, item.entities)
        rebuilt = "".join(
            w + " " * s for w, s in zip(item.parse.words, item.parse.spaces, strict=True)
        )
        assert rebuilt == item.article.text
        assert len(item.parse.lemmas) == len(item.parse.words) and any(item.parse.deps)
        assert item.model == model_info(nlp) and item.model.name.startswith("en_core_web_sm")
    assert sum(len(t.entities) for t in tagged) > 100
    assert any(len({m.text for m in e.mentions}) > 1 for t in tagged for e in t.entities)


def test_tag_articles_truncates_long_text(
    nlp: Language, bodies: list[CleanArticle], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline.stages.tag, "MAX_CHARS", 500)
    long = next(a for a in bodies if len(a.text) > 2000)
    (tagged,) = tag_articles(nlp, [long])
    tagged_text = "".join(
        w + " " * s for w, s in zip(tagged.parse.words, tagged.parse.spaces, strict=True)
    )
    assert tagged_text == nlp_input(long.text) and long.text.startswith(tagged_text)
    assert 400 < len(tagged_text) <= 500 and long.text[len(tagged_text)].isspace()
    check_tagged(long.text, tagged.entities)
    assert all(m.end <= len(tagged_text) for e in tagged.entities for m in e.mentions)


def test_nlp_input_without_spaces_cuts_at_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline.stages.tag, "MAX_CHARS", 10)
    assert nlp_input("x" * 25) == "x" * 10
    assert nlp_input("short") == "short"


def test_tag_articles_empty_inputs(nlp: Language) -> None:
    assert tag_articles(nlp, []) == []
    (tagged,) = tag_articles(nlp, [article("")])
    assert tagged.entities == [] and tagged.parse.words == []
