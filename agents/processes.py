"""A pool of spawned processes for CPU-bound stage work, kept off the worker's event loop."""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from pipeline.kafka.broker import die_with_parent

T = TypeVar("T")
_PR_SET_NAME = 15


def _start(name: str, initializer: Callable[..., object], *args: Any) -> None:
    """Pool process start: leave stop signals to the worker (Ctrl-C reaches the whole process
    group; a job interrupted here would come back to the worker as its exception), die with the
    worker, take ``name`` (as ``ps`` and ``top`` show it, at most 15 bytes), then
    ``initializer`` (load models once)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent(signal.SIGKILL)
    ctypes.CDLL(None).prctl(_PR_SET_NAME, name.encode()[:15])
    initializer(*args)


def _started() -> int:
    return os.getpid()


class ProcessPool:
    """``processes`` spawned processes named ``name``, all started (and initialised) at once: a
    spawn-context executor would otherwise start its second process only when two calls first
    wait, and that call would wait for the start too. When a process dies (killed, out of
    memory) every call not yet done on it raises ``BrokenProcessPool`` and the next calls use a
    new pool."""

    def __init__(
        self, name: str, processes: int, initializer: Callable[..., object], *args: Any
    ) -> None:
        self.processes = processes
        self._initializer = (name, initializer, *args)
        self.executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=self._initializer,
        )
        for _ in range(self.processes):  # no process is idle yet: each call spawns one
            executor.submit(_started)
        return executor

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a pool process; ``BrokenProcessPool`` when its process died."""
        executor = self.executor
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            if executor is self.executor:
                self.executor = self._start()
                executor.shutdown(wait=False, cancel_futures=True)
            raise

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
