"""Light-verb cues: the speech act is a noun or an adjective of a light verb.

"expressed concern that ...", "voiced support for ...", "made the case that ...", "made
comments about ...", "made (it) clear that ...". The cue runs from the verb to the noun (and
a preposition right after it), or to "clear"; the content is the noun's clause or object.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.stages.claims.lexicon import LIGHT_VERBS, MADE_NOUNS
from pipeline.stages.claims.spans import Piece, piece, subtree_piece

#: Most tokens between "made" and its noun: "made an increasingly explicit case".
MAX_GAP = 4


def light_object(verb: Token) -> Token | None:
    """The noun that carries the speech act: "expressed concern", "made the case"."""
    lemma = verb.lemma_.lower()
    doc = verb.doc
    if lemma in LIGHT_VERBS and verb.i + 1 < len(doc):
        nxt = doc[verb.i + 1]
        if nxt.dep_ == "dobj" and nxt.head.i == verb.i and nxt.left_edge.i == nxt.i:
            return nxt
    if lemma == "make":
        for c in verb.rights:
            if c.dep_ == "dobj" and c.lemma_.lower() in MADE_NOUNS and c.i - verb.i <= MAX_GAP:
                return c
    return None


def made_clear(verb: Token) -> Token | None:
    """The "clear" of "made clear that" and "made it clear that"."""
    if verb.lemma_.lower() != "make":
        return None
    for c in verb.rights:
        if c.lower_ == "clear" and c.i - verb.i <= 2:
            return c
    return None


def light_end(verb: Token) -> int | None:
    """Last token of a light-verb cue: the noun, a preposition right after it, or "clear"."""
    clear = made_clear(verb)
    if clear is not None:
        return int(clear.i)
    noun = light_object(verb)
    if noun is None:
        return None
    after = verb.doc[noun.i + 1] if noun.i + 1 < len(verb.doc) else None
    if after is not None and after.dep_ == "prep" and after.head.i == noun.i:
        return int(after.i)  # "expressed support for"
    return int(noun.i)


def light_content(doc: Doc, verb: Token) -> tuple[list[Piece], Token | None] | None:
    """Content of a light-verb cue; None if ``verb`` heads none; no pieces if it says
    nothing ("made the point." alone)."""
    clear = made_clear(verb)
    if clear is not None:
        comps = [
            c for c in (*verb.rights, *clear.rights) if c.dep_ in ("ccomp", "advcl") and c != clear
        ]
        if comps:
            return subtree_piece(doc, comps[0]), comps[0]
        # A clause the parse broke up after "clear": the rest of the cue's phrase.
        last = max(clear.right_edge.i, verb.right_edge.i)
        rest = piece(doc, clear.i + 1, last) if last > clear.i else None
        return ([rest], clear) if rest else ([], None)
    noun = light_object(verb)
    if noun is None:
        return None
    for c in noun.rights:
        if c.dep_ in ("acl", "ccomp", "relcl") and any(
            m.dep_ in ("mark", "aux") for m in c.children
        ):
            return subtree_piece(doc, c), c  # "concern that X", "the case to grant"
        if c.dep_ == "prep" and c.i == noun.i + 1:
            p = piece(doc, c.i + 1, c.right_edge.i)
            return ([p] if p else []), c  # "support for X"
    if verb.lemma_.lower() in LIGHT_VERBS:
        return subtree_piece(doc, noun), noun  # "expressed support"
    return [], None
