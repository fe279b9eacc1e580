"""``--soak MINUTES``: one worker under steady load; its memory, NLP processes included."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.e2e import Layout, Run, connected, layout_settings, start_workers, warm_up
from bench.procs import tree_rss_mb
from bench.stats import latency_summary
from pipeline.kafka.topics import ensure_topics
from pipeline.records import RawArticle
from pipeline.supervisor import stop_process

SAMPLE_SECONDS = 30.0
DRAIN_SECONDS = 60.0


def _sample(run: Run, ids: list[str], started: float) -> dict[str, float]:
    """Minutes since ``started``, the worker's memory, and how many of ``ids`` came out."""
    return {
        "minute": round((time.perf_counter() - started) / 60, 2),
        "rss_mb": tree_rss_mb(run.workers[0].pid),
        "events": sum(i in run.tracker.arrived for i in ids),
    }


async def _steady(
    run: Run, raws: Sequence[RawArticle], per_second: float, minutes: float
) -> dict[str, Any]:
    """Articles at ``per_second`` (cycling, each under a new id) for ``minutes``."""
    await warm_up(run, raws[0])
    started = time.perf_counter()
    ids: list[str] = []
    samples = [_sample(run, ids, started)]
    end, next_sample = started + 60 * minutes, started + SAMPLE_SECONDS
    while (now := time.perf_counter()) < end:
        if run.workers[0].poll() is not None:
            raise RuntimeError(f"worker exited with {run.workers[0].returncode} during the soak")
        raw = raws[len(ids) % len(raws)]
        article_id = f"{raw.id}~soak{len(ids)}"
        await run.send(article_id, raw.model_copy(update={"id": article_id}).to_json())
        ids.append(article_id)
        if now >= next_sample:
            samples.append(_sample(run, ids, started))
            next_sample += SAMPLE_SECONDS
        await asyncio.sleep(max(0.0, started + len(ids) / per_second - time.perf_counter()))
    await run.wait(ids, DRAIN_SECONDS)
    samples.append(_sample(run, ids, started))
    rss = [float(s["rss_mb"]) for s in samples]
    return {
        "minutes": minutes,
        "rate": per_second,
        "produced": len(ids),
        "completed": samples[-1]["events"],
        "latency": latency_summary(run.tracker.latencies(ids)),
        "rss_mb_first": rss[0],
        "rss_mb_last": rss[-1],
        "rss_mb_max": max(rss),
        "samples": samples,
    }


def run_soak(
    bootstrap: str,
    raws: Sequence[RawArticle],
    workdir: Path,
    model: str,
    minutes: float,
    per_second: float,
) -> dict[str, Any]:
    """One worker with one NLP process; it is stopped (by PID) after."""
    settings = layout_settings(bootstrap, Layout(1, 1), workdir / "soak", model)
    asyncio.run(ensure_topics(bootstrap, settings))
    workers = start_workers(settings, 1)
    try:

        async def go() -> dict[str, Any]:
            async with connected(settings, workers) as run:
                return await _steady(run, raws, per_second, minutes)

        return asyncio.run(go())
    finally:
        stop_process(workers[0])
