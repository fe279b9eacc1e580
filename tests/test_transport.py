"""The worker consumer fetches with the configured wait, not Faust's hard-coded 1.5 s."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.protocol.fetch import FetchRequest
from faust.types import TP

from agents.app import create_app
from agents.faust_repairs import FetchWaitConsumer, FetchWaitTransport
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings


def test_worker_consumer_fetch_requests_carry_the_configured_wait(settings: Settings) -> None:
    settings = settings.model_copy(update={"consumer_fetch_wait": 0.05})
    bootstrap = settings.broker or ""
    asyncio.run(ensure_topics(bootstrap, settings))

    async def go() -> list[FetchRequest]:
        app = create_app(settings, bootstrap)
        assert isinstance(app.transport, FetchWaitTransport)
        assert isinstance(app.consumer, FetchWaitConsumer)
        # the aiokafka consumer that Faust's consumer thread runs, built as the worker builds it
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        fetches: list[FetchRequest] = []
        send = consumer._client.send

        async def recording_send(node_id: int, request: Any, **kwargs: Any) -> Any:
            if isinstance(request, FetchRequest):
                fetches.append(request)
            return await send(node_id, request, **kwargs)

        consumer._client.send = recording_send
        await consumer.start()
        try:
            consumer.assign([TopicPartition(settings.topic("raw"), 0)])
            for _ in range(200):
                if fetches:
                    break
                await asyncio.sleep(0.05)
        finally:
            await consumer.stop()
        return fetches

    fetches = asyncio.run(go())
    assert fetches, "the consumer sent no fetch request"
    assert {request._max_wait_ms for request in fetches} == {50}


def test_stream_partitions_resume_only_once_flow_has_resumed(settings: Settings) -> None:
    """At the end of a rebalance Faust resumes stream partitions, seeks and then clears the
    stream buffers as flow resumes: a partition fetched before that clear would lose what was
    buffered. The consumer holds such a resume until flow has resumed."""

    async def go() -> None:
        app = create_app(settings, settings.broker or "")
        consumer = app.consumer
        clean, tagged = TP(settings.topic("clean"), 0), TP(settings.topic("tagged"), 1)
        consumer._active_partitions = set()  # as after an assignment with both paused
        consumer._paused_partitions = {clean, tagged}

        consumer.resume_partitions({tagged})  # outside a rebalance: at once
        assert consumer._get_active_partitions() == {tagged}

        await app.on_rebalance_complete.send()
        consumer.resume_partitions({clean})
        assert clean not in consumer._get_active_partitions()
        app.flow_control.resume()
        consumer.resume_flow()
        assert consumer._get_active_partitions() == {clean, tagged}
        assert not consumer._paused_partitions

        consumer.pause_partitions({clean})  # and the next resume is immediate again
        consumer.resume_partitions({clean})
        assert clean in consumer._get_active_partitions()

    asyncio.run(go())


def test_seek_to_committed_takes_a_partition_without_a_commit_back_to_its_start(
    settings: Settings,
) -> None:
    """aiokafka's seek_to_committed leaves a partition with no commit where its fetches got to;
    records fetched there while Faust had paused the partition would never be delivered."""
    bootstrap = settings.broker or ""
    asyncio.run(ensure_topics(bootstrap, settings))
    tp = TopicPartition(settings.topic("clean"), 0)

    async def go() -> tuple[int, int, Any]:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for n in range(3):
                await producer.send_and_wait(tp.topic, b"%d" % n, partition=tp.partition)
        finally:
            await producer.stop()
        app = create_app(settings, bootstrap)
        thread = app.consumer._thread
        consumer = thread._consumer = thread._create_worker_consumer(app.transport)

        async def in_this_loop(fun: Any, *args: Any, **kwargs: Any) -> Any:
            return await fun(*args, **kwargs)  # the consumer thread's hop, not under test

        thread.call_thread = in_this_loop  # type: ignore[method-assign]
        await consumer.start()
        try:
            consumer.assign([tp])
            fetched = 0
            for _ in range(100):
                fetched += len((await consumer.getmany(tp, timeout_ms=100)).get(tp, []))
                if fetched == 3:
                    break
            read_to = await consumer.position(tp)
            committed = await thread.seek_to_committed()
            return read_to, await consumer.position(tp), committed[tp]
        finally:
            await consumer.stop()

    read_to, after_seek, committed = asyncio.run(go())
    assert (read_to, committed) == (3, None)
    assert after_seek == 0
