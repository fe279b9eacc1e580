"""Claimant resolution: a pronoun or a definite description points back to an earlier claimant
or entity mention ("Scholz said ... He added", "the German chancellor", "the official").

Salience, not name lists: he/she take the nearest earlier person, preferring subjects (a
claimant, a subject mention) and the leftmost one in the nearest sentence, and skipping one
whose gender the text has shown otherwise (an honorific "Mr."/"Ms." before a mention, or an
earlier resolved pronoun); a name the tagger did not call a person is a fallback, and a
nearer subject that is no entity at all makes it abstain. "they" takes the nearest plural
claimant or group (organisation, "Democrats"), "it" the nearest singular claimant or
organisation. A description takes the nearest person whose title ("Chancellor Olaf Scholz",
"Scholz, the German chancellor") has its head noun, else an earlier claimant with that head
("a senior official ... the official": its anonymity and affiliation carry over), else an
organisation whose name holds it ("the department"), else for "the company", "the group" the
nearest organisation that spoke. Mentions inside quotations or inside the claim's own content
are never referents. Unresolved claimants keep ``entity_id`` null.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from spacy.attrs import SENT_START
from spacy.tokens import Doc, Token

from pipeline.records import Claim, Claimant, Entity
from pipeline.stages.claims.lexicon import (
    DEFINITE_DETS,
    GROUP_LABELS,
    ORG_LABELS,
    ORG_NOUNS,
    TITLE_ABBREVIATIONS,
)
from pipeline.stages.claims.quotes import QuoteIndex

#: How far back a pronoun looks, in sentences.
PRONOUN_SENTENCES = 4
_GENDER = {"he": "m", "him": "m", "she": "f", "her": "f"}
_PLURAL = frozenset({"they", "them"})
_PRONOUNS = frozenset({*_GENDER, *_PLURAL, "it"})
_ORGANISATIONS = frozenset({"ORG"})  # "it" never takes a place from a mere mention
_PLACES = frozenset({"GPE", "NORP", "LOC", "FAC"})
_REFERENT_LABELS = frozenset({"PERSON"}) | ORG_LABELS | GROUP_LABELS
_HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+$")


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    entity_id: str
    label: str
    sent: int  # index of its sentence
    text: str
    quoted: bool  # inside a quotation
    titles: set[str] | None = None  # title nouns, computed on first use


@dataclass(slots=True)
class _Prior:
    """An earlier claimant, itself resolved: a candidate referent."""

    claimant: Claimant
    sent: int
    head_lemma: str
    plural: bool
    person: bool
    proper: bool  # a name, whatever its entity label ("Claure" tagged ORG)


def _title(tok: Token) -> str:
    low = tok.lemma_.lower()
    return TITLE_ABBREVIATIONS.get(low, low)


def _titles(head: Token) -> set[str]:
    """Title nouns around a name: "Chancellor Olaf Scholz", "Sen. Warren", "Scholz, the German
    chancellor", "the German chancellor, Olaf Scholz"."""
    found = {
        _title(c)
        for c in head.lefts
        if c.dep_ == "compound" and (c.pos_ == "NOUN" or c.is_title or c.text.endswith("."))
    }
    found.update(_title(c) for c in head.children if c.dep_ == "appos" and c.pos_ == "NOUN")
    if head.dep_ == "appos" and head.head.pos_ == "NOUN":
        found.add(_title(head.head))
    return found


def resolvable(cl: Claimant) -> bool:
    """A claimant that may point back: an unlinked pronoun or definite description."""
    if cl.entity_id is not None or cl.end <= cl.start:
        return False
    low = cl.text.lower()
    return low in _PRONOUNS or low.split(" ", 1)[0] in DEFINITE_DETS


class Referents:
    """Candidate referents of one document, consulted claim by claim in text order."""

    def __init__(
        self,
        doc: Doc,
        text: str,
        entities: Sequence[Entity],
        tok_starts: list[int],
        quotes: QuoteIndex,
    ):
        self.doc = doc
        self.text = text
        self.quotes = quotes
        self.entities = entities
        self.tok_starts = tok_starts
        flags = doc.to_array(SENT_START).tolist()
        self.sent_starts = [0] + [tok_starts[i] for i, f in enumerate(flags) if f == 1 and i > 0]
        self.labels = {ent.id: ent.label for ent in entities}
        self.gender: dict[str, str] = {}
        self.priors: dict[int, _Prior] = {}  # by claimant start
        self._mentions: list[_Mention] | None = None
        self.mention_starts: list[int] = []

    @property
    def mentions(self) -> list[_Mention]:
        """Mentions of people and groups in text order, indexed on first use."""
        if self._mentions is None:
            self._mentions = []
            for ent in self.entities:
                if ent.label in _REFERENT_LABELS:
                    self._mentions.extend(self._indexed(ent))
            self._mentions.sort(key=lambda m: m.start)
            self.mention_starts = [m.start for m in self._mentions]
        return self._mentions

    def _indexed(self, ent: Entity) -> list[_Mention]:
        found = []
        for m in ent.mentions:
            if ent.label == "PERSON":
                honorific = _HONORIFIC.search(self.text, max(m.start - 6, 0), m.start)
                if honorific:
                    self.gender.setdefault(ent.id, "m" if honorific[1] == "Mr" else "f")
            first = max(bisect.bisect_right(self.tok_starts, m.start) - 1, 0)
            quoted = self.quotes.in_quote[first] >= 0
            sent = self._sent(m.start)
            found.append(_Mention(m.start, m.end, ent.id, ent.label, sent, m.text, quoted))
        return found

    def _token(self, offset: int) -> Token:
        return self.doc[max(bisect.bisect_right(self.tok_starts, offset) - 1, 0)]

    def _head(self, start: int, end: int) -> Token:
        """The token of characters [start, end) whose head lies outside them."""
        tok = self._token(end - 1)
        while tok.head.i != tok.i and start <= tok.head.idx < end:
            tok = tok.head
        return tok

    def _sent(self, offset: int) -> int:
        return bisect.bisect_right(self.sent_starts, offset) - 1

    def resolve(self, claims: Sequence[Claim]) -> list[Claim]:
        """``claims`` with pronoun and description claimants resolved, in the order of their
        cues; each is resolved against the claimants and mentions before it."""
        done: list[Claim] = []
        for claim in sorted(claims, key=lambda c: c.claimant.start):
            if resolvable(claim.claimant):
                found = self._referent(claim, done)
                if found is not None:
                    claim = claim.model_copy(update={"claimant": found})
            done.append(claim)
        return sorted(done, key=lambda c: c.cue.start)

    def _earlier(self, claim: Claim, done: list[Claim], sentences: int) -> Iterator[_Prior]:
        """Claimants before ``claim`` within ``sentences`` sentences, nearest first."""
        sent = self._sent(claim.claimant.start)
        for other in reversed(done):
            cl = other.claimant
            if cl.end <= cl.start:
                continue
            prior = self.priors.get(cl.start)
            if prior is None or prior.claimant is not cl:
                head = self._head(cl.start, cl.end)
                named = self.labels.get(cl.entity_id or "") == "PERSON" and head.pos_ == "PROPN"
                person = head.lower_ in _GENDER or named  # "Sanders", not "the Sanders campaign"
                plural = head.tag_ in ("NNS", "NNPS") or head.lower_ in _PLURAL
                lemma, proper = head.lemma_.lower(), head.pos_ == "PROPN"
                prior = _Prior(cl, self._sent(cl.start), lemma, plural, person, proper)
                self.priors[cl.start] = prior
            if sent - prior.sent > sentences:
                return
            yield prior

    def _near(self, claim: Claim, sentences: int) -> list[_Mention]:
        """Mentions before the claimant within ``sentences`` sentences, nearest first; not
        those inside a quotation or the claim's own content (“Trump is wrong,” he said)."""
        before = claim.claimant.start
        mentions = self.mentions
        first = max(self._sent(before) - sentences, 0)
        lo = bisect.bisect_left(self.mention_starts, self.sent_starts[first])
        hi = bisect.bisect_left(self.mention_starts, before)
        spans = claim.content.spans
        found = [
            m
            for m in mentions[lo:hi]
            if m.end <= before and not m.quoted and not any(s <= m.start < e for s, e in spans)
        ]
        return found[::-1]

    def _referent(self, claim: Claim, done: list[Claim]) -> Claimant | None:
        cl = claim.claimant
        head = self._head(cl.start, cl.end)
        low = head.lower_
        if head.pos_ == "PRON" and low in _GENDER:
            return self._person(claim, _GENDER[low], done)
        if head.pos_ == "PRON" and low in _PRONOUNS:
            return self._group(claim, done, plural=low != "it")
        if head.pos_ == "NOUN":
            return self._described(claim, head.lemma_.lower(), done)
        return None

    def _titles_of(self, m: _Mention) -> set[str]:
        if m.titles is None:
            m.titles = _titles(self._head(m.start, m.end))
        return m.titles

    def _plural_noun(self, m: _Mention) -> bool:
        """ "Democrats", not the adjective "Democratic"."""
        return self._head(m.start, m.end).tag_ == "NNPS"

    def _unknown_subject(self, sent: int) -> bool:
        """Sentence ``sent`` has a name as its main subject that is no entity mention."""
        if sent < 0:
            return False
        mentions = self.mentions
        root = self._token(self.sent_starts[sent]).sent.root
        subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None or subj.pos_ != "PROPN":
            return False
        k = bisect.bisect_right(self.mention_starts, subj.idx) - 1
        return k < 0 or not mentions[k].start <= subj.idx < mentions[k].end

    def _subject(self, m: _Mention) -> bool:
        head = self._head(m.start, m.end)
        if head.dep_ == "appos":
            head = head.head
        return head.dep_ in ("nsubj", "nsubjpass")

    def _person(self, claim: Claim, gender: str, done: list[Claim]) -> Claimant | None:
        """The nearest earlier person compatible with ``gender``: subjects first, leftmost."""
        sent = self._sent(claim.claimant.start)
        candidates: list[tuple[int, int, int, str]] = []  # distance, rank, offset, entity
        for m in self._near(claim, PRONOUN_SENTENCES):
            if m.label == "PERSON" and self.gender.get(m.entity_id, gender) == gender:
                rank = 0 if self._subject(m) else 1
                candidates.append((sent - m.sent, rank, m.start, m.entity_id))
        named: list[tuple[int, int, int, str]] = []  # names the tagger did not call people
        for p in self._earlier(claim, done, PRONOUN_SENTENCES):
            known = p.claimant.entity_id
            if known and self.gender.get(known, gender) == gender:
                found = (sent - p.sent, 0, p.claimant.start, known)
                if p.person:
                    candidates.append(found)
                elif p.proper and self.labels.get(known) not in _PLACES and not p.plural:
                    named.append(found)
        candidates = candidates or named
        if not candidates:
            return None
        best = min(candidates)
        if any(self._unknown_subject(sent - d) for d in range(1, best[0] + 1)):
            return None  # "Braun has worked with Kanye West ... He denied": Braun is no entity
        entity_id = best[3]
        self.gender.setdefault(entity_id, gender)
        return claim.claimant.model_copy(update={"entity_id": entity_id})

    def _group(self, claim: Claim, done: list[Claim], plural: bool) -> Claimant | None:
        """ "they": the nearest plural claimant or group; "it": the nearest organisation."""
        cl = claim.claimant
        for p in self._earlier(claim, done, PRONOUN_SENTENCES):
            informative = p.claimant.entity_id is not None or p.claimant.anonymous
            if p.plural == plural and not p.person and informative:
                return _copy(cl, p.claimant)
        labels = GROUP_LABELS if plural else _ORGANISATIONS
        for m in self._near(claim, PRONOUN_SENTENCES):
            if m.label in labels and (m.label != "NORP" or self._plural_noun(m)):
                return cl.model_copy(update={"entity_id": m.entity_id})
        return None

    def _described(self, claim: Claim, lemma: str, done: list[Claim]) -> Claimant | None:
        """ "the chancellor": a titled person; "the official": an earlier claimant with that
        head; "the department": an organisation with the word in its name."""
        cl = claim.claimant
        everything = self._near(claim, len(self.sent_starts))
        for m in everything:
            if m.label == "PERSON" and lemma in self._titles_of(m):
                return cl.model_copy(update={"entity_id": m.entity_id, "anonymous": False})
        for p in self._earlier(claim, done, len(self.sent_starts)):
            if p.head_lemma == lemma:
                return _copy(cl, p.claimant)
        for m in everything:
            if m.label in ORG_LABELS and lemma in m.text.lower().split():
                return cl.model_copy(update={"entity_id": m.entity_id, "anonymous": False})
        if lemma in ORG_NOUNS:
            return self._organisation(claim, done)
        return None

    def _organisation(self, claim: Claim, done: list[Claim]) -> Claimant | None:
        """ "the company": the nearest organisation that spoke, else one in subject position."""
        update = {"anonymous": False, "affiliation": None}
        for p in self._earlier(claim, done, PRONOUN_SENTENCES):
            known = p.claimant.entity_id
            if known and self.labels.get(known) == "ORG":
                return claim.claimant.model_copy(update={"entity_id": known, **update})
        for m in self._near(claim, PRONOUN_SENTENCES):
            if m.label == "ORG" and self._subject(m):
                return claim.claimant.model_copy(update={"entity_id": m.entity_id, **update})
        return None


def _copy(cl: Claimant, prior: Claimant) -> Claimant:
    """``cl`` pointing where ``prior`` points: its entity, or its anonymity and affiliation."""
    return cl.model_copy(
        update={
            "entity_id": prior.entity_id,
            "anonymous": prior.anonymous,
            "affiliation": prior.affiliation,
        }
    )


def resolve_claimants(
    doc: Doc,
    text: str,
    entities: Sequence[Entity],
    tok_starts: list[int],
    quotes: QuoteIndex,
    claims: list[Claim],
) -> list[Claim]:
    """``claims`` in cue order, pronoun and description claimants resolved where they can be."""
    if not any(resolvable(c.claimant) for c in claims):
        return sorted(claims, key=lambda c: c.cue.start)
    return Referents(doc, text, entities, tok_starts, quotes).resolve(claims)
