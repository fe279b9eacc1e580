"""The extractor: one pass over the tokens finds cues and builds their claims."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.attrs import IDX
from spacy.tokens import Doc, Token

from pipeline.records import Claim, Entity
from pipeline.stages.claims.according import PrepositionalCues
from pipeline.stages.claims.claimants import (
    ClaimantPhrase,
    EntityLinker,
    agent,
    find_claimant,
    is_passive,
    subject_child,
)
from pipeline.stages.claims.content import (
    clause_content,
    object_content,
    passive_subject_content,
)
from pipeline.stages.claims.cues import (
    cue_of,
    is_cue,
    kind_of,
    structural,
    topic_preposition,
    with_preposition,
)
from pipeline.stages.claims.filters import antecedent, no_statement, nobody, possibility
from pipeline.stages.claims.headlines import ColonCues
from pipeline.stages.claims.learned import cue_probability, thresholds
from pipeline.stages.claims.lexicon import (
    CLAUSE_DEPS,
    DENY_VERBS,
    DISMISSIVE_VERBS,
    EVASION_HEADS,
    HEDGE_CLAUSE_CUES,
    NEGATED_ONLY_VERBS,
    PHRASAL_CUES,
    PROPOSITION_NOUNS,
    PROPOSITION_OBJECT_VERBS,
    QUOTE_ONLY_VERBS,
    SPEECH_VERBS,
    SUBJECT_DEPS,
    WITHHELD_ACTS,
    WITHHOLD_VERBS,
)
from pipeline.stages.claims.media import cited, citing, reporter, via
from pipeline.stages.claims.nominal import nominal_claim
from pipeline.stages.claims.quotes import Quote, QuoteIndex, strip_chars
from pipeline.stages.claims.referents import resolve_claimants
from pipeline.stages.claims.screen import Candidate, screened
from pipeline.stages.claims.signatures import DashCues
from pipeline.stages.claims.spans import Piece, content_of, is_boundary_punct, tok_end, trim
from pipeline.stages.claims.stance import (
    content_hedged,
    content_stance,
    cue_hedged,
    cue_negated,
    quote_stance,
)

#: Probability from which an unlisted passive cue with a ``by`` agent reports its subject
#: (0.6, 0.7, 0.8 and none tried on PolNeAR train and dev; "is dwarfed by" scores 0.55).
SURE_CUE = 0.6
#: Probability from which a listed cue without complement takes its object as content
#: (0.3 to 0.9 tried on PolNeAR train and dev).
OBJECT_CUE = 0.5


@dataclass(slots=True)
class _Found:
    """A claim with what the quotation pass after extraction needs."""

    claim: Claim
    quotes: list[Quote]  # the direct quotations used as its content
    attr_end: int  # character offset after its reporting clause
    verb: Token | None = None  # its cue verb, for the learned screen
    probability: float = 0.0  # the cue detector's probability of that verb


def _conjoined_cues(doc: Doc, quotes: QuoteIndex, verb: Token, negated: bool) -> list[Token]:
    """Coordinated cues sharing claimant and complement: "neither confirmed nor denied".

    A coordinated cue with a complement of its own ("criticized X and said that Y") is a
    claim of its own, unless the coordination is negated.
    """
    return [
        c
        for c in verb.children
        if c.dep_ == "conj"
        and c.pos_ == "VERB"
        and c.lemma_.lower() in SPEECH_VERBS
        and subject_child(c) is None
        and (negated or not clause_content(doc, quotes, c, c.lemma_.lower())[0])
    ]


def _withheld_acts(verb: Token) -> list[Token] | None:
    """The withheld acts of "declined to comment / confirm"; None if it withholds nothing."""
    acts = [c for c in verb.children if c.dep_ == "xcomp" and c.lemma_.lower() in WITHHELD_ACTS]
    if acts or any(c.dep_ == "dobj" and c.lemma_.lower() == "comment" for c in verb.children):
        return acts
    return None


class _Extractor:
    """State of one ``extract_claims`` call: the doc, its quotations and entity mentions."""

    def __init__(self, doc: Doc, entities: Sequence[Entity]) -> None:
        self.doc = doc
        self.text = doc.text
        self.tok_starts: list[int] = doc.to_array(IDX).tolist()
        self.quotes = QuoteIndex(self.text, self.tok_starts)
        self.entities = entities
        self.linker = EntityLinker(self.text, entities)
        self.preps = PrepositionalCues(doc, self.text, self.quotes, self.linker, self.tok_starts)
        self.threshold, self.veto = thresholds()

    def run(self) -> list[Claim]:
        """The claims of the doc: of cue words, past the learned screen, and of colons and
        dashes."""
        claims = screened(self.verb_claims())
        claims.extend(
            ColonCues(self.doc, self.text, self.tok_starts, self.quotes, self.linker).claims()
        )
        signed = DashCues(self.doc, self.text, self.tok_starts, self.quotes, self.linker)
        claims.extend(signed.claims())
        return resolve_claimants(
            self.doc, self.text, self.entities, self.tok_starts, self.quotes, claims
        )

    def verb_claims(self) -> list[Candidate]:
        """The claims of cue words, each with its cue verb (None for "according to" and
        nouns), before the screen."""
        consumed: set[int] = set()
        results: list[_Found] = []
        for tok in self.doc:
            if tok.i in consumed:
                continue
            prep = self.preps.cue_at(tok)
            if prep is not None:
                claim = self.preps.claim(tok, *prep)
                if claim is not None:
                    results.append(_Found(claim, [], claim.cue.end))
                continue
            if tok.pos_ == "NOUN" and not self.quotes.inside(tok):
                claim = nominal_claim(self.doc, self.text, self.linker, self.tok_starts, tok)
                if claim is not None:
                    results.append(_Found(claim, [], claim.cue.end))
                continue
            if tok.pos_ != "VERB" or tok.dep_ == "amod" or self.quotes.inside(tok):
                continue  # "pledged delegates" is no pledge
            listed = is_cue(tok)
            floor = self.threshold if not listed else 0.0 if structural(tok) else self.veto
            probability = cue_probability(tok)
            if probability < floor:
                continue  # the learned detector finds unlisted cues, vetoes listed words
            found = self._verb_claim(tok, tok.lemma_.lower(), consumed, listed, probability)
            if found is not None:
                results.append(found)
        return [Candidate(self._continued(f), f.verb, f.probability) for f in results]

    def _continued(self, found: _Found) -> Claim:
        """Extend “A,” she said. by a next sentence that is an unattributed quotation “B.”."""
        claim = found.claim
        if not found.quotes or found.quotes[-1].close_end > claim.cue.start:
            return claim
        more = self.quotes.continuation(found.attr_end)
        if not more:
            return claim
        content = content_of(self.text, [*claim.content.spans, *more], claim.cue.end, True)
        return claim.model_copy(update={"content": content})

    # ----------------------------------------------------------------- verb cues

    def _stance(self, verb: Token, lemma: str, consumed: set[int]) -> str | None:
        """Stance from the cue alone; None when the cue reports no statement."""
        negated = cue_negated(verb)
        if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in EVASION_HEADS:
            return "noncommittal"  # "refused to endorse", "avoids condemning"
        if lemma in NEGATED_ONLY_VERBS and not negated:
            return None
        if lemma in WITHHOLD_VERBS:
            acts = _withheld_acts(verb)
            if acts is None:
                return None
            for a in acts:
                consumed.add(a.i)
                consumed.update(c.i for c in a.children if c.dep_ == "conj")
            return "noncommittal"
        if negated and (lemma in WITHHELD_ACTS or lemma in NEGATED_ONLY_VERBS):
            return "noncommittal"  # "did not say/confirm/deny/respond": a withheld position
        if negated:
            # "does not want to run", "did not defend the plan", "can't blame this on Bush":
            # an attitude to the content all the same, as PolNeAR and the stance set mark it
            return "assert"
        return (
            "deny"
            if lemma in DENY_VERBS and (lemma not in PHRASAL_CUES or is_cue(verb))
            else "assert"
        )

    def _direct(
        self, verb: Token, conj: list[Token], cl: ClaimantPhrase
    ) -> tuple[list[Piece], list[Quote], int]:
        """Quotations adjacent to the reporting clause, their pieces, and the clause's end."""
        attr = self._attribution_range(verb, {c.i for c in conj})
        attr = (min(attr[0], cl.start), max(attr[1], cl.end))
        quotes = self.quotes.adjacent(attr, cl.local)
        pieces: list[Piece] = []
        used: list[Quote] = []
        for q in quotes:
            s, e = strip_chars(self.text, q.start, q.end, ",")
            if e > s:
                pieces.append((s, e))
                used.append(q)
                q.used = True
        return pieces, used, attr[1]

    def _indirect(
        self, verb: Token, lemma: str, conj: list[Token]
    ) -> tuple[list[Piece], Token | None]:
        pieces, head = clause_content(self.doc, self.quotes, verb, lemma)
        for c in conj:
            if pieces:
                break
            pieces, head = clause_content(self.doc, self.quotes, c, c.lemma_.lower())
        return pieces, head

    def _verb_claim(
        self, verb: Token, lemma: str, consumed: set[int], listed: bool, probability: float
    ) -> _Found | None:
        """The claim of verb cue ``verb``; ``listed``: its lemma is in the word lists, else
        the learned detector found it and its object may be its content; ``probability``:
        the detector's probability of ``verb``."""
        kind = kind_of(lemma)
        stance = self._stance(verb, lemma, consumed)
        if stance is None or (kind != "statement" and stance != "assert"):
            return None
        if stance != "noncommittal" and possibility(verb):
            return None
        cl = find_claimant(self.doc, _reported_by(verb))
        if cl is None or nobody(self.doc, self.tok_starts, cl.start):
            return None
        conj = _conjoined_cues(self.doc, self.quotes, verb, cue_negated(verb))
        said = self._said(verb, lemma, conj, cl, stance != "noncommittal", listed, probability)
        if said is None:
            return None
        pieces, quotes, head, attr_end = said
        source = citing(verb)
        if source is not None and source.i > verb.i:  # ", citing two officials" is no content
            pieces = _before(pieces, self.tok_starts, source.left_edge)
        consumed.update(c.i for c in conj)
        if kind == "statement":
            stance = self._judged(lemma, stance, conj, pieces, quotes, head, consumed)
        if stance is None:
            return None
        hedged = (
            cue_hedged(verb, lemma)
            or (lemma in HEDGE_CLAUSE_CUES and head is not None and head.dep_ == "ccomp")
            or content_hedged(self.doc, self.tok_starts, pieces)
        )
        cue = cue_of(self.doc, self.text, verb, lemma)
        prep = topic_preposition(verb, cue, head)
        if prep is not None and pieces and pieces[0][0] == prep.idx:
            cue = with_preposition(self.text, cue, prep)
            pieces = _after(pieces, self.text, prep)
        if not pieces:  # "she would not say": the withheld act is all there is to show
            pieces = [(cue.start, cue.end)]
        claim = Claim(
            claimant=self.linker.claimant(
                cl, via(verb) or (cited(source) if source is not None else None)
            ),
            cue=cue,
            content=content_of(self.text, pieces, cue.end, bool(quotes)),
            stance=stance,  # type: ignore[arg-type]
            quote="direct" if quotes else "indirect",
            hedged=hedged,
            kind=kind,
        )
        return _Found(claim, quotes, attr_end, verb, probability)

    def _said(
        self,
        verb: Token,
        lemma: str,
        conj: list[Token],
        cl: ClaimantPhrase,
        takes_position: bool,
        listed: bool,
        probability: float,
    ) -> tuple[list[Piece], list[Quote], Token | None, int] | None:
        """What the cue reports: content pieces, the quotations among them, the head of an
        indirect content (else its object) and the end of the reporting clause; None when it
        reports no attribution. Only a cue that withholds a position (not ``takes_position``)
        may report nothing."""
        pieces, quotes, attr_end = self._direct(verb, conj, cl)
        head: Token | None = None
        if not pieces and (lemma not in QUOTE_ONLY_VERBS or _that_clause(verb)):
            pieces, head = self._indirect(verb, lemma, conj)
            resolved = antecedent(self.doc, self.text, self.tok_starts, verb, pieces)
            if resolved is None or (takes_position and no_statement(lemma, head)):
                return None
            pieces = resolved
        if not pieces and _object_may_be_content(verb, listed, probability, takes_position):
            pieces, head = object_content(self.doc, verb)
        if not pieces and takes_position and _reports_subject(verb, listed, probability):
            pieces, head = passive_subject_content(self.doc, verb)
        if (
            not listed
            and not quotes
            and (head is None or head.head.i != verb.i or _holds_cue(head))
        ):
            return None  # learned cues take an adjacent quotation or their own complement or
            # object, and "issued a statement saying ..." is the claim of "saying"
        if not pieces and takes_position:
            return None
        return pieces, quotes, head, attr_end

    def _judged(
        self,
        lemma: str,
        stance: str,
        conj: list[Token],
        pieces: list[Piece],
        quotes: list[Quote],
        head: Token | None,
        consumed: set[int],
    ) -> str | None:
        """The stance of a statement in the light of its content; None when the cue turns
        out to report no statement ("rejected the bill")."""
        if stance == "assert" and any(c.lemma_.lower() in DENY_VERBS for c in conj):
            stance = "deny"
        if stance == "assert" and quotes:
            stance = quote_stance(self.text[slice(*pieces[0])], self._quote_head(pieces[0]))
        elif stance == "assert" and head is not None:
            stance = content_stance(head)
            if stance == "noncommittal":
                consumed.add(head.i)  # "said he could not comment": one claim
        if stance == "deny" and lemma in PROPOSITION_OBJECT_VERBS and not _proposition(head):
            return None  # "rejected the bill" is a vote, "rejected the claim" a denial
        if stance == "assert" and lemma in DISMISSIVE_VERBS and _proposition_noun(head):
            return "deny"  # "mocked the complaint"
        return stance

    def _quote_head(self, quoted: Piece) -> Token:
        """The top of the first clause of a quotation (“That is not true,” ...)."""
        s, e = quoted
        tok = self.doc[bisect.bisect_left(self.tok_starts, s)]
        while tok.head.i != tok.i and s <= tok.head.idx < e:
            tok = tok.head
        return tok

    def _attribution_range(self, verb: Token, skip: set[int]) -> tuple[int, int]:
        """Character range of the reporting clause: the cue and its non-content dependents."""
        a = b = verb.i
        for c in verb.children:
            if c.i in skip or c.dep_ in ("punct", "ccomp", "parataxis", "xcomp", "conj", "cc"):
                continue
            if c.dep_ in SUBJECT_DEPS or self.quotes.touches(c):
                continue  # the subject counts as its claimant phrase, merged by the caller
            a = min(a, c.left_edge.i)
            b = max(b, c.right_edge.i)
        rng = trim(self.doc, a, b) or (verb.i, verb.i)
        return self.doc[rng[0]].idx, tok_end(self.doc[rng[1]])


def _object_may_be_content(
    verb: Token, listed: bool, probability: float, takes_position: bool
) -> bool:
    """The object of an active cue is its content ("described crass behavior") when the
    learned detector found the cue, or is sure of a listed one (``probability``) that takes a
    position and is not negated ("did not accuse anyone" says nothing; "called a snap
    election" names nothing: ``clause_content`` judged "call")."""
    if is_passive(verb):
        return False
    if not listed:
        return True
    lemma = verb.lemma_.lower()
    if not takes_position or cue_negated(verb) or lemma == "call" or lemma in QUOTE_ONLY_VERBS:
        return False
    return probability >= OBJECT_CUE


def _reports_subject(verb: Token, listed: bool, probability: float) -> bool:
    """A passive cue with a ``by`` agent reports its subject ("The issue was first reported
    by the Post"); the learned detector must be sure (``probability``) of an unlisted one
    ("is dwarfed by")."""
    return agent(verb) is not None and (listed or probability >= SURE_CUE)


def _reported_by(verb: Token) -> Token:
    """The reporting verb whose claimant a cue shares: "citing X" gives its reporter's reason
    ("said the reforms had worked, citing the release of prisoners"); else ``verb``."""
    if verb.lower_ == "citing" and verb.tag_ == "VBG":
        return reporter(verb) or verb
    return verb


def _holds_cue(head: Token) -> bool:
    """A cue verb inside ``head``'s phrase ("a statement saying ..."), not a past participle
    ("the deal known as ...") nor in a relative clause ("efforts which he said ...")."""
    stack = [head]
    while stack:
        tok = stack.pop()
        if tok.pos_ == "VERB" and tok.tag_ != "VBN" and is_cue(tok):
            return True
        stack.extend(c for c in tok.children if c.dep_ != "relcl")
    return False


def _before(pieces: list[Piece], tok_starts: list[int], tok: Token) -> list[Piece]:
    """``pieces`` cut before ``tok`` and the punctuation and spaces that precede it."""
    doc = tok.doc
    i = tok.i - 1
    while i >= 0 and is_boundary_punct(doc[i]):
        i -= 1
    end = tok_end(doc[i]) if i >= 0 else 0
    return [(s, min(e, end)) for s, e in pieces if s < end]


def _after(pieces: list[Piece], text: str, tok: Token) -> list[Piece]:
    """``pieces`` cut after ``tok`` and the spaces that follow it (``text`` is the doc's)."""
    start = tok_end(tok)
    while start < len(text) and text[start].isspace():
        start += 1
    return [(max(s, start), e) for s, e in pieces if e > start]


def _that_clause(verb: Token) -> bool:
    """ "She continued that ...": a complement marked by "that"."""
    return any(
        c.dep_ == "ccomp" and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)
        for c in verb.children
    )


def _proposition_noun(head: Token | None) -> bool:
    return head is not None and head.lemma_.lower() in PROPOSITION_NOUNS


def _proposition(head: Token | None) -> bool:
    """Indirect content headed by ``head`` is a proposition (a clause, "the claim"); a
    direct quotation (no head) always is."""
    return head is None or head.dep_ in CLAUSE_DEPS or head.lemma_.lower() in PROPOSITION_NOUNS


def extract_claims(doc: Doc, entities: Sequence[Entity]) -> list[Claim]:
    """The attributed statements of ``doc``, in the order of their cues.

    ``doc`` needs tags, POS, lemmas, a dependency parse and sentences (no NER: claimants are
    linked to ``entities`` by character overlap, preferring a mention on the phrase's head).
    Linear in the length of the document.
    """
    if len(doc) == 0:
        return []
    return _Extractor(doc, entities).run()


def verb_claims(doc: Doc, entities: Sequence[Entity]) -> list[Candidate]:
    """The claims of cue words of ``doc`` with their cue verbs, before the learned screen
    (what ``training/screen.py`` learns from)."""
    if len(doc) == 0:
        return []
    return _Extractor(doc, entities).verb_claims()
