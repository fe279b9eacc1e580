"""NLP off the event loop: a process pool that loads the model once per process.

Faust runs every agent on one asyncio loop; spaCy inside it would starve heartbeats and cap a
worker at one core. The pool takes encoded ``news.clean`` values and returns encoded
``news.tagged`` values, so only bytes cross the process boundary. The tag agent cuts each batch
into ``jobs`` that the processes share, so that one long batch does not keep one process busy
while the others wait (at the end of a burst, or behind a batch of long articles).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from agents.processes import ProcessPool
from pipeline.deadletters import error_info
from pipeline.records import ErrorInfo
from pipeline.stages.chain import tag_messages
from pipeline.stages.nlp import shared_model

NLP_PROCESS = "newswire-nlp"  # the name of its processes in ps, top and /proc/PID/comm


@dataclass(frozen=True)
class Outcome:
    """The ``news.tagged`` value of one message, or the error that stopped it."""

    result: bytes | ErrorInfo
    seconds: float = 0.0  # NLP process time: the job's, shared out evenly


def jobs(payloads: Sequence[bytes], job_bytes: int, processes: int = 1) -> list[list[bytes]]:
    """``payloads`` in order, cut into runs of at most ``job_bytes`` (a larger payload alone),
    and into runs of about equal size for every process when fewer would do: a small batch of
    a long and a few short articles in one job would keep the short ones waiting behind the long
    one while another process idles."""
    total = sum(len(payload) for payload in payloads)
    share = total / min(processes, len(payloads)) if payloads else 0
    limit = min(job_bytes, share) if total <= job_bytes * (processes - 1) else job_bytes
    runs: list[list[bytes]] = []
    size = 0
    for payload in payloads:
        if not runs or size + len(payload) > limit:
            runs.append([])
            size = 0
        runs[-1].append(payload)
        size += len(payload)
    return runs


def tag_job(model: str, payloads: Sequence[bytes]) -> list[Outcome]:
    """``tag_messages`` of one job, timed (in an NLP process)."""
    started = time.perf_counter()
    results = tag_messages(shared_model(model), payloads)
    share = (time.perf_counter() - started) / max(len(payloads), 1)
    return [Outcome(result, share) for result in results]


class NlpPool:
    """``processes`` processes, each with its own copy of the model."""

    def __init__(self, model: str, processes: int = 1) -> None:
        self.model = model
        self.processes = ProcessPool(NLP_PROCESS, processes, shared_model, model)

    async def tag(self, payloads: Sequence[bytes]) -> list[Outcome]:
        """One outcome per payload, in order, from one job in one process; all fail with
        ``BrokenProcessPool`` when that process died (the next job runs on a new pool)."""
        try:
            return await self.processes.run(tag_job, self.model, payloads)
        except BrokenProcessPool as exc:
            return [Outcome(error_info(exc))] * len(payloads)

    def close(self) -> None:
        self.processes.close()
