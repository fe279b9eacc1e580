"""Faust's aiokafka transport: the worker consumer's fetch wait made configurable, and stream
partitions resumed only after a rebalance has cleared the stream buffers.

Faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer
(``AIOKafkaConsumerThread._create_worker_consumer``). A broker that holds a fetch for the whole
wait even when data arrives meanwhile (the embedded Tansu broker does) then adds up to 1.5 s,
0.75 s on average, to every hop: raw -> clean -> tagged -> events pays it three times. A short
wait costs a few more empty fetches per second on an idle worker and nothing else.

When recovery ends (``Recovery.on_recovery_completed`` and ``_resume_streams``), Faust resumes
the stream partitions, seeks them to their committed offsets and only then resumes flow control,
which clears every stream buffer. Messages fetched and buffered in between are dropped while the
consumer's position has moved past them: a gap that is never processed nor committed (a
restarted worker that stops short of the end; compare faust-streaming/faust#596). The consumer
here defers that resume until flow has resumed, so nothing is fetched for a stream before its
buffer has been cleared.

Faust's seek to the committed offsets (at the end of every rebalance, and whenever records
arrive while flow is stopped) relies on aiokafka's ``seek_to_committed``, which leaves a
partition with no commit where its fetches got to. Records a worker fetched there while the
partition was paused or flow stopped were then never delivered nor read again (a worker killed
before its first commit of ``news.clean``, restarted: the new one read that topic to its end and
tagged nothing). Such a partition is sought to its beginning, as the offset reset "earliest" says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import aiokafka
import faust
from faust.transport.drivers import aiokafka as driver
from faust.types import TP
from yarl import URL


class FetchWaitConsumerThread(driver.AIOKafkaConsumerThread):
    """Builds faust's worker consumer, then sets its fetch wait before it starts; seeks a stream
    partition without a commit back to its beginning."""

    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        if not hasattr(consumer, "_fetch_max_wait_ms"):
            raise RuntimeError(
                "aiokafka renamed _fetch_max_wait_ms: update agents/faust_repairs.py"
            )
        # AIOKafkaConsumer.start() hands this to its Fetcher; the constructor has no other hook.
        consumer._fetch_max_wait_ms = cast(FetchWaitTransport, transport).fetch_max_wait_ms
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


class FetchWaitConsumer(driver.Consumer):
    """faust's aiokafka consumer on a :class:`FetchWaitConsumerThread`, whose stream partitions
    resume with the flow at the end of a rebalance."""

    _thread: FetchWaitConsumerThread
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

    def _new_consumer_thread(self) -> FetchWaitConsumerThread:
        return FetchWaitConsumerThread(self, loop=self.loop, beacon=self.beacon)


class FetchWaitTransport(driver.Transport):
    """faust's aiokafka transport whose worker consumer waits ``fetch_max_wait`` seconds."""

    Consumer = FetchWaitConsumer

    def __init__(self, url: list[URL], app: faust.App, *, fetch_max_wait: float, **kw: Any):
        super().__init__(url, app, **kw)
        self.fetch_max_wait_ms = max(1, round(fetch_max_wait * 1000))


def use_fetch_wait(app: faust.App, fetch_max_wait: float) -> faust.App:
    """``app`` consuming through a :class:`FetchWaitTransport`; call before its topics are used."""
    app.transport = FetchWaitTransport(app.conf.broker_consumer, app, fetch_max_wait=fetch_max_wait)
    return app
