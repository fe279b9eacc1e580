"""Several batches of Faust events worked on at once, sent in each key's order and released
for commit in each partition's order.

``Stream.take_events`` acks a batch's events as soon as the agent asks for the next batch, and
the consumer commits acked offsets. So that an agent can start the next batch before the last
one is finished, each batch holds one more reference on its messages (Faust's
``Message.refcount``, the count it keeps for messages read by several streams) until its results
are sent and every earlier batch of its partitions is released: Faust commits up to the first
run of consecutive acked offsets, so an offset acked before a lower one could be committed past
it. A batch's results are sent once it is done and no earlier unsent batch has a key in common:
every article keeps its order, and a long article holds up only the articles of its own batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from faust.types import TP, EventT

from agents.faust_repairs import hold, release

R = TypeVar("R")


def _key(event: EventT) -> object:
    """The order to keep: the message key's (the article id), else the partition's."""
    message = event.message
    return message.tp if message.key is None else message.key


@dataclass(eq=False)
class Batch(Generic[R]):
    events: list[EventT]
    task: asyncio.Task[R]
    partitions: frozenset[TP] = field(init=False)
    keys: frozenset[object] = field(init=False)
    sent: bool = False

    def __post_init__(self) -> None:
        self.partitions = frozenset(event.message.tp for event in self.events)
        self.keys = frozenset(_key(event) for event in self.events)


class InFlight(Generic[R]):
    """Up to ``limit`` batches between ``process`` (concurrent) and ``finish`` (in key order)."""

    def __init__(
        self,
        limit: int,
        process: Callable[[list[EventT]], Coroutine[Any, Any, R]],
        finish: Callable[[list[EventT], R], Awaitable[None]],
    ) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._process = process
        self._finish = finish
        self._unfinished: list[Batch[R]] = []
        self._changed = asyncio.Event()
        self._ended = False

    async def run(self, batches: AsyncIterable[list[EventT]]) -> None:
        """Work through ``batches`` until they end.

        Cancelled (worker shutdown), unfinished batches stay held: their offsets are not
        committed and the next owner of their partitions processes them again. When ``process``
        or ``finish`` raises, they are released first, as Faust acks the events of an agent that
        raised, so that a restarted agent does not leave them pending and block rebalances.
        """
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._finish_in_order())
                async for events in batches:
                    await self._slots.acquire()
                    hold(events)
                    task = group.create_task(self._process(events))
                    task.add_done_callback(lambda _: self._changed.set())
                    self._unfinished.append(Batch(events, task))
                self._ended = True
                self._changed.set()
        except Exception:
            for batch in self._unfinished:
                release(batch.events)
            self._unfinished.clear()
            raise

    def _ready(self) -> Batch[R] | None:
        """The first done, unsent batch that no earlier unsent batch shares a key with."""
        blocked: set[object] = set()
        for batch in self._unfinished:
            if batch.sent:
                continue
            if batch.task.done() and not batch.keys & blocked:
                return batch
            blocked |= batch.keys
        return None

    def _release_sent(self) -> None:
        """Release, in order, the sent batches that no earlier unreleased batch shares a
        partition with."""
        blocked: set[TP] = set()
        for batch in list(self._unfinished):
            if batch.sent and not batch.partitions & blocked:
                self._unfinished.remove(batch)
                release(batch.events)
            else:
                blocked |= batch.partitions

    async def _finish_in_order(self) -> None:
        while self._unfinished or not self._ended:
            batch = self._ready()
            if batch is None:
                self._changed.clear()
                await self._changed.wait()
                continue
            await self._finish(batch.events, batch.task.result())
            batch.sent = True
            self._release_sent()
            self._slots.release()
