"""Train the learned cue detector (``pipeline/stages/claims/learned.py``) on PolNeAR.

Each verb of the train split, parsed by the tag stage, is an example: positive when it lies
in a gold cue span. A logistic regression over ``learned.features`` is fitted and its weights
pruned. The extractor takes a verb of the word lists as a cue unless its probability is below
the veto, and any other verb from the threshold up: both are chosen together, by the F1 of
that decision over the verbs of the dev split.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.extract import document
from pipeline.records import TaggedArticle
from pipeline.settings import Settings
from pipeline.stages.chain import Chain
from pipeline.stages.claims.cues import is_cue, structural
from pipeline.stages.claims.learned import MODEL, features
from pipeline.stages.nlp import doc_from_parse, load_model
from training.corpus import polnear_main, read_jsonl
from training.export import linear_model

C = 0.3  # inverse regularisation strength (0.1, 0.3 and 1.0 tried on dev)
MIN_WEIGHT = 0.01  # weights below this (absolute) are dropped from the shipped model
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
VETOES = (0.0, 0.1, 0.2)  # higher vetoes drop real claims of feed text ("accusing")

Example = tuple[dict[str, int], bool, bool]  # features, is a cue, listed by the word lists


def tagged(rows: Sequence[dict[str, Any]], chain: Chain) -> list[TaggedArticle]:
    """PolNeAR documents through the clean-free tag stage."""
    now = datetime.now(UTC)
    clean = [document({"id": r["id"], "text": r["text"]}, True, now) for r in rows]
    return [t for t in chain.tag(clean) if isinstance(t, TaggedArticle)]


def examples(articles: Sequence[TaggedArticle], gold: dict[str, Any]) -> Iterator[Example]:
    """(features, is a cue, listed) for every verb of ``articles``."""
    for article in articles:
        cues = [span for a in gold[article.article.id]["attributions"] for span in a["cue"]]
        for tok in doc_from_parse(article.parse):
            if tok.pos_ == "VERB":
                end = tok.idx + len(tok.text)
                positive = any(s < end and tok.idx < e for s, e in cues)
                listed = is_cue(tok) and not structural(tok)
                yield {f: 1 for f in features(tok)}, positive, listed


def f1(predicted: Sequence[bool], gold: Sequence[bool]) -> dict[str, float]:
    tp = sum(bool(p and g) for p, g in zip(predicted, gold, strict=True))
    p = tp / max(1, sum(map(bool, predicted)))
    r = tp / max(1, sum(map(bool, gold)))
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(2 * p * r / (p + r or 1), 4)}


def train(polnear: Path, out: Path) -> dict[str, Any]:
    """Fit, tune and write the model to ``out``; return its figures for the model card."""
    started = time.perf_counter()
    chain = Chain(load_model(Settings().model))
    train_rows, dev_rows = read_jsonl(polnear / "train.jsonl"), read_jsonl(polnear / "dev.jsonl")
    train_set = list(examples(tagged(train_rows, chain), {r["id"]: r for r in train_rows}))
    dev_set = list(examples(tagged(dev_rows, chain), {r["id"]: r for r in dev_rows}))
    vectors = DictVectorizer()
    x_train = vectors.fit_transform([x for x, _, _ in train_set])
    model = LogisticRegression(C=C, max_iter=2000).fit(x_train, [y for _, y, _ in train_set])
    dev_gold = [y for _, y, _ in dev_set]
    probabilities = model.predict_proba(vectors.transform([x for x, _, _ in dev_set]))[:, 1]
    listed = [lst for _, _, lst in dev_set]
    pairs = list(zip(probabilities, listed, strict=True))
    scores = {
        (t, v): f1([p >= (v if lst else t) for p, lst in pairs], dev_gold)
        for t in THRESHOLDS
        for v in VETOES
    }
    best, veto = max(scores, key=lambda tv: scores[tv]["f1"])
    shipped = linear_model(vectors, model, best, veto, MIN_WEIGHT)
    shipped.save(out)
    return {
        "train_verbs": len(train_set),
        "dev_verbs": len(dev_set),
        "features": len(vectors.vocabulary_),
        "kept_weights": len(shipped.weights),
        "threshold": best,
        "veto": veto,
        "dev_verb_level": scores[best, veto],
        "dev_verb_level_word_lists_only": f1(listed, dev_gold),
        "seconds": round(time.perf_counter() - started, 1),
    }


def main(argv: Sequence[str] | None = None) -> None:
    polnear_main(argv, "python -m training.cues", __doc__, MODEL, train)


if __name__ == "__main__":
    main()
