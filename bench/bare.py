"""The stage functions in one process, no Kafka: the ceiling the pipeline is measured against."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.stats import rate
from pipeline import __version__
from pipeline.records import CleanArticle, RawArticle, TaggedArticle
from pipeline.stages.clean import clean_article
from pipeline.stages.events import finish
from pipeline.stages.nlp import shared_model
from pipeline.stages.tag import tag_articles

STAGES = ("clean", "tag", "claims")


def _batches(articles: Sequence[CleanArticle], size: int) -> list[Sequence[CleanArticle]]:
    return [articles[i : i + size] for i in range(0, len(articles), size)]


def run_bare(
    raws: Sequence[RawArticle], model: str, batch_size: int, warm: Sequence[RawArticle] = ()
) -> dict[str, Any]:
    """Articles/s and words/s of each stage and of all three, as ``pipeline.extract`` runs them.

    The model is loaded and the stages run over ``warm`` (or the first article) before timing.
    """
    nlp = shared_model(model)
    for batch in _batches([clean_article(raw) for raw in warm or raws[:1]], batch_size):
        for item in tag_articles(nlp, batch):
            finish(item, __version__)
    seconds = dict.fromkeys(STAGES, 0.0)
    cpu = time.process_time()
    start = time.perf_counter()
    clean = [clean_article(raw) for raw in raws]
    seconds["clean"] = time.perf_counter() - start
    start = time.perf_counter()
    tagged: list[TaggedArticle] = []
    for batch in _batches(clean, batch_size):
        tagged.extend(tag_articles(nlp, batch))
    seconds["tag"] = time.perf_counter() - start
    start = time.perf_counter()
    for item in tagged:
        finish(item, __version__)
    seconds["claims"] = time.perf_counter() - start
    cpu = time.process_time() - cpu
    words = sum(article.word_count for article in clean)
    total = sum(seconds.values())
    stages = {
        name: {
            "seconds": round(spent, 3),
            "articles_per_s": rate(len(raws), spent),
            "words_per_s": rate(words, spent),
        }
        for name, spent in seconds.items()
    }
    return {
        "articles": len(raws),
        "words": words,
        "batch_size": batch_size,
        "seconds": round(total, 3),
        "articles_per_s": rate(len(raws), total),
        "words_per_s": rate(words, total),
        "cpu_s_per_article": round(cpu / max(len(raws), 1), 4),
        "stages": stages,
    }
