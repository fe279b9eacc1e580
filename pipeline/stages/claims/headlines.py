"""Colon cues: a line that opens with a named source and a colon ("Graham: Trump Is Wrong").

The headline convention of attribution: the source is a short noun phrase without a verb that
names a person, an organisation or a source of record (a poll, a newspaper), the cue is the
colon, and the content runs to the end of the line. Below the title, where "Iowa: names" and
"Cruz: Just hang on." are list items and section heads, the content must be a quotation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from spacy.tokens import Doc

from pipeline.records import Claim, Content, Cue
from pipeline.stages.claims.claimants import ClaimantPhrase, EntityLinker
from pipeline.stages.claims.lexicon import RECORD_NOUNS
from pipeline.stages.claims.quotes import QuoteIndex, strip_chars
from pipeline.stages.claims.spans import Piece, piece, tok_end, trim

#: Longest source before the colon, in tokens.
MAX_SOURCE_TOKENS = 6
#: Shortest content after the colon, in tokens.
MIN_CONTENT_TOKENS = 3
#: Speaker labels that make a document a transcript, whose turns are claims.
MIN_TURNS = 3
#: Entities that speak: people, organisations, groups (not places: "Iowa: ...").
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "NORP"})
QUOTE_OPENERS = frozenset("“\"‘'")
_PARAGRAPH_QUOTES = frozenset('“"')
#: A transcript's speaker label: "BENENSON", "KATE BOULDUAN" (not "Q" and "A", whose turns
#: are an interview's questions and answers).
_SPEAKER = re.compile(r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]*){0,2}")
#: Words before a name that belong to its noun phrase ("Republican pollster").
_MODIFIER_POS = frozenset({"DET", "ADJ", "NOUN", "PROPN"})
#: A colon opening a quotation.
_COLON_QUOTE = re.compile(r":[ \t\u00a0]*(?:[“\"]|'')")


def _label(text: str, start: int, end: int) -> bool:
    """The line opens with a speaker label: "BENENSON: ..."."""
    colon = text.find(":", start, end)
    return colon > start and _SPEAKER.fullmatch(text, start, colon) is not None


def _label_start(text: str, start: int, end: int) -> int | None:
    """Where the speaker label of a line starts, after the quotation mark that opens each
    paragraph of a quoted transcript ('"PENCE: Well, ...'); None without a label."""
    if text[start : start + 1] in _PARAGRAPH_QUOTES:
        start += 1
    return start if _label(text, start, end) else None


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield start, end
        start = end + 1


class ColonCues:
    """Finds "Source: content" lines of a document."""

    def __init__(
        self,
        doc: Doc,
        text: str,
        tok_starts: list[int],
        quotes: QuoteIndex,
        linker: EntityLinker,
    ) -> None:
        self.doc = doc
        self.text = text
        self.tok_starts = tok_starts
        self.quotes = quotes
        self.linker = linker
        self.transcript = False

    def claims(self) -> list[Claim]:
        lines = list(_lines(self.text))
        labels = sum(1 for s, e in lines if _label_start(self.text, s, e) is not None)
        self.transcript = labels >= MIN_TURNS
        found = [self._line(s, e) for s, e in lines]
        found.extend(self._introduced(m.start()) for m in _COLON_QUOTE.finditer(self.text))
        return [c for c in found if c is not None]

    def _introduced(self, colon: int) -> Claim | None:
        """ "... surprise Republican pollster Daron Shaw: “...”": a name ending a clause
        introduces the quotation after its colon."""
        k = bisect.bisect_left(self.tok_starts, colon) - 1
        if k < 1:
            return None
        name = self.doc[k]
        if name.pos_ != "PROPN":
            return None
        line_start = self.text.rfind("\n", 0, colon) + 1
        rng = self._name_range(k, line_start)
        if rng is None or self.doc[rng[0]].idx <= line_start:
            return None  # a "Source: content" line, found by _line
        q = self.quotes.quotes[bisect.bisect_left(self.quotes.opens, colon)]
        if q.used:
            return None
        q.used = True
        s, e = strip_chars(self.text, q.start, q.end, ",")
        head = self.doc[rng[1]]
        source = ClaimantPhrase(self.doc[rng[0]].idx, head.idx + len(head.text), head, True)
        return self._claim(source, colon, (s, e), direct=True) if e > s else None

    def _name_range(self, k: int, line_start: int) -> tuple[int, int] | None:
        """The source ending with name token ``k``: its noun phrase ("Republican pollster Daron
        Shaw"), or, when the parse hung the quotation on the name, the name's own tokens, which
        must be a speaker's entity or, untagged, a first and last name ("Philip Bump")."""
        name = self.doc[k]
        if name.right_edge.i == k:
            rng = trim(self.doc, name.left_edge.i, k)
            named = rng is not None and self.linker.names(name.idx, tok_end(name), SPEAKER_LABELS)
            return rng if named else None
        i = k
        while i > 0 and self.doc[i - 1].pos_ == "PROPN" and self.doc[i - 1].idx > line_start:
            i -= 1
        words = self.doc[i : k + 1]
        start, end = self.doc[i].idx, tok_end(name)
        if self.linker.names(start, end, SPEAKER_LABELS):
            phrase = self.doc[name.left_edge.i : i]
            modifiers = all(t.pos_ in _MODIFIER_POS for t in phrase)
            if len(phrase) and modifiers and phrase.start_char > line_start:
                return trim(self.doc, phrase.start, k)
            return i, k
        untagged = not self.linker.mentioned(start, end)
        if untagged and 2 <= len(words) <= 3 and all(t.text.istitle() for t in words):
            return i, k
        return None

    def _token_range(self, start: int, end: int) -> tuple[int, int]:
        """Tokens [a, b) whose start lies in characters [start, end)."""
        return bisect.bisect_left(self.tok_starts, start), bisect.bisect_left(self.tok_starts, end)

    def _line(self, start: int, end: int) -> Claim | None:
        label = _label_start(self.text, start, end) if self.transcript else None
        start = start if label is None else label
        colon = self.text.find(":", start, end)
        if colon < 0 or not self.text[start:colon].strip()[:1].isupper():
            return None
        after = self.text[colon + 1 : end].lstrip()
        if not self.text[colon + 1 : colon + 2].isspace() or not after:
            return None
        speaker = label is not None
        if start > 0 and after[0] not in QUOTE_OPENERS and not speaker:
            return None
        a, c = self._token_range(start, colon)
        b = self._token_range(colon + 1, end)[1]
        if not 0 < c - a <= MAX_SOURCE_TOKENS or b - (c + 1) < MIN_CONTENT_TOKENS:
            return None
        source = self._source(a, c - 1, speaker)
        content = piece(self.doc, c + 1, b - 1)
        if source is None or content is None:
            return None
        return self._claim(source, colon, content, self.text[content[0]] in QUOTE_OPENERS)

    def _source(self, a: int, b: int, speaker: bool) -> ClaimantPhrase | None:
        """A verbless noun phrase naming an entity or a source of record, or a transcript's
        speaker label ("BENENSON:")."""
        toks = self.doc[a : b + 1]
        if any(t.pos_ in ("VERB", "AUX", "PRON") for t in toks):
            return None
        rng = trim(self.doc, a, b)
        if rng is None:
            return None
        head = self.doc[rng[1]]
        span = ClaimantPhrase(self.doc[rng[0]].idx, head.idx + len(head.text), head, True)
        named = speaker or self.linker.names(span.start, span.end, SPEAKER_LABELS)
        if not named and head.lemma_.lower() not in RECORD_NOUNS:
            return None
        return span

    def _claim(self, source: ClaimantPhrase, colon: int, content: Piece, direct: bool) -> Claim:
        s, e = content
        return Claim(
            claimant=self.linker.claimant(source),
            cue=Cue(text=":", lemma=":", start=colon, end=colon + 1),
            content=Content(text=self.text[s:e], start=s, end=e, spans=[content]),
            stance="assert",
            quote="direct" if direct else "indirect",
        )
