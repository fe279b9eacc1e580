"""The training scripts' pure parts: how CoNLL labels become the recogniser's references, and
the F1 the cue detector's thresholds are chosen by."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Span

from training.cues import f1
from training.entities import reference


def test_conll_spans_become_ontonotes_references(nlp: Language) -> None:
    text = "Peter Blackburn left Brussels for the Alps on Friday after the World Cup ."
    doc = nlp.make_doc(text)  # the model's own entities, set by hand
    words = [t.text for t in doc]
    at = words.index
    doc.ents = [
        Span(doc, at("Alps"), at("Alps") + 1, "LOC"),
        Span(doc, at("Friday"), at("Friday") + 1, "DATE"),
    ]

    def span(name: str, label: str) -> tuple[int, int, str]:
        return text.index(name), text.index(name) + len(name), label

    gold = [
        span("Peter Blackburn", "PER"),
        span("Brussels", "LOC"),
        span("Alps", "LOC"),
        span("World Cup", "MISC"),
    ]
    tags = reference(doc, gold)
    assert (tags[at("Peter")], tags[at("Blackburn")]) == ("B-PERSON", "L-PERSON")
    assert tags[at("Brussels")] == "U-GPE"  # LOC the model did not type: GPE
    assert tags[at("Alps")] == "U-LOC"  # LOC the model typed LOC: kept
    assert tags[at("World")] == tags[at("Cup")] == "-"  # untyped MISC: no gradient
    assert tags[at("Friday")] == "U-DATE"  # what CoNLL does not annotate: the model's own
    assert tags[at("left")] == "O"


def test_f1_counts_agreeing_decisions() -> None:
    assert f1([True, True, False, False], [True, False, True, False]) == {
        "p": 0.5,
        "r": 0.5,
        "f1": 0.5,
    }
    assert f1([False, False], [False, False])["f1"] == 0.0
