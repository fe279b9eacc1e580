"""Helpers of the claims tests: entities as the tag stage builds them, claims of a text."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.records import Claim, Entity, Mention
from pipeline.stages.claims import extract_claims
from pipeline.stages.nlp import doc_from_parse
from pipeline.stages.tag import tag_articles
from tests.support.articles import article


def entities_of(doc: Doc) -> list[Entity]:
    """Entities built from the model's NER, the way the tag stage hands them over."""
    by_key: dict[str, tuple[str, str, list[Mention]]] = {}
    for ent in doc.ents:
        key = f"{ent.label_.lower()}:{ent.text.lower()}"
        mention = Mention(start=ent.start_char, end=ent.end_char, text=ent.text)
        by_key.setdefault(key, (ent.label_, ent.text, []))[2].append(mention)
    return [
        Entity(id=key, name=name, label=label, count=len(ms), mentions=ms)
        for key, (label, name, ms) in by_key.items()
    ]


def claims_of(nlp: Language, text: str) -> list[Claim]:
    doc = nlp(text)
    return extract_claims(doc, entities_of(doc))


def only(nlp: Language, text: str) -> Claim:
    claims = claims_of(nlp, text)
    assert len(claims) == 1, claims
    return claims[0]


def assert_offsets(text: str, claim: Claim) -> None:
    for span in (claim.claimant, claim.cue):
        assert text[span.start : span.end] == span.text
    if len(claim.content.spans) < 2:
        assert text[claim.content.start : claim.content.end] == claim.content.text
    for s, e in claim.content.spans:
        assert text[s:e] in claim.content.text
    for s, e in claim.content.spans:
        assert claim.content.start <= s < e <= claim.content.end
    if claim.content.text:
        assert claim.content.spans
        assert claim.content.spans[0][0] == claim.content.start
        assert claim.content.spans[-1][1] == claim.content.end


def checked_claims(nlp: Language, text: str) -> list[Claim]:
    """The claims of ``text``, each with offsets that match the text."""
    claims = claims_of(nlp, text)
    for c in claims:
        assert_offsets(text, c)
    return claims


def tagged_claims(nlp: Language, text: str) -> list[Claim]:
    """Claims of ``text`` through the tag stage (its refined entities) and the rebuilt parse,
    as the worker finds them."""
    (tagged,) = tag_articles(nlp, [article(text)])
    return extract_claims(doc_from_parse(tagged.parse), tagged.entities)
