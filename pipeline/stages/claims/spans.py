"""Token ranges to character spans: trimming punctuation, phrases and clauses minus a hole."""

from __future__ import annotations

from spacy.tokens import Doc, Token

from pipeline.records import Content
from pipeline.stages.claims.lexicon import ADJUNCT_PREPS, MEDIUM_NOUNS
from pipeline.stages.claims.quotes import QUOTE_CHARS

Piece = tuple[int, int]


def tok_end(tok: Token) -> int:
    """Character offset after ``tok``."""
    return tok.idx + len(tok.text)


def is_boundary_punct(tok: Token) -> bool:
    """Punctuation or space, judged from the tags and the text only."""
    return (
        tok.pos_ in ("PUNCT", "SPACE")
        or tok.text.isspace()
        or not any(ch.isalnum() for ch in tok.text)
    )


def _drop_unpaired_mark(doc: Doc, a: int, b: int) -> tuple[int, int] | None:
    """[a, b] without an edge quotation mark whose partner lies outside; None if unchanged."""
    if doc[a].text not in QUOTE_CHARS and doc[b].text not in QUOTE_CHARS:
        return None
    marks = sum(1 for i in range(a, b + 1) if doc[i].text in QUOTE_CHARS)
    if doc[b].text in QUOTE_CHARS and (marks % 2 == 1 or b == a):
        return a, b - 1
    if doc[a].text in QUOTE_CHARS and marks % 2 == 1:
        return a + 1, b
    return None


def _opened(doc: Doc, a: int, b: int) -> bool:
    """Tokens [a, b) leave a parenthesis open."""
    depth = 0
    for i in range(a, b):
        depth += (doc[i].text == "(") - (doc[i].text == ")")
    return depth > 0


def trim(doc: Doc, a: int, b: int) -> tuple[int, int] | None:
    """Token range [a, b] (inclusive) without punctuation at its edges; None if empty.

    A closing quotation mark is kept when the range holds its opening mark (and vice versa).
    """
    while a <= b:
        a0, b0 = a, b
        while a <= b and is_boundary_punct(doc[a]) and doc[a].text not in QUOTE_CHARS:
            a += 1
        while a <= b and is_boundary_punct(doc[b]) and doc[b].text not in QUOTE_CHARS:
            if doc[b].text == ")" and _opened(doc, a, b):
                break  # "the Digital Industry Group (DIGI)"
            b -= 1
        if a > b:
            return None
        dropped = _drop_unpaired_mark(doc, a, b)
        if dropped is not None:
            a, b = dropped
        elif (a, b) == (a0, b0):
            return a, b
    return None


def piece(doc: Doc, a: int, b: int) -> Piece | None:
    """Character span of token range [a, b], trimmed; None if nothing is left."""
    rng = trim(doc, a, b)
    if rng is None:
        return None
    return doc[rng[0]].idx, tok_end(doc[rng[1]])


def subtree_piece(doc: Doc, tok: Token) -> list[Piece]:
    """The trimmed subtree of ``tok`` as a list of at most one piece."""
    p = piece(doc, tok.left_edge.i, tok.right_edge.i)
    return [p] if p else []


def clause_minus(doc: Doc, clause: Token, ex_a: int, ex_b: int) -> list[Piece]:
    """Pieces of ``clause``'s subtree around the token range [ex_a, ex_b]."""
    a, b = clause.left_edge.i, clause.right_edge.i
    pieces = []
    if a < ex_a:
        p = piece(doc, a, min(b, ex_a - 1))
        if p:
            pieces.append(p)
    if b > ex_b:
        p = piece(doc, max(a, ex_b + 1), b)
        if p:
            pieces.append(p)
    return pieces


def within_quotes(doc: Doc, a: int, head: int, b: int) -> tuple[int, int]:
    """[a, b] cut at the quotation marks nearest ``head`` on each side: a subject phrase
    never reaches into a quotation, whatever the parse attached to it."""
    for i in range(head - 1, a - 1, -1):
        if doc[i].text in QUOTE_CHARS:
            a = i + 1
            break
    for i in range(head + 1, b + 1):
        if doc[i].text in QUOTE_CHARS:
            b = i - 1
            break
    return a, b


def np_range(doc: Doc, head: Token, exclude: Token | None = None) -> tuple[int, int] | None:
    """Token range of the phrase headed by ``head``, minus the subtree of ``exclude``."""
    a, b = head.left_edge.i, head.right_edge.i
    if exclude is not None:
        ea, eb = exclude.left_edge.i, exclude.right_edge.i
        if ea > head.i:
            b = min(b, ea - 1)
        elif eb < head.i:
            a = max(a, eb + 1)
    return trim(doc, a, b)


def subject_right_edge(subj: Token) -> int:
    """Last token of a subject phrase.

    A prepositional phrase after an apposition is the verb's adjunct misattached to the noun
    ("said chair Marcelo Claure in an email"), and so is "in/on/during ..." after a name that
    follows its verb ("said John Smith in a letter") and a medium after any subject that
    follows its verb ("said Whitmer's office in a statement").
    """
    seen_appos = False
    inverted = subj.i > subj.head.i
    inverted_name = inverted and subj.pos_ == "PROPN"
    for c in subj.rights:
        if c.dep_ == "appos":
            seen_appos = True
        elif c.dep_ == "prep" and (
            seen_appos
            or (inverted_name and c.text.lower() in ADJUNCT_PREPS)
            or (inverted and any(g.lemma_.lower() in MEDIUM_NOUNS for g in c.children))
        ):
            return c.left_edge.i - 1
    return int(subj.right_edge.i)


def content_of(text: str, pieces: list[Piece], empty_at: int, quoted: bool = False) -> Content:
    """The content record of ``pieces`` of ``text``: its text is the pieces joined (a
    quotation split by its attribution reads as one statement; a comma that closed a quoted
    piece is kept), its start and end those of the whole stretch; empty at ``empty_at``."""
    if not pieces:
        return Content(text="", start=empty_at, end=empty_at, spans=[])
    parts = []
    for k, (s, e) in enumerate(pieces):
        part = text[s:e]
        if quoted and k + 1 < len(pieces) and text[e : e + 1] == ",":
            part += ","
        parts.append(part)
    return Content(text=" ".join(parts), start=pieces[0][0], end=pieces[-1][1], spans=pieces)
