"""A learned cue detector: a logistic regression over a verb's parse context, trained on
PolNeAR (``make train``; model card in ``models/CUES.md``), for reporting verbs that the
word lists do not name ("attacked", "echoed", "likened")."""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import Token

from pipeline.stages.claims.linear import shipped

MODEL = Path(__file__).with_name("models") / "cues.json"
#: Child relations whose word or lemma is a feature.
_WORD_DEPS = frozenset({"prep", "mark", "prt", "agent", "dative"})
_LEMMA_DEPS = frozenset({"ccomp", "xcomp", "dobj", "nsubj", "nsubjpass", "advcl", "parataxis"})


def features(tok: Token) -> list[str]:
    """The features of verb ``tok``: its lemma, relation and tag, its children's relations
    (with the word of a preposition or marker), its subject's kind, its head and neighbours."""
    lemma, dep = tok.lemma_.lower(), tok.dep_
    found = [f"l={lemma}", f"d={dep}", f"t={tok.tag_}", f"ld={lemma}|{dep}"]
    for c in tok.children:
        cdep = c.dep_
        found += (f"c={cdep}", f"lc={lemma}|{cdep}")
        if cdep in _WORD_DEPS:
            found += (f"cw={cdep}|{c.lower_}", f"lcw={lemma}|{c.lower_}")
        elif cdep in _LEMMA_DEPS:
            found += (f"cl={cdep}|{c.lemma_.lower()}", f"cp={cdep}|{c.pos_}")
    head = tok.head
    if head.i != tok.i:
        hlemma = head.lemma_.lower()
        found += (f"h={hlemma}", f"hd={hlemma}|{dep}")
    doc, i = tok.doc, tok.i
    found.append(f"p={doc[i - 1].lower_ if i > 0 else '<s>'}")
    found.append(f"n={doc[i + 1].lower_ if i + 1 < len(doc) else '</s>'}")
    return found


def thresholds() -> tuple[float, float]:
    """(threshold, veto), tuned on PolNeAR dev: an unlisted verb is a cue from the first
    probability up, a verb of the word lists stays one from the second up."""
    model = shipped(MODEL)
    assert model.veto is not None, MODEL
    return model.threshold, model.veto


def cue_probability(tok: Token) -> float:
    """The model's probability that verb ``tok`` reports an attribution."""
    return shipped(MODEL).probability(features(tok))
