"""Prepositional cues: "according to X", "citing X" and "in a poll/survey", whose object is
the source and whose content is the clause they modify, minus the phrase itself."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from pipeline.records import Claim, Cue
from pipeline.stages.claims.claimants import EntityLinker, phrase
from pipeline.stages.claims.lexicon import POLL_NOUNS, RECORD_NOUNS
from pipeline.stages.claims.media import cited_source, reporter
from pipeline.stages.claims.quotes import QuoteIndex
from pipeline.stages.claims.spans import clause_minus, content_of, tok_end, trim
from pipeline.stages.claims.stance import content_hedged

#: Relations of a participle "citing X" that modifies a clause.
_CITING_DEPS = frozenset({"advcl", "xcomp", "acl", "conj", "dep"})


def _clause_head(tok: Token) -> Token:
    """The clause a phrase modifies: the nearest verbal head up the tree (at most 6 steps)."""
    head = tok.head
    for _ in range(6):
        if head.pos_ in ("VERB", "AUX") or head.dep_ == "ROOT" or head.head.i == head.i:
            break
        head = head.head
    return head


def _pobj(*toks: Token) -> Token | None:
    for t in toks:
        found = next((c for c in t.children if c.dep_ == "pobj"), None)
        if found is not None:
            return found
    return None


@dataclass(slots=True)
class PrepositionalCues:
    """Finds prepositional cues in one document."""

    doc: Doc
    text: str
    quotes: QuoteIndex
    linker: EntityLinker
    tok_starts: list[int]

    def cue_at(self, tok: Token) -> tuple[Token, Token] | None:
        """(last cue token, source head) when ``tok`` opens a prepositional cue."""
        low = tok.text.lower()
        nxt = tok.i + 1
        if low == "according" and nxt < len(self.doc) and self.doc[nxt].text.lower() == "to":
            pobj = _pobj(self.doc[nxt], tok)
            return (self.doc[nxt], pobj) if pobj is not None else None
        if low == "citing" and tok.dep_ in _CITING_DEPS:
            obj = cited_source(tok)  # else a reason: the verb cue "citing" of its subject
            return (tok, obj) if obj is not None else None
        if low == "in" and tok.dep_ == "prep":
            # "In a CNN poll, 50 percent chose Clinton", "Cruz had 38 percent in a Fox poll";
            # not "leads in polls", whose poll is no particular one.
            pobj = _pobj(tok)
            if pobj is not None and pobj.lemma_.lower() in POLL_NOUNS:
                particular = pobj.tag_ == "NN" and any(
                    c.dep_ in ("poss", "compound") or c.lower_ in ("a", "an", "this")
                    for c in pobj.children
                )
                if tok.i < tok.head.i or particular:
                    return tok, pobj
        return None

    def claim(self, tok: Token, last: Token, pobj: Token) -> Claim | None:
        """The claim of the cue ``tok``..``last`` with source ``pobj``."""
        doc = self.doc
        if self.quotes.inside(tok):
            return None
        cl = phrase(doc, trim(doc, pobj.left_edge.i, pobj.right_edge.i), pobj, True)
        head = _clause_head(tok)
        record = head.pos_ != "VERB" and head.lemma_.lower() in RECORD_NOUNS
        if cl is None or head.i == tok.i or record:
            return None
        if tok.lower_ == "citing" and reporter(tok) is not None:
            return None  # "Reuters reported, citing officials": the report's claim, via them
        ex_b = max(tok.right_edge.i, last.right_edge.i, pobj.right_edge.i)
        pieces = clause_minus(doc, head, min(tok.left_edge.i, tok.i), ex_b)
        if not pieces:
            return None
        end = tok_end(last)
        lemma = " ".join(t.text.lower() for t in doc[tok.i : last.i + 1])
        return Claim(
            claimant=self.linker.claimant(cl),
            cue=Cue(text=self.text[tok.idx : end], lemma=lemma, start=tok.idx, end=end),
            content=content_of(self.text, pieces, 0),
            stance="assert",
            quote="indirect",
            hedged=content_hedged(doc, self.tok_starts, pieces),
        )
