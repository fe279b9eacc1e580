"""Entity recognition rules: re-casing, name lists, span and label corrections, and a
regression floor on a slice of CoNLL-2003 dev (when it has been fetched into .data/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from spacy.language import Language

from pipeline.stages.entity_lists import (
    canonical_country,
    countries,
    demonym_country,
    demonyms,
    organisations,
    places,
)
from pipeline.stages.entity_rules import refine_entities
from pipeline.stages.tag import tag_articles
from pipeline.stages.truecase import prepared, restored, truecased_words
from tests.support.articles import article

CONLL_DEV = Path(__file__).resolve().parents[1] / ".data" / "conll" / "dev.jsonl"
SLICE_SENTENCES = 200
# Typed F1 on the slice (12 documents, mostly sports results): stock en_core_web_sm 0.514,
# with re-casing and the rules 0.674, with the CoNLL-tuned recogniser 0.924 (measured).
SLICE_FLOOR = 0.88
CONLL_LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
CONLL_MISC = {"NORP", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT"}


def ents(nlp: Language, text: str) -> list[tuple[str, str]]:
    """The refined (text, label) entities of ``text``, on its original words."""
    doc = nlp(prepared(nlp, text))
    refine_entities(nlp, doc)
    return [(e.text, e.label_) for e in restored(doc, text).ents]


# --- lists ------------------------------------------------------------------------------------


def test_lists_from_packages() -> None:
    assert {countries()[n] for n in ("Britain", "U.K.", "United Kingdom", "UK")} == {"GB"}
    assert countries()["Germany"] == "DE" and countries()["England"] == "GB-ENG"
    assert places()["Berlin"] == "DE" and demonyms()["Germans"] == "DE"
    assert "Chineses" not in demonyms() and demonyms()["Chinese"] == "CN"
    assert organisations()["NATO"] == "North Atlantic Treaty Organization"


@pytest.mark.parametrize(
    ("demonym", "country"),
    [
        ("Sudanese", "Sudan"),
        ("Ukrainians", "Ukraine"),
        ("Israelis", "Israel"),
        ("Americans", "United States"),  # not the Northern Mariana Islands, also "American"
        ("Congolese", "Democratic Republic of the Congo"),
        ("Serbian", "Serbia"),  # not the former Serbia and Montenegro
        ("Welsh", "Wales"),
        ("Palestinian", "Palestine"),
        ("Saudis", "Saudi Arabia"),
    ],
)
def test_demonym_country(demonym: str, country: str) -> None:
    assert demonym_country(demonym) == country
    assert demonym_country("Muslims") is None


def test_demonym_links_to_its_country(nlp: Language) -> None:
    text = (
        "Sudanese officials said dozens were killed in El Fasher. Ukrainian drones struck a "
        "refinery overnight, and Germans vote on Sunday. Republicans in Congress objected."
    )
    (tagged,) = tag_articles(nlp, [article(text)])
    related = {e.id: e.related for e in tagged.entities if e.label == "NORP"}
    assert related["norp:sudanese"] == "gpe:sudan"
    assert related["norp:ukrainian"] == "gpe:ukraine"
    assert related["norp:germans"] == "gpe:germany"
    assert related.get("norp:republicans") is None
    assert all(e.related is None for e in tagged.entities if e.label != "NORP")


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("U.K.", "United Kingdom"), ("Britain", "United Kingdom"), ("Russian Federation", "Russia")],
)
def test_canonical_country(name: str, canonical: str) -> None:
    assert canonical_country(name) == canonical
    assert canonical_country("Paris") is None


# --- re-casing --------------------------------------------------------------------------------


def test_truecase_shouting_lines_only() -> None:
    words = ["SOCCER", "-", "ISRAEL", "BEAT", "BULGARIA", "\n", "BELGRADE", "1996", "\n"]
    words += ["Israel", "beat", "Bulgaria", "in", "a", "BBC", "poll", "."]
    cased = truecased_words(words)
    assert cased is not None
    assert cased[:5] == ["Soccer", "-", "Israel", "beat", "Bulgaria"]
    assert cased[6] == "Belgrade" and cased[7:] == words[7:]
    assert truecased_words(words[9:]) is None


def test_restored_keeps_original_words_and_entities(nlp: Language) -> None:
    text = "SOCCER - ISRAEL BEAT BULGARIA .\nBELGRADE 1996-08-31\nIsrael beat Bulgaria 2-1 ."
    assert ("BELGRADE", "GPE") in ents(nlp, text)
    (tagged,) = tag_articles(nlp, [article(text)])
    assert (
        "".join(w + " " * s for w, s in zip(tagged.parse.words, tagged.parse.spaces, strict=True))
        == text
    )
    names = {m.text for e in tagged.entities for m in e.mentions}
    assert {"ISRAEL", "BULGARIA", "BELGRADE"} <= names


# --- span and label rules on real sentences ---------------------------------------------------


def test_list_adds_missed_country(nlp: Language) -> None:
    found = ents(nlp, "Vasily Kaptyukh ( Belarus ) 66.24 and Dmitri Markov ( Belarus ) 5.65.")
    assert found.count(("Belarus", "GPE")) == 2


def test_names_split_at_separators_and_scores(nlp: Language) -> None:
    found = ents(nlp, "Romania - Cosmin Contra , Dan Petrescu")
    assert ("Romania", "GPE") in found and ("Romania - Cosmin Contra", "ORG") not in found
    assert ("Somerset", "ORG") in ents(nlp, "Leicestershire 296 all out, Somerset 83 and 174.")


def test_places_as_sports_teams(nlp: Language) -> None:
    found = ents(nlp, "Surrey beat Warwickshire by an innings and 164 runs at the Oval.")
    assert ("Surrey", "ORG") in found and ("Warwickshire", "ORG") in found
    assert ("Israel", "GPE") in ents(nlp, "Israel beat Bulgaria 2-1 in a qualifier.")
    text = "Foreign Minister Yevgeny Primakov said Moscow would not back down."
    assert ("Moscow", "GPE") in ents(nlp, text)


def test_repeated_name_tagged_again(nlp: Language) -> None:
    text = "Security chief Alexander Lebed flew to Grozny on Friday. Lebed said the deal held."
    assert ("Lebed", "PERSON") in ents(nlp, text)


def test_title_cut_from_person(nlp: Language) -> None:
    found = ents(nlp, "Spokesman Burns declined to comment. Sheikh Yassin spoke on Friday.")
    assert ("Burns", "PERSON") in found and ("Yassin", "PERSON") in found


def test_name_part_of_person_is_person(nlp: Language) -> None:
    text = "Barzani 's forces took Arbil. Massoud Barzani said the KDP would not withdraw."
    assert ents(nlp, text)[0] == ("Barzani", "PERSON")


@pytest.mark.parametrize(
    "text",
    [
        "Olaf Scholz said on Tuesday that Germany would send more air defence systems to "
        "Ukraine. Scholz told reporters in Berlin that the decision had been agreed with allies.",
        "Olaf Scholz faces a confidence vote. Scholz's coalition collapsed last week after he "
        "fired Finance Minister Christian Lindner. Lindner said Scholz had forced the break.",
        "Chancellor Scholz defended his record. Friedrich Merz, the opposition leader, said "
        "Scholz had failed. Merz wants elections in January.",
    ],
)
def test_inconsistently_labelled_surname_is_one_person(nlp: Language, text: str) -> None:
    (tagged,) = tag_articles(nlp, [article(text)])
    scholz = [e for e in tagged.entities if "Scholz" in e.name]
    assert len(scholz) == 1 and scholz[0].label == "PERSON"
    assert scholz[0].count == text.count("Scholz")


#: A known weakness of the CoNLL-tuned recogniser (pipeline/stages/models/ENTITIES.md).
_SAID_IS_A_PERSON = pytest.mark.xfail(
    strict=True, reason="the CoNLL-tuned recogniser reads a lone name before 'said' as a person"
)


@pytest.mark.parametrize(
    "text",
    [
        "Baratelli will coach Nice next season. Nice finished fifth last year, Nice said.",
        "First Chicago raised its prime rate. Chicago said earnings rose, and First Chicago "
        "shares gained.",
        pytest.param(
            "Inter Milan beat Roma 2-1. Milan said the stadium would be rebuilt.",
            marks=_SAID_IS_A_PERSON,
        ),
        pytest.param(
            "Carrier will move 1,400 jobs to Mexico. Carrier has said it will keep its plant.",
            marks=_SAID_IS_A_PERSON,
        ),
    ],
)
def test_teams_companies_and_places_stay_apart_from_people(nlp: Language, text: str) -> None:
    assert not [e for e in ents(nlp, text) if e[1] == "PERSON" and e[0] != "Baratelli"]


def test_country_names_share_one_id(nlp: Language) -> None:
    text = "Britain and the United Kingdom, the UK and the U.K. agreed; Russia backed Germany."
    (tagged,) = tag_articles(nlp, [article(text)])
    ids = {e.id: e.count for e in tagged.entities}
    assert ids["gpe:united-kingdom"] == 4 and "gpe:russia" in ids and "gpe:germany" in ids


# --- regression floor on CoNLL-2003 dev ---------------------------------------------------------


def _conll_slice() -> list[dict[str, Any]]:
    """The first documents of CoNLL dev holding ``SLICE_SENTENCES`` sentences."""
    if not CONLL_DEV.is_file():
        pytest.skip(
            f"{CONLL_DEV} not found: fetch CoNLL-2003 and convert eng.testa (see "
            "../shared/data/README.md, 'Entities') to run the CoNLL regression floor"
        )
    docs, sentences = [], 0
    for line in CONLL_DEV.read_text(encoding="utf-8").splitlines():
        if sentences >= SLICE_SENTENCES:
            break
        doc = json.loads(line)
        docs.append(doc)
        sentences += str(doc["text"]).count("\n") + 1
    return docs


def _conll_label(label: str) -> str | None:
    return CONLL_LABELS.get(label) or ("MISC" if label in CONLL_MISC else None)


def test_conll_dev_slice_floor(nlp: Language) -> None:
    docs = _conll_slice()
    tagged = tag_articles(nlp, [article(str(d["text"]), str(d["id"])) for d in docs])
    tp = fp = fn = 0
    for doc, item in zip(docs, tagged, strict=True):
        gold = {(e["start"], e["end"], e["label"]) for e in doc["entities"]}
        pred = {
            (m.start, m.end, label)
            for e in item.entities
            if (label := _conll_label(e.label))
            for m in e.mentions
        }
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= SLICE_FLOOR, f"typed F1 {f1:.3f} on {len(docs)} CoNLL dev documents"


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        ("Halfway through the speech, the minister left Paris.", "Halfway", "Paris"),
        ("Latest Nato talks ended in Brussels on Monday.", "Latest Nato", "Nato"),
    ],
)
def test_a_plain_word_opening_a_sentence_is_no_name(
    nlp: Language, text: str, absent: str, present: str
) -> None:
    names = {name for name, _ in ents(nlp, text)}
    assert absent not in names and present in names


def test_an_adjectival_regional_name_is_a_group_not_an_organisation(nlp: Language) -> None:
    found = dict(ents(nlp, "A senior Western European official spoke to reporters in Rome."))
    assert found["Western European"] == "NORP"


def test_a_news_organisation_named_alone_is_no_person(nlp: Language) -> None:
    assert ("Axios", "ORG") in ents(nlp, "The talks had stalled, Axios reported on Tuesday.")
    named = ents(nlp, "Michael Bloomberg spoke in Ohio. Bloomberg said he would vote early.")
    assert ("Bloomberg", "PERSON") in named and ("Bloomberg", "ORG") not in named
