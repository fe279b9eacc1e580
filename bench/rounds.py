"""Interleaved rounds: each round measures bare and every end-to-end layout once, in an order
that rotates from round to round, so that the machine's drift falls on every figure alike.

Wall-clock ratios to bare are taken within one round (bare and the layout minutes apart at most);
CPU seconds per article and their ratios hardly depend on the machine's speed. Every figure is
reported as its median over the rounds with its minimum and maximum.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bare import corpus_words, run_bare, run_bare_parallel
from bench.corpus import Corpus
from bench.e2e import WARM_ARTICLES_PER_NLP_PROCESS, Layout, describe, run_layout
from bench.stats import ratio, summarise
from pipeline.kafka.broker import EmbeddedBroker

BARE = "bare"
PARALLEL = "bare-parallel"


@dataclass(frozen=True)
class Plan:
    """What every round measures: the layouts, how long the half load lasts (0: none), with
    which model and NLP batch size, where the workers keep their data, and in how many
    processes at once bare runs as the machine's ceiling (below 2: not run)."""

    layouts: list[Layout]
    rounds: int
    half_seconds: float
    model: str
    batch_size: int
    workdir: Path
    parallel: int = 0


def rotation(names: list[str], round_: int) -> list[str]:
    """``names`` from the ``round_``-th on, then the ones before (round 0: as given)."""
    shift = round_ % len(names)
    return names[shift:] + names[:shift]


def _measure(name: str, plan: Plan, corpus: Corpus, words: int, workdir: Path) -> dict[str, Any]:
    """Bare, bare in parallel, or one layout with a broker of its own (so no run inherits
    another's topics)."""
    warm = corpus.warm[:WARM_ARTICLES_PER_NLP_PROCESS]
    loadavg = {"loadavg": [round(x, 2) for x in os.getloadavg()]}
    if name == BARE:
        return loadavg | run_bare(corpus.articles, plan.model, plan.batch_size, warm)
    if name == PARALLEL:
        args = (corpus.articles, plan.model, plan.batch_size, warm, plan.parallel)
        return loadavg | run_bare_parallel(*args)
    layout = Layout.parse(name)
    with EmbeddedBroker(log_path=workdir / f"{name}-broker.log") as broker:
        try:
            return run_layout(
                broker.bootstrap,
                layout,
                corpus.articles,
                words,
                workdir,
                plan.model,
                plan.half_seconds,
                corpus.warm,
            )
        except RuntimeError as exc:
            return describe(layout) | {"error": str(exc)}


def _with_ratios(layout: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    """``layout`` with its articles/s and CPU seconds per article over bare's of its round."""
    full = layout.get("full")
    if full is None:
        return layout
    return layout | {
        "ratio_to_bare": ratio(full["articles_per_s"], bare["articles_per_s"]),
        "cpu_ratio_to_bare": ratio(full["cpu_s_per_article"], bare["cpu_s_per_article"]),
    }


def run_round(plan: Plan, corpus: Corpus, words: int, round_: int) -> dict[str, Any]:
    """Bare, bare in parallel and every layout once, in this round's order."""
    parallel = [PARALLEL] if plan.parallel > 1 else []
    order = rotation([BARE, *parallel, *(layout.name for layout in plan.layouts)], round_)
    workdir = plan.workdir / corpus.name / f"round{round_}"
    workdir.mkdir(parents=True)
    measured = {}
    for name in order:
        print(f"{corpus.name} round {round_ + 1}: {name} ...", file=sys.stderr, flush=True)
        measured[name] = _measure(name, plan, corpus, words, workdir)
    bare = measured.pop(BARE)
    ceiling = measured.pop(PARALLEL, None)
    layouts = {name: _with_ratios(figures, bare) for name, figures in measured.items()}
    figures = {"order": order, "bare": bare, "layouts": layouts}
    if ceiling is None:
        return figures
    return figures | {"bare_parallel": _ceiling(ceiling, bare)}


def _ceiling(parallel: dict[str, Any], bare: dict[str, Any]) -> dict[str, Any]:
    """Bare in parallel with its articles/s and CPU seconds per article over bare's."""
    return parallel | {
        "ratio_to_bare": ratio(parallel["articles_per_s"], bare["articles_per_s"]),
        "cpu_ratio_to_bare": ratio(parallel["cpu_s_per_article"], bare["cpu_s_per_article"]),
    }


def run_corpus(plan: Plan, corpus: Corpus) -> dict[str, Any]:
    """Every round on ``corpus``, each round's figures, and their medians and spreads."""
    words = corpus_words(corpus.articles, plan.model)
    rounds = [run_round(plan, corpus, words, n) for n in range(plan.rounds)]
    layouts = {}
    for name in (layout.name for layout in plan.layouts):
        measured = [r["layouts"][name] for r in rounds if "full" in r["layouts"][name]]
        layouts[name] = summarise(measured) | {"rounds_measured": len(measured)}
    summary = {"bare": summarise([r["bare"] for r in rounds]), "layouts": layouts}
    ceilings = [r["bare_parallel"] for r in rounds if "bare_parallel" in r]
    if ceilings:
        summary["bare_parallel"] = summarise(ceilings)
    head = {"source": corpus.source, "articles": len(corpus.articles), "words": words}
    return head | {"summary": summary, "rounds": rounds}
