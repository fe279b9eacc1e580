"""The NLP pool outlives a dead pool process: that batch fails, the next runs on a new pool."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal

import pytest

from pipeline.nlp_pool import NlpPool, Outcome

NOT_JSON = b"not a clean article"  # fails per message in the pool process, without the NLP


@pytest.mark.timeout(120)
def test_a_killed_pool_process_fails_its_batch_and_the_pool_is_renewed() -> None:
    pool = NlpPool("en_core_web_sm", processes=1)

    async def go() -> tuple[list[Outcome], list[Outcome], list[Outcome]]:
        before = await pool.tag([NOT_JSON])
        pid = await asyncio.get_running_loop().run_in_executor(pool._executor, os.getpid)
        os.kill(pid, signal.SIGKILL)
        broken = await pool.tag([NOT_JSON, NOT_JSON])
        after = await pool.tag([NOT_JSON])
        return before, broken, after

    try:
        before, broken, after = asyncio.run(go())
    finally:
        pool.close()
    assert before[0].error_type and before[0].error_type != "BrokenProcessPool"
    assert [outcome.error_type for outcome in broken] == ["BrokenProcessPool"] * 2
    assert before[0].seconds > 0
    assert after[0].error_type == before[0].error_type  # a live process again


@pytest.mark.timeout(120)
def test_every_pool_process_starts_with_the_pool_not_with_the_first_busy_batch() -> None:
    before = set(multiprocessing.active_children())
    pool = NlpPool("en_core_web_sm", processes=2)
    try:
        started = set(multiprocessing.active_children()) - before
        assert len(started) == 2  # nothing was submitted yet: both exist from the start
    finally:
        pool.close()
