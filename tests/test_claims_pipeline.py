"""Claims stage on rebuilt docs and real articles: round trip, offsets, speed."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.records import Claim
from pipeline.stages.claims import extract_claims
from pipeline.stages.nlp import doc_from_parse, parse_from_doc
from tests.support.claims import assert_offsets, entities_of

# ------------------------------------------------------------------ round trip, real text

ARTICLE = (
    "“We will win,” she said, “and soon.” The ministry denied that troops had crossed the "
    "border, according to a statement.\n\n"
    "German Chancellor Olaf Scholz said on Tuesday that Germany would send tanks. "
    "A spokesperson for the NYAG declined to comment. Officials, speaking on condition of "
    'anonymity, said the deal might collapse. "It was hard," Lopez said. He did not deny the '
    "report, and the minister added: “Nothing has changed.”\n\n"
    "According to Reuters, the company could cut 500 jobs."
)


def test_round_trip_through_parse_gives_same_claims(nlp: Language) -> None:
    doc = nlp(ARTICLE)
    ents = entities_of(doc)
    original = extract_claims(doc, ents)
    rebuilt = extract_claims(doc_from_parse(parse_from_doc(doc)), ents)
    assert len(original) >= 8
    assert rebuilt == original
    assert [c.model_dump() for c in rebuilt] == [c.model_dump() for c in original]
    for c in original:
        assert_offsets(ARTICLE, c)
        assert Claim.from_json(c.to_json()) == c


def test_real_articles_round_trip_and_offsets(nlp: Language, shared_data: Path) -> None:
    bodies = json.loads((shared_data / "article-html" / "ground-truth-dev.json").read_text())
    texts = [v["articleBody"] for _, v in sorted(bodies.items())][:12]
    total = 0
    for text in texts:
        doc = nlp(text)
        ents = entities_of(doc)
        claims = extract_claims(doc, ents)
        assert extract_claims(doc_from_parse(parse_from_doc(doc)), ents) == claims
        for c in claims:
            assert_offsets(text, c)
        total += len(claims)
    assert total > 20


def test_linear_speed(nlp: Language) -> None:
    doc = doc_from_parse(parse_from_doc(nlp(ARTICLE)))
    big = Doc.from_docs([doc] * 40)
    assert big is not None
    t0 = time.perf_counter()
    claims = extract_claims(big, [])
    elapsed = time.perf_counter() - t0
    assert len(claims) >= 40 * 8
    assert len(big) / elapsed > 5000  # tokens per second, with a wide margin


def test_the_rebuilt_doc_has_the_parses_annotations(nlp: Language, shared_data: Path) -> None:
    bodies = json.loads((shared_data / "article-html" / "ground-truth-dev.json").read_text())
    attrs = ["ORTH", "SPACY", "TAG", "POS", "DEP", "HEAD", "LEMMA", "SENT_START"]
    for _, body in sorted(bodies.items())[:5]:
        doc = nlp(body["articleBody"])
        rebuilt = doc_from_parse(parse_from_doc(doc))
        assert (rebuilt.to_array(attrs) == doc.to_array(attrs)).all()
        assert [s.start for s in rebuilt.sents] == [s.start for s in doc.sents]
        assert rebuilt.text == doc.text
    assert len(doc_from_parse(parse_from_doc(nlp("")))) == 0


def test_a_parse_with_columns_of_other_lengths_is_refused(nlp: Language) -> None:
    parse = parse_from_doc(nlp("The ministry denied it."))
    with pytest.raises(ValueError, match="columns of other lengths"):
        doc_from_parse(parse.model_copy(update={"heads": parse.heads[:-1]}))
