"""``python -m bench.story_memory N``: the story index at the size of a window of N articles.

N synthetic articles (random signatures) are written as the worker keeps them (a persistent
``StoryFile``, committed every ``--batch`` writes), their times spread over ``--days`` days as a
7-day window's are; then, on that index: memory and disk per article, ``assign_story``'s CPU
and latency on the bundled feeds' bodies (first copies, then copies of them), expiring the
oldest day, and a restart (reopening the file, then catching up ``--catch-up`` new entries as
the changelog's recovery applies them).
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.corpus import bundled_articles
from bench.procs import rss_bytes
from pipeline.stages.clean import clean_article
from pipeline.stages.stories import (
    EXPIRY_CHUNK,
    PERMUTATIONS,
    StoryIndex,
    assign_story,
    describe,
    expire,
)
from pipeline.stages.story_files import StoryFile, open_file

WEEK_AT_10_PER_S = 6_048_000
START = datetime(2026, 11, 20, tzinfo=UTC)


def put_synthetic(index: StoryIndex, rng: np.random.Generator, seen: datetime) -> None:
    """An article with a random signature, its own story."""
    article_id = f"{rng.integers(0, 2**62):032x}"
    values = rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint64)
    index.put(article_id, values, article_id, seen)


def fill(index: StoryIndex, articles: int, days: float, batch: int) -> str:
    rng = np.random.default_rng(1)
    step = days * 86_400 / articles
    file = index.file
    gc.collect()
    before, started, cpu = rss_bytes(os.getpid()), time.perf_counter(), time.process_time()
    for n in range(articles):
        put_synthetic(index, rng, START + timedelta(seconds=n * step))
        if n % batch == batch - 1:
            file.commit()
    file.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gc.collect()
    grown = rss_bytes(os.getpid()) - before
    disk = file.size()
    return (
        f"write: {articles} articles in {seconds:.0f} s ({articles / seconds:.0f}/s, CPU "
        f"{cpu / articles * 1e3:.2f} ms/article); memory "
        f"+{grown / 1e6:.1f} MB ({grown / articles:.0f} B/article); disk {disk / 1e6:.0f} MB "
        f"({disk / articles:.0f} B/article, {disk / articles * WEEK_AT_10_PER_S / 1e9:.1f} GB "
        "for 7 days at 10/s)"
    )


def lookups(index: StoryIndex, now: datetime) -> str:
    cleaned = (clean_article(raw) for raw in bundled_articles())
    bodies = [article.text for article in cleaned if article.word_count >= 80]
    seconds: list[float] = []
    cpu = time.process_time()
    for copy in range(2):  # first copies, then the same texts under other ids: duplicates
        for n, body in enumerate(bodies):
            started = time.perf_counter()
            assign_story(f"bench:{copy}:{n}", body, now, index)
            seconds.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu) / len(seconds)
    index.file.commit()
    p50, p99 = np.percentile(seconds, [50, 99]) * 1e3
    return (
        f"assign_story: {len(seconds)} bodies, CPU {cpu * 1e3:.2f} ms/article, "
        f"latency p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )


def expiry(index: StoryIndex, days: float) -> str:
    """Expire the first day, timing each chunk (what the event loop waits for at once)."""
    before = len(index.file)
    started, chunks, cpu = time.perf_counter(), [], time.process_time()
    last = started
    for _ in expire(index, START + timedelta(days=8), timedelta(days=7), EXPIRY_CHUNK):
        chunks.append(time.perf_counter() - last)
        last = time.perf_counter()
    index.file.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    gone = before - len(index.file)
    return (
        f"expiry: {gone} of {before} entries (1 of {days:g} days) in {seconds:.1f} s (CPU "
        f"{cpu:.1f} s), longest chunk of {EXPIRY_CHUNK} {max(chunks, default=0) * 1e3:.0f} ms"
    )


def restart(path: Path, file: StoryFile, catch_up: int, batch: int) -> str:
    file.db.close()
    started = time.perf_counter()
    index = StoryIndex(file=StoryFile(open_file(path), describe))
    file = index.file
    kept = len(file)
    opened = time.perf_counter() - started
    rng = np.random.default_rng(2)
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(catch_up):
        put_synthetic(index, rng, START + timedelta(days=7, seconds=n / 10))
        file.set_offset("changelog", 0, n)
        if n % batch == batch - 1:
            file.commit()
    file.commit()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return (
        f"restart: reopened {kept} entries in {opened:.2f} s; caught up {catch_up} new entries "
        f"in {seconds:.1f} s ({catch_up / seconds:.0f}/s, CPU {cpu / catch_up * 1e3:.2f} ms each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--days", type=float, default=7.0, help="the articles' times span")
    parser.add_argument("--batch", type=int, default=1000, help="writes per commit")
    parser.add_argument("--catch-up", type=int, default=10_000, help="entries after restart")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "stories-0.sqlite3"
        index = StoryIndex(file=StoryFile(open_file(path), describe))
        print(fill(index, args.articles, args.days, args.batch), flush=True)
        print(lookups(index, START + timedelta(days=args.days)), flush=True)
        print(expiry(index, args.days), flush=True)
        print(restart(path, index.file, args.catch_up, args.batch), flush=True)


if __name__ == "__main__":
    main()
