"""Train the learned claim screen (``pipeline/stages/claims/screen.py``) on PolNeAR.

Each verb claim the rules build on the train split (before the screen) that the screen
judges (its cue not negated) is an example:
positive when its cue overlaps a gold cue and its content that attribution's content (the
relation overlap of ``../shared/tools/score_claims.py``). A logistic regression over
``screen.features`` is fitted; the threshold below which a claim is dropped is chosen by the
relation overlap F1 of the verb claims of the dev split. Run after ``training/cues.py``: the
screen reads the cue detector's probability.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.records import Claim, TaggedArticle
from pipeline.settings import Settings
from pipeline.stages.chain import Chain
from pipeline.stages.claims import linear
from pipeline.stages.claims.finder import verb_claims
from pipeline.stages.claims.screen import MODEL, features, judged, nested_flags
from pipeline.stages.nlp import doc_from_parse, load_model
from training.corpus import polnear_main, read_jsonl
from training.cues import tagged
from training.export import linear_model

C = 0.3  # inverse regularisation strength (0.1, 0.3 and 1.0 tried on dev)
THRESHOLDS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)  # 0.3: flat on dev, 2 statements fewer

Example = tuple[dict[str, int], bool]
Spans = list[list[int]] | list[tuple[int, int]]


def _overlap(a: Spans, b: Spans) -> bool:
    return any(s1 < e2 and s2 < e1 for s1, e1 in a for s2, e2 in b)


def _matches(claim: Claim, attributions: Sequence[dict[str, Any]]) -> bool:
    """``claim``'s cue and content overlap those of one gold attribution."""
    cue = [(claim.cue.start, claim.cue.end)]
    content = claim.content.spans or [(claim.content.start, claim.content.end)]
    return any(_overlap(cue, a["cue"]) and _overlap(content, a["content"]) for a in attributions)


def examples(articles: Sequence[TaggedArticle], gold: dict[str, Any]) -> Iterator[Example]:
    """(features, matches a gold attribution) for every verb claim of ``articles``."""
    for article in articles:
        found = verb_claims(doc_from_parse(article.parse), article.entities)
        attributions = gold[article.article.id]["attributions"]
        nested = nested_flags(found)
        for (claim, verb, probability), inside in zip(found, nested, strict=True):
            if judged(verb):
                found_features = features(claim, verb, probability, inside)
                yield dict.fromkeys(found_features, 1), _matches(claim, attributions)


def fit(train_set: Sequence[Example], dev_set: Sequence[Example], dev_gold: int) -> dict[str, Any]:
    """The model (bias, threshold, weights) and its figures; ``dev_gold``: the number of
    gold attributions of the dev split."""
    vectors = DictVectorizer()
    x_train = vectors.fit_transform([x for x, _ in train_set])
    model = LogisticRegression(C=C, max_iter=3000).fit(x_train, [y for _, y in train_set])
    probabilities = model.predict_proba(vectors.transform([x for x, _ in dev_set]))[:, 1]
    pairs = list(zip(probabilities, (y for _, y in dev_set), strict=True))

    def relation_f1(threshold: float) -> float:
        kept = [y for p, y in pairs if p >= threshold]
        return round(2 * sum(kept) / (len(kept) + dev_gold), 4)

    scores = {t: relation_f1(t) for t in THRESHOLDS}
    best = max(scores, key=lambda t: scores[t])
    return {
        "model": linear_model(vectors, model, best),
        "train_claims": len(train_set),
        "dev_claims": len(dev_set),
        "features": len(vectors.vocabulary_),
        "threshold": best,
        "dev_dropped": int(sum(p < best for p, _ in pairs)),
        "dev_relation_f1_of_verb_claims": {str(t): f for t, f in scores.items()},
    }


def train(polnear: Path, out: Path) -> dict[str, Any]:
    """Fit, tune and write the model to ``out``; return its figures for the model card."""
    started = time.perf_counter()
    linear.reload()  # the cue detector as ``training/cues.py`` may just have written it
    chain = Chain(load_model(Settings().model))
    train_rows, dev_rows = read_jsonl(polnear / "train.jsonl"), read_jsonl(polnear / "dev.jsonl")
    train_set = list(examples(tagged(train_rows, chain), {r["id"]: r for r in train_rows}))
    dev_set = list(examples(tagged(dev_rows, chain), {r["id"]: r for r in dev_rows}))
    figures = fit(train_set, dev_set, sum(len(r["attributions"]) for r in dev_rows))
    figures.pop("model").save(out)
    return {**figures, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> None:
    polnear_main(argv, "python -m training.screen", __doc__, MODEL, train)


if __name__ == "__main__":
    main()
