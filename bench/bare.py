"""The stage functions in one process, no Kafka: the ceiling the pipeline is measured against."""

from __future__ import annotations

import multiprocessing
import queue
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
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


PARALLEL_TIMEOUT = 900.0
"""Longest a parallel bare run may take, model loading included (s)."""


def run_bare(
    raws: Sequence[RawArticle],
    model: str,
    batch_size: int,
    warm: Sequence[RawArticle] = (),
    ready: Callable[[], object] = lambda: None,
) -> dict[str, Any]:
    """Articles/s and words/s of each step of the chain and of all three, in one process with
    records passed between steps as they are (``Chain``, as ``extract`` runs it), with each
    step's CPU seconds per article.

    The model is loaded and the steps run over ``warm`` (or the first article), then ``ready``
    is called, before timing.
    """
    chain = Chain(shared_model(model))
    for batch in _batches(warm or raws[:1], batch_size):
        chain.run(batch)
    ready()
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


def _bare_process(
    results: Any,
    start: Any,
    raws: Sequence[RawArticle],
    model: str,
    batch_size: int,
    warm: Sequence[RawArticle],
) -> None:
    """One process of ``run_bare_parallel``: ``run_bare``, timed from the shared start."""
    results.put(run_bare(raws, model, batch_size, warm, ready=lambda: start.wait(PARALLEL_TIMEOUT)))


def _collect(results: Any, children: Sequence[Any]) -> list[dict[str, Any]]:
    """Every child's figures; raises when one exits without them or time runs out."""
    deadline = time.monotonic() + PARALLEL_TIMEOUT
    runs: list[dict[str, Any]] = []
    while len(runs) < len(children):
        try:
            runs.append(results.get(timeout=1))
        except queue.Empty:
            failed = any(child.exitcode not in (None, 0) for child in children)
            if failed or time.monotonic() > deadline:
                raise RuntimeError("a parallel bare process failed or took too long") from None
    return runs


def run_bare_parallel(
    raws: Sequence[RawArticle],
    model: str,
    batch_size: int,
    warm: Sequence[RawArticle],
    processes: int,
) -> dict[str, Any]:
    """``run_bare`` in ``processes`` processes at once, each over all of ``raws``, timed from
    one moment after every one has loaded and warmed its model: what the machine's cores give
    the chain with nothing else running, the ceiling of a layout with as many NLP processes.
    Articles/s are of all the processes together, until the slowest is done."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(processes), context.Queue()
    args = (results, start, raws, model, batch_size, warm)
    children = [context.Process(target=_bare_process, args=args) for _ in range(processes)]
    for child in children:
        child.start()
    try:
        runs = _collect(results, children)
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
    slowest = max(run["seconds"] for run in runs)
    articles = len(raws) * processes
    tag = [run["stages"]["tag"]["cpu_s_per_article"] for run in runs]
    return {
        "processes": processes,
        "articles": articles,
        "seconds": slowest,
        "articles_per_s": rate(articles, slowest),
        "cpu_s_per_article": round(statistics.mean(r["cpu_s_per_article"] for r in runs), 4),
        "tag_cpu_s_per_article": round(statistics.mean(tag), 4),
    }
