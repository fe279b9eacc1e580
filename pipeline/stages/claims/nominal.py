"""Nominal cues: a speech noun with its speaker and its that-clause ("Trump's claim that ...",
"the warning by the central bank that ...")."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.records import Claim, Cue
from pipeline.stages.claims.claimants import EntityLinker, phrase
from pipeline.stages.claims.lexicon import SPEECH_NOUNS
from pipeline.stages.claims.spans import content_of, subtree_piece, tok_end, trim
from pipeline.stages.claims.stance import content_hedged


def _that_clause(noun: Token) -> Token | None:
    for c in noun.rights:
        if c.dep_ in ("acl", "ccomp", "relcl") and any(
            m.dep_ == "mark" and m.text.lower() == "that" for m in c.children
        ):
            return c
    return None


def _speaker(noun: Token) -> Token | None:
    """The possessor ("Trump's claim") or the ``by`` agent ("the claim by Trump")."""
    for c in noun.children:
        if c.dep_ == "poss":
            return c
        if c.dep_ == "prep" and c.text.lower() == "by":
            return next((g for g in c.children if g.dep_ == "pobj"), None)
    return None


def nominal_claim(
    doc: Doc, text: str, linker: EntityLinker, tok_starts: list[int], noun: Token
) -> Claim | None:
    """The claim of ``noun`` when it is a speech noun with a speaker and a that-clause."""
    if noun.pos_ != "NOUN" or noun.lemma_.lower() not in SPEECH_NOUNS:
        return None
    clause, speaker = _that_clause(noun), _speaker(noun)
    if clause is None or speaker is None:
        return None
    rng = trim(doc, speaker.left_edge.i, speaker.right_edge.i)
    if rng is not None and doc[rng[1]].tag_ == "POS":
        rng = trim(doc, rng[0], rng[1] - 1)  # "Trump's" -> "Trump"
    cl = phrase(doc, rng, speaker, True)
    pieces = subtree_piece(doc, clause)
    if cl is None or not pieces:
        return None
    end = tok_end(noun)
    return Claim(
        claimant=linker.claimant(cl),
        cue=Cue(text=text[noun.idx : end], lemma=noun.lemma_.lower(), start=noun.idx, end=end),
        content=content_of(text, pieces, 0),
        stance="deny" if noun.lemma_.lower() == "denial" else "assert",
        quote="indirect",
        hedged=content_hedged(doc, tok_starts, pieces),
    )
