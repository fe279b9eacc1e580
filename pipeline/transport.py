"""Faust's aiokafka transport with the worker consumer's fetch wait made configurable.

Faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer
(``AIOKafkaConsumerThread._create_worker_consumer``). A broker that holds a fetch for the whole
wait even when data arrives meanwhile (the embedded Tansu broker does) then adds up to 1.5 s,
0.75 s on average, to every hop: raw -> clean -> tagged -> events pays it three times. A short
wait costs a few more empty fetches per second on an idle worker and nothing else.
"""

from __future__ import annotations

from typing import Any, cast

import aiokafka
import faust
from faust.transport.drivers import aiokafka as driver
from yarl import URL


class FetchWaitConsumerThread(driver.AIOKafkaConsumerThread):
    """Builds faust's worker consumer, then sets its fetch wait before it starts."""

    def _create_worker_consumer(self, transport: driver.Transport) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        if not hasattr(consumer, "_fetch_max_wait_ms"):
            raise RuntimeError("aiokafka renamed _fetch_max_wait_ms: update pipeline/transport.py")
        # AIOKafkaConsumer.start() hands this to its Fetcher; the constructor has no other hook.
        consumer._fetch_max_wait_ms = cast(FetchWaitTransport, transport).fetch_max_wait_ms
        return consumer


class FetchWaitConsumer(driver.Consumer):
    """faust's aiokafka consumer on a :class:`FetchWaitConsumerThread`."""

    _thread: FetchWaitConsumerThread

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
