"""Indirect content of a cue: a clause, an object phrase, or the clause a cue interrupts."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.stages.claims.claimants import asyndetic, stray_subject, subject_child
from pipeline.stages.claims.lexicon import (
    ANSWER_WORDS,
    ATTITUDE_OBJECT_VERBS,
    CLAUSE_DEPS,
    CUE_PREPS,
    NEGATED_ONLY_VERBS,
    NP_OBJECT_VERBS,
    OBJECT_PREP_VERBS,
    PASSIVE_SUBJECT_DEPS,
    PREP_CONTENT_VERBS,
    PREP_ONLY_VERBS,
    PROPOSITION_NOUNS,
    PROPOSITION_OBJECT_VERBS,
    WITHHOLD_VERBS,
)
from pipeline.stages.claims.light import light_content
from pipeline.stages.claims.media import is_medium
from pipeline.stages.claims.quotes import QuoteIndex
from pipeline.stages.claims.spans import Piece, clause_minus, piece, subtree_piece

Found = tuple[list[Piece], Token | None]
NOTHING: Found = ([], None)
NAMED_DEPS = frozenset({"dobj", "oprd", "attr", "appos", "nmod", "npadvmod", "dative"})


def _complement(verb: Token, lemma: str) -> Token | None:
    """A clausal complement: ``that``-, ``whether``-, bare or infinitival clause."""
    comps = [c for c in verb.children if c.dep_ in CLAUSE_DEPS]
    if lemma in WITHHOLD_VERBS:
        return next((c for c in comps if c.dep_ == "xcomp"), None)
    if not comps:
        # "said after the convention he would not accept": a complement misread as an
        # unmarked adverbial clause with its own subject.
        comps = [
            c
            for c in verb.children
            if c.dep_ == "advcl"
            and c.i > verb.i
            and subject_child(c) is not None
            and not any(g.dep_ == "mark" for g in c.children)
        ]
    return comps[0] if comps else _noun_complement(verb)


def _for_mark(clause: Token) -> Token | None:
    """The ``for`` opening "for the US to act", the complement of "called for"."""
    first = clause.left_edge
    if first.dep_ == "mark" and first.text.lower() == "for" and first.head.i == clause.i:
        return first
    return None


def _noun_complement(verb: Token) -> Token | None:
    """A that-clause the parse hung on a noun of the cue's adjunct: "said in a statement that
    ...", "said following a vote in 2001 that ...", "called for X to act" (``for`` as a mark)."""
    for prep in verb.rights:
        if prep.dep_ == "advcl" and _for_mark(prep) is not None:
            return prep
        if prep.dep_ != "prep":
            continue
        for noun in prep.subtree:
            for c in noun.rights:
                if c.dep_ in ("acl", "ccomp", "relcl") and any(
                    m.dep_ == "mark" and m.text.lower() == "that" for m in c.children
                ):
                    return c
    return None


def _object_prep(doc: Doc, verb: Token, lemma: str, obj: Token) -> Found:
    """ "accused Russia of meddling": the object through the last matching preposition."""
    preps = [
        c
        for c in verb.children
        if c.dep_ == "prep" and c.text.lower() in OBJECT_PREP_VERBS[lemma] and c.i > obj.i
    ]
    if not preps:
        return NOTHING
    p = piece(doc, obj.left_edge.i, preps[-1].right_edge.i)
    return ([p] if p else []), obj


def _called(doc: Doc, quotes: QuoteIndex, verb: Token, objs: list[Token]) -> Found:
    """ "called the report a fabrication" (object + predicate), "called for talks", "called
    the plan “a disaster”" (however the parse hangs the quoted name)."""
    preds = [c for c in verb.children if c.dep_ in ("oprd", "ccomp", "xcomp")]
    if objs and preds and preds[-1].i > objs[0].i:
        p = piece(doc, objs[0].left_edge.i, preds[-1].right_edge.i)
        return ([p] if p else []), preds[-1]
    if not objs:
        for c in verb.children:
            if c.dep_ == "prep" and c.text.lower() == "for" and c.i == verb.i + 1:
                return subtree_piece(doc, c), c
    return _quoted_name(doc, quotes, verb)


def _quoted_name(doc: Doc, quotes: QuoteIndex, verb: Token) -> Found:
    """A noun, then a quotation naming it, none of it in a prepositional phrase: "called his
    actions “a crucial step”", not "called reporters to a “briefing”" nor "called a “snap”
    election"."""
    named = [c for c in verb.rights if c.dep_ in NAMED_DEPS]
    if not named or quotes.inside(doc[verb.i + 1]):
        return NOTHING
    end = max(c.right_edge.i for c in named)
    noun = next(
        (
            k
            for k in range(verb.i + 1, end + 1)
            if doc[k].pos_ in ("NOUN", "PROPN", "PRON") and not quotes.inside(doc[k])
        ),
        end,
    )
    for k in range(noun + 1, end + 1):
        if quotes.inside(doc[k]) and not _through_prep(doc[k], verb):
            p = piece(doc, verb.i + 1, end)
            return ([p] if p else []), named[-1]
    return NOTHING


def _through_prep(tok: Token, verb: Token) -> bool:
    while tok.i != verb.i and tok.head.i != tok.i:
        if tok.dep_ in ("prep", "pobj", "agent"):
            return True
        tok = tok.head
    return False


def _prep_object(doc: Doc, verb: Token, lemma: str, prep: Token) -> list[Piece]:
    """ "warned of a recession": the object alone when the preposition joins the cue."""
    if prep.i == verb.i + 1 and prep.text.lower() in CUE_PREPS.get(lemma, ()):
        p = piece(doc, prep.i + 1, prep.right_edge.i)
        return [p] if p else []
    return subtree_piece(doc, prep)


def _object_is_content(verb: Token, lemma: str, obj: Token) -> bool:
    """The object is a proposition the cue takes: "denied any wrongdoing", "declined comment"."""
    obj_lemma = obj.lemma_.lower()
    if lemma in WITHHOLD_VERBS and obj_lemma == "comment":
        return True
    if lemma == "deny" and any(c.dep_ == "dative" for c in verb.children):
        return False  # "denied them entry": refusal of a thing, not of a proposition
    return (
        lemma in NP_OBJECT_VERBS
        or lemma in ATTITUDE_OBJECT_VERBS
        or (lemma in PROPOSITION_OBJECT_VERBS and obj_lemma in PROPOSITION_NOUNS)
        or (lemma in NEGATED_ONLY_VERBS and obj_lemma in NEGATED_ONLY_VERBS[lemma])
    )


def _set_off(doc: Doc, verb: Token) -> bool:
    """The reporting clause stands between commas inside its sentence: "The economy, the
    minister said, is recovering"."""
    a, b = verb.left_edge.i, verb.right_edge.i
    before = a if doc[a].text == "," else a - 1  # the parse may hang the commas on the verb
    after = b if doc[b].text == "," else b + 1
    sent = verb.sent
    return (
        sent.start < before < after < sent.end - 1
        and doc[before].text == ","
        and doc[after].text == ","
    )


def _interrupted_clause(doc: Doc, quotes: QuoteIndex, verb: Token) -> Found:
    """Parenthetical reporting clause: "Troops crossed the border, the ministry said.", "As
    the Post reported, the deficit will grow."."""
    head = verb.head
    as_clause = verb.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.text.lower() == "as" for c in verb.children
    )
    stray = stray_subject(verb)
    aside = stray is not None or asyndetic(verb)
    if not (verb.dep_ in ("parataxis", "ccomp") or as_clause or aside) or head.i == verb.i:
        return NOTHING
    set_off = _set_off(doc, verb)
    if head.pos_ not in ("VERB", "AUX"):
        if not set_off:
            return NOTHING
        head = verb.sent.root  # the parse lost the clause's verb: the commas mark the aside
    if quotes.inside(head) and not (set_off and not quotes.inside(doc[head.left_edge.i])):
        return NOTHING  # “A,” she said, “B”: quotations are direct content
    start = min(verb.left_edge.i, stray.left_edge.i) if stray is not None else verb.left_edge.i
    pieces = clause_minus(doc, head, start, verb.right_edge.i)
    return (pieces, head) if pieces else NOTHING


def clause_content(doc: Doc, quotes: QuoteIndex, verb: Token, lemma: str) -> Found:
    """Indirect content of a cue and the token heading it, first match wins.

    A clausal complement; else, for cues that take one, an object phrase (with its
    preposition for "accused X of Y", a predicate for "called X Y") or a prepositional phrase
    ("warned of"); else the clause a parenthetical reporting clause interrupts, minus itself.
    """
    if lemma in PREP_ONLY_VERBS:
        preps = [
            c for c in verb.children if c.dep_ == "prep" and c.text.lower() in CUE_PREPS[lemma]
        ]
        return (_prep_object(doc, verb, lemma, preps[0]), preps[0]) if preps else NOTHING
    light = light_content(doc, verb)
    if light is not None:
        return light
    comp = _complement(verb, lemma)
    if comp is not None and _for_mark(comp) is not None:
        p = piece(doc, comp.left_edge.i + 1, comp.right_edge.i)
        return ([p] if p else []), comp
    if comp is not None:
        return subtree_piece(doc, comp), comp
    objs = [c for c in verb.children if c.dep_ in ("dobj", "attr")]
    if not objs:
        answers = [c for c in verb.rights if c.lower_ in ANSWER_WORDS and c.i == verb.i + 1]
        if answers:
            return subtree_piece(doc, answers[0]), answers[0]  # "said so", "thinks so"
    if lemma in OBJECT_PREP_VERBS and objs:
        found = _object_prep(doc, verb, lemma, objs[0])
        if found[1] is not None:
            return found
    if lemma == "call":
        return _called(doc, quotes, verb, objs)
    if lemma in PREP_CONTENT_VERBS and not objs:
        for c in verb.children:
            if c.dep_ == "prep" and c.text.lower() in PREP_CONTENT_VERBS[lemma]:
                return _prep_object(doc, verb, lemma, c), c
    if objs and _object_is_content(verb, lemma, objs[0]):
        return _object_phrase(doc, verb, objs[0]), objs[0]
    return _interrupted_clause(doc, quotes, verb)


def _object_phrase(doc: Doc, verb: Token, obj: Token) -> list[Piece]:
    """The object with what the verb says of it after it: "likened the rules to a fire",
    "hailed him as a hero", "asked him about his taxes", "told them to vote"."""
    last = obj.right_edge.i
    for c in verb.rights:
        if c.i > last and (
            c.dep_ in _SECOND_DEPS or (c.dep_ == "prep" and c.lower_ in _SECOND_PREPS)
        ):
            last = c.right_edge.i
    p = piece(doc, obj.left_edge.i, last)
    return [p] if p else []


_SECOND_DEPS = frozenset({"oprd", "xcomp", "ccomp"})
_SECOND_PREPS = frozenset({"as", "to", "about", "for", "of", "on", "with", "over", "against"})


def object_content(doc: Doc, verb: Token) -> Found:
    """The object or first prepositional phrase after ``verb`` that names no medium ("posted
    on Twitter"): the content of a cue the word lists do not know ("attacked his record",
    "echoed the warning") or of one the detector is sure of."""
    for c in verb.rights:
        if c.dep_ == "dobj":
            return _object_phrase(doc, verb, c), c
        if c.dep_ in ("attr", "oprd") or (c.dep_ == "prep" and not is_medium(c)):
            return subtree_piece(doc, c), c
    return NOTHING


def passive_subject_content(doc: Doc, verb: Token) -> Found:
    """The subject of a passive cue with a ``by`` agent: its content ("The issue was first
    reported by the Post"), unless a relative pronoun ("which was reported by")."""
    for c in verb.lefts:
        if c.dep_ in PASSIVE_SUBJECT_DEPS and c.tag_ not in ("WDT", "WP"):
            return subtree_piece(doc, c), c
    return NOTHING
