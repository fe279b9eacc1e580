"""Claimants: the phrase that did the saying, its entity and whether it is anonymous."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from pipeline.records import Claimant, Entity
from pipeline.stages.claims.lexicon import (
    AFFILIATION_PREPS,
    ANONYMITY_MARKERS,
    ANONYMOUS_HEADS,
    COLLECTIVE_HEADS,
    DEFINITE_DETS,
    GROUP_QUANTIFIERS,
    NAMED_LABELS,
    NON_CLAIM_CATENATIVES,
    PASSIVE_SUBJECT_DEPS,
    RECORD_NOUNS,
    SPEECH_VERBS,
    SUBJECT_DEPS,
)
from pipeline.stages.claims.spans import np_range, subject_right_edge, tok_end, trim, within_quotes


@dataclass(slots=True)
class ClaimantPhrase:
    """Character span of a claimant phrase and its head token."""

    start: int
    end: int
    head: Token
    local: bool  # the subject is a dependent of the cue itself


def subject_child(verb: Token) -> Token | None:
    """The active subject of ``verb``, if any; of two, the later: the parse may take a
    quotation's last noun phrase for a subject too (“... Full panic mode,” said Wimes)."""
    found = None
    for c in verb.children:
        if c.dep_ in SUBJECT_DEPS and (found is None or c.pos_ != "PART"):
            found = c  # not "n't", a subject by a parse error
    return found


def is_passive(verb: Token) -> bool:
    """A passive verb, or a participle with a ``by`` agent ("a call echoed by Japan")."""
    return any(
        c.dep_ in PASSIVE_SUBJECT_DEPS
        or c.dep_ == "auxpass"
        or (c.dep_ == "agent" and verb.tag_ == "VBN")
        for c in verb.children
    )


def agent(verb: Token) -> Token | None:
    """The object of a passive's ``by`` phrase."""
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def phrase(
    doc: Doc, rng: tuple[int, int] | None, head: Token, local: bool
) -> ClaimantPhrase | None:
    """A claimant phrase over token range ``rng``; None for an empty range."""
    if rng is None:
        return None
    return ClaimantPhrase(doc[rng[0]].idx, tok_end(doc[rng[1]]), head, local)


def _subject_phrase(doc: Doc, verb: Token, subj: Token, local: bool) -> ClaimantPhrase | None:
    if subj.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
        # "Lagarde, who said": the antecedent.
        return phrase(doc, np_range(doc, verb.head, exclude=verb), verb.head, local)
    a, b = within_quotes(doc, subj.left_edge.i, subj.i, subject_right_edge(subj))
    return phrase(doc, trim(doc, a, b), subj, local)


def asyndetic(verb: Token) -> bool:
    """A reporting clause the parse coordinated with the clause it reports, without a
    conjunction: "Sanders remains committed, his top aide told The Huffington Post"."""
    head = verb.head
    if verb.dep_ != "conj" or verb.i < head.i:
        return False
    if any(c.dep_ == "cc" and head.i < c.i < verb.i for c in head.children):
        return False
    first = verb.left_edge.i
    return first > 0 and verb.doc[first - 1].text in (",", "”", '"', "''")


def stray_subject(verb: Token) -> Token | None:
    """The subject of an asyndetic reporting clause that the parse hung on the reported
    clause's verb ("“...,” Ramos, 58, told AFP"): the noun right before the cue."""
    head = verb.head
    if verb.dep_ != "conj" or verb.i < head.i or subject_child(verb) is not None:
        return None
    if any(c.dep_ == "cc" and head.i < c.i < verb.i for c in head.children):
        return None
    before = [c for c in head.children if c.i < verb.i and c.dep_ not in ("punct", "cc")]
    last = before[-1] if before else None
    if last is None or last.pos_ not in ("PROPN", "NOUN") or last.dep_ in SUBJECT_DEPS:
        return None
    between = range(last.right_edge.i + 1, verb.left_edge.i)
    return last if all(verb.doc[i].is_punct for i in between) else None


def _infinitive(verb: Token) -> bool:
    return verb.tag_ == "VB" and any(c.dep_ == "aux" and c.tag_ == "TO" for c in verb.children)


def find_claimant(doc: Doc, verb: Token) -> ClaimantPhrase | None:
    """The phrase that did the saying: the cue's subject, inherited where English omits it.

    Inherited through coordination ("smiled and said"), participles ("..., saying"),
    catenative verbs ("went on to say"; from their object: "forced the banker to admit"),
    "responded by saying" and a participle modifying a noun ("issued a statement saying");
    passives count only with a ``by`` agent.
    """
    stray = stray_subject(verb)
    if stray is not None:
        return phrase(doc, trim(doc, stray.left_edge.i, stray.right_edge.i), stray, True)
    cur = verb
    for depth in range(4):
        subj = subject_child(cur)
        if subj is None and is_passive(cur):
            subj = agent(cur)
            if subj is None:
                return None
        if subj is not None:
            return _subject_phrase(doc, cur, subj, depth == 0)
        dep, parent = cur.dep_, cur.head
        if parent.i == cur.i:
            return None
        if dep == "conj" and parent.pos_ in ("VERB", "AUX"):
            cur = parent
        elif dep == "xcomp" and parent.dep_ == "acomp":
            cur = parent.head  # "was quick to point out"; not "it is worth noting"
            if any(c.dep_ in SUBJECT_DEPS and c.lower_ == "it" for c in cur.children):
                return None
        elif dep == "xcomp" and parent.lemma_.lower() not in NON_CLAIM_CATENATIVES:
            obj = next((c for c in parent.children if c.dep_ == "dobj" and c.i < cur.i), None)
            if obj is not None:  # "forced the banker to admit": the object speaks
                a, b = within_quotes(doc, obj.left_edge.i, obj.i, obj.right_edge.i)
                return phrase(doc, trim(doc, a, b), obj, False)
            cur = parent
        elif dep == "advcl" and (cur.tag_ == "VBG" or _infinitive(cur)):
            cur = parent  # "..., saying"; "spoke at a rally to discuss ..."
            if cur.dep_ == "ccomp" and cur.head.lemma_.lower() in SPEECH_VERBS and cur.i < verb.i:
                cur = cur.head  # "said he did not believe it, arguing ...": the one who said
        elif dep == "pcomp" and cur.tag_ == "VBG" and parent.dep_ == "prep":
            cur = parent.head  # "responded by saying ..."
            if cur.pos_ == "ADV" and cur.head.pos_ in ("VERB", "AUX"):
                cur = cur.head  # "refuses to discuss it, aside from saying ..."
        elif dep == "acl" and cur.tag_ == "VBG":
            # "The ministry issued a statement saying ..." -> the ministry.
            if parent.dep_ == "dobj" and subject_child(parent.head) is not None:
                cur = parent.head
                continue
            # "Swift posted on Twitter accusing ...": the poster, not the platform.
            holder = parent.head.head
            if parent.dep_ == "pobj" and holder.pos_ == "VERB" and subject_child(holder):
                cur = holder
                continue
            return phrase(doc, np_range(doc, parent, exclude=cur), parent, False)
        else:
            return None
    return None


def is_anonymous(head: Token) -> bool:
    """An unnamed source: "a senior official", "sources", "the source", "his spokesman"."""
    if head.pos_ in ("PROPN", "PRON", "NUM") or head.tag_ in ("NNP", "NNPS"):
        return False
    if any(_named_apposition(t) for t in head.subtree):
        return False  # "his attorney, Mark Doe"; "an attorney for Doe, Mark Roe"
    if head.pos_ != "NOUN":
        return False
    lemma = head.lemma_.lower()
    if _named_by(head, lemma):
        return False
    if lemma in ANONYMOUS_HEADS:
        return True
    if any(t.text.lower() in ANONYMITY_MARKERS for t in head.subtree):
        return True
    for c in head.children:
        if c.dep_ == "poss":
            # "Trump's campaign" is named; "his spokesman" is an unnamed person.
            return c.pos_ == "PRON" and lemma not in COLLECTIVE_HEADS
        if c.dep_ == "det" and c.text.lower() in DEFINITE_DETS:
            return False
    return True


def _named_apposition(tok: Token) -> bool:
    """A name in apposition, not an acronym in brackets ("the Digital Industry Group (DIGI)")."""
    before = tok.doc[tok.left_edge.i - 1] if tok.left_edge.i else None
    return tok.dep_ == "appos" and tok.pos_ == "PROPN" and (before is None or before.text != "(")


def _named_by(head: Token, lemma: str) -> bool:
    """A record a name owns ("a USA TODAY analysis", "a New York Times/CBS News poll", "a
    Clinton ad"), or a group given by its named members ("unions, including the AFL-CIO")."""
    if lemma in RECORD_NOUNS and any(
        c.dep_ in ("compound", "nmod", "poss", "amod") and c.pos_ == "PROPN" for c in head.children
    ):
        return True
    return any(
        c.dep_ == "prep"
        and c.lower_ == "including"
        and any(o.dep_ == "pobj" and o.pos_ == "PROPN" for o in c.children)
        for c in head.children
    )


def _bare(tok: Token) -> str:
    """The words of ``tok``'s phrase up to ``tok``, without determiners ("the NYAG" -> "NYAG")."""
    doc = tok.doc
    a = tok.left_edge.i
    while a < tok.i and doc[a].dep_ in ("det", "poss", "case", "amod", "advmod"):
        a += 1
    return doc[a : tok.i + 1].text


def _unnamed_group(head: Token) -> bool:
    """Some members of a named group: "Republicans", "some Democrats", "many Britons"."""
    if head.tag_ != "NNPS":
        return False
    dets = [c.text.lower() for c in head.children if c.dep_ in ("det", "amod", "poss")]
    return all(d in GROUP_QUANTIFIERS for d in dets)


class EntityLinker:
    """Entity mentions of a document, to link claimant phrases by character overlap."""

    def __init__(self, text: str, entities: Sequence[Entity]) -> None:
        self.text = text
        self.mentions = sorted(
            (m.start, m.end, ent.id, ent.label) for ent in entities for m in ent.mentions
        )
        self.starts = [m[0] for m in self.mentions]
        self.longest = max((m[1] - m[0] for m in self.mentions), default=0)

    def _mentions_in(self, start: int, end: int) -> list[tuple[int, int, str, str]]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        return [m for m in self.mentions[lo:hi] if m[1] > start and m[0] < end]

    def names(self, start: int, end: int, labels: frozenset[str] = NAMED_LABELS) -> bool:
        """Characters [start, end) hold a mention of an entity with one of ``labels``."""
        return any(m[3] in labels for m in self._mentions_in(start, end))

    def mentioned(self, start: int, end: int) -> bool:
        """Characters [start, end) hold a mention of any entity."""
        return bool(self._mentions_in(start, end))

    def _named_at(self, tok: Token) -> str | None:
        """The text of a named mention covering ``tok``, without a leading "the"."""
        for m in self._mentions_in(tok.idx, tok_end(tok)):
            if m[3] in NAMED_LABELS:
                name = self.text[m[0] : m[1]]
                return name[4:] if name[:4].lower() == "the " else name
        return None

    def affiliation(self, head: Token) -> str | None:
        """The body an unnamed source speaks for: "a Treasury official" -> "Treasury", "a
        senior EU official" -> "EU", "an official at the Pentagon" -> "Pentagon", "a senior
        administration official" -> "administration"; None for "a person familiar with"."""
        if head.lemma_.lower() in ANONYMOUS_HEADS:
            return None
        for c in head.lefts:
            if c.dep_ in ("compound", "amod", "nmod"):
                named = self._named_at(c)
                if named is not None:
                    return named
                if c.dep_ == "compound" and c.pos_ in ("NOUN", "PROPN"):
                    return _bare(c)
        for prep in head.rights:
            if prep.dep_ == "prep" and prep.text.lower() in AFFILIATION_PREPS:
                for obj in prep.children:
                    if obj.dep_ == "pobj" and obj.pos_ == "PROPN":
                        return self._named_at(obj) or _bare(obj)
        return None

    def claimant(self, c: ClaimantPhrase, via: str | None = None) -> Claimant:
        """The record of ``c``: a mention on its head wins, else a named one in the phrase."""
        found = self._mentions_in(c.start, c.end)
        hs, he = c.head.idx, tok_end(c.head)
        on_head = [m for m in found if m[0] < he and m[1] > hs]
        # A name that only modifies the head is not the claimant: "the Republican candidate".
        named = [m for m in found if m[3] in NAMED_LABELS and m[3] != "NORP"]
        linked = on_head or named
        anonymous = _unnamed_group(c.head) or (
            not any(m[3] in NAMED_LABELS for m in on_head) and is_anonymous(c.head)
        )
        return Claimant(
            text=self.text[c.start : c.end],
            start=c.start,
            end=c.end,
            entity_id=linked[0][2] if linked else None,
            anonymous=anonymous,
            affiliation=self.affiliation(c.head) if anonymous else None,
            via=via,
        )
