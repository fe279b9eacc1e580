"""The array-based stand-ins annotate exactly as spaCy's attribute ruler and lemmatizer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pytest
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, TAG
from spacy.language import Language
from spacy.pipeline import AttributeRuler

from pipeline.stages.annotators import MemoLemmatizer, TokenRules, annotate
from pipeline.stages.tag import COMPONENTS

ATTRS = [POS, TAG, DEP, LEMMA, MORPH, HEAD, ENT_IOB, ENT_TYPE]
# Sentences that reach the ruler's multi-token, regex and dependency patterns.
SENTENCES = [
    "I ain't gonna do it, y'all. Let's go! He's been doin' nothin' wrong, c'mon.",
    "There is a cat.  It was I who did it, and it's got to stop; you gotta see 'em.",
    "She doesn't know whether they'd have done it if he had asked.\n\nWe're done.",
    "",
    "   ",
]


@pytest.fixture(scope="module")
def texts(shared_data: Path) -> list[str]:
    truth = json.loads((shared_data / "article-html" / "ground-truth-dev.json").read_text())
    return SENTENCES + [value["articleBody"] for value in list(truth.values())[:10]]


def test_stand_ins_match_the_stock_components(nlp: Language, texts: list[str]) -> None:
    stock = list(nlp.pipe(texts))
    fast = list(annotate(nlp, map(nlp.make_doc, texts), COMPONENTS, batch_size=8))
    for expected, got in zip(stock, fast, strict=True):
        assert numpy.array_equal(expected.to_array(ATTRS), got.to_array(ATTRS)), expected.text
        assert [str(t.morph) for t in expected] == [str(t.morph) for t in got]


def test_stand_ins_replace_only_their_components(nlp: Language) -> None:
    fast = annotate(nlp, [nlp.make_doc("Olaf Scholz said so.")], COMPONENTS, batch_size=1)
    assert [t.lemma_ for t in next(fast)] == ["Olaf", "Scholz", "say", "so", "."]
    assert isinstance(nlp.get_pipe("attribute_ruler"), AttributeRuler)
    rules = TokenRules(nlp.get_pipe("attribute_ruler"))
    assert rules.matcher is not None and len(rules.matcher) < 20  # most patterns are indexed
    lemmatizer = MemoLemmatizer(nlp.get_pipe("lemmatizer"))
    doc = nlp("Ministers said", disable=["lemmatizer"])
    assert [t.lemma_ for t in lemmatizer(doc)] == ["minister", "say"]
