"""The repairs of Faust and aiokafka internals (``agents.faust_repairs``), each through the real
code path: apps started in this process on the embedded broker, real rebalances, real
``take_events`` acknowledgements. Each test also checks that the upstream behaviour the repair
exists for is still there, so an upgrade that changes it fails here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, EventT

from agents.app import create_app
from agents.faust_repairs import KeyPartitionedTable
from agents.inflight import InFlight
from agents.tables import global_table
from pipeline.kafka.broker import free_port, is_embedded
from pipeline.kafka.topics import STORIES_TABLE, ensure_topics, table_topic
from pipeline.settings import Settings
from tests.support.kafka import read_records, send_all


async def eventually(check: Callable[[], bool], timeout: float = 60.0) -> None:
    """Return once ``check()`` holds, looking whenever the loop is free."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(app: faust.App) -> AsyncIterator[faust.App]:
    """``app`` started in this process until its partitions are assigned, then stopped."""
    await app.start()
    try:
        await eventually(lambda: bool(app.consumer.assignment()) and not app.rebalancing)
        yield app
    finally:
        await app.stop()


def collecting(app: faust.App, topic: str, into: list[bytes]) -> None:
    @app.agent(app.topic(topic), name="collect")
    async def collect(stream: faust.StreamT) -> None:
        async for value in stream:
            into.append(value)


def test_the_running_worker_consumer_waits_the_embedded_fetch_time(settings: Settings) -> None:
    async def waits(embedded: bool) -> int:
        app = create_app(
            settings.model_copy(update={"web_port": free_port()}), settings.broker or "", embedded
        )
        collecting(app, settings.topic("raw"), [])
        async with running(app):
            return int(app.consumer._thread._consumer._fetcher._fetch_max_wait_ms)

    asyncio.run(ensure_topics(settings.broker or "", settings))
    assert asyncio.run(waits(embedded=True)) == 100
    assert asyncio.run(waits(embedded=False)) == 1500  # Faust's own wait, repaired above


def test_records_a_partition_without_a_commit_fetched_are_delivered_again_after_a_seek(
    settings: Settings,
) -> None:
    """Faust's seek to the committed offsets (``perform_seek``, run at the end of every
    rebalance) takes a partition without a commit back to its start, where aiokafka's own
    ``seek_to_committed`` leaves it where the fetches got to."""
    bootstrap = settings.broker or ""
    topic = settings.topic("raw")
    tp = TP(topic, 0)

    async def go() -> tuple[int, list[bytes]]:
        await ensure_topics(bootstrap, settings)
        await send_all(settings, topic, [(None, b"%d" % n) for n in range(3)], partition=0)
        app = create_app(settings, bootstrap, embedded=True)
        app.conf.broker_commit_interval = 3600.0  # nothing committed while the test runs
        got: list[bytes] = []
        collecting(app, topic, got)
        async with running(app):
            await eventually(lambda: len(got) == 3)
            thread = app.consumer._thread
            await driver.AIOKafkaConsumerThread.seek_to_committed(thread)  # upstream's seek
            upstream = await app.consumer.position(tp)
            await app.consumer.perform_seek()  # Faust's, through the repair
            # The position is not read here: the fetcher may already have moved it on again.
            await eventually(lambda: len(got) == 6)
        return upstream or 0, got

    upstream, got = asyncio.run(go())
    assert upstream == 3  # aiokafka leaves it past what was fetched: nothing again
    assert got == [b"0", b"1", b"2"] * 2  # the repaired seek went back to the start


def test_stream_partitions_resume_after_a_real_rebalance_only_once_flow_has_resumed(
    settings: Settings,
) -> None:
    """Faust resumes the stream partitions before it resumes (and clears) the stream buffers;
    through two real rebalances (start, then a second worker joining) the partitions stay
    paused until flow control has resumed."""
    bootstrap = settings.broker or ""
    streams = {TP(settings.topic("raw"), p) for p in range(settings.partitions)}
    log: list[tuple[str, frozenset[TP]]] = []

    def spy(app: faust.App) -> None:
        consumer = app.consumer
        resume_partitions, resume_flow = consumer.resume_partitions, app.flow_control.resume

        def on_resume_partitions(tps: Any) -> None:
            asked = frozenset(tps) & streams
            resume_partitions(tps)
            if asked:
                log.append(("resume asked", asked))
                log.append(("active after ask", frozenset(consumer._get_active_partitions())))

        def on_flow_resume() -> None:
            log.append(("active at flow resume", frozenset(consumer._get_active_partitions())))
            resume_flow()

        consumer.resume_partitions = on_resume_partitions  # type: ignore[method-assign]
        app.flow_control.resume = on_flow_resume  # type: ignore[method-assign]

    async def go() -> frozenset[TP]:
        await ensure_topics(bootstrap, settings)
        first = create_app(settings, bootstrap, embedded=True)
        collecting(first, settings.topic("raw"), [])
        spy(first)
        async with running(first):
            second = create_app(
                settings.model_copy(update={"web_port": free_port()}), bootstrap, embedded=True
            )
            collecting(second, settings.topic("raw"), [])
            async with running(second):
                await eventually(lambda: not first.rebalancing)
                return frozenset(first.consumer._get_active_partitions())

    active = asyncio.run(go())
    asks = [n for n, (what, _) in enumerate(log) if what == "resume asked"]
    assert len(asks) >= 2, log  # Faust resumes stream partitions at every rebalance's end
    for n in asks:
        asked = log[n][1]
        assert not asked & log[n + 1][1], "resumed before flow control cleared the buffers"
        later = [tps for what, tps in log[n + 2 :] if what == "active at flow resume"]
        assert later and not asked & later[0], "flow resumed with the stream partitions active"
    assert active & streams  # and they are active once flow has resumed


def test_table_changelog_events_survive_flow_control_resuming(settings: Settings) -> None:
    """Faust clears its table changelog queue when flow control resumes; the repaired table
    manager keeps it, and a global table misses no update written while workers rebalance."""
    upstream = faust.App("upstream-check", autodiscover=False)
    queue = upstream.tables.changelog_queue
    queue.put_nowait("update")
    upstream.flow_control.resume()
    assert queue.empty()  # what the repair is for

    bootstrap = settings.broker or ""
    changelog = table_topic(settings, STORIES_TABLE)

    async def go() -> tuple[list[bytes], set[bytes]]:
        await ensure_topics(bootstrap, settings)
        app = create_app(settings, bootstrap, embedded=True)
        repaired = app.tables.changelog_queue
        repaired.put_nowait("update")
        app.flow_control.resume()
        assert repaired.get_nowait() == "update"
        learned: set[bytes] = set()
        table = global_table(app, STORIES_TABLE, on_change=lambda key, _: learned.add(key))
        collecting(app, settings.topic("raw"), [])
        written: list[bytes] = []
        async with running(app):

            async def write(count: int) -> None:
                batch = [(b"doc:%d" % (len(written) + n), b"x") for n in range(count)]
                written.extend(key for key, _ in batch)
                await send_all(settings, changelog, batch, partition=0)

            writing = asyncio.create_task(write_during(write, stop_after=2))
            other = create_app(
                settings.model_copy(update={"web_port": free_port()}), bootstrap, embedded=True
            )
            global_table(other, STORIES_TABLE)
            collecting(other, settings.topic("raw"), [])
            async with running(other):
                await eventually(lambda: not app.rebalancing)
            await writing
            await eventually(lambda: set(written) <= learned)
            assert all(key in table for key in written)
        return written, learned

    written, learned = asyncio.run(go())
    assert len(written) >= 50 and set(written) <= learned


async def write_during(write: Callable[[int], Awaitable[None]], stop_after: float) -> None:
    """Write batches of updates until ``stop_after`` s after the first (a rebalance runs)."""
    deadline = time.monotonic() + stop_after
    while time.monotonic() < deadline:
        await write(10)
        await asyncio.sleep(0.02)


def test_a_table_written_outside_a_stream_is_placed_by_the_default_partitioner(
    settings: Settings,
) -> None:
    bootstrap = settings.broker or ""
    keys = [b"https://example.org/feed-%d.xml" % n for n in range(8)]

    async def go() -> list[tuple[bytes, int]]:
        await ensure_topics(bootstrap, settings)
        app = create_app(settings, bootstrap, embedded=True)
        table = KeyPartitionedTable(
            app, name="urls", partitions=settings.partitions, key_type=bytes, value_type=bytes
        )
        app.tables.add(table)
        collecting(app, settings.topic("raw"), [])
        async with running(app):
            for key in keys:  # no current event: a timer's or a service's write
                table[key] = b"state"
            await app.producer.flush()
        records = await read_records(settings, table.changelog_topic.get_topic_name(), len(keys))
        return [(record.key, record.partition) for record in records]

    placed = asyncio.run(go())
    partition = DefaultPartitioner()
    expected = {(key, partition(key, list(range(settings.partitions)), [])) for key in keys}
    assert set(placed) == expected
    assert len({p for _, p in placed}) > 1  # not all in one partition


def test_a_held_batch_stays_uncommitted_through_take_events_acknowledgements(
    settings: Settings,
) -> None:
    """``Stream.take_events`` acks a batch when the agent asks for the next one; a batch still
    in flight holds its messages, so the consumer commits nothing past it until it is sent."""
    bootstrap = settings.broker or ""
    topic = settings.topic("raw")
    tp = TopicPartition(topic, 0)
    gate = asyncio.Event()
    held: list[list[EventT]] = []
    sent: list[bytes] = []

    async def process(events: list[EventT]) -> None:
        if not held:
            held.append(events)
            await gate.wait()

    async def finish(events: list[EventT], _: None) -> None:
        sent.extend(event.value for event in events)

    async def committed(app: faust.App) -> int:
        """Commit what the consumer may, and read the group's offset back from the broker."""
        await app.consumer.commit()
        reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=settings.app_id)
        await reader.start()  # not subscribed: it only asks the group's coordinator
        try:
            return int(await reader.committed(tp) or 0)
        finally:
            await reader.stop()

    async def go() -> tuple[list[int], list[bool], int, int]:
        await ensure_topics(bootstrap, settings)
        app = create_app(settings, bootstrap, embedded=True)

        @app.agent(app.topic(topic), name="batches")
        async def batches(stream: faust.StreamT) -> None:
            taken = stream.take_events(2, within=0.2)  # type: ignore[attr-defined]
            await InFlight(2, process, finish).run(taken)

        async with running(app):
            try:
                messages = [(b"k%d" % n, b"%d" % n) for n in range(4)]
                await send_all(settings, topic, messages, partition=0)
                await eventually(lambda: len(sent) == 2)  # the second batch, sent first
                first = [event.message for event in held[0]]
                refcounts, acked = [m.refcount for m in first], [m.acked for m in first]
                while_held = await committed(app)
            finally:
                gate.set()  # a stopping app waits for every event to be acked
            await eventually(lambda: len(sent) == 4)
            after = await committed(app)
        return refcounts, acked, while_held, after

    refcounts, acked, while_held, after = asyncio.run(go())
    assert refcounts == [1, 1]  # take_events dropped its reference; the hold keeps one
    assert acked == [False, False]
    assert (while_held, after) == (0, 4)


def test_take_events_waits_without_waking_until_something_is_buffered(settings: Settings) -> None:
    """Upstream ``take_events`` wakes every ``within`` seconds with nothing buffered; the
    repaired one waits once, and still yields every event in order in lists of at most
    ``max_``."""
    bootstrap = settings.broker or ""
    topic = settings.topic("raw")

    async def take(upstream: bool) -> tuple[int, list[list[bytes]]]:
        await ensure_topics(bootstrap, settings)
        app = create_app(settings.model_copy(update={"web_port": free_port()}), bootstrap, True)
        waits = 0
        batches: list[list[bytes]] = []

        @app.agent(app.topic(topic), name="taker")
        async def taker(stream: faust.StreamT) -> None:
            wait = stream.wait_for_stopped

            async def counted(*args: Any, **kwargs: Any) -> bool:
                nonlocal waits
                waits += 1
                return await wait(*args, **kwargs)

            stream.wait_for_stopped = counted  # type: ignore[method-assign]
            take_events = faust.Stream.take_events if upstream else type(stream).take_events
            async for events in take_events(stream, 3, within=0.02):  # type: ignore[arg-type]
                batches.append([event.value for event in events])

        async with running(app):
            await asyncio.sleep(0.5)
            idle = waits
            await send_all(settings, topic, [(b"k", b"%d" % n) for n in range(5)], partition=0)
            await eventually(lambda: sum(map(len, batches)) == 5)
        return idle, batches

    upstream_waits, _ = asyncio.run(take(upstream=True))
    waits, batches = asyncio.run(take(upstream=False))
    assert upstream_waits >= 10  # about 25 wakes in 0.5 s
    assert waits <= 1
    assert [value for batch in batches for value in batch] == [b"%d" % n for n in range(5)]
    assert max(map(len, batches)) <= 3


def test_the_consistency_check_is_off_with_the_embedded_broker_only(settings: Settings) -> None:
    bootstrap = settings.broker or ""
    assert asyncio.run(is_embedded(bootstrap))
    assert not create_app(settings, bootstrap, embedded=True).conf.recovery_consistency_check
    assert create_app(settings, bootstrap, embedded=False).conf.recovery_consistency_check
