"""Poller figures (issue 3): feeds/s and CPU seconds per feed, for full parses and for 304s.

A corpus server in its own process serves the ``feeds/news`` snapshots under ``urls``
distinct URLs; a ``FeedPoller`` with an in-memory state polls each once (every response a
full body to parse), then again (every response a 304). feedparser alone on the same files
is the reference.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.feed_server import feed_files
from bench.stats import rate
from pipeline.kafka.broker import die_with_parent
from pipeline.poller.fetch import Fetcher, FetchLimits
from pipeline.poller.parse import MalformedFeed, parse_document
from pipeline.poller.poll import FeedPoller
from pipeline.poller.safety import networks
from pipeline.poller.state import FeedState
from pipeline.records import FeedConfig, RawArticle
from pipeline.supervisor import stop_process

CONCURRENCY = 16


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The corpus server process and its port."""
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.feed_server", str(folder)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
    )
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def parse_only(folder: Path) -> dict[str, Any]:
    """feedparser (through ``parse_document``) alone on every file, one core."""
    bodies = [p.read_bytes() for p in feed_files(folder)]
    items, cpu, wall = 0, time.process_time(), time.perf_counter()
    for body in bodies:
        try:
            items += len(parse_document(body).items)
        except MalformedFeed:
            continue
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "feeds": len(bodies),
        "items": items,
        "feeds_per_s": rate(len(bodies), wall),
        "items_per_s": rate(items, wall),
        "cpu_s_per_feed": round(cpu / max(len(bodies), 1), 5),
    }


async def _round(poller: FeedPoller, configs: list[FeedConfig]) -> dict[str, Any]:
    cpu, wall = time.process_time(), time.perf_counter()
    steps = await asyncio.gather(*(poller.poll(c) for c in configs))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "feeds": len(configs),
        "statuses": _count(str(s.state.http_status) for s in steps),
        "items": sum(len(s.articles) for s in steps),
        "errors": sum(bool(s.state.error_count) for s in steps),
        "seconds": round(wall, 3),
        "feeds_per_s": rate(len(configs), wall),
        "cpu_s_per_feed": round(cpu / max(len(configs), 1), 5),
    }


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


async def _poll_twice(base: str, urls: int) -> dict[str, Any]:
    limits = FetchLimits(
        per_host=CONCURRENCY, total=CONCURRENCY, allowed_networks=networks(["127.0.0.0/8"])
    )
    states: dict[str, FeedState] = {}

    async def emit(article: RawArticle) -> None:
        """Items are counted from the steps; nothing is produced."""

    poller = FeedPoller(Fetcher(limits), states, emit)
    now = datetime.now(UTC)
    configs = [FeedConfig(url=f"{base}/feed/{n}", added_at=now) for n in range(urls)]
    try:
        return {
            "full": await _round(poller, configs),
            "not_modified": await _round(poller, configs),
        }
    finally:
        await poller.fetcher.close()


def run_poller(folder: Path, urls: int) -> dict[str, Any]:
    """Both rounds against the corpus server, plus feedparser alone; the server is stopped."""
    logging.getLogger("pipeline.poller").setLevel(logging.ERROR)  # recovered feeds, per URL
    server, port = start_server(folder)
    try:
        rounds = asyncio.run(_poll_twice(f"http://127.0.0.1:{port}", urls))
    finally:
        stop_process(server)
        if server.stdout is not None:
            server.stdout.close()
    return {"urls": urls, "concurrency": CONCURRENCY, "parse_only": parse_only(folder)} | rounds
