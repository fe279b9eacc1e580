"""Claims stage: attributed statements (who said what) from a parsed article.

``extract_claims`` is a pure function of a spaCy ``Doc`` that carries tags, POS, lemmas, a
dependency parse and sentence boundaries (in production rebuilt without a model by
``agents.nlp.doc_from_parse``) and of the article's entities. It needs no NER and no model.

How it works, in one linear pass over the tokens after one pass over the characters:

1. Quotations: every double quotation mark (curly ``“ ”``, straight ``"``, guillemets) is
   paired within its paragraph. An opening mark that is never closed runs to the end of its
   paragraph (the newswire convention for multi-paragraph quotations); such an *unclosed*
   region can serve as content, but it never hides reporting verbs from step 2, so a stray
   mark cannot derail later sentences.
2. Cues: a verb whose lemma is in the reporting lexicon (``say``, ``tell``, ``deny``, ``warn``,
   ``estimate``, ``decline`` + ``to comment`` ...), or the two words ``according to``. Verbs of
   the subject's own mind (think, believe, want, hope) are not in the lexicon: they are beliefs
   and intentions, not claims. Cues inside a closed quotation are skipped (nested speech).
3. Claimant: the cue's nominal subject (passives without a ``by`` agent are skipped), inherited
   through coordination (``smiled and said``), participles (``..., saying``), relative clauses
   (``Lagarde, who said``) and catenative verbs (``went on to say``); for ``according to`` the
   object of ``to``.
4. Content, first match wins: a quotation adjacent to the reporting clause (before it, after
   it, or both when the reporting clause interrupts it) -> ``quote="direct"``; else a clausal
   complement (``that``-clause, ``whether``-clause, bare clause, infinitive); else, for cues that
   take one, an object noun phrase (``denied any wrongdoing``, ``accused X of Y``); else, when the
   reporting clause is parenthetical (``Troops, the ministry said, crossed the border``), the
   clause it interrupts, minus itself -> ``quote="indirect"``.
   A direct quotation that ends the attribution's sentence is extended by a quotation that
   immediately opens the next sentence of the same paragraph when that one has no attribution
   of its own (“A,” she said. “B.”).

Span conventions (all offsets are character offsets into ``doc.text``, end-exclusive, and
``doc.text[start:end] == text`` for every span):

* ``claimant``: the whole subject noun phrase (determiners, modifiers, appositions, a relative
  clause), without trailing punctuation; for a relative pronoun, its antecedent phrase.
* ``cue``: the reporting verb, plus an adjacent particle (``pointed out``); ``according to`` is the
  two words. ``lemma`` is the verb's lemma (``"point out"``, ``"according to"``).
* ``content``: a quotation without its quotation marks and without a trailing comma (final
  ``.``/``?``/``!`` inside the marks are kept); a clause with its complementiser (``that``,
  ``whether``) or infinitival ``to``, without surrounding punctuation. ``content.spans`` always
  lists at least one ``(start, end)`` piece when the content is non-empty: a single piece
  equal to ``(start, end)`` for continuous content, several pieces when it is discontinuous
  (a quotation interrupted by its attribution, a clause around a parenthetical
  ``according to``); ``start``/``end``/``text`` then cover the first to the last piece,
  *including* the interruption. The one exception is a noncommittal claim without any
  complement (``The ministry would not say.``): its content is empty, ``start == end ==``
  the cue's end, and ``spans == []``.

Stance: ``deny`` for rebuttal cues (deny, reject/dismiss/dispute + a proposition such as
"the claim", refute, rebut); ``noncommittal`` for withholding (declined/refused to comment,
confirm, deny, say; "declined comment") and for any negated cue ("would not say", "did not
confirm", "did not respond to a request for comment", "did not deny", "neither confirmed nor
denied"): a negated reporting verb reports that the claimant did *not* take the position, so
"did not deny X" is no denial and no assertion of X either; ``assert`` otherwise (a negative
*content*, "said he would not run", is still an assertion).
``hedged``: a hedging cue (estimate, suggest, speculate, a modal on the cue) or hedging words in
the content (may, might, could, likely, possibly, probably, perhaps, appear, seem, "I think").
``anonymous``: True for unnamed sources: "a senior official", "officials", "sources", "a person
familiar with the talks", "a spokesperson", "another source", "the source"; False for names,
pronouns and definite descriptions ("the minister"), and whenever the phrase's head lies in
an entity mention.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from pipeline.records import Claim, Claimant, Content, Cue, Entity

# --------------------------------------------------------------------------- lexicon

#: Reporting verbs whose content is a clause or a quotation (by lemma).
SPEECH_VERBS: frozenset[str] = frozenset(
    """
    say tell add state announce declare claim assert insist maintain argue contend allege
    warn caution estimate predict forecast acknowledge admit concede confirm report note
    explain write tweet post comment remark reply respond answer testify reiterate stress
    emphasize emphasise suggest propose recommend urge promise pledge vow threaten complain
    charge accuse blame recall reveal disclose indicate signal mention assure counter retort
    observe conclude agree inform notify hint joke quip boast brag lament concur demand
    speculate deny reject dismiss refute dispute rebut contest repudiate show find
    describe criticize criticise decline refuse guarantee concur insist advise call cite
    """.split()
)

#: Phrasal reporting verbs: lemma -> the particle it needs ("pointed out that ...").
PHRASAL_CUES: dict[str, str] = {"point": "out", "spell": "out"}

#: Cues that may take an object noun phrase as content ("denied any wrongdoing").
NP_OBJECT_VERBS: frozenset[str] = frozenset(
    """
    deny refute rebut repudiate confirm acknowledge admit announce concede predict forecast
    estimate reveal disclose report promise pledge vow urge demand recommend propose
    guarantee reiterate allege mention cite
    """.split()
)

#: Cues whose object is only content when it denotes a proposition ("rejected the claim").
PROPOSITION_OBJECT_VERBS: frozenset[str] = frozenset("reject dismiss dispute contest".split())
PROPOSITION_NOUNS: frozenset[str] = frozenset(
    """
    claim allegation accusation charge report suggestion idea notion criticism assertion
    story account speculation rumor rumour characterization characterisation premise
    assessment conclusion finding suggestion assertion theory narrative statement
    """.split()
)

#: Cues taking "OBJECT PREPOSITION ..." as content: "accused Russia of meddling".
OBJECT_PREP_VERBS: dict[str, frozenset[str]] = {
    "accuse": frozenset({"of"}),
    "blame": frozenset({"for", "on"}),
    "describe": frozenset({"as"}),
    "criticize": frozenset({"for"}),
    "criticise": frozenset({"for"}),
    "charge": frozenset({"with"}),
}
#: Cues taking a prepositional phrase as content: "warned of a recession".
PREP_CONTENT_VERBS: dict[str, frozenset[str]] = {
    "warn": frozenset({"of", "about", "against"}),
    "complain": frozenset({"of", "about"}),
    "caution": frozenset({"against", "about"}),
    "respond": frozenset({"to"}),
    "comment": frozenset({"on"}),
}

DENY_VERBS: frozenset[str] = frozenset(
    "deny reject dismiss refute dispute rebut contest repudiate".split()
)
#: "declined/refused to X": X withholds a position -> noncommittal.
WITHHOLD_VERBS: frozenset[str] = frozenset({"decline", "refuse"})
WITHHELD_ACTS: frozenset[str] = frozenset(
    """
    comment confirm deny say discuss answer elaborate specify disclose respond reveal identify
    provide give detail address speculate release name explain divulge share
    """.split()
)
#: Negated in a content clause, these withhold a position: "said he could not comment".
CONTENT_WITHHELD: frozenset[str] = frozenset(
    "comment confirm deny say discuss speculate elaborate disclose".split()
)
#: Cues that only count when negated: "did not return calls seeking comment".
NEGATED_ONLY_VERBS: dict[str, frozenset[str]] = {
    "return": frozenset({"call", "message", "request", "email", "e-mail", "inquiry", "text"}),
}

#: Heads through which a catenative complement inherits its subject ("went on to say");
#: intentions and expectations are left out ("wants to say" is no claim).
NON_CLAIM_CATENATIVES: frozenset[str] = frozenset(
    "want hope plan intend try expect like need seek wish aim prepare love hate".split()
)

HEDGE_CUES: frozenset[str] = frozenset({"estimate", "speculate", "hint"})
#: Cues that hedge only a clause ("suggested that X may": hedged; "suggested a plan": a proposal).
HEDGE_CLAUSE_CUES: frozenset[str] = frozenset({"suggest", "predict"})
#: Predicates that reject a proposition ("said the report was false") or, negated, deny it
#: ("said that was not true / not the case").
FALSITY_PREDICATES: frozenset[str] = frozenset(
    "false untrue baseless inaccurate incorrect unfounded groundless fabricated bogus wrong "
    "ridiculous absurd nonsense lie fabrication falsehood".split()
)
TRUTH_PREDICATES: frozenset[str] = frozenset("true accurate correct case".split())
HEDGE_WORDS: frozenset[str] = frozenset(
    """
    may might could likely unlikely possibly possible probably perhaps maybe apparently
    presumably seemingly potentially conceivably reportedly allegedly uncertain unclear
    """.split()
)
HEDGE_LEMMAS: frozenset[str] = frozenset({"appear", "seem", "suggest", "estimate"})
OPINION_LEMMAS: frozenset[str] = frozenset({"think", "believe", "guess", "suppose", "suspect"})

#: Nouns naming a source that stays unnamed whatever its determiner ("the source").
ANONYMOUS_HEADS: frozenset[str] = frozenset("source insider aide person people individual".split())
ANONYMITY_MARKERS: frozenset[str] = frozenset(
    "familiar anonymity anonymous unnamed unidentified authorized authorised".split()
)
DEFINITE_DETS: frozenset[str] = frozenset("the this that these those".split())
NAMED_LABELS: frozenset[str] = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "PRODUCT"})

SUBJECT_DEPS = frozenset({"nsubj", "csubj"})
PASSIVE_SUBJECT_DEPS = frozenset({"nsubjpass", "csubjpass"})
CLAUSE_DEPS = ("ccomp", "xcomp")
NEGATORS = frozenset({"not", "n't", "never", "neither", "nt"})

OPENING_QUOTES = frozenset("“«„")
CLOSING_QUOTES = frozenset("”»")
STRAIGHT_QUOTES = frozenset('"')
QUOTE_CHARS = OPENING_QUOTES | CLOSING_QUOTES | STRAIGHT_QUOTES
_QUOTE_OR_NEWLINE = re.compile('[“”«»„"\n]')
#: Characters allowed between a reporting clause and its adjacent quotation.
_GAP_CHARS = frozenset(" \t\u00a0,:;—–-")


# --------------------------------------------------------------------------- quotations


@dataclass(slots=True)
class _Quote:
    open_at: int  # offset of the opening mark
    start: int  # first character inside the marks
    end: int  # character after the last one inside (the closing mark, or the paragraph end)
    close_end: int  # character after the closing mark (== end when unclosed)
    closed: bool
    used: bool = field(default=False)


def _find_quotes(text: str) -> list[_Quote]:
    """Pair double quotation marks within paragraphs; one regex pass over the text."""
    quotes: list[_Quote] = []
    open_at = -1
    for m in _QUOTE_OR_NEWLINE.finditer(text):
        i = m.start()
        ch = text[i]
        if ch == "\n":
            if open_at >= 0:
                end = i
                quotes.append(_Quote(open_at, open_at + 1, end, end, closed=False))
                open_at = -1
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if open_at < 0:
            # "”" typeset as an opener: after a space and before a word.
            if ch in OPENING_QUOTES or ch in STRAIGHT_QUOTES:
                open_at = i
            elif before.isspace() and after.isalnum():
                open_at = i
            continue
        if ch in CLOSING_QUOTES or ch in STRAIGHT_QUOTES:
            quotes.append(_Quote(open_at, open_at + 1, i, i + 1, closed=True))
            open_at = -1
        elif not before.isspace() and (after.isspace() or not after.isalnum()):
            # "“" typeset as a closer: glued to the previous word.
            quotes.append(_Quote(open_at, open_at + 1, i, i + 1, closed=True))
            open_at = -1
        else:
            # A new opening mark while one is open: the previous one was never closed.
            quotes.append(_Quote(open_at, open_at + 1, i, i, closed=False))
            open_at = i
    if open_at >= 0:
        quotes.append(_Quote(open_at, open_at + 1, len(text), len(text), closed=False))
    return quotes


def _strip_chars(text: str, start: int, end: int, chars: str) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in chars):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in chars):
        end -= 1
    return start, end


# --------------------------------------------------------------------------- helpers


def _tok_end(tok: Token) -> int:
    return tok.idx + len(tok.text)


def _is_boundary_punct(tok: Token) -> bool:
    # Lexical flags (is_punct, lower_) are empty on a Doc rebuilt by doc_from_parse: use
    # the tags and the text only.
    return (
        tok.pos_ in ("PUNCT", "SPACE")
        or tok.text.isspace()
        or not any(ch.isalnum() for ch in tok.text)
    )


def _trim(doc: Doc, a: int, b: int) -> tuple[int, int] | None:
    """Token range [a, b] (inclusive) without punctuation at its edges; None if empty.

    A closing quotation mark is kept when the range holds its opening mark (and vice versa).
    """
    while a <= b:
        changed = False
        while a <= b and _is_boundary_punct(doc[a]) and doc[a].text not in QUOTE_CHARS:
            a += 1
            changed = True
        while a <= b and _is_boundary_punct(doc[b]) and doc[b].text not in QUOTE_CHARS:
            b -= 1
            changed = True
        if a > b:
            return None
        if doc[a].text in QUOTE_CHARS or doc[b].text in QUOTE_CHARS:
            marks = sum(1 for i in range(a, b + 1) if doc[i].text in QUOTE_CHARS)
            if doc[b].text in QUOTE_CHARS and (marks % 2 == 1 or b == a):
                b -= 1
                changed = True
            elif doc[a].text in QUOTE_CHARS and marks % 2 == 1:
                a += 1
                changed = True
        if not changed:
            return a, b
    return None


def _negated(tok: Token) -> bool:
    """A negation of the predicate ("was not true", "not the case")."""
    return any(c.dep_ in ("neg", "preconj") and c.text.lower() in NEGATORS for c in tok.children)


def _cue_negated(tok: Token) -> bool:
    """A negation in the verb group of a cue ("did not say", "has not yet said", "neither
    confirmed nor denied"), not the "not" of a quotation attached to it
    ("“Probably not,” he said")."""
    return any(
        c.dep_ in ("neg", "preconj") and tok.i - 3 <= c.i and c.text.lower() in NEGATORS
        for c in tok.lefts
    )


def _subject_child(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ in SUBJECT_DEPS:
            return c
    return None


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in PASSIVE_SUBJECT_DEPS or c.dep_ == "auxpass" for c in verb.children)


def _agent(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def _subject_right_edge(subj: Token) -> int:
    """Last token of a subject phrase; a prepositional phrase after an apposition is the
    verb's adjunct misattached to the noun ("said chair Marcelo Claure in an email")."""
    right = subj.right_edge.i
    seen_appos = False
    inverted_name = subj.i > subj.head.i and subj.pos_ == "PROPN"
    for c in subj.rights:
        if c.dep_ == "appos":
            seen_appos = True
        elif c.dep_ == "prep" and (
            seen_appos or (inverted_name and c.text.lower() in _ADJUNCT_PREPS)
        ):
            # Also "said John Smith in a letter": a name after its verb rarely takes an
            # "in/on/during ..." modifier of its own.
            return c.left_edge.i - 1
    return right


_ADJUNCT_PREPS = frozenset("in on during via after before to with".split())


def _content_stance(head: Token) -> str:
    """Stance carried by an indirect content clause.

    "said the report was false" / "said that was not true" -> deny; "said he could not
    comment" -> noncommittal; anything else -> assert (a negative content is an assertion).
    """
    negated = _negated(head)
    if head.dep_ == "oprd" or head.pos_ in ("ADJ", "NOUN"):
        if head.lemma_.lower() in FALSITY_PREDICATES:
            return "deny"  # "called the allegations baseless"
    if head.lemma_.lower() in CONTENT_WITHHELD and negated and head.pos_ == "VERB":
        return "noncommittal"
    for c in head.children:
        if c.dep_ in ("acomp", "attr", "oprd"):
            lemma = c.lemma_.lower()
            if lemma in FALSITY_PREDICATES and not negated and not _negated(c):
                return "deny"
            if lemma in TRUTH_PREDICATES and (negated or _negated(c)):
                return "deny"
    return "assert"


@dataclass(slots=True)
class _Claimant:
    start: int
    end: int
    head: Token
    local: bool  # the subject is a dependent of the cue itself


def _np_range(doc: Doc, head: Token, exclude: Token | None = None) -> tuple[int, int] | None:
    """Token range of the phrase headed by ``head``, minus the subtree of ``exclude``."""
    a, b = head.left_edge.i, head.right_edge.i
    if exclude is not None:
        ea, eb = exclude.left_edge.i, exclude.right_edge.i
        if ea > head.i:
            b = min(b, ea - 1)
        elif eb < head.i:
            a = max(a, eb + 1)
    return _trim(doc, a, b)


def _find_claimant(doc: Doc, verb: Token) -> _Claimant | None:
    """The phrase that did the saying: the cue's subject, inherited where English omits it."""
    cur = verb
    for depth in range(4):
        subj = _subject_child(cur)
        if subj is None and _is_passive(cur):
            agent = _agent(cur)
            if agent is None:
                return None
            subj = agent
        if subj is not None:
            if subj.tag_ in ("WP", "WDT") and cur.dep_ == "relcl":
                rng = _np_range(doc, cur.head, exclude=cur)
                head = cur.head
            else:
                rng = _trim(doc, subj.left_edge.i, _subject_right_edge(subj))
                head = subj
            if rng is None:
                return None
            return _Claimant(doc[rng[0]].idx, _tok_end(doc[rng[1]]), head, local=depth == 0)
        dep = cur.dep_
        parent = cur.head
        if parent is cur:
            return None
        if dep == "conj" and parent.pos_ in ("VERB", "AUX"):
            cur = parent
        elif dep == "xcomp" and parent.lemma_.lower() not in NON_CLAIM_CATENATIVES:
            cur = parent
        elif dep == "advcl" and cur.tag_ == "VBG":
            cur = parent
        elif dep == "pcomp" and cur.tag_ == "VBG" and parent.dep_ == "prep":
            cur = parent.head  # "responded by saying ..."
        elif dep == "acl" and cur.tag_ == "VBG":
            # "The ministry issued a statement saying ..." -> the ministry.
            if parent.dep_ == "dobj" and _subject_child(parent.head) is not None:
                cur = parent.head
                continue
            rng = _np_range(doc, parent, exclude=cur)
            if rng is None:
                return None
            return _Claimant(doc[rng[0]].idx, _tok_end(doc[rng[1]]), parent, local=False)
        else:
            return None
    return None


# --------------------------------------------------------------------------- the extractor


class _Extractor:
    """State of one ``extract_claims`` call: the doc, its quotations and entity mentions."""

    def __init__(self, doc: Doc, entities: Sequence[Entity]) -> None:
        self.doc = doc
        self.text = doc.text
        self.quotes = _find_quotes(self.text)
        self.quote_ends = [q.close_end for q in self.quotes]
        self.quote_opens = [q.open_at for q in self.quotes]
        # Token -> index of the closed quotation it lies in (-1 outside): one merge pass.
        self.in_quote = [-1] * len(doc)
        qi = 0
        closed = [(k, q) for k, q in enumerate(self.quotes) if q.closed]
        for tok in doc:
            while qi < len(closed) and closed[qi][1].close_end <= tok.idx:
                qi += 1
            if qi < len(closed) and closed[qi][1].open_at <= tok.idx:
                self.in_quote[tok.i] = closed[qi][0]
        self.tok_starts = [t.idx for t in doc]
        mentions: list[tuple[int, int, str, str]] = []
        for ent in entities:
            for m in ent.mentions:
                mentions.append((m.start, m.end, ent.id, ent.label))
        mentions.sort()
        self.mentions = mentions
        self.mention_starts = [m[0] for m in mentions]
        self.max_mention = max((m[1] - m[0] for m in mentions), default=0)

    # ----------------------------------------------------------------- entities

    def _mentions_in(self, start: int, end: int) -> list[tuple[int, int, str, str]]:
        lo = bisect.bisect_left(self.mention_starts, start - self.max_mention)
        hi = bisect.bisect_left(self.mention_starts, end)
        return [m for m in self.mentions[lo:hi] if m[1] > start and m[0] < end]

    def _claimant(self, c: _Claimant) -> Claimant:
        found = self._mentions_in(c.start, c.end)
        head = c.head
        hs, he = head.idx, _tok_end(head)
        on_head = [m for m in found if m[0] < he and m[1] > hs]
        named_head = any(m[3] in NAMED_LABELS for m in on_head)
        entity_id: str | None = None
        if on_head:
            entity_id = on_head[0][2]
        else:
            others = [m for m in found if m[3] in NAMED_LABELS]
            if others:
                entity_id = others[0][2]
        return Claimant(
            text=self.text[c.start : c.end],
            start=c.start,
            end=c.end,
            entity_id=entity_id,
            anonymous=not named_head and self._is_anonymous(head),
        )

    def _is_anonymous(self, head: Token) -> bool:
        if head.pos_ in ("PROPN", "PRON", "NUM") or head.tag_ in ("NNP", "NNPS"):
            return False
        if any(c.dep_ == "appos" and c.pos_ == "PROPN" for c in head.children):
            return False
        if head.pos_ != "NOUN":
            return False
        lemma = head.lemma_.lower()
        if lemma in ANONYMOUS_HEADS:
            return True
        for t in head.subtree:
            if t.text.lower() in ANONYMITY_MARKERS:
                return True
        for c in head.children:
            if c.dep_ == "poss":
                # "Trump's campaign" is named; "his spokesman" is an unnamed person.
                return c.pos_ == "PRON" and lemma not in ("campaign", "office", "team")
            if c.dep_ == "det" and c.text.lower() in DEFINITE_DETS:
                return False
        return True

    # ----------------------------------------------------------------- content

    def _adjacent_quotes(self, verb: Token, attr: tuple[int, int], local: bool) -> list[_Quote]:
        """Quotations glued to the reporting clause spanning characters ``attr``."""
        text = self.text
        found: list[_Quote] = []
        a_start, a_end = attr
        # Before: the closest quotation closing before the clause, only gap characters between.
        k = bisect.bisect_right(self.quote_ends, a_start) - 1
        if k >= 0 and local:
            q = self.quotes[k]
            gap = text[q.close_end : a_start]
            inner_last = text[q.start : q.end].rstrip()[-1:]
            if (
                q.closed
                and all(ch in _GAP_CHARS for ch in gap)
                and inner_last != "."
                and self._quote_starts_clause(q)
            ):
                found.append(q)
        # After: the first quotation opening after the clause.
        k = bisect.bisect_left(self.quote_opens, a_end)
        if k < len(self.quotes):
            q = self.quotes[k]
            gap = text[a_end : q.open_at]
            if all(ch in _GAP_CHARS for ch in gap) and (
                found or ":" in gap or "," in gap or not gap.strip()
            ):
                found.append(q)
        return found

    def _quote_starts_clause(self, q: _Quote) -> bool:
        """The quotation opens a sentence or follows a colon: not a quoted fragment."""
        i = q.open_at - 1
        text = self.text
        while i >= 0 and text[i] in " \t\u00a0":
            i -= 1
        return i < 0 or text[i] in "\n.?!:;—–-(" or text[i] in QUOTE_CHARS

    def _attribution_range(self, verb: Token, skip: set[int]) -> tuple[int, int]:
        """Character range of the reporting clause: the cue and its non-content dependents."""
        a = b = verb.i
        for c in verb.children:
            if c.i in skip or c.dep_ in ("punct", "ccomp", "parataxis", "xcomp", "conj", "cc"):
                continue
            if c.dep_ not in SUBJECT_DEPS and self._touches_quote(c):
                continue
            a = min(a, c.left_edge.i)
            b = max(b, c.right_edge.i)
        rng = _trim(self.doc, a, b) or (verb.i, verb.i)
        return self.doc[rng[0]].idx, _tok_end(self.doc[rng[1]])

    def _touches_quote(self, tok: Token) -> bool:
        a, b = tok.left_edge.i, tok.right_edge.i
        return self.in_quote[a] >= 0 or self.in_quote[b] >= 0

    def _piece(self, a: int, b: int) -> tuple[int, int] | None:
        rng = _trim(self.doc, a, b)
        if rng is None:
            return None
        return self.doc[rng[0]].idx, _tok_end(self.doc[rng[1]])

    def _clause_minus(self, clause: Token, ex_a: int, ex_b: int) -> list[tuple[int, int]]:
        """Pieces of ``clause``'s subtree around the token range [ex_a, ex_b]."""
        a, b = clause.left_edge.i, clause.right_edge.i
        pieces = []
        if a < ex_a:
            p = self._piece(a, min(b, ex_a - 1))
            if p:
                pieces.append(p)
        if b > ex_b:
            p = self._piece(max(a, ex_b + 1), b)
            if p:
                pieces.append(p)
        return pieces

    def _clause_content(
        self, verb: Token, lemma: str
    ) -> tuple[list[tuple[int, int]], Token | None]:
        """Indirect content of a cue and the token heading it."""
        comps = [c for c in verb.children if c.dep_ in CLAUSE_DEPS]
        if lemma in WITHHOLD_VERBS:
            comps = [c for c in comps if c.dep_ == "xcomp"]
        if not comps and lemma not in WITHHOLD_VERBS:
            # "said after the convention he would not accept": a complement misread as an
            # unmarked adverbial clause with its own subject.
            comps = [
                c
                for c in verb.children
                if c.dep_ == "advcl"
                and c.i > verb.i
                and _subject_child(c) is not None
                and not any(g.dep_ == "mark" for g in c.children)
            ]
        if comps:
            c = comps[0]
            p = self._piece(c.left_edge.i, c.right_edge.i)
            return ([p] if p else []), c
        objs = [c for c in verb.children if c.dep_ in ("dobj", "attr")]
        if lemma in OBJECT_PREP_VERBS and objs:
            preps = [
                c
                for c in verb.children
                if c.dep_ == "prep"
                and c.text.lower() in OBJECT_PREP_VERBS[lemma]
                and c.i > objs[0].i
            ]
            if preps:
                p = self._piece(objs[0].left_edge.i, preps[-1].right_edge.i)
                return ([p] if p else []), objs[0]
        if lemma == "call":
            # "called the report a fabrication" (object + predicate), "called for talks".
            preds = [c for c in verb.children if c.dep_ in ("oprd", "ccomp", "xcomp")]
            if objs and preds and preds[-1].i > objs[0].i:
                p = self._piece(objs[0].left_edge.i, preds[-1].right_edge.i)
                return ([p] if p else []), preds[-1]
            if not objs:
                for c in verb.children:
                    if c.dep_ == "prep" and c.text.lower() == "for" and c.i == verb.i + 1:
                        p = self._piece(c.left_edge.i, c.right_edge.i)
                        return ([p] if p else []), c
            return [], None
        if lemma in PREP_CONTENT_VERBS and not objs:
            for c in verb.children:
                if c.dep_ == "prep" and c.text.lower() in PREP_CONTENT_VERBS[lemma]:
                    p = self._piece(c.left_edge.i, c.right_edge.i)
                    return ([p] if p else []), c
        if objs:
            o = objs[0]
            ok = (
                lemma in NP_OBJECT_VERBS
                or (lemma in PROPOSITION_OBJECT_VERBS and o.lemma_.lower() in PROPOSITION_NOUNS)
                or (lemma in NEGATED_ONLY_VERBS and o.lemma_.lower() in NEGATED_ONLY_VERBS[lemma])
            )
            if lemma == "deny" and any(c.dep_ == "dative" for c in verb.children):
                ok = False  # "denied them entry": refusal of a thing, not of a proposition
            if lemma in WITHHOLD_VERBS and o.lemma_.lower() == "comment":
                ok = True
            if ok:
                p = self._piece(o.left_edge.i, o.right_edge.i)
                return ([p] if p else []), o
        # Parenthetical reporting clause: "Troops crossed the border, the ministry said."
        if verb.dep_ in ("parataxis", "ccomp") and verb.head is not verb:
            head = verb.head
            if head.pos_ in ("VERB", "AUX") and self.in_quote[head.i] < 0:
                pieces = self._clause_minus(head, verb.left_edge.i, verb.right_edge.i)
                if pieces:
                    return pieces, head
        return [], None

    # ----------------------------------------------------------------- cues

    def run(self) -> list[Claim]:
        doc = self.doc
        consumed: set[int] = set()
        results: list[tuple[Claim, list[_Quote], int]] = []
        for tok in doc:
            if tok.i in consumed:
                continue
            if (
                tok.text.lower() == "according"
                and tok.i + 1 < len(doc)
                and doc[tok.i + 1].text.lower() == "to"
            ):
                claim = self._according(tok)
                if claim is not None:
                    results.append((claim, [], claim.cue.end))
                continue
            if tok.pos_ != "VERB" or self.in_quote[tok.i] >= 0:
                continue
            lemma = tok.lemma_.lower()
            if lemma in PHRASAL_CUES:
                if not any(
                    c.dep_ == "prt" and c.text.lower() == PHRASAL_CUES[lemma] for c in tok.rights
                ):
                    continue
            elif lemma not in SPEECH_VERBS and lemma not in NEGATED_ONLY_VERBS:
                continue
            got = self._verb_claim(tok, lemma, consumed)
            if got is not None:
                results.append(got)
        return self._continue_quotes(results)

    def _continue_quotes(self, results: list[tuple[Claim, list[_Quote], int]]) -> list[Claim]:
        """Extend “A,” she said. by a next sentence that is an unattributed quotation “B.”."""
        text = self.text
        out: list[Claim] = []
        for claim, quotes, attr_end in results:
            if not quotes or quotes[-1].close_end > claim.cue.start:
                out.append(claim)
                continue
            tail = attr_end
            pieces = list(claim.content.spans)
            k = bisect.bisect_left(self.quote_opens, tail)
            first = True
            while k < len(self.quotes):
                q = self.quotes[k]
                gap = text[tail : q.open_at]
                if q.used or "\n" in gap or gap.strip() != ("." if first else ""):
                    break
                s, e = _strip_chars(text, q.start, q.end, ",")
                if e <= s or text[q.start : q.end].rstrip()[-1:] == ",":
                    break  # “B,” opens its own attribution
                q.used = True
                pieces.append((s, e))
                tail = q.close_end
                first = False
                k += 1
                if not q.closed:
                    break
            if len(pieces) > len(claim.content.spans):
                s, e = pieces[0][0], pieces[-1][1]
                content = Content(text=text[s:e], start=s, end=e, spans=pieces)
                claim = claim.model_copy(update={"content": content})
            out.append(claim)
        return out

    def _verb_claim(
        self, verb: Token, lemma: str, consumed: set[int]
    ) -> tuple[Claim, list[_Quote], int] | None:
        doc = self.doc
        negated = _cue_negated(verb)
        if lemma in NEGATED_ONLY_VERBS and not negated:
            return None
        # Coordinated cues share claimant and complement: "neither confirmed nor denied".
        conj_cues = [
            c
            for c in verb.children
            if c.dep_ == "conj"
            and c.pos_ == "VERB"
            and c.lemma_.lower() in SPEECH_VERBS
            and _subject_child(c) is None
        ]
        stance = "assert"
        content_lemma = lemma
        content_verb = verb
        if lemma in WITHHOLD_VERBS:
            acts = [
                c for c in verb.children if c.dep_ == "xcomp" and c.lemma_.lower() in WITHHELD_ACTS
            ]
            comment_obj = any(
                c.dep_ == "dobj" and c.lemma_.lower() == "comment" for c in verb.children
            )
            if not acts and not comment_obj:
                return None
            for a in acts:
                consumed.add(a.i)
                consumed.update(c.i for c in a.children if c.dep_ == "conj")
            stance = "noncommittal"
        elif negated:
            # "did not say/confirm/deny/respond": the claimant withheld a position. Other
            # negated cues ("did not accuse", "can't blame") report no statement at all.
            if lemma not in WITHHELD_ACTS and lemma not in NEGATED_ONLY_VERBS:
                return None
            stance = "noncommittal"
        elif lemma in DENY_VERBS:
            stance = "deny"
        cl = _find_claimant(doc, verb)
        if cl is None:
            return None
        # A cue nested in a withholding verb was consumed above; a cue nested in another cue's
        # clause is its own claim.
        skip = {c.i for c in conj_cues}
        attr = self._attribution_range(verb, skip)
        attr = (min(attr[0], cl.start), max(attr[1], cl.end))
        quotes = self._adjacent_quotes(verb, attr, cl.local)
        pieces: list[tuple[int, int]] = []
        content_head: Token | None = None
        quote_kind = "indirect"
        if quotes:
            for q in quotes:
                s, e = _strip_chars(self.text, q.start, q.end, ",")
                if e > s:
                    pieces.append((s, e))
                    q.used = True
            if pieces:
                quote_kind = "direct"
        if not pieces:
            pieces, content_head = self._clause_content(content_verb, content_lemma)
            if not pieces:
                for c in conj_cues:
                    pieces, content_head = self._clause_content(c, c.lemma_.lower())
                    if pieces:
                        break
        if not pieces and stance != "noncommittal":
            return None
        for c in conj_cues:
            consumed.add(c.i)
            if stance == "assert" and c.lemma_.lower() in DENY_VERBS:
                stance = "deny"
        if stance == "assert" and content_head is not None and quote_kind == "indirect":
            stance = _content_stance(content_head)
            if stance == "noncommittal":
                consumed.add(content_head.i)  # "said he could not comment": one claim
        if (
            stance == "deny"
            and lemma in PROPOSITION_OBJECT_VERBS
            and quote_kind == "indirect"
            and content_head is not None
            and content_head.dep_ not in CLAUSE_DEPS
            and content_head.lemma_.lower() not in PROPOSITION_NOUNS
        ):
            return None
        cue_end = _tok_end(verb)
        cue_lemma = lemma
        nxt = verb.i + 1
        if nxt < len(doc) and doc[nxt].dep_ == "prt" and doc[nxt].head.i == verb.i:
            cue_end = _tok_end(doc[nxt])
            cue_lemma = f"{lemma} {doc[nxt].text.lower()}"
        cue = Cue(text=self.text[verb.idx : cue_end], lemma=cue_lemma, start=verb.idx, end=cue_end)
        if pieces:
            s, e = pieces[0][0], pieces[-1][1]
            content = Content(text=self.text[s:e], start=s, end=e, spans=pieces)
        else:
            content = Content(text="", start=cue_end, end=cue_end, spans=[])
        hedged = (
            self._cue_hedged(verb, lemma)
            or (
                lemma in HEDGE_CLAUSE_CUES
                and content_head is not None
                and content_head.dep_ == "ccomp"
            )
            or self._content_hedged(pieces)
        )
        claim = Claim(
            claimant=self._claimant(cl),
            cue=cue,
            content=content,
            stance=stance,  # type: ignore[arg-type]
            quote=quote_kind,  # type: ignore[arg-type]
            hedged=hedged,
        )
        return claim, [q for q in quotes if q.used], attr[1]

    def _according(self, tok: Token) -> Claim | None:
        doc = self.doc
        if self.in_quote[tok.i] >= 0:
            return None
        to = doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            pobj = next((c for c in tok.children if c.dep_ == "pobj"), None)
        if pobj is None:
            return None
        rng = _trim(doc, pobj.left_edge.i, pobj.right_edge.i)
        if rng is None:
            return None
        cl = _Claimant(doc[rng[0]].idx, _tok_end(doc[rng[1]]), pobj, local=True)
        # The clause the phrase modifies: the nearest verbal head up the tree.
        head = tok.head
        for _ in range(6):
            if head.pos_ in ("VERB", "AUX") or head.dep_ == "ROOT" or head.head is head:
                break
            head = head.head
        if head.i == tok.i:
            return None
        ex_a = min(tok.left_edge.i, tok.i)
        ex_b = max(tok.right_edge.i, to.right_edge.i, pobj.right_edge.i)
        pieces = self._clause_minus(head, ex_a, ex_b)
        if not pieces:
            return None
        s, e = pieces[0][0], pieces[-1][1]
        cue_end = _tok_end(to)
        return Claim(
            claimant=self._claimant(cl),
            cue=Cue(
                text=self.text[tok.idx : cue_end], lemma="according to", start=tok.idx, end=cue_end
            ),
            content=Content(text=self.text[s:e], start=s, end=e, spans=pieces),
            stance="assert",
            quote="indirect",
            hedged=self._content_hedged(pieces),
        )

    # ----------------------------------------------------------------- hedging

    def _cue_hedged(self, verb: Token, lemma: str) -> bool:
        if lemma in HEDGE_CUES:
            return True
        return any(
            c.dep_ in ("aux", "advmod") and c.text.lower() in HEDGE_WORDS for c in verb.children
        )

    def _content_hedged(self, pieces: list[tuple[int, int]]) -> bool:
        doc = self.doc
        for s, e in pieces:
            i = bisect.bisect_left(self.tok_starts, s)
            while i < len(doc) and doc[i].idx < e:
                t = doc[i]
                i += 1
                low = t.text.lower()
                if low in HEDGE_WORDS:
                    if low in ("may", "might", "could") and (
                        t.tag_ != "MD" or t.head.dep_ in ("relcl", "acl")
                    ):
                        continue  # not a modal, or one inside a noun's modifier
                    return True
                lemma = t.lemma_.lower()
                if lemma in HEDGE_LEMMAS and t.pos_ == "VERB":
                    return True
                if (
                    lemma in OPINION_LEMMAS
                    and t.pos_ == "VERB"
                    and not _negated(t)  # "I don't think so" is a negative assertion
                    and any(c.dep_ == "nsubj" and c.text.lower() in ("i", "we") for c in t.children)
                ):
                    return True
        return False


def extract_claims(doc: Doc, entities: Sequence[Entity]) -> list[Claim]:
    """The attributed statements of ``doc``, in the order of their cues.

    ``doc`` needs tags, POS, lemmas, a dependency parse and sentences (no NER: claimants are
    linked to ``entities`` by character overlap, preferring a mention on the phrase's head).
    Span conventions, stance and hedging rules are described in the module docstring. Linear
    in the length of the document.
    """
    if len(doc) == 0:
        return []
    return _Extractor(doc, entities).run()


__all__ = ["extract_claims"]
