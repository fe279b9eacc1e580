"""Stance (assert, deny, noncommittal) and hedging of a claim.

``deny`` for rebuttal cues (deny, reject/dismiss/dispute + a proposition, refute, rebut) and
for contents that call a proposition false or deny it of a "neither ... nor" subject;
``noncommittal`` for withholding (declined to comment) and for a negated cue of saying,
confirming or denying ("did not deny X" is no denial and no assertion of X either); other
negated cues ("did not defend the plan") stay ``assert``, as the stance set marks them;
``assert`` otherwise: a negative *content* ("said he would not run") is still an assertion.
``hedged``: a hedging cue or modal on the cue, or hedging words in the content.
"""

from __future__ import annotations

import bisect
import re

from spacy.tokens import Doc, Token

from pipeline.stages.claims.lexicon import (
    CONTENT_WITHHELD,
    FALSITY_PREDICATES,
    HEDGE_CUES,
    HEDGE_LEMMAS,
    HEDGE_MODALS,
    HEDGE_WORDS,
    NEGATORS,
    OPINION_LEMMAS,
    TRUTH_PREDICATES,
)
from pipeline.stages.claims.spans import Piece

_REPLY_NO = re.compile(r"(?:No|Nope|Not true)\b[,.!;:—–-]")


def negated(tok: Token) -> bool:
    """A negation of the predicate ("was not true", "not the case")."""
    return any(c.dep_ in ("neg", "preconj") and c.text.lower() in NEGATORS for c in tok.children)


def cue_negated(tok: Token) -> bool:
    """A negation in the verb group of a cue ("did not say", "has not yet said", "neither
    confirmed nor denied"), not the "not" of a quotation attached to it
    ("“Probably not,” he said")."""
    return any(
        c.dep_ in ("neg", "preconj") and tok.i - 3 <= c.i and c.text.lower() in NEGATORS
        for c in tok.lefts
    )


def content_stance(head: Token) -> str:
    """Stance carried by an indirect content clause.

    "said the report was false" / "said that was not true" -> deny; "said he could not
    comment" -> noncommittal; anything else -> assert.
    """
    neg = negated(head)
    lemma = head.lemma_.lower()
    if (head.dep_ == "oprd" or head.pos_ in ("ADJ", "NOUN")) and lemma in FALSITY_PREDICATES:
        return "deny"  # "called the allegations baseless"
    if lemma in CONTENT_WITHHELD and neg and head.pos_ == "VERB":
        return "noncommittal"
    for c in head.children:
        if c.dep_ in ("acomp", "attr", "oprd"):
            pred = c.lemma_.lower()
            false = pred in FALSITY_PREDICATES or any(  # "was a “manufactured” issue"
                m.dep_ == "amod" and m.lower_ in FALSITY_PREDICATES for m in c.children
            )
            if false and not neg and not negated(c):
                return "deny"
            if pred in TRUTH_PREDICATES and (neg or negated(c)):
                return "deny"
        if c.dep_ in ("nsubj", "nsubjpass") and any(
            p.dep_ == "preconj" and p.lower_ == "neither" for p in c.children
        ):
            return "deny"  # "says neither the nominee nor her campaign helped"
    return "assert"


def quote_stance(quoted: str, head: Token) -> str:
    """Stance of a direct quotation: a reply opening with "No," rejects; else as a clause."""
    if _REPLY_NO.match(quoted):
        return "deny"
    return content_stance(head)


_SEEMING = frozenset({"appear", "seem"})


def cue_hedged(verb: Token, lemma: str) -> bool:
    """A hedging cue ("estimated"), one under "appear"/"seem" ("appeared to acknowledge"), or a
    modal or hedging adverb on it ("may have said")."""
    if lemma in HEDGE_CUES:
        return True
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in _SEEMING:
        return True
    return any(c.dep_ in ("aux", "advmod") and c.text.lower() in HEDGE_WORDS for c in verb.children)


def _hedging_token(t: Token) -> bool:
    low = t.text.lower()
    if low in HEDGE_WORDS:
        # Not a modal, or one inside a noun's modifier ("the company, which could ..."), or
        # "may not" (a negation: "my name may not be on the ballot").
        return not (low in HEDGE_MODALS and (t.tag_ != "MD" or _modifier(t.head) or _may_not(t)))
    if t.pos_ != "VERB":
        return False
    lemma = t.lemma_.lower()
    if lemma in HEDGE_LEMMAS:
        # "appeared steady", "seems to", "suggests that"; not "appear behind closed doors"
        # nor a noun's modifier ("whose support appeared steady")
        return not _modifier(t) and any(c.dep_ in _HEDGED_DEPS for c in t.children)
    return (
        lemma in OPINION_LEMMAS
        and not negated(t)  # "I don't think so" is a negative assertion
        and any(c.dep_ == "nsubj" and c.text.lower() in ("i", "we") for c in t.children)
    )


_HEDGED_DEPS = frozenset({"xcomp", "acomp", "ccomp", "attr", "oprd"})


def _modifier(verb: Token) -> bool:
    return verb.dep_ in ("relcl", "acl")


def _may_not(modal: Token) -> bool:
    nxt = modal.nbor(1) if modal.i + 1 < len(modal.doc) else None
    return modal.lower_ == "may" and nxt is not None and nxt.dep_ == "neg"


def content_hedged(doc: Doc, tok_starts: list[int], pieces: list[Piece]) -> bool:
    """Hedging words in the content: may, likely, appear, "I think" ..."""
    for s, e in pieces:
        i = bisect.bisect_left(tok_starts, s)
        while i < len(doc) and doc[i].idx < e:
            if _hedging_token(doc[i]):
                return True
            i += 1
    return False
