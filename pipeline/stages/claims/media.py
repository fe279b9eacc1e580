"""The medium of a claim when the sentence states it: "told Reuters", "in a statement", "on X",
"in an interview with CNN", "issued a statement saying"."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.stages.claims.cues import is_cue
from pipeline.stages.claims.lexicon import (
    ANONYMOUS_HEADS,
    CITED_SOURCE_NOUNS,
    MEDIUM_NOUNS,
    ORG_NOUNS,
    OUTLET_NOUNS,
    OUTLET_WORDS,
    PLATFORMS,
    RECORD_NOUNS,
)

#: Prepositions through which a medium noun names its outlet: "interview with CNN".
_OUTLET_PREPS = frozenset({"with", "on", "to"})
#: Prepositions of a medium noun ("in a statement") and of an outlet ("on CNN", "via X").
_NOUN_PREPS = frozenset({"in", "during", "through", "via", "on"})
_OUTLET_VERB_PREPS = frozenset({"on", "via", "through"})


def _name(tok: Token) -> str:
    """The name ending at ``tok``: its run of proper nouns ("Fox News", "Huffington Post"),
    without determiners and descriptions ("the German tabloid Bild" -> "Bild")."""
    doc = tok.doc
    a = tok.i
    while a > tok.left_edge.i and doc[a - 1].pos_ == "PROPN":
        a -= 1
    return doc[a : tok.i + 1].text


def _outlet(tok: Token) -> str | None:
    """The name of a news outlet or a platform: "Reuters", "Fox News", "X", "the German
    tabloid Bild", "his social media platform X"."""
    if tok.pos_ == "NOUN" and tok.lemma_.lower() in OUTLET_NOUNS:
        named = [c for c in tok.children if c.dep_ in ("appos", "compound", "npadvmod")]
        names = [c for c in named if c.i > tok.i and (c.pos_ == "PROPN" or c.text in PLATFORMS)]
        return _name(names[0]) if names else None
    if tok.pos_ != "PROPN" and not tok.text.isupper():
        return None
    described = any(
        c.dep_ in ("compound", "appos", "amod") and c.lower_ in OUTLET_NOUNS for c in tok.children
    )
    if tok.text in PLATFORMS or described or any(t.text in OUTLET_WORDS for t in tok.subtree):
        return _name(tok)
    return None


def _medium(noun: Token) -> str | None:
    """ "statement" for "a statement"; "CNN" for "an interview with CNN", "X" for "a post on X",
    "Facebook" for "a Facebook post"."""
    if noun.lemma_.lower() not in MEDIUM_NOUNS:
        return None
    for c in noun.children:
        outlet = _outlet(c) if c.dep_ == "compound" else None
        if outlet:
            return outlet  # "a Facebook post"
        if c.dep_ == "prep" and c.i > noun.i and c.text.lower() in _OUTLET_PREPS:
            for obj in c.children:
                outlet = _outlet(obj) if obj.dep_ == "pobj" else None
                if outlet:
                    return outlet
    return noun.text.lower()


def _prep_medium(prep: Token) -> str | None:
    for obj in prep.children:
        if obj.dep_ != "pobj":
            continue
        outlet = _outlet(obj) if prep.text.lower() in _OUTLET_VERB_PREPS else None
        return outlet or _medium(obj)  # "said on CNN", "wrote on X"; "in a statement"
    return None


def is_medium(prep: Token) -> bool:
    """The prepositional phrase ``prep`` names a medium: "in a statement", "on Twitter"."""
    return prep.text.lower() in _NOUN_PREPS and _prep_medium(prep) is not None


def via(verb: Token) -> str | None:
    """The medium of the claim whose cue is ``verb``, or None when the sentence states none."""
    lemma = verb.lemma_.lower()
    # An adjunct misattached to a subject after the verb: "said Whitmer's office in a statement".
    inverted = [c for c in verb.rights if c.dep_ in ("nsubj", "nsubjpass")]
    for c in [*verb.children, *(g for s in inverted for g in s.rights)]:
        outlet = _outlet(c) if lemma == "tell" and c.dep_ in ("dative", "dobj") else None
        if outlet:
            return outlet  # "told Reuters"
        if c.dep_ == "prep" and c.text.lower() in _NOUN_PREPS:
            found = _prep_medium(c)
            if found:
                return found
    if verb.dep_ == "acl" and verb.head.lemma_.lower() in MEDIUM_NOUNS:
        return verb.head.text.lower()  # "issued a statement saying"
    return _outlet(verb.head) if verb.dep_ == "acl" else None  # "posted on Twitter accusing"


def citing(verb: Token) -> Token | None:
    """The participle "citing X" that names the source of ``verb``'s report: "reported that
    the talks failed, citing two officials" (wherever the parse hangs it under the verb)."""
    for tok in verb.subtree:
        if tok.lower_ == "citing" and tok.tag_ == "VBG":
            found = reporter(tok)
            if found is not None and found.i == verb.i:
                return tok
    return None


def reporter(tok: Token) -> Token | None:
    """The nearest reporting verb above ``tok`` (at most 3 steps up), if any."""
    head = tok
    for _ in range(3):
        if head.head.i == head.i:
            return None
        head = head.head
        if head.pos_ == "VERB" and is_cue(head):
            return head
    return None


def cited(tok: Token) -> str | None:
    """The object of "citing" when it names a source."""
    obj = cited_source(tok)
    return None if obj is None else tok.doc[obj.left_edge.i : obj.right_edge.i + 1].text


def cited_source(tok: Token) -> Token | None:
    """The object of "citing" when it names a source: a name, people or a body ("citing two
    officials", "citing the health commission"), not a reason ("citing the release of ...")."""
    obj = next((o for o in tok.children if o.dep_ == "dobj"), None)
    if obj is None:
        return None
    lemma = obj.lemma_.lower()
    if obj.pos_ == "PROPN" or lemma in CITED_SOURCE_NOUNS or lemma in ANONYMOUS_HEADS:
        return obj
    return obj if lemma in ORG_NOUNS or lemma in RECORD_NOUNS else None
