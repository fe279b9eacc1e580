"""Topics for one test: fresh settings, reading a topic, producing to it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

from aiokafka import AIOKafkaProducer

from pipeline.kafka.broker import free_port
from pipeline.kafka.reader import Message, TopicReader
from pipeline.settings import Settings


def fresh_settings(broker: str, data_dir: Path, **overrides: object) -> Settings:
    """Settings with a fresh topic prefix and consumer group, so tests never share state."""
    uid = uuid.uuid4().hex[:10]
    values: dict[str, object] = {
        "broker": broker,
        "topic_prefix": f"t{uid}",
        "app_id": f"newswire-{uid}",
        "data_dir": data_dir,
        "partitions": 2,
        "web_port": free_port(),
        "nlp_batch_seconds": 0.2,
        "fulltext": False,  # feed fixtures link to the internet; full-text tests turn it on
        "log_level": "INFO",
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


async def read_records(
    settings: Settings,
    topic: str,
    count: int = 0,
    timeout: float = 60.0,
    until: Callable[[list[Message]], bool] = lambda found: True,
) -> list[Message]:
    """The records of ``topic`` (a full name) from its beginning to its end, then the ones
    that arrive, as they arrive, until there are ``count`` and ``until`` holds, or ``timeout``
    s passed."""

    def done(found: list[Message]) -> bool:
        return len(found) >= count and until(found) or time.monotonic() > deadline

    reader = TopicReader(settings.broker or "", [topic], settings)
    await reader.start(from_beginning=True)
    deadline = time.monotonic() + timeout
    try:
        found = [record async for record in reader.until_end()]
        while not done(found):
            async for batch in reader.batches(idle_seconds=1.0):
                found += batch
                if done(found):
                    break
        return found
    finally:
        await reader.stop()


def read(
    settings: Settings,
    topic: str,
    count: int = 0,
    timeout: float = 60.0,
    until: Callable[[list[Message]], bool] = lambda found: True,
) -> list[Message]:
    """``read_records``, from outside an event loop."""
    return asyncio.run(read_records(settings, topic, count, timeout, until))


async def send_all(
    settings: Settings,
    topic: str,
    messages: Iterable[tuple[bytes | None, bytes]],
    partition: int | None = None,
) -> None:
    """Produce ``(key, value)`` messages to ``topic`` (a full name), in order (to
    ``partition``, else by key), and wait."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.broker, max_request_size=settings.max_message_bytes
    )
    await producer.start()
    try:
        for key, value in messages:
            await producer.send(topic, value, key=key, partition=partition)
        await producer.flush()
    finally:
        await producer.stop()


def send(settings: Settings, topic: str, *messages: tuple[bytes | None, bytes]) -> None:
    """``send_all``, from outside an event loop."""
    asyncio.run(send_all(settings, topic, messages))


def wait_until(check: Callable[[], bool], timeout: float, what: Callable[[], str]) -> None:
    """Return once ``check()`` holds (asked twice a second); fail with ``what()`` after
    ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what()}")
        time.sleep(0.5)
