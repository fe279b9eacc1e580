"""``newswire store``: a consumer group on ``news.events`` that writes every event into the
store, committing offsets only after the database has committed the events read before them
(at least once; the store keeps an event once, by ``event_id``). A message that is no event
goes to the dead-letter topic and the rest of its batch is stored."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pydantic import ValidationError

from pipeline.deadletters import dead_letter, error_info
from pipeline.kafka.broker import fetch_wait, is_embedded
from pipeline.kafka.producer import producer
from pipeline.kafka.reader import Message
from pipeline.kafka.security import client_options
from pipeline.kafka.topics import ensure_topics
from pipeline.records import Event, SourceRef
from pipeline.settings import Settings
from pipeline.store.base import Store, Written

log = logging.getLogger(__name__)
BATCH = 500
"""Most events written in one transaction."""


def store_group(settings: Settings) -> str:
    """The store's consumer group."""
    return f"{settings.app_id}-store"


Bad = list[tuple[Message, Exception]]


def parse(records: list[Message]) -> tuple[list[tuple[Event, bytes]], Bad]:
    """The events among ``records``, and the records that are none, with why."""
    events: list[tuple[Event, bytes]] = []
    bad: Bad = []
    for record in records:
        try:
            if record.value is None:
                raise ValueError("an empty message (a tombstone) is no event")
            events.append((Event.from_json(record.value), record.value))
        except (ValueError, ValidationError) as exc:
            bad.append((record, exc))
    return events, bad


async def ingest(
    settings: Settings,
    bootstrap: str,
    store: Store,
    stop: asyncio.Event,
    on_write: Callable[[Written], None] = lambda written: None,
) -> None:
    """Store events from ``news.events`` until ``stop`` is set; then commit and leave."""
    topic = settings.topic("events")
    await ensure_topics(bootstrap, settings)
    wait = fetch_wait(settings, await is_embedded(bootstrap, settings))
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=store_group(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=BATCH,
        **({"fetch_max_wait_ms": int(wait * 1000)} if wait is not None else {}),
        max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes,
        session_timeout_ms=int(settings.session_timeout * 1000),
        **client_options(settings),
    )
    letters = producer(bootstrap, settings)
    await consumer.start()
    await letters.start()
    try:
        while not stop.is_set():
            fetched = await consumer.getmany(timeout_ms=500, max_records=BATCH)
            records = [record for batch in fetched.values() for record in batch]
            if not records:
                continue
            events, bad = parse(records)
            for record, exc in bad:
                await _dead_letter(letters, settings, record, exc)
            on_write(await asyncio.to_thread(store.write, events))
            await consumer.commit()
    finally:
        await letters.stop()
        await consumer.stop()


async def _dead_letter(
    letters: AIOKafkaProducer, settings: Settings, record: Message, exc: Exception
) -> None:
    log.warning("not an event at %s/%s/%s: %s", record.topic, record.partition, record.offset, exc)
    letter = dead_letter(
        stage="store",
        error=error_info(exc),
        payload=record.value or b"",
        key=record.key,
        source=SourceRef(topic=record.topic, partition=record.partition, offset=record.offset),
        payload_limit=settings.deadletter_payload_bytes,
        headers=record.headers,
    )
    await letters.send_and_wait(settings.topic("deadletter"), letter.to_json(), key=record.key)
