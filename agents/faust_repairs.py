"""Every override of Faust and aiokafka internals, each with the upstream behaviour it repairs.

Written against faust-streaming 0.15.3, mode-streaming 0.7.1 and aiokafka 0.14.0, the versions
pinned in ``pyproject.toml`` and ``requirements.lock``. ``tests/test_faust_repairs.py`` drives
each repair through the real code path (a running app, a real rebalance, real
``Stream.take_events`` acknowledgements) and checks that the upstream behaviour is still there,
so an upgrade that changes it fails a test rather than delivery; ``tests/test_stops.py`` stops
real workers and pollers for repair 8.

1. Fetch wait (``RepairedConsumerThread._create_worker_consumer``): Faust hard-codes
   ``fetch_max_wait_ms=1500`` for its worker consumer. The embedded Tansu broker holds a fetch
   for the whole wait even when data arrives meanwhile, which added 0.75 s on average to each
   of the pipeline's three hops. Set only with the embedded broker or when configured.
2. Seek of a partition without a commit (``RepairedConsumerThread.seek_to_committed``):
   Faust seeks to the committed offsets at the end of every rebalance, through aiokafka's
   ``seek_to_committed``, which leaves a partition that has no commit where its fetches got to;
   records fetched there while Faust had paused the partition were never delivered (a worker
   killed before its first commit of a topic was followed by one that skipped its records).
   Such a partition is sought to its beginning, as the offset reset "earliest" says.
3. Resume after a rebalance (``RepairedConsumer.resume_partitions`` and ``resume_flow``): when
   recovery ends, Faust resumes the stream partitions, seeks them, and only then resumes flow
   control, which clears every stream buffer; records fetched and buffered in between were
   dropped while the position had moved past them (compare faust-streaming/faust#596). The
   resume of stream partitions waits until flow has resumed.
4. Table changelogs on flow resume (``RepairedTableManager.changelog_queue``): Faust's table
   changelog queue is cleared whenever flow control resumes, as stream buffers are, but nothing
   seeks a changelog back afterwards: a global table's update fetched just before a resume was
   lost until the next rebalance. The queue is kept; recovery skips offsets already applied.
5. A table keyed outside a stream (``KeyPartitionedTable.partition_for_key``): Faust takes the
   changelog partition of a write from the current event; a table written by a timer is placed
   by Kafka's default partitioner instead, co-partitioned with a topic keyed the same way.
6. Holding offsets past ``take_events`` (``hold`` and ``release``): ``Stream.take_events`` acks
   a batch's events when the agent asks for the next batch, and the consumer commits acked
   offsets. A batch still being worked on holds one more reference on its messages (Faust's
   ``Message.refcount``) and releases it as Faust's own ack does, sensors included.
7. Recovery's consistency check (``app_options``): Tansu's end offset stops at its last batch's
   base offset + 1, below the offset a global table has read when that batch holds several
   records, and Faust's check then stops recovery for good. Off with the embedded broker only.
8. Stop signals (``RepairedWorker``): mode's worker stops gracefully on the first SIGINT or
   SIGTERM and ignores the next ones, so a stop stuck in a broker call could only be killed;
   Faust's worker draws a terminal spinner that sets the root logger to DEBUG (every send and
   fetch then builds a log record). The first stop signal prints one line and stops
   gracefully; a second SIGINT exits at once with status 130, leaving what is in flight
   uncommitted for the next worker; there is no spinner.
9. Batches that do not tick while empty (``RepairedStream.take_events``): Faust's
   ``take_events`` wakes every ``within`` seconds whether or not anything is buffered, and each
   wake costs about 0.3 ms (mode builds three tasks to wait for the buffer, a stop or a crash):
   the clean agent's 0.02 s window alone cost an idle worker 12 ms of CPU per second. The
   repaired one waits without a timeout while its buffer is empty, then closes the batch when
   it is full or at the moment Faust's timer would have (the next multiple of ``within`` since
   the stream began taking), so batches and their waits are as before.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from typing import Any, cast

import aiokafka
import faust
from aiokafka.partitioner import DefaultPartitioner
from faust.tables import TableManager
from faust.transport.drivers import aiokafka as driver
from faust.types import TP, EventT
from mode import Seconds, want_seconds
from mode.utils.aiter import aiter
from mode.utils.futures import notify
from mode.utils.queues import ThrowableQueue
from yarl import URL


class RepairedConsumerThread(driver.AIOKafkaConsumerThread):
    """Faust's aiokafka consumer thread with repairs 1 and 2."""

    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        wait = cast(RepairedTransport, transport).fetch_max_wait_ms
        if wait is not None:
            if not hasattr(consumer, "_fetch_max_wait_ms"):
                raise RuntimeError("aiokafka renamed _fetch_max_wait_ms: see faust_repairs (1)")
            # AIOKafkaConsumer.start() hands this to its Fetcher; the constructor has no hook.
            consumer._fetch_max_wait_ms = wait
        return consumer

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek to the committed offsets, and a stream partition with none to its beginning."""
        committed = await super().seek_to_committed()
        fresh = [
            tp
            for tp, offset in committed.items()
            if (offset is None or offset <= 0) and not self.consumer._is_changelog_tp(tp)
        ]
        if fresh and self.app.conf.consumer_auto_offset_reset == "earliest":
            await self.call_thread(self._ensure_consumer().seek_to_beginning, *fresh)
        return committed


class RepairedConsumer(driver.Consumer):
    """Faust's aiokafka consumer with repair 3, on a :class:`RepairedConsumerThread`."""

    _thread: RepairedConsumerThread
    _deferred: set[TP] | None = None  # set from rebalance complete until flow resumes

    def __post_init__(self) -> None:
        super().__post_init__()
        self.app.on_rebalance_complete.connect(self._defer_resume)  # type: ignore[arg-type]

    async def _defer_resume(
        self, sender: object, *args: object, signal: object, **kw: object
    ) -> None:
        self._deferred = set()

    def resume_partitions(self, tps: Iterable[TP]) -> None:
        if self._deferred is None:
            super().resume_partitions(tps)
        else:
            self._deferred.update(tps)

    def resume_flow(self) -> None:
        super().resume_flow()
        deferred, self._deferred = self._deferred, None
        if deferred:
            super().resume_partitions(deferred)

    def _new_consumer_thread(self) -> RepairedConsumerThread:
        return RepairedConsumerThread(self, loop=self.loop, beacon=self.beacon)


class RepairedTransport(driver.Transport):
    """Faust's aiokafka transport on a :class:`RepairedConsumer`; its worker consumer waits
    ``fetch_max_wait`` seconds at most (None: Faust's own wait)."""

    Consumer = RepairedConsumer

    def __init__(
        self, url: list[URL], app: faust.App, *, fetch_max_wait: float | None, **kw: Any
    ) -> None:
        super().__init__(url, app, **kw)
        self.fetch_max_wait_ms = (
            None if fetch_max_wait is None else max(1, round(fetch_max_wait * 1000))
        )


class RepairedTableManager(TableManager):
    """Faust's table manager with repair 4: its changelog queue is not cleared on flow resume."""

    @property
    def changelog_queue(self) -> ThrowableQueue:
        if self._changelog_queue is None:
            self._changelog_queue = self.app.FlowControlQueue(
                maxsize=self.app.conf.stream_buffer_maxsize, clear_on_resume=False
            )
        return self._changelog_queue


class KeyPartitionedTable(faust.Table):
    """A table whose writes go to the changelog partition Kafka's default partitioner gives
    their key (repair 5), so that it can be written outside of stream iteration."""

    _partitioner = DefaultPartitioner()

    def partition_for_key(self, key: bytes) -> int:
        count = self.partitions or self.app.conf.topic_partitions
        return int(self._partitioner(key, list(range(count)), []))


class RepairedStream(faust.Stream):
    """Faust's stream with repair 9."""

    def take_events(self, max_: int, within: Seconds) -> AsyncGenerator[Sequence[EventT], None]:
        """Faust's ``take_events``: lists of at most ``max_`` events, each yielded when full or
        at the next multiple of ``within`` since taking began, but no wake while nothing is
        buffered; a list's events are acked when the next one is asked for. Closed with the
        stream, as upstream's."""
        batches = self._take_events(max_, want_seconds(within) if within else None)
        self._active_agens.add(batches)
        return batches

    async def _take_events(
        self, max_: int, timeout: float | None
    ) -> AsyncGenerator[Sequence[EventT], None]:
        """The body of ``take_events`` in faust-streaming 0.15.3, with the wait for a first
        event."""
        buffer: list[EventT] = []
        full, consumed, started = asyncio.Event(), asyncio.Event(), asyncio.Event()
        consuming: asyncio.Future[None] | None = None
        enable_acks = self.enable_acks
        begun = self.loop.time()

        async def add_to_buffer(value: Any) -> Any:
            nonlocal consuming
            try:
                if consuming is not None:
                    try:
                        await consuming
                    finally:
                        consuming = None
                event = self.current_event
                if event is None:
                    raise RuntimeError("Take buffer found current_event is None")
                buffer.append(event)
                started.set()
                if len(buffer) >= max_:
                    full.set()
                    consumed.clear()
                    await self.wait(consumed)  # type: ignore[arg-type]  # any .wait() will do
            except Exception as exc:
                self.log.exception("Error adding to take buffer: %r", exc)
                await self.crash(exc)
            return value

        self.enable_acks = False  # acked below, once the agent asks for the next list
        self.add_processor(add_to_buffer)
        self._enable_passive(cast(faust.ChannelT, aiter(self.channel)))
        try:
            while not self.should_stop:
                if not buffer:
                    started.clear()
                    await self.wait_for_stopped(started)  # type: ignore[arg-type]
                    continue
                left = None if timeout is None else timeout - (self.loop.time() - begun) % timeout
                await self.wait_for_stopped(full, timeout=left)  # type: ignore[arg-type]
                consuming = self.loop.create_future()
                try:
                    yield list(buffer)
                finally:
                    for event in buffer:
                        await self.ack(event)
                    buffer.clear()
                    notify(consuming)
                    full.clear()
                    consumed.set()
        finally:
            self.enable_acks = enable_acks
            self._processors.remove(add_to_buffer)


def hold(events: list[EventT]) -> None:
    """Keep the offsets of ``events`` uncommitted, whoever else acks them, until released
    (repair 6)."""
    for event in events:
        event.message.incref()


def release(events: list[EventT]) -> None:
    """Drop the holds; an event whose last reference this was may now be committed, and the
    sensors see it leave as Faust's own ack reports it (repair 6)."""
    for event in events:
        message = event.message
        if event.ack():
            event.app.sensors.on_message_out(message.tp, message.offset, message)


class RepairedWorker(faust.Worker):
    """Faust's worker with repair 8; ``name`` is the command in its stop line."""

    def __init__(self, app: faust.App, name: str, **kwargs: Any) -> None:
        super().__init__(app, quiet=True, **kwargs)
        self.spinner = None
        self.name = name
        self._stop_signal: signal.Signals | None = None

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.loop.add_signal_handler(signum, self._on_stop_signal, signum)

    def _on_stop_signal(self, signum: signal.Signals) -> None:
        if self._stop_signal is None:
            self._stop_signal = signum
            hint = "; a second Ctrl-C stops at once" if signum == signal.SIGINT else ""
            self._stderr_line(f"stopping ({signum.name}){hint}")
            self._schedule_shutdown(signum)
        elif signum == signal.SIGINT:
            self._stderr_line("stopped at once, in-flight work left for the next worker")
            os._exit(130)

    def _stderr_line(self, text: str) -> None:
        """One line on the process's stderr (mode sends sys.stderr to the log)."""
        os.write(2, f"newswire {self.name}: {text}\n".encode())


def app_options(embedded: bool) -> dict[str, Any]:
    """Faust app settings of the repairs: the table manager (4), the stream (9) and, with the
    embedded broker, recovery without the consistency check (7)."""
    return {
        "TableManager": RepairedTableManager,
        "Stream": RepairedStream,
        "recovery_consistency_check": not embedded,
    }


def use_repairs(app: faust.App, fetch_max_wait: float | None) -> faust.App:
    """``app`` consuming through a :class:`RepairedTransport`; call before its topics are used."""
    app.transport = RepairedTransport(app.conf.broker_consumer, app, fetch_max_wait=fetch_max_wait)
    return app
