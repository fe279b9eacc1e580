"""What a verb cue reports when it reports no attribution: possibilities ("could agree"),
acts ("threatened to kill"), reactions ("responded to a question"), nobody ("no one has
shown"); and the antecedent of a relative pronoun standing for the content ("which")."""

from __future__ import annotations

import bisect

from spacy.tokens import Doc, Token

from pipeline.stages.claims.lexicon import (
    ACT_INFINITIVE_VERBS,
    NOBODY_WORDS,
    POSSIBILITY_MODALS,
    RESPONSE_VERBS,
)
from pipeline.stages.claims.spans import Piece, clause_minus

#: Relative pronouns that can stand for a content: "..., which Tehran denies".
_RELATIVES = frozenset({"which", "that", "what", "who", "whom"})


def possibility(verb: Token) -> bool:
    """The cue is under a modal: "could agree", "might say"."""
    return any(c.dep_ == "aux" and c.lower_ in POSSIBILITY_MODALS for c in verb.children)


def no_statement(lemma: str, head: Token | None) -> bool:
    """The indirect content found makes the cue an act or a reaction, not a statement."""
    if head is None:
        return False
    if lemma in ACT_INFINITIVE_VERBS and head.dep_ == "xcomp":
        return True  # "threatened to kill"; "threatened that ..." stays a claim
    return lemma in RESPONSE_VERBS and head.dep_ == "prep"  # "responded to a question"


def nobody(doc: Doc, tok_starts: list[int], start: int) -> bool:
    """The claimant phrase starting at character ``start`` names nobody ("No one", "none")."""
    i = bisect.bisect_left(tok_starts, start)
    return i < len(doc) and doc[i].lower_ in NOBODY_WORDS


def antecedent(
    doc: Doc, text: str, tok_starts: list[int], verb: Token, pieces: list[Piece]
) -> list[Piece] | None:
    """For content that is a bare relative pronoun ("which Tehran denies"; ``text`` is the
    doc's), the clause the relative clause hangs on, minus itself; None when there is no such
    clause. Content that is no bare relative pronoun is returned as it is."""
    if len(pieces) != 1 or text[slice(*pieces[0])].lower() not in _RELATIVES:
        return pieces
    word = doc[bisect.bisect_left(tok_starts, pieces[0][0])]
    if word.tag_ not in ("WDT", "WP"):
        return pieces  # "ruled that out": a demonstrative, not a relative pronoun
    if verb.dep_ != "relcl":
        return None
    clause = verb.head
    for _ in range(6):
        if clause.pos_ in ("VERB", "AUX") or clause.head.i == clause.i:
            break
        clause = clause.head
    if clause.pos_ not in ("VERB", "AUX"):
        return None
    found = clause_minus(doc, clause, verb.left_edge.i, verb.right_edge.i)
    return found or None
