"""Batches in flight: concurrent work, results in key order, offsets held until sent and
released in partition order.

No broker: real Faust events and messages, and a batch source that acks each batch when the
next one is asked for, as ``Stream.take_events`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import faust
import pytest
from faust.events import Event
from faust.types import EventT
from faust.types.tuples import Message

from agents.inflight import InFlight

APP = faust.App("inflight-test", autodiscover=False)


def batch(offsets: range, partition: int = 0, key: bytes | None = None) -> list[EventT]:
    """Events as the conductor hands them to one stream (one reference each), keyed ``key``,
    else each by its own key."""
    events: list[EventT] = []
    for offset in offsets:
        own = key or f"{partition}:{offset}".encode()
        message = Message("t", partition, offset, 0.0, 0, None, own, b"v", None)
        message.incref()
        events.append(Event(APP, own, offset, None, message))
    return events


async def take_events(
    batches: list[list[EventT]], exhausted: asyncio.Event | None = None
) -> AsyncIterator[list[EventT]]:
    """Like ``Stream.take_events``: a batch is acked once the agent asks for the next one;
    ``exhausted`` is set once every batch was taken and acked."""
    for events in batches:
        try:
            yield events
        finally:
            for event in events:
                event.ack()
    if exhausted is not None:
        exhausted.set()


def acked(events: list[EventT]) -> list[bool]:
    return [event.message.acked for event in events]


def test_batches_run_concurrently_and_one_key_is_finished_in_arrival_order() -> None:
    batches = [batch(range(n, m), key=b"k") for n, m in ((0, 3), (3, 5), (5, 6), (6, 9))]
    done = [asyncio.Event() for _ in batches]
    waits_for = {0: 1, 2: 3}  # the second batch of each pair is done first
    running, most, finished = 0, 0, []

    async def process(events: list[EventT]) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        index = batches.index(events)
        if index in waits_for:
            await done[waits_for[index]].wait()
        running -= 1
        done[index].set()
        return len(events)

    async def finish(events: list[EventT], size: int) -> None:
        assert size == len(events)
        finished.extend(event.value for event in events)

    asyncio.run(InFlight(2, process, finish).run(take_events(batches)))
    assert finished == list(range(9))
    assert most == 2
    assert all(acked([event for events in batches for event in events]))


def test_a_slow_batch_holds_up_only_its_own_partitions() -> None:
    slow, other, same = batch(range(0, 2), 0), batch(range(0, 2), 1), batch(range(2, 3), 0)
    finished: list[tuple[int, int]] = []
    others_sent = asyncio.Event()

    async def process(events: list[EventT]) -> None:
        if events is slow:
            await others_sent.wait()

    async def finish(events: list[EventT], _: None) -> None:
        finished.extend((event.message.partition, event.message.offset) for event in events)
        if events is same:
            others_sent.set()

    asyncio.run(InFlight(3, process, finish).run(take_events([slow, other, same])))
    assert finished == [(1, 0), (1, 1), (0, 2), (0, 0), (0, 1)]


def test_other_keys_are_sent_before_a_slow_batch_but_released_after_it() -> None:
    slow, quick = batch(range(0, 2)), batch(range(2, 4))
    sent: list[tuple[int, list[bool]]] = []
    quick_sent = asyncio.Event()

    async def process(events: list[EventT]) -> None:
        if events is slow:
            await quick_sent.wait()

    async def finish(events: list[EventT], _: None) -> None:
        sent.append((events[0].message.offset, acked(slow + quick)))
        if events is quick:
            quick_sent.set()

    asyncio.run(InFlight(2, process, finish).run(take_events([slow, quick])))
    # offsets 2-3 were sent first, but not acked (committed) before 0-1 were sent
    assert sent == [(2, [False] * 4), (0, [False] * 4)]
    assert acked(slow + quick) == [True] * 4


def test_offsets_stay_uncommitted_until_the_batch_is_finished() -> None:
    first, second = batch(range(0, 2)), batch(range(2, 4))
    gate, exhausted = asyncio.Event(), asyncio.Event()
    seen: list[list[bool]] = []

    async def process(events: list[EventT]) -> None:
        if events is first:
            await gate.wait()

    async def finish(events: list[EventT], _: None) -> None:
        if events is first:
            seen.append(acked(first + second))

    async def go() -> None:
        in_flight = InFlight(2, process, finish)
        running = asyncio.create_task(in_flight.run(take_events([first, second], exhausted)))
        await exhausted.wait()  # the source has acked both batches
        assert [event.message.refcount for event in first + second] == [1] * 4
        assert acked(first + second) == [False] * 4
        gate.set()
        await running

    asyncio.run(go())
    assert seen == [[False] * 4]  # the second, sent first, stayed unacked till the first was sent
    assert acked(first + second) == [True] * 4


def test_cancelled_batches_stay_held_and_failed_ones_are_released() -> None:
    events = batch(range(0, 2))

    stalled = asyncio.Event()

    async def stall(_: list[EventT]) -> None:
        stalled.set()
        await asyncio.Event().wait()

    async def done(_: list[EventT], __: None) -> None:
        return None

    async def cancel() -> None:
        running = asyncio.create_task(InFlight(1, stall, done).run(take_events([events])))
        await stalled.wait()
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    asyncio.run(cancel())
    assert acked(events) == [False, False]  # shutdown: processed again by the next owner

    failing = batch(range(0, 2))

    async def no_producer(_: list[EventT], __: None) -> None:
        raise ConnectionError("broker gone")

    async def nothing(_: list[EventT]) -> None:
        return None

    with pytest.raises(ExceptionGroup):
        asyncio.run(InFlight(1, nothing, no_producer).run(take_events([failing])))
    assert acked(failing) == [True, True]  # like Faust's ack of a crashed agent's event
