"""Case restoration of all-caps lines (wire headlines, datelines, results tables).

The small English model is trained on mixed-case text and misses most names in lines such
as "BELGRADE 1996-08-30" or "SOCCER - ISRAEL BEAT BULGARIA". Such lines are re-cased before
tagging: a word takes its most common mid-sentence form elsewhere in the article, else a
function word is lowered, an acronym-like word kept and any other word capitalised. The
tagged Doc is then rebuilt on the original words, so every offset and word stays exact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from typing import cast

from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LEMMA, MORPH, POS, TAG
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc
from thinc.types import Ints2d

_COPIED = [TAG, POS, MORPH, LEMMA, HEAD, DEP, ENT_IOB, ENT_TYPE]
_SENTENCE_END = frozenset({".", "?", "!", ":", ";", '"', "``", "''", "-", "(", "“", "”"})
_VOWELS = frozenset("AEIOUY")


def _lines(words: Sequence[str]) -> Iterator[range]:
    """Token index ranges of the lines of a tokenised text (newline tokens excluded)."""
    start = 0
    for i, word in enumerate(words):
        if "\n" in word:
            yield range(start, i)
            start = i + 1
    yield range(start, len(words))


def _shouting(words: Sequence[str], line: range) -> bool:
    """A line whose cased words are all upper case, with at least one longer word."""
    cased = [words[i] for i in line if words[i].lower() != words[i].upper()]
    return any(len(w) > 1 for w in cased) and all(w.isupper() for w in cased)


def _forms(words: Sequence[str], mixed: list[range]) -> dict[str, str]:
    """Lower-cased word -> its most common mid-sentence form in the mixed-case lines."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for line in mixed:
        for i in line[1:]:
            if words[i - 1] not in _SENTENCE_END and words[i].lower() != words[i].upper():
                seen[words[i].lower()][words[i]] += 1
    return {lower: forms.most_common(1)[0][0] for lower, forms in seen.items()}


def _recase(word: str, first: bool, forms: dict[str, str]) -> str:
    """The likely mixed-case form of an upper-case ``word`` (same length, or ``word``)."""
    lower = word.lower()
    if lower in forms:
        cased = forms[lower]
    elif word.lower() == word.upper() or any(ch.isdigit() or ch == "." for ch in word):
        cased = word
    elif lower in STOP_WORDS and not first:
        cased = lower
    elif len(word) <= 3 and _VOWELS.isdisjoint(word):
        cased = word
    else:
        cased = word.title()
    return cased if len(cased) == len(word) else word


def truecased_words(words: Sequence[str]) -> list[str] | None:
    """``words`` with all-caps lines re-cased, or None when no line is all caps."""
    lines = [line for line in _lines(words) if line]
    shouting = [line for line in lines if _shouting(words, line)]
    if not shouting:
        return None
    forms = _forms(words, [line for line in lines if line not in shouting])
    cased = list(words)
    for line in shouting:
        for i in line:
            cased[i] = _recase(words[i], i == line[0], forms)
    return cased


def prepared(nlp: Language, text: str) -> Doc:
    """The tokenised ``text``, re-cased where it shouts (the pipeline input)."""
    doc = nlp.make_doc(text)
    words = [t.text for t in doc]
    cased = truecased_words(words)
    if cased is None:
        return doc
    return Doc(nlp.vocab, words=cased, spaces=[bool(t.whitespace_) for t in doc])


def restored(doc: Doc, text: str) -> Doc:
    """``doc`` back on the words of ``text``, with its tags, parse and entities."""
    if doc.text == text:
        return doc
    annotations = cast(Ints2d, doc.to_array(_COPIED))
    return _retokenised(doc, text).from_array(_COPIED, annotations)


def _retokenised(doc: Doc, text: str) -> Doc:
    """An unannotated Doc with the tokenisation of ``doc`` over the characters of ``text``."""
    words, start = [], 0
    for token in doc:
        words.append(text[start : start + len(token.text)])
        start += len(token.text_with_ws)
    return Doc(doc.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])


__all__ = ["prepared", "restored", "truecased_words"]
