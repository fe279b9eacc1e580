"""Cues: which verbs report speech, and the character span of the cue.

A cue's span is its verb group, as PolNeAR annotates it: auxiliaries, negation and adverbs
before the verb ("has also said", "did not immediately respond"), a catenative head ("went
on to say"), a particle ("pointed out"), a preposition the verb selects ("called for",
"responded to"), "in a statement" right after it, and a colon glued to it ("said:").
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.records import ClaimKind, Cue
from pipeline.stages.claims.lexicon import (
    ANSWER_WORDS,
    BELIEF_VERBS,
    CUE_PREPS,
    INTENTION_VERBS,
    NEGATED_ONLY_VERBS,
    NON_CLAIM_CATENATIVES,
    PHRASAL_CUES,
    PHRASAL_PREPS,
    SPEECH_VERBS,
    STATEMENT_NOUNS,
    TOPIC_PREPS,
)
from pipeline.stages.claims.light import light_end, light_object, made_clear
from pipeline.stages.claims.spans import tok_end

_GROUP_DEPS = frozenset({"aux", "auxpass", "neg", "advmod"})
_CONTRACTED_TAGS = frozenset({"VBZ", "VBP", "VBD", "MD"})  # "’s", "'ve", "'d", "'ll"


def is_cue(tok: Token) -> bool:
    """A reporting verb by lemma; a phrasal one needs its particle or preposition ("pointed
    out", "pointed to")."""
    lemma = tok.lemma_.lower()
    if lemma in PHRASAL_CUES:
        return any(
            (c.dep_ == "prt" and c.lower_ == PHRASAL_CUES[lemma])
            or (c.i == tok.i + 1 and c.dep_ == "prep" and c.lower_ in PHRASAL_PREPS.get(lemma, ()))
            for c in tok.rights
        )
    if lemma == "make":
        return light_object(tok) is not None or made_clear(tok) is not None
    return (
        lemma in SPEECH_VERBS
        or lemma in NEGATED_ONLY_VERBS
        or lemma in BELIEF_VERBS
        or lemma in INTENTION_VERBS
    )


def structural(tok: Token) -> bool:
    """A cue by its construction ("made clear", "pointed out"), not by its word alone."""
    lemma = tok.lemma_.lower()
    return lemma == "make" or lemma in PHRASAL_CUES


def kind_of(lemma: str) -> ClaimKind:
    """What a verb cue reports: a belief, an intention, or else a statement."""
    if lemma in BELIEF_VERBS:
        return "belief"
    return "intention" if lemma in INTENTION_VERBS else "statement"


def _group_start(doc: Doc, verb: Token) -> int:
    """First token of the verb group: contiguous auxiliaries, negation, short adverbs."""
    i = verb.i
    while i > 0:
        t = doc[i - 1]
        if t.is_space:
            i -= 1  # a no-break space inside the group ("has\xa0acknowledged")
            continue
        if t.head.i != verb.i or t.dep_ not in _GROUP_DEPS or t.right_edge.i != t.i:
            break
        if not _group_word(t):
            break
        i = t.left_edge.i
    while doc[i].is_space:
        i += 1
    infinitive = verb.dep_ == "advcl" and doc[i].tag_ == "TO"  # "came to talk about"
    if (verb.dep_ == "xcomp" or infinitive) and verb.head.i < i:
        head = verb.head
        between = range(head.i + 1, i)
        if head.lemma_.lower() not in NON_CLAIM_CATENATIVES and all(
            doc[k].head.i == head.i and doc[k].dep_ in ("prt", "neg", "advmod") for k in between
        ):
            start = _group_start(doc, head)  # "went on to say", "went on to discuss"
            cop = head.head  # "was quick to point out": the copula of the adjective
            if head.dep_ == "acomp" and cop.i < start and _group_between(doc, cop, start):
                return _group_start(doc, cop)
            return start
    return i


def _group_between(doc: Doc, verb: Token, end: int) -> bool:
    """The tokens from ``verb`` to ``end`` belong to its group ("was not quick")."""
    return all(
        doc[k].head.i == verb.i and doc[k].dep_ in _GROUP_DEPS for k in range(verb.i + 1, end)
    )


def _group_word(t: Token) -> bool:
    """``t`` can open a verb group: one word ("also", "’s") or a two-word adverb whose
    first word modifies it ("once again", "almost immediately")."""
    first = t.left_edge
    if t.i - first.i > 1 or (first.i < t.i and first.dep_ != "advmod"):
        return False
    return all(w.text[:1].isalpha() or w.tag_ in _CONTRACTED_TAGS for w in (first, t))


def _group_end(doc: Doc, verb: Token, lemma: str) -> tuple[int, str]:
    """Last token of the cue after the verb, and the cue's lemma."""
    end, full = verb.i, lemma
    nxt = verb.i + 1
    if nxt < len(doc) and doc[nxt].dep_ == "prt" and doc[nxt].head.i == verb.i:
        end, full = nxt, f"{lemma} {doc[nxt].text.lower()}"
    light = light_end(verb)
    if light is not None:
        return light, full
    if end + 1 < len(doc) and _adverb_after(doc[end + 1], verb):
        end += 1  # "said repeatedly", "tweeted back"
    nxt = end + 1
    while nxt + 1 < len(doc) and doc[nxt].dep_ == "advmod" and doc[nxt].head.i == verb.i:
        if doc[nxt + 1].text.lower() not in CUE_PREPS.get(lemma, ()):
            break
        nxt += 1  # "talking proudly of"
    selected = doc[nxt].head.i == verb.i and doc[nxt].dep_ == "prep" if nxt < len(doc) else False
    if nxt < len(doc) and doc[nxt].dep_ == "mark" and doc[nxt].head.head.i == verb.i:
        selected = True  # "calling for the US to act": "for" marks the complement clause
    if selected:
        prep = doc[nxt].text.lower()
        if prep in CUE_PREPS.get(lemma, ()):
            end, full = nxt, f"{full} {prep}"
        elif prep == "in" and _statement_object(doc[nxt]):
            end = doc[nxt].right_edge.i if doc[nxt].right_edge.i - nxt <= 3 else end
    return end, full


def _adverb_after(tok: Token, verb: Token) -> bool:
    """An adverb of manner or time right after the cue verb: "said repeatedly", "noted
    recently", "tweeted back"; not the content of "said so"."""
    return (
        tok.head.i == verb.i
        and tok.lower_ not in ANSWER_WORDS
        and tok.dep_ == "advmod"
        and tok.tag_ == "RB"
        and tok.left_edge.i == tok.right_edge.i
        and tok.text.isalpha()
    )


def _statement_object(prep: Token) -> bool:
    return any(c.dep_ == "pobj" and c.lemma_.lower() in STATEMENT_NOUNS for c in prep.children)


def cue_of(doc: Doc, text: str, verb: Token, lemma: str) -> Cue:
    """The cue record of ``verb`` (``text`` is ``doc.text``): its verb group, selected
    preposition and glued colon."""
    start = doc[_group_start(doc, verb)].idx
    last, full = _group_end(doc, verb, lemma)
    end = tok_end(doc[last])
    if text[end : end + 1] == ":":
        end += 1
    return Cue(text=text[start:end], lemma=full, start=start, end=end)


def topic_preposition(verb: Token, cue: Cue, head: Token | None) -> Token | None:
    """The preposition of ``verb`` right after its ``cue`` that heads its content (``head``):
    it joins the cue, as in "railed against the deal", "doubled down on his attacks"."""
    if head is None or head.dep_ != "prep" or head.head.i != verb.i or head.i == 0:
        return None
    if head.lower_ not in TOPIC_PREPS or tok_end(verb.doc[head.i - 1]) != cue.end:
        return None
    return head


def with_preposition(text: str, cue: Cue, prep: Token) -> Cue:
    """``cue`` extended by its topic preposition ``prep``."""
    end = tok_end(prep)
    return Cue(
        text=text[cue.start : end], lemma=f"{cue.lemma} {prep.lower_}", start=cue.start, end=end
    )
