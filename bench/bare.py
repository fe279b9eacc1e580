"""The stage functions in one process, no Kafka: the ceiling the pipeline is measured against."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from bench.stats import rate
from pipeline.records import CleanArticle, RawArticle
from pipeline.stages.chain import Chain, Published
from pipeline.stages.nlp import shared_model

STAGES = ("clean", "tag", "claims")
T = TypeVar("T")


def _batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@contextmanager
def _timed(wall: dict[str, float], cpu: dict[str, float], name: str) -> Iterator[None]:
    """Wall-clock and CPU seconds (of this process, all its threads) of the block."""
    started, used = time.perf_counter(), time.process_time()
    yield
    wall[name] = time.perf_counter() - started
    cpu[name] = time.process_time() - used


def run_bare(
    raws: Sequence[RawArticle], model: str, batch_size: int, warm: Sequence[RawArticle] = ()
) -> dict[str, Any]:
    """Articles/s and words/s of each step of the chain and of all three, in one process with
    records passed between steps as they are (``Chain``, as ``extract`` runs it), with each
    step's CPU seconds per article.

    The model is loaded and the steps run over ``warm`` (or the first article) before timing.
    """
    chain = Chain(shared_model(model))
    for batch in _batches(warm or raws[:1], batch_size):
        chain.run(batch)
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with _timed(wall, cpu, "clean"):
        clean = chain.clean(raws)
    with _timed(wall, cpu, "tag"):
        tagged = [item for batch in _batches(clean, batch_size) for item in chain.tag(batch)]
    with _timed(wall, cpu, "claims"):
        published = chain.publish(tagged)
    words = sum(article.word_count for article in clean if isinstance(article, CleanArticle))
    failed = [result for result in published if not isinstance(result, Published)]
    total, count = sum(wall.values()), max(len(raws), 1)
    stages = {
        name: {
            "seconds": round(wall[name], 3),
            "articles_per_s": rate(len(raws), wall[name]),
            "words_per_s": rate(words, wall[name]),
            "cpu_s_per_article": round(cpu[name] / count, 4),
        }
        for name in STAGES
    }
    return {
        "articles": len(raws),
        "words": words,
        "batch_size": batch_size,
        "seconds": round(total, 3),
        "articles_per_s": rate(len(raws), total),
        "words_per_s": rate(words, total),
        "cpu_s_per_article": round(sum(cpu.values()) / count, 4),
        "failed": len(failed),
        "stages": stages,
    }


def corpus_words(raws: Sequence[RawArticle], model: str) -> int:
    """The words of ``raws`` once cleaned (the end-to-end runs' words/s are of these)."""
    cleaned = Chain(shared_model(model)).clean(raws)
    return sum(article.word_count for article in cleaned if isinstance(article, CleanArticle))
