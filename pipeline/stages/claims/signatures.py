"""Dash cues: a quotation signed by its source after a dash.

“He represents our greatest shame.” ― Sonya Herridge; a quoted paragraph followed by a line
"- Bernie Sanders."; an embedded tweet "... pic.twitter.com/x — Paul Ryan (@SpeakerRyan) July
5, 2016". The cue is the dash, the claimant the capitalised name after it, the content the
quotation closed right before the dash (for a tweet, its text from the start of the line).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator

from spacy.tokens import Doc

from pipeline.records import Claim, Content, Cue
from pipeline.stages.claims.claimants import EntityLinker, phrase
from pipeline.stages.claims.quotes import QuoteIndex, strip_chars
from pipeline.stages.claims.spans import Piece
from pipeline.stages.claims.stance import content_hedged

#: A dash; a hyphen only standing alone or opening a line ("- Sanders", "-President Obama").
_DASH = re.compile(r"[―—–]|--?(?=[\sA-Z])")  # a hyphen's left side is checked in code
#: Longest name after the dash, in tokens.
MAX_NAME_TOKENS = 5
#: What may follow the name on its line: a handle and date, a place, a comment.
MAX_TAIL_CHARS = 80
_BLANK = " \t\u00a0"
_OPENING_QUOTES = frozenset('"“')


class DashCues:
    """Finds signed quotations in one document."""

    def __init__(
        self, doc: Doc, text: str, tok_starts: list[int], quotes: QuoteIndex, linker: EntityLinker
    ) -> None:
        self.doc = doc
        self.text = text
        self.tok_starts = tok_starts
        self.quotes = quotes
        self.linker = linker

    def claims(self) -> Iterator[Claim]:
        text = self.text
        for m in _DASH.finditer(text):
            start = m.start()
            if text[start] == "-" and start > 0 and not text[start - 1].isspace():
                continue  # a hyphen inside a word
            claim = self._claim(start, m.end())
            if claim is not None:
                yield claim

    def _claim(self, start: int, end: int) -> Claim | None:
        if not self._signs(start, end):
            return None  # most dashes are punctuation of prose: decided on the text alone
        name = self._name(end)
        if name is None:
            return None
        a, b, tail = name
        content = self._signed(start, tail)
        if content is None:
            return None
        cl = phrase(self.doc, (a, b), self.doc[b], True)
        if cl is None:
            return None
        s, e = content
        return Claim(
            claimant=self.linker.claimant(cl),
            cue=Cue(text=self.text[start:end], lemma="—", start=start, end=end),
            content=Content(text=self.text[s:e], start=s, end=e, spans=[content]),
            stance="assert",
            quote="direct",
            hedged=content_hedged(self.doc, self.tok_starts, [content]),
        )

    def _signs(self, start: int, end: int) -> bool:
        """A quotation closes right before the dash, or a handle follows it on its line."""
        text = self.text
        k = bisect.bisect_right(self.quotes.ends, start) - 1
        if k >= 0 and not text[self.quotes.quotes[k].close_end : start].strip(_BLANK + "\n."):
            return True
        line_end = text.find("\n", end)
        return "(@" in text[end : line_end if line_end >= 0 else len(text)]

    def _name(self, after: int) -> tuple[int, int, str] | None:
        """Token range of a capitalised name opening at ``after`` and the rest of its line."""
        text = self.text
        line_end = text.find("\n", after)
        line_end = len(text) if line_end < 0 else line_end
        i = bisect.bisect_left(self.tok_starts, after)
        while i < len(self.doc) and self.doc[i].is_space:
            i += 1  # "― Julie": a no-break space after the dash is a token of its own
        first = i
        while i < len(self.doc) and self.doc[i].idx < line_end and i - first < MAX_NAME_TOKENS:
            word = self.doc[i].text
            if not (word[:1].isupper() or (i > first and word == ".")):
                break
            i += 1
        if i == first or text[after : self.doc[first].idx].strip(_BLANK):
            return None
        while self.doc[i - 1].text == ".":
            i -= 1
        tail = text[self.doc[i - 1].idx + len(self.doc[i - 1].text) : line_end]
        opens = tail.strip(_BLANK)[:1]
        if opens in _OPENING_QUOTES:  # the next signed quotation follows on the line
            return first, i - 1, ""
        if len(tail) > MAX_TAIL_CHARS or opens not in ("", "(", ",", "."):
            return None
        return first, i - 1, tail

    def _signed(self, dash: int, tail: str) -> Piece | None:
        """The quotation that closes right before ``dash`` (across one paragraph break), or
        the tweet that the dash ends."""
        text = self.text
        k = bisect.bisect_right(self.quotes.ends, dash) - 1
        if k >= 0:
            q = self.quotes.quotes[k]
            gap = text[q.close_end : dash]
            if q.closed and not q.used and not gap.strip(_BLANK + "\n.") and gap.count("\n") <= 2:
                q.used = True
                s, e = strip_chars(text, q.start, q.end, ",")
                return (s, e) if e > s else None
        if "(@" not in tail:
            return None
        line_start = text.rfind("\n", 0, dash) + 1
        s, e = strip_chars(text, line_start, dash, "")
        return (s, e) if e > s and text[s] != "<" else None  # not markup: <tweet id=...>
