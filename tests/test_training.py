"""The training scripts' parts: how CoNLL labels become the recogniser's references, the F1
the cue detector's thresholds are chosen by, the claim screen's examples and fit, and the
model files they write."""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Span

from pipeline.stages.chain import Chain
from pipeline.stages.claims import learned
from pipeline.stages.claims.linear import LinearModel
from training import screen
from training.cues import f1, tagged
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


def test_screen_examples_are_labelled_by_relation_overlap_and_fitted(nlp: Language) -> None:
    text = "The minister said the bridge would reopen in May. The footage showed a crowd."
    said = text.index("said")
    content = text.index("the bridge")
    gold = {
        "id": "d1",
        "text": text,
        "attributions": [
            {"cue": [[said, said + 4]], "content": [[content, text.index(".")]]},
        ],
    }
    [article] = tagged([gold], Chain(nlp))
    found = list(screen.examples([article], {"d1": gold}))
    labels = {next(k for k in x if k.startswith("lemma=")): y for x, y in found}
    # "said": its cue and content overlap the gold attribution's; "showed": no gold there
    assert labels == {"lemma=say": True, "lemma=show": False}

    positive, negative = ({"a": 1}, True), ({"b": 1}, False)
    figures = screen.fit([positive, negative] * 20, [positive, negative] * 5, dev_gold=5)
    model = figures["model"]
    assert model.weights["a"] > 0 > model.weights["b"]
    assert figures["threshold"] in screen.THRESHOLDS and figures["dev_claims"] == 10
    # keeping only the 5 true claims of 10 against 5 gold gives relation F1 1.0
    assert figures["dev_relation_f1_of_verb_claims"][str(figures["threshold"])] == 1.0


@pytest.mark.parametrize("shipped", [learned.MODEL, screen.MODEL], ids=lambda p: p.name)
def test_a_model_file_reads_and_writes_back_byte_for_byte(shipped: Path, tmp_path: Path) -> None:
    LinearModel.load(shipped).save(tmp_path / "model.json")
    assert (tmp_path / "model.json").read_bytes() == shipped.read_bytes()
