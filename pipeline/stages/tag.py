"""Tag stage: entities and parse of clean articles (``CleanArticle`` -> ``TaggedArticle``).

Mentions of one entity in an article are merged: same normalised text ("U.S." = "US"),
a name part that belongs to exactly one longer name ("Scholz" -> "Olaf Scholz"), and
acronyms defined in parentheses or spelled by an entity's initials ("ECB" ->
"European Central Bank").

Before tagging, all-caps lines (headlines, datelines) are re-cased (``pipeline.stages.truecase``);
after it, ``pipeline.stages.entity_rules`` corrects the model's spans and labels and a country's
names share one id ("UK", "U.K.", "Britain" -> ``gpe:united-kingdom``). A demonym NORP
links to its country (``related``: "Sudanese" -> ``gpe:sudan``), and each article's
entities are ranked by ``pipeline.stages.salience``. Only the components in ``COMPONENTS`` run,
the attribute ruler and lemmatizer through ``pipeline.stages.annotators``.

Texts longer than ``MAX_CHARS`` are tagged up to the last whitespace before the cap: the
parse and the mentions then cover a prefix of the article text, so every offset still
indexes ``article.text``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from pipeline.records import (
    CleanArticle,
    Entity,
    Mention,
    ModelInfo,
    Parse,
    Skip,
    TaggedArticle,
)
from pipeline.stages.annotators import annotate
from pipeline.stages.entity_lists import canonical_country, demonym_country
from pipeline.stages.entity_rules import refine_entities
from pipeline.stages.language import unsupported
from pipeline.stages.nlp import model_info, parse_from_doc
from pipeline.stages.salience import ranked
from pipeline.stages.truecase import prepared, restored

MAX_CHARS = 100_000
COMPONENTS = frozenset({"tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"})
LABELS = frozenset("PERSON NORP FAC ORG GPE LOC PRODUCT EVENT WORK_OF_ART LAW LANGUAGE".split())
# (label of a longer name, "first" or "last" part) -> labels a lone part may have to join it.
# The small model often tags a lone surname GPE or ORG; given names join only as PERSON, and
# ORG names ("Olaf Scholz" mis-tagged) only take PERSON surnames ("Trump" != "Trump Tower").
_PART_RULES = {
    ("PERSON", "first"): frozenset({"PERSON"}),
    ("PERSON", "last"): frozenset({"PERSON", "ORG", "GPE", "NORP"}),
    ("ORG", "last"): frozenset({"PERSON"}),
}
_POSSESSIVE = frozenset({"'s", "’s", "'", "’"})
_ACRONYM = re.compile(r"[A-Z][A-Za-z&.]{1,9}")
_DEFINED = re.compile(r"\s*\(\s*([A-Z][A-Za-z&.]{1,9})\s*\)")
_COMPANY_SUFFIX = re.compile(r",?\s+(?:Inc|Corp|Co|Ltd|LLC|PLC|plc)\.?$")
_MINOR_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "&"})


@dataclass(frozen=True, slots=True)
class _Mention:
    start: int
    end: int
    text: str
    label: str


def _key(text: str) -> str:
    """Case-, accent-, punctuation- and "Inc."-insensitive form: "U.S." and "US" give "us"."""
    decomposed = unicodedata.normalize("NFKD", _COMPANY_SUFFIX.sub("", text).casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def _group_key(mention: _Mention) -> str:
    """The mention's key; a country's names share one ("UK", "Britain", "United Kingdom")."""
    country = canonical_country(mention.text) if mention.label == "GPE" else None
    return _key(country or mention.text)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w&]+", text)


def _edge_junk(token: Token) -> bool:
    return token.is_punct or token.is_space


def _trim(span: Span) -> Span | None:
    """``span`` without a leading "the", possessive ending, surrounding punctuation and
    anything from a line break on."""
    doc, start, end = span.doc, span.start, span.end
    while start < end and (_edge_junk(doc[start]) or doc[start].lower_ == "the"):
        start += 1
    end = next((t.i for t in doc[start:end] if "\n" in t.text), end)
    while end > start and (_edge_junk(doc[end - 1]) or doc[end - 1].lower_ in _POSSESSIVE):
        end -= 1
    return doc[start:end] if end > start else None


def _mentions(doc: Doc) -> list[_Mention]:
    trimmed = ((_trim(ent), ent.label_) for ent in doc.ents if ent.label_ in LABELS)
    return [_Mention(s.start_char, s.end_char, s.text, label) for s, label in trimmed if s]


class _Groups:
    """Union-find over the normalised keys of an article's mentions."""

    def __init__(self, mentions: Sequence[_Mention]) -> None:
        self.by_key: dict[str, list[_Mention]] = defaultdict(list)
        for mention in mentions:
            self.by_key[_group_key(mention)].append(mention)
        self.by_key.pop("", None)
        self.parent = {key: key for key in self.by_key}
        self.person_merged: set[str] = set()

    def find(self, key: str) -> str:
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, key: str, other: str, person: bool = False) -> None:
        root, other_root = self.find(key), self.find(other)
        self.parent[other_root] = root
        if person or other_root in self.person_merged:
            self.person_merged.add(root)

    def label(self, key: str) -> str:
        """Majority label of the mentions with this key (earliest label on ties)."""
        return Counter(m.label for m in self.by_key[key]).most_common(1)[0][0]

    def join_unique(self, key: str, candidates: Iterable[str], person: bool = False) -> None:
        roots = {self.find(candidate) for candidate in candidates}
        if len(roots) == 1 and (root := roots.pop()) != self.find(key):
            self.union(root, key, person)


def _name_parts(words: list[str]) -> list[tuple[str, str]]:
    """Keys of the proper first and last parts of a name, with their position."""
    cuts = range(1, len(words))
    return [(_key("".join(words[:i])), "first") for i in cuts] + [
        (_key("".join(words[i:])), "last") for i in cuts
    ]


def _merge_name_parts(groups: _Groups) -> None:
    """A capitalised name part joins the one longer name of the article it belongs to."""
    index: dict[str, list[tuple[str, str]]] = defaultdict(list)
    words = {key: _words(mentions[0].text) for key, mentions in groups.by_key.items()}
    for key in sorted(groups.by_key, key=lambda k: -len(words[k])):
        if not groups.by_key[key][0].text[:1].isupper():
            continue
        label = groups.label(key)
        owners = [o for o, pos in index[key] if label in _PART_RULES[groups.label(o), pos]]
        person = label == "PERSON" or any(groups.label(o) == "PERSON" for o in owners)
        groups.join_unique(key, owners, person)
        if len(words[key]) > 1 and _MINOR_WORDS.isdisjoint(w.lower() for w in words[key]):
            for part, pos in _name_parts(words[key]):
                if (label, pos) in _PART_RULES:
                    index[part].append((key, pos))


def is_acronym(text: str) -> bool:
    """ "ECB", "U.S.", "SPD": a short word of mostly capitals."""
    capitals = sum(ch.isupper() for ch in text)
    return bool(_ACRONYM.fullmatch(text)) and capitals >= 2 and 2 * capitals >= len(_key(text))


def _initials(words: list[str]) -> set[str]:
    capitalised = "".join(w[0] for w in words if w[0].isupper())
    return {i for i in (_key(capitalised), _key("".join(w[0] for w in words))) if len(i) > 1}


def _merge_acronyms(groups: _Groups, text: str) -> None:
    """Join "ECB" to "European Central Bank (ECB)" or to the one entity with its initials."""
    expansions: dict[str, set[str]] = defaultdict(set)
    for key, mentions in groups.by_key.items():
        if groups.label(key) == "PERSON":
            continue
        for mention in mentions:
            defined = _DEFINED.match(text, mention.end)
            if defined and _key(defined[1])[:1] == key[:1]:
                expansions[_key(defined[1])].add(key)
        words = _words(mentions[0].text)
        if len(words) > 1:
            for initials in _initials(words):
                expansions[initials].add(key)
    for key, mentions in groups.by_key.items():
        if key in expansions and is_acronym(mentions[0].text):
            groups.join_unique(key, expansions[key])


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return slug or "x-" + hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()[:10]


def _related(label: str, forms: Iterable[str]) -> str | None:
    """The id of the country of a demonym NORP ("Sudanese" -> "gpe:sudan")."""
    if label != "NORP":
        return None
    country = next(filter(None, map(demonym_country, forms)), None)
    return f"gpe:{_slug(country)}" if country else None


def _entity(mentions: list[_Mention], person: bool) -> Entity:
    """One entity: canonical name is the longest capitalised form, label the majority."""
    mentions.sort(key=lambda m: m.start)
    forms = Counter(" ".join(m.text.split()) for m in mentions)
    name = max(forms, key=lambda form: (form[:1].isupper(), len(form), forms[form]))
    label = "PERSON" if person else Counter(m.label for m in mentions).most_common(1)[0][0]
    country = canonical_country(name) if label == "GPE" else None
    return Entity(
        id=f"{label.lower()}:{_slug(country or name)}",
        name=name,
        label=label,
        count=len(mentions),
        mentions=[Mention(start=m.start, end=m.end, text=m.text) for m in mentions],
        first_offset=mentions[0].start,
        related=_related(label, [name, *forms]),
    )


def entities_from_doc(doc: Doc) -> list[Entity]:
    """The article's entities, mentions merged, sorted by first mention."""
    groups = _Groups(_mentions(doc))
    _merge_name_parts(groups)
    _merge_acronyms(groups, doc.text)
    clusters: dict[str, list[_Mention]] = defaultdict(list)
    for key, mentions in groups.by_key.items():
        clusters[groups.find(key)].extend(mentions)
    entities = [_entity(ms, root in groups.person_merged) for root, ms in clusters.items()]
    return sorted(entities, key=lambda entity: entity.mentions[0].start)


def nlp_input(text: str) -> str:
    """The prefix of ``text`` that is tagged: all of it, or up to ``MAX_CHARS`` at a space."""
    if len(text) <= MAX_CHARS:
        return text
    cut = max(text.rfind(" ", 0, MAX_CHARS), text.rfind("\n", 0, MAX_CHARS))
    return text[: cut if cut > 0 else MAX_CHARS]


def tag_articles(
    nlp: Language, articles: Sequence[CleanArticle], batch_size: int = 32
) -> list[TaggedArticle]:
    """Entities (most salient first) and parse of each article, in order, from one pass.

    Articles in a language the English model cannot read are not parsed: they get no
    entities, an empty parse and ``skipped`` entries for this stage and the claims stage.
    """
    readable = [i for i, a in enumerate(articles) if not unsupported(a.language)]
    texts = [nlp_input(articles[i].text) for i in readable]
    docs = annotate(nlp, (prepared(nlp, text) for text in texts), COMPONENTS, batch_size)
    model = model_info(nlp)
    tagged = [_skipped(article, model) for article in articles]
    for i, text, doc in zip(readable, texts, docs, strict=True):
        refine_entities(nlp, doc)
        final = restored(doc, text)
        tagged[i] = TaggedArticle(
            article=articles[i],
            entities=ranked(entities_from_doc(final), articles[i].title, len(articles[i].text)),
            parse=parse_from_doc(final),
            model=model,
        )
    return tagged


def _skipped(article: CleanArticle, model: ModelInfo) -> TaggedArticle:
    reason = f"language {article.language!r} is not supported (English only)"
    empty = Parse(
        words=[], spaces=[], lemmas=[], pos=[], tags=[], deps=[], heads=[], sent_starts=[]
    )
    skips = [Skip(stage=stage, reason=reason) for stage in ("tag", "claims")]
    return TaggedArticle(article=article, entities=[], parse=empty, model=model, skipped=skips)


__all__ = [
    "COMPONENTS",
    "LABELS",
    "MAX_CHARS",
    "entities_from_doc",
    "is_acronym",
    "nlp_input",
    "tag_articles",
]
