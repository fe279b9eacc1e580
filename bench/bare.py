"""The stage functions in one process, no Kafka: the ceiling the pipeline is measured against."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

from bench.stats import rate
from pipeline.records import CleanArticle, RawArticle
from pipeline.stages.chain import Chain, Published
from pipeline.stages.nlp import shared_model

STAGES = ("clean", "tag", "claims")
T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def run_bare(
    raws: Sequence[RawArticle], model: str, batch_size: int, warm: Sequence[RawArticle] = ()
) -> dict[str, Any]:
    """Articles/s and words/s of each step of the chain and of all three, in one process with
    records passed between steps as they are (``Chain``, as ``extract`` runs it).

    The model is loaded and the steps run over ``warm`` (or the first article) before timing.
    """
    chain = Chain(shared_model(model))
    for batch in _batches(warm or raws[:1], batch_size):
        chain.run(batch)
    seconds = dict.fromkeys(STAGES, 0.0)
    cpu = time.process_time()
    start = time.perf_counter()
    clean = chain.clean(raws)
    seconds["clean"] = time.perf_counter() - start
    start = time.perf_counter()
    tagged = [item for batch in _batches(clean, batch_size) for item in chain.tag(batch)]
    seconds["tag"] = time.perf_counter() - start
    start = time.perf_counter()
    published = chain.publish(tagged)
    seconds["claims"] = time.perf_counter() - start
    cpu = time.process_time() - cpu
    words = sum(article.word_count for article in clean if isinstance(article, CleanArticle))
    failed = [result for result in published if not isinstance(result, Published)]
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
        "failed": len(failed),
        "stages": stages,
    }
