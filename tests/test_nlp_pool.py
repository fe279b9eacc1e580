"""The NLP pool: batches cut into jobs the processes share, results in order; it outlives a dead
pool process (that job fails, the next runs on a new pool)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.nlp_pool import NLP_PROCESS, NlpPool, Outcome, jobs
from pipeline.records import CleanArticle, ErrorInfo, TaggedArticle

NOT_JSON = b"not a clean article"  # fails per message in the pool process, without the NLP


def error_type(outcome: Outcome) -> str:
    return outcome.result.type if isinstance(outcome.result, ErrorInfo) else ""


@pytest.mark.timeout(120)
def test_a_killed_pool_process_fails_its_batch_and_the_pool_is_renewed() -> None:
    pool = NlpPool("en_core_web_sm", processes=1)

    async def go() -> tuple[str, list[Outcome], list[Outcome], list[Outcome]]:
        name = await pool.processes.run(Path("/proc/self/comm").read_text)
        before = await pool.tag([NOT_JSON])
        pid = await pool.processes.run(os.getpid)
        os.kill(pid, signal.SIGKILL)
        broken = await pool.tag([NOT_JSON, NOT_JSON])
        after = await pool.tag([NOT_JSON])
        return name, before, broken, after

    try:
        name, before, broken, after = asyncio.run(go())
    finally:
        pool.close()
    assert name.strip() == NLP_PROCESS  # as ps and top show it
    assert error_type(before[0]) not in ("", "BrokenProcessPool")
    assert [error_type(outcome) for outcome in broken] == ["BrokenProcessPool"] * 2
    assert before[0].seconds > 0
    assert error_type(after[0]) == error_type(before[0])  # a live process again


@pytest.mark.timeout(120)
def test_every_pool_process_starts_with_the_pool_not_with_the_first_busy_batch() -> None:
    before = set(multiprocessing.active_children())
    pool = NlpPool("en_core_web_sm", processes=2)
    try:
        started = set(multiprocessing.active_children()) - before
        assert len(started) == 2  # nothing was submitted yet: both exist from the start
    finally:
        pool.close()


def test_a_batch_is_cut_into_jobs_of_at_most_job_bytes_in_order() -> None:
    payloads = [b"a" * 10, b"b" * 25, b"c" * 5, b"d" * 60, b"e" * 1]
    assert jobs(payloads, 40) == [[b"a" * 10, b"b" * 25, b"c" * 5], [b"d" * 60], [b"e" * 1]]
    assert jobs(payloads, 1000) == [payloads]
    assert jobs([], 40) == []


def test_a_small_batch_is_shared_by_the_processes_and_a_large_one_cut_by_job_bytes() -> None:
    short, longer, long = b"s" * 10, b"m" * 70, b"l" * 160
    assert jobs([short, longer, long], 1000, processes=2) == [[short, longer], [long]]
    assert jobs([long, short, short], 1000, processes=2) == [[long], [short, short]]
    assert jobs([short, short, short], 1000, processes=2) == [[short], [short], [short]]
    assert jobs([long], 1000, processes=2) == [[long]]
    assert jobs([short, long, long, short], 100, processes=2) == [[short], [long], [long], [short]]
    batch = [short] * 30
    assert jobs(batch, 100, processes=2) == jobs(batch, 100)  # 300 bytes: 3 runs of 100 anyway


def article(n: int, text: str) -> bytes:
    return CleanArticle(
        id=f"a{n}",
        url=None,
        published_at=None,
        title="",
        source="test",
        feed_url="test",
        fetched_at=datetime(2026, 11, 25, tzinfo=UTC),
        language="en",
        word_count=len(text.split()),
        text=text,
    ).to_json()


@pytest.mark.timeout(120)
def test_a_job_comes_back_in_order_with_its_failures() -> None:
    texts = [
        "Olaf Scholz met Emmanuel Macron in Paris on Tuesday.",
        "not a clean article",
        "The European Central Bank said inflation would ease.",
        "Reuters reported that talks in Geneva had stalled.",
    ]
    payloads = [t.encode() if n == 1 else article(n, t) for n, t in enumerate(texts)]
    pool = NlpPool("en_core_web_sm", processes=1)
    try:
        outcomes = asyncio.run(pool.tag(payloads))
    finally:
        pool.close()
    assert error_type(outcomes[1])
    tagged = [TaggedArticle.from_json(o.result) for o in outcomes if isinstance(o.result, bytes)]
    assert [t.article.id for t in tagged] == ["a0", "a2", "a3"]
    assert {e.name for e in tagged[0].entities} >= {"Olaf Scholz", "Emmanuel Macron"}
