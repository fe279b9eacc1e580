"""Array-based stand-ins for the two Python-heavy components of the spaCy pipeline.

The ``attribute_ruler`` runs a Matcher of about 180 token patterns over every token and
the rule ``lemmatizer`` sets each lemma through a Python ``Token``: together a quarter of
the tag stage's time. ``TokenRules`` evaluates the ruler's own patterns through
dictionaries keyed by one required attribute value, memoised per distinct token, and
``MemoLemmatizer`` memoises the lemmatizer on (orth, pos, morph), all that its rules read.
Both write with ``Doc.from_array`` and give the annotations of the components they stand
in for (``tests/test_annotators.py`` compares them on real articles).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from functools import cache
from typing import Any, cast

import numpy
from spacy.attrs import DEP, IDS, LEMMA, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.strings import get_string_id
from spacy.tokens import Doc
from thinc.types import Ints2d

MEMO_LIMIT = 200_000  # entries per memo; cleared when full (a long-running worker's vocabulary)
_WRITTEN: list[int | str] = [POS, TAG, DEP, LEMMA, MORPH]  # what attribute rules may set
_READABLE = frozenset({"ORTH", "TEXT", "LOWER", "NORM", "LEMMA", "POS", "TAG", "DEP", "ENT_TYPE"})
_SETS = frozenset({"IN", "NOT_IN"})

# A compiled token spec: (column, inside, values): the row's value at ``column`` must (or,
# if not ``inside``, must not) be one of ``values``.
Check = tuple[int, bool, frozenset[int]]


def _attr(key: str) -> str | None:
    """The attribute a spec key reads, when it is one a row can hold."""
    key = "ORTH" if key.upper() == "TEXT" else key.upper()
    return key if key in _READABLE or key.startswith(("IS_", "LIKE_")) else None


def _values(condition: Any) -> tuple[bool, frozenset[int]] | None:
    """``"NN"``, ``True`` or ``{"IN": [...]}`` / ``{"NOT_IN": [...]}`` as (inside, ids)."""
    if isinstance(condition, str | int):  # bool is an int
        return True, frozenset({get_string_id(condition)})
    if isinstance(condition, dict) and len(condition) == 1 and set(condition) <= _SETS:
        ((predicate, listed),) = condition.items()
        return predicate == "IN", frozenset(get_string_id(v) for v in listed)
    return None


def _rows(doc: Doc, attrs: list[int | str]) -> list[list[int]]:
    """The values of ``attrs`` for each token of ``doc`` (hashes, ids or flags)."""
    return cast(list[list[int]], doc.to_array(attrs).reshape(len(doc), len(attrs)).tolist())


class TokenRules:
    """``AttributeRuler`` semantics: every match sets its rule's attributes on its target
    token, later rules overriding earlier ones; matching sees the Doc before any change."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self.effects = [
            [(_WRITTEN.index(attr), value) for attr, value in attrs.items() if attr in _WRITTEN]
            for attrs in ruler.attrs
        ]
        if any(len(e) != len(a) for e, a in zip(self.effects, ruler.attrs, strict=True)):
            raise ValueError("attribute rules may only set POS, TAG, DEP, LEMMA and MORPH")
        self.columns: list[str] = []
        self.index: dict[tuple[int, int], list[tuple[int, list[Check]]]] = {}
        self.unindexed: list[tuple[int, list[Check]]] = []
        self.matcher = Matcher(ruler.vocab)
        self.targets: dict[int, tuple[int, int]] = {}  # matcher key -> (rule, token index)
        self.memo: dict[tuple[int, ...], tuple[int, ...]] = {}
        for rule, entry in enumerate(ruler.patterns):
            for pattern in cast(list[list[dict[str, Any]]], entry["patterns"]):
                checks = self._compiled(pattern)
                if checks is None:
                    key = ruler.vocab.strings.add(f"rule{rule}")
                    self.matcher.add(key, [pattern])
                    self.targets[key] = (rule, cast(int, entry["index"]))
                else:
                    self._add(rule, checks)

    def _compiled(self, pattern: list[dict[str, Any]]) -> list[Check] | None:
        """The checks of a one-token pattern of plain (in)equalities; None for any other."""
        if len(pattern) != 1:
            return None
        checks = []
        for key, condition in pattern[0].items():
            attr, values = _attr(key), _values(condition)
            if attr is None or attr not in IDS or values is None:
                return None
            if attr not in self.columns:
                self.columns.append(attr)
            checks.append((self.columns.index(attr), *values))
        return checks

    def _add(self, rule: int, checks: list[Check]) -> None:
        """Index the rule under one value it requires (so most rules are never tried)."""
        required = next(((col, vals) for col, inside, vals in checks if inside), None)
        if required is None:
            self.unindexed.append((rule, checks))
            return
        col, vals = required
        for value in vals:
            self.index.setdefault((col, value), []).append((rule, checks))

    def _rules(self, row: tuple[int, ...]) -> tuple[int, ...]:
        """The one-token rules matching a token with attribute values ``row``, in order."""
        found = self.memo.get(row)
        if found is None:
            indexed = (self.index.get((col, value), []) for col, value in enumerate(row))
            candidates = [c for rules in indexed for c in rules] + self.unindexed
            found = tuple(
                sorted(
                    rule
                    for rule, checks in candidates
                    if all((row[col] in vals) == inside for col, inside, vals in checks)
                )
            )
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            self.memo[row] = found
        return found

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        rows = _rows(doc, [IDS[c] for c in self.columns])
        rules = [list(self._rules(tuple(row))) for row in rows]
        for key, start, end in self.matcher(doc, allow_missing=True):
            rule, index = self.targets[key]
            target = (start if index >= 0 else end) + index
            rules[target] = sorted({*rules[target], rule})
        values = _rows(doc, _WRITTEN)
        for token_values, token_rules in zip(values, rules, strict=True):
            for rule in token_rules:
                for column, value in self.effects[rule]:
                    token_values[column] = value
        doc.from_array(_WRITTEN, cast(Ints2d, numpy.array(values, dtype=numpy.uint64)))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 0) -> Iterator[Doc]:
        return map(self, docs)


class MemoLemmatizer:
    """``Lemmatizer`` with each (orth, pos, morph) lemmatised once."""

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.memo: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        rows = _rows(doc, [ORTH, POS, MORPH, LEMMA])
        lemmas = [row[3] for row in rows]
        strings, overwrite = doc.vocab.strings, self.lemmatizer.overwrite
        for i, (orth, pos, morph, lemma) in enumerate(rows):
            if lemma and not overwrite:
                continue
            found = self.memo.get((orth, pos, morph))
            if found is None:
                if len(self.memo) >= MEMO_LIMIT:
                    self.memo.clear()
                found = strings.add(self.lemmatizer.lemmatize(doc[i])[0])
                self.memo[orth, pos, morph] = found
            lemmas[i] = found
        doc.from_array([LEMMA], cast(Ints2d, numpy.array(lemmas, dtype=numpy.uint64)))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 0) -> Iterator[Doc]:
        return map(self, docs)


@cache
def _components(nlp: Language, names: frozenset[str]) -> list[Any]:
    """The components of ``nlp`` named in ``names``, in order, with the stand-ins."""
    chosen = []
    for name, component in nlp.pipeline:
        if name not in names:
            continue
        if isinstance(component, AttributeRuler):
            component = TokenRules(component)
        elif isinstance(component, Lemmatizer):
            component = MemoLemmatizer(component)
        chosen.append(component)
    return chosen


def annotate(
    nlp: Language, docs: Iterable[Doc], names: Collection[str], batch_size: int
) -> Iterator[Doc]:
    """``docs`` through the components of ``nlp`` named in ``names`` (like ``nlp.pipe``)."""
    for component in _components(nlp, frozenset(names)):
        if hasattr(component, "pipe"):
            docs = component.pipe(docs, batch_size=batch_size)
        else:
            docs = map(component, docs)
    return iter(docs)


__all__ = ["MEMO_LIMIT", "MemoLemmatizer", "TokenRules", "annotate"]
