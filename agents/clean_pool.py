"""The clean stage off the event loop, in a process of its own.

Text repair, language identification and (for fetched pages) body extraction take milliseconds
to seconds per item. On the worker's loop they held up every other agent: at the start of a
burst, Faust handed the loop one raw item per turn and the loop cleaned it before fetching
anything else, so the NLP processes waited until nearly the whole burst was clean.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from agents.processes import ProcessPool
from pipeline.deadletters import error_info
from pipeline.records import CleanArticle, ErrorInfo
from pipeline.stages.chain import CleanRules, clean_message
from pipeline.stages.language import detect_language

CLEAN_PROCESS = "newswire-clean"  # its name in ps, top and /proc/PID/comm


@dataclass(frozen=True)
class Cleaned:
    """The clean article of one item, None when it waits for its page or failed with ``error``."""

    article: CleanArticle | None = None
    error: ErrorInfo | None = None
    seconds: float = 0.0


def clean_items(items: Sequence[tuple[bytes, bool]], rules: CleanRules) -> list[Cleaned]:
    """``clean_message`` of each (value, from ``news.pages``) item, its failure kept per item."""
    results = []
    for value, paged in items:
        started = time.perf_counter()
        try:
            article = clean_message(value, paged, rules)
        except Exception as exc:  # noqa: BLE001 - reported per item
            results.append(Cleaned(error=error_info(exc)))
            continue
        results.append(Cleaned(article, seconds=time.perf_counter() - started))
    return results


def _warm() -> None:
    """Load the language model before the first item."""
    detect_language("The pool process loads its language model before the first item. " * 4)


class CleanPool:
    """One process that cleans batches of raw items and pages by ``rules``."""

    def __init__(self, rules: CleanRules) -> None:
        self.rules = rules
        self.processes = ProcessPool(CLEAN_PROCESS, 1, _warm)

    async def clean(self, items: Sequence[tuple[bytes, bool]]) -> list[Cleaned]:
        """One result per item, in order; all fail with ``BrokenProcessPool`` when the process
        died (the next batch runs on a new one)."""
        try:
            return await self.processes.run(clean_items, items, self.rules)
        except BrokenProcessPool as exc:
            return [Cleaned(error=error_info(exc))] * len(items)

    def close(self) -> None:
        self.processes.close()
