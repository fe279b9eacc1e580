"""Quotation structure: double quotation marks paired within paragraphs.

An opening mark that is never closed runs to the end of its paragraph (the newswire
convention for multi-paragraph quotations); such an *unclosed* region can serve as content,
but it never hides reporting verbs, so a stray mark cannot derail later sentences.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from spacy.tokens import Token

OPENING_QUOTES = frozenset({"“", "«", "„", "``"})
CLOSING_QUOTES = frozenset({"”", "»"})
#: Straight marks open and close; "''" is the typewriter mark of the LDC/NYT style.
STRAIGHT_QUOTES = frozenset({'"', "''"})
#: Quotation marks, as characters or as tokens.
QUOTE_CHARS = OPENING_QUOTES | CLOSING_QUOTES | STRAIGHT_QUOTES
_QUOTE_OR_NEWLINE = re.compile("''|``|[“”«»„\"\n]")
#: Characters allowed between a reporting clause and its adjacent quotation.
GAP_CHARS = frozenset(" \t\u00a0,:;—–-")


@dataclass(slots=True)
class Quote:
    """One quotation: character offsets of its marks and of its inside."""

    open_at: int  # offset of the opening mark
    start: int  # first character inside the marks
    end: int  # character after the last one inside (the closing mark, or the paragraph end)
    close_end: int  # character after the closing mark (== end when unclosed)
    closed: bool
    used: bool = field(default=False)


def find_quotes(text: str) -> list[Quote]:
    """Pair double quotation marks within paragraphs; one regex pass over the text."""
    quotes: list[Quote] = []
    open_at = inside = -1
    for m in _QUOTE_OR_NEWLINE.finditer(text):
        i, mark = m.start(), m.group()
        if mark == "\n":
            if open_at >= 0:
                quotes.append(Quote(open_at, inside, i, i, closed=False))
                open_at = -1
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if open_at < 0:
            # "”" typeset as an opener: before a word, after a space or punctuation ("said.”We").
            if (
                mark in OPENING_QUOTES
                or mark in STRAIGHT_QUOTES
                or (not before.isalnum() and after.isalnum())
            ):
                open_at, inside = i, m.end()
            continue
        closes = mark in CLOSING_QUOTES or mark in STRAIGHT_QUOTES
        # "“" typeset as a closer: glued to the previous word.
        if closes or (not before.isspace() and (after.isspace() or not after.isalnum())):
            quotes.append(Quote(open_at, inside, i, m.end(), closed=True))
            open_at = -1
        else:
            # A new opening mark while one is open: the previous one was never closed.
            quotes.append(Quote(open_at, inside, i, i, closed=False))
            open_at, inside = i, m.end()
    if open_at >= 0:
        quotes.append(Quote(open_at, inside, len(text), len(text), closed=False))
    return quotes


def strip_chars(text: str, start: int, end: int, chars: str) -> tuple[int, int]:
    """``[start, end)`` without surrounding whitespace and ``chars``."""
    while start < end and (text[start].isspace() or text[start] in chars):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in chars):
        end -= 1
    return start, end


class QuoteIndex:
    """The quotations of a document, searchable by offset and by token."""

    def __init__(self, text: str, tok_starts: list[int]) -> None:
        self.text = text  # doc.text, computed once by the caller
        self.quotes = find_quotes(self.text)
        self.ends = [q.close_end for q in self.quotes]
        self.opens = [q.open_at for q in self.quotes]
        # Token -> index of the closed quotation it lies in (-1 outside): one merge pass.
        self.in_quote = [-1] * len(tok_starts)
        closed = [(k, q) for k, q in enumerate(self.quotes) if q.closed]
        qi = 0
        for i, idx in enumerate(tok_starts):
            while qi < len(closed) and closed[qi][1].close_end <= idx:
                qi += 1
            if qi < len(closed) and closed[qi][1].open_at <= idx:
                self.in_quote[i] = closed[qi][0]

    def inside(self, tok: Token) -> bool:
        """``tok`` lies within a closed quotation."""
        return self.in_quote[tok.i] >= 0

    def touches(self, tok: Token) -> bool:
        """The subtree of ``tok`` starts or ends within a closed quotation."""
        return self.in_quote[tok.left_edge.i] >= 0 or self.in_quote[tok.right_edge.i] >= 0

    def adjacent(self, attr: tuple[int, int], local: bool) -> list[Quote]:
        """Quotations glued to the reporting clause spanning characters ``attr``."""
        text = self.text
        found: list[Quote] = []
        a_start, a_end = attr
        # Before: the closest quotation closing before the clause, only gap characters between.
        k = bisect.bisect_right(self.ends, a_start) - 1
        if k >= 0 and local:
            q = self.quotes[k]
            gap = text[q.close_end : a_start]
            inner_last = text[q.start : q.end].rstrip()[-1:]
            if (
                q.closed
                and all(ch in GAP_CHARS for ch in gap)
                and (inner_last != "." or self._ends_sentence(a_end))
                and self._starts_clause(q)
            ):
                found.append(q)
        # After: the first quotation opening after the clause.
        k = bisect.bisect_left(self.opens, a_end)
        if k < len(self.quotes):
            q = self.quotes[k]
            gap = text[a_end : q.open_at]
            # A colon may announce a quotation in the next paragraph ("Cruz continued:\n\n“...").
            para = gap.lstrip(" \t\u00a0")[:1] == ":" and gap.count("\n") <= 2
            if all(ch in GAP_CHARS or (para and ch == "\n") for ch in gap) and (
                found or ":" in gap or "," in gap or not gap.strip()
            ):
                found.append(q)
        return found

    def _ends_sentence(self, at: int) -> bool:
        """Only a full stop follows ``at``: “A.” Trump said. (a clause of its own)."""
        rest = self.text[at : at + 3].lstrip(" \t\u00a0")
        return rest[:1] == "." and rest[1:2] in ("", " ", "\n")

    def _starts_clause(self, q: Quote) -> bool:
        """The quotation opens a sentence or follows a colon: not a quoted fragment."""
        i = q.open_at - 1
        text = self.text
        while i >= 0 and text[i] in " \t\u00a0":
            i -= 1
        return i < 0 or text[i] in "\n.?!:;—–-(\"'“”«»„`"

    def continuation(self, tail: int) -> list[tuple[int, int]]:
        """Unattributed quotations that continue a direct quote ending at ``tail``.

        “A,” she said. “B.” “C.”: the pieces of B and C, marked used. A quotation ending in a
        comma opens its own attribution and stops the run, as does a paragraph break.
        """
        text = self.text
        pieces: list[tuple[int, int]] = []
        k = bisect.bisect_left(self.opens, tail)
        while k < len(self.quotes):
            q = self.quotes[k]
            gap = text[tail : q.open_at]
            if q.used or "\n" in gap or gap.strip() != ("" if pieces else "."):
                break
            s, e = strip_chars(text, q.start, q.end, ",")
            if e <= s or text[q.start : q.end].rstrip()[-1:] == ",":
                break
            q.used = True
            pieces.append((s, e))
            tail = q.close_end
            k += 1
            if not q.closed:
                break
        return pieces
