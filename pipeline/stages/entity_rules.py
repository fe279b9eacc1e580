"""Rule-based corrections of the model's entity spans, applied to each tagged Doc.

In order: span boundaries (leading titles and trailing scores cut off), names from the
lists of ``entity_lists`` (countries, capitals, provinces, demonyms, international
organisations), labels from context (a title before a name makes it a PERSON, an
organisation word such as "Ministry" or "Party" at its end an ORG), and names the article
has already tagged, tagged again where the model missed them ("Lebed" after
"Alexander Lebed").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import cache
from typing import NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from pipeline.stages.entity_lists import countries, demonyms, organisations, places

# Words before a name that make it a PERSON ("Minister Primakov", "Mr Lebed").
PERSON_TITLES = frozenset(
    """mr mr. mrs mrs. ms ms. dr dr. prof prof. sir dame president premier chancellor minister
    senator sen. rep. gov. governor mayor pope colonel col. lt. capt. sgt. admiral adm. judge
    ambassador chairman chairwoman spokesman spokeswoman commissioner envoy coach striker
    midfielder goalkeeper sheikh ayatollah rabbi archbishop""".split()
)
# Title words cut from the start of a PERSON span ("Prime Minister John Major").
_TITLE_WORDS = PERSON_TITLES | frozenset(
    """prime vice deputy foreign defence defense finance interior former acting general gen.
    king queen prince princess captain secretary leader""".split()
)
ORG_WORDS = frozenset(
    """Ministry Party Corp Corp. Corporation Inc Inc. Ltd Ltd. Plc PLC Co. Group Bank Holdings
    Airlines Airways Association Federation Union Council Committee Commission Agency Institute
    University College Club Army Navy Police Court Parliament Assembly Congress Senate Fund
    Foundation Exchange Bureau Department Authority Front Movement Brigade Brigades Guard
    Organisation Organization Society Industries Motors Bancorp Trust Securities Newspaper
    Times Post Journal""".split()
)
# Labels a list name may overwrite when the model tagged exactly that span.
_RELABEL = {
    "COUNTRY": frozenset({"PERSON", "ORG", "NORP", "LOC", "FAC"}),
    "PLACE": frozenset({"PERSON", "NORP", "FAC"}),
    "NORP": frozenset({"PERSON", "ORG", "GPE", "LOC"}),
    "ORG": frozenset({"PERSON", "GPE", "NORP", "LOC", "PRODUCT", "WORK_OF_ART"}),
}
_KIND_LABEL = {"COUNTRY": "GPE", "PLACE": "GPE", "NORP": "NORP", "ORG": "ORG"}
_SEPARATORS = frozenset({"-", "–", "—", ",", "at", "v", "vs", "vs."})
_SPLIT = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC"})
_SCORE = re.compile(r"\d{1,3}(?:-\d{1,3})?|\.\d{3}")
_SPORT_VERBS = frozenset(
    {"beat", "defeat", "draw", "lose", "win", "host", "thrash", "edge", "rout"}
)
_PLACE = frozenset({"GPE", "LOC", "FAC"})
#: Adjectives of regions that are no country: "a Western European official".
REGIONAL_ADJECTIVES = frozenset(
    "European African Asian Arab American Latin Nordic Scandinavian Balkan Baltic Caribbean "
    "Western Eastern Central Pacific Atlantic Mediterranean Gulf".split()
)
_NUMERIC = frozenset("DATE TIME PERCENT MONEY QUANTITY ORDINAL CARDINAL".split())
_NO_TRIM = frozenset({"PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}) | _NUMERIC
_PROPAGATED = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"})
_NAMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})
_NOUNS = frozenset({"NOUN", "PROPN"})
_PLAIN_TRIMMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
_PLAIN_POS = frozenset({"ADV", "ADJ", "VERB", "AUX", "PRON", "DET", "ADP", "SCONJ", "CCONJ"})


class _Ent(NamedTuple):
    start: int
    end: int
    label: str


@cache
def list_matcher(nlp: Language) -> PhraseMatcher:
    """A case-sensitive matcher of every list name, built once per model."""
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    kinds = {"COUNTRY": countries(), "PLACE": places(), "NORP": demonyms(), "ORG": organisations()}
    for kind, names in kinds.items():
        matcher.add(kind, [nlp.make_doc(name) for name in sorted(names)])
    return matcher


@cache
def _listed() -> frozenset[str]:
    """Every list name: such names are never taken for a person's."""
    return frozenset(countries()) | set(places()) | set(demonyms()) | set(organisations())


def _capitalised(span: Span) -> bool:
    return span[0].text[:1].isupper() and span[-1].text[:1].isupper()


def _pieces(ent: Span) -> Iterator[Span]:
    """``ent`` cut at separators between names: "Romania - Cosmin Contra", "Leeds 2 Chelsea"."""
    if ent.label_ not in _SPLIT:
        yield ent
        return
    doc, start = ent.doc, ent.start
    for token in ent[1:-1]:
        separator = token.text in _SEPARATORS or _SCORE.fullmatch(token.text)
        if separator and token.whitespace_ and doc[token.i - 1].whitespace_:
            yield doc[start : token.i]
            start = token.i + 1
    yield doc[start : ent.end]


def _score_part(token: Token) -> bool:
    return token.text[:1].isdigit() or token.is_punct


def _plain_word(token: Token) -> bool:
    """A capitalised word that the tagger reads as no name: "Halfway", "Latest" opening a
    sentence or a headline (acronyms and demonyms are names whatever their tag)."""
    return (
        bool(token.is_sent_start)
        and token.pos_ in _PLAIN_POS
        and not token.text.isupper()
        and token.text not in demonyms()
        and token.text not in REGIONAL_ADJECTIVES
    )


def _trimmed(ent: Span, label: str) -> _Ent | None:
    """``ent`` without trailing scores ("Somerset 83"), without leading plain words
    ("Latest Nato") and, for a PERSON, leading titles; None for a name with no capitalised
    word ("57" tagged PRODUCT) or that is one plain word ("Halfway")."""
    start, end, doc = ent.start, ent.end, ent.doc
    while end - start > 1 and label not in _NO_TRIM and _score_part(doc[end - 1]):
        end -= 1
    while label in _PLAIN_TRIMMED and end > start and _plain_word(doc[start]):
        start += 1
    while label == "PERSON" and end - start > 1 and doc[start].lower_ in _TITLE_WORDS:
        start += 1
    named = label in _NUMERIC or any(t.text[:1].isupper() for t in doc[start:end])
    return _Ent(start, end, label) if end > start and named else None


def _list_matches(nlp: Language, doc: Doc) -> list[tuple[Span, str]]:
    """Longest non-overlapping list names; lone place names only where tagged proper nouns."""
    spans = []
    for match_id, start, end in list_matcher(nlp)(doc):
        span = doc[start:end]
        kind = nlp.vocab.strings[match_id]
        if not _capitalised(span):
            continue
        if kind == "PLACE" and not all(t.pos_ == "PROPN" for t in span if t.is_title):
            continue
        spans.append(Span(doc, start, end, label=kind))
    return [(span, span.label_) for span in filter_spans(spans)]


def _apply_lists(nlp: Language, doc: Doc, ents: list[_Ent]) -> list[_Ent]:
    """Add list names the model missed; relabel exact spans where the list is more reliable."""
    by_span = {(e.start, e.end): e for e in ents}
    taken = {i for e in ents for i in range(e.start, e.end)}
    for span, kind in _list_matches(nlp, doc):
        label = _KIND_LABEL[kind]
        found = by_span.get((span.start, span.end))
        if found and found.label in _RELABEL[kind]:
            by_span[span.start, span.end] = found._replace(label=label)
        elif not found and taken.isdisjoint(range(span.start, span.end)):
            by_span[span.start, span.end] = _Ent(span.start, span.end, label)
            taken.update(range(span.start, span.end))
    return sorted(by_span.values())


def _scoreline(doc: Doc, ent: _Ent) -> bool:
    """A name in a score line or results table: "Bradford 1 Tranmere 0", "Texas 76 58"."""
    after = doc[ent.end].text if ent.end < len(doc) else ""
    before = doc[ent.start - 1].text if ent.start else "\n"
    return bool(_SCORE.fullmatch(after)) and (
        "\n" in before or before in {":", ","} or bool(_SCORE.fullmatch(before))
    )


def _competitor(doc: Doc, ent: _Ent) -> bool:
    """The subject or object of a sports verb: "Surrey beat Warwickshire"."""
    last = doc[ent.end - 1]
    verb = last.head.head if last.head.dep_ in {"prep", "agent"} else last.head
    between = doc[min(verb.i, last.i) : max(verb.i, last.i)]
    return (
        last.dep_ in {"nsubj", "dobj", "pobj"}
        and verb.lemma_ in _SPORT_VERBS
        and not any(t.is_space for t in between)
    )


def _team(doc: Doc, ent: _Ent) -> bool:
    """A town, county or region that stands for its sports team (countries stay GPE)."""
    text = doc[ent.start : ent.end].text
    if text in countries() or not (ent.label in {"GPE", "LOC"} or text in places()):
        return False
    return _scoreline(doc, ent) or _competitor(doc, ent)


def _adjectival(doc: Doc, ent: _Ent) -> bool:
    """A demonym or regional adjective modifying the noun after it: "a Western European
    official", "German officials"."""
    last = doc[ent.end - 1]
    return (
        (last.text in demonyms() or last.text in REGIONAL_ADJECTIVES)
        and ent.end < len(doc)
        and doc[ent.end].pos_ == "NOUN"
        and last.head.i >= ent.end
    )


def _context_label(doc: Doc, ent: _Ent) -> _Ent:
    """NORP for an adjectival demonym, PERSON after a title ("Minister Primakov"), ORG when
    it ends in an organisation word or is a place standing for a sports team."""
    if ent.label in {"ORG", "GPE", "PERSON", "LOC"} and _adjectival(doc, ent):
        return ent._replace(label="NORP")
    if _team(doc, ent):
        return ent._replace(label="ORG")
    if doc[ent.end - 1].text in ORG_WORDS and ent.end - ent.start > 1 and ent.label not in _PLACE:
        return ent._replace(label="ORG")
    if ent.end < len(doc) and doc[ent.end].text in ORG_WORDS and ent.label in {"ORG", "GPE"}:
        return _Ent(ent.start, ent.end + 1, "ORG")
    if _titled(doc, ent) and ent.label in {"ORG", "GPE", "NORP", "LOC"}:
        return ent._replace(label="PERSON")
    return ent


def _person_parts(doc: Doc, ents: list[_Ent]) -> list[_Ent]:
    """A lone name that is the first or last word of a PERSON in the article is a PERSON:
    "Wang" after "Wang Dan", "Scholz" (mis-tagged GPE) after "Olaf Scholz"."""
    parts: dict[str, set[str]] = defaultdict(set)
    for ent in ents:
        if ent.end - ent.start > 1:
            for token in (doc[ent.start], doc[ent.end - 1]):
                parts[token.text].add(ent.label)
    return [
        ent._replace(label="PERSON")
        if ent.end - ent.start == 1
        and ent.label in {"ORG", "GPE", "LOC"}
        and parts.get(doc[ent.start].text) == {"PERSON"}
        and doc[ent.start].is_alpha
        and doc[ent.start].text not in countries()
        else ent
        for ent in ents
    ]


def _titled(doc: Doc, ent: _Ent) -> bool:
    """A title noun before the name: "Chancellor Scholz", not "to coach Nice"."""
    before = doc[ent.start - 1] if ent.start else None
    return before is not None and before.lower_ in PERSON_TITLES and before.pos_ in _NOUNS


def _acts(doc: Doc, ent: _Ent) -> bool:
    """A name the model did not call an ORG as a subject or possessor ("Scholz's aides")."""
    return ent.label != "ORG" and doc[ent.end - 1].dep_ in {"nsubj", "poss"}


def _name_words(doc: Doc, ent: _Ent) -> tuple[str, ...] | None:
    """The words of a plain one- to three-word name that may be a person's, else None."""
    words = tuple(t.text for t in doc[ent.start : ent.end])
    plain = len(words) <= 3 and all(w.isalpha() and w.istitle() for w in words)
    listed = " ".join(words) in _listed() or words[-1] in _listed()
    if ent.label not in _NAMED or not plain or listed or not ORG_WORDS.isdisjoint(words):
        return None
    return words


def _surname_people(doc: Doc, ents: list[_Ent]) -> list[_Ent]:
    """Mentions of one surname that the model labels inconsistently ("Olaf Scholz" ORG,
    "Scholz" GPE) are all PERSON when one follows a title, or when there is one full name,
    without common words ("First Chicago"), and a mention that is no ORG acts."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ent in enumerate(ents):
        if words := _name_words(doc, ent):
            groups[words[-1]].append(i)
    relabel: set[int] = set()
    for members in groups.values():
        group = [ents[i] for i in members]
        full = [e for e in group if e.end - e.start > 1]
        if len({doc[e.start].text for e in full}) > 1 or len({e.label for e in group}) < 2:
            continue
        if any(_competitor(doc, e) or _scoreline(doc, e) for e in group):  # a sports team
            continue
        given = bool(full) and not any(t.is_stop for e in full for t in doc[e.start : e.end - 1])
        if any(_titled(doc, e) for e in group) or (given and any(_acts(doc, e) for e in group)):
            relabel.update(members)
    return [ent._replace(label="PERSON") if i in relabel else ent for i, ent in enumerate(ents)]


def _known_names(doc: Doc, ents: Iterable[_Ent]) -> dict[tuple[str, ...], str]:
    """Token texts of the article's names (and PERSON surnames) -> their majority label."""
    votes: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for ent in ents:
        if ent.label in _PROPAGATED:
            words = tuple(t.text for t in doc[ent.start : ent.end])
            votes[words][ent.label] += 1
            if ent.label == "PERSON" and len(words) > 1 and words[-1][:1].isupper():
                votes[words[-1:]]["PERSON"] += 1
    return {words: labels.most_common(1)[0][0] for words, labels in votes.items()}


def _repeats(doc: Doc, ents: list[_Ent]) -> Iterator[_Ent]:
    """Untagged, capitalised repeats of the article's names, not inside a longer name."""
    known = _known_names(doc, ents)
    by_first: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for words in sorted(known, key=len, reverse=True):
        by_first[words[0]].append(words)
    taken = {i for e in ents for i in range(e.start, e.end)}
    i = 0
    while i < len(doc):
        found = next(
            (w for w in by_first.get(doc[i].text, ()) if _untagged_at(doc, i, w, taken)), None
        )
        if found:
            yield _Ent(i, i + len(found), known[found])
        i += len(found) if found else 1


def _untagged_at(doc: Doc, i: int, words: tuple[str, ...], taken: set[int]) -> bool:
    end = i + len(words)
    if end > len(doc) or not taken.isdisjoint(range(i, end)) or not words[0][:1].isupper():
        return False
    if tuple(t.text for t in doc[i:end]) != words:
        return False
    after = doc[end] if end < len(doc) else None
    return after is None or not (after.pos_ == "PROPN" and after.text[:1].isupper())


def refine_entities(nlp: Language, doc: Doc) -> None:
    """Correct ``doc.ents`` in place with the boundary, list, context and repeat rules."""
    pieces = ((piece, ent.label_) for ent in doc.ents for piece in _pieces(ent))
    ents = [e for e in (_trimmed(piece, label) for piece, label in pieces) if e]
    ents = _apply_lists(nlp, doc, ents)
    ents = _person_parts(doc, [_context_label(doc, ent) for ent in ents])
    ents += [_context_label(doc, ent) for ent in _repeats(doc, ents)]
    ents = _surname_people(doc, ents)
    spans = [Span(doc, e.start, e.end, label=e.label) for e in ents]
    doc.ents = filter_spans(spans)


__all__ = ["ORG_WORDS", "PERSON_TITLES", "list_matcher", "refine_entities"]
