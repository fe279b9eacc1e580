"""Producing polled articles to the raw topic (oversize ones become dead letters)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pipeline.deadletters import MessageTooLarge, check_size, dead_letter, error_info
from pipeline.kafka.producer import producer
from pipeline.poller.poll import Emit
from pipeline.records import RawArticle
from pipeline.settings import Settings


def route(article: RawArticle, settings: Settings) -> tuple[str, bytes, bytes]:
    """Topic, key and value for ``article``: the raw topic, or dead letters when too large."""
    value, key = article.to_json(), article.id.encode()
    try:
        return settings.topic("raw"), key, check_size(value, settings.max_message_bytes)
    except MessageTooLarge as exc:
        letter = dead_letter(
            stage="poll",
            error=error_info(exc),
            payload=value,
            key=key,
            source=None,
            payload_limit=settings.deadletter_payload_bytes,
        )
        return settings.topic("deadletter"), key, letter.to_json()


@asynccontextmanager
async def kafka_emitter(bootstrap: str, settings: Settings) -> AsyncIterator[Emit]:
    """An ``Emit`` that produces each article to the raw topic, keyed by article id."""
    client = producer(bootstrap, settings)
    await client.start()

    async def emit(article: RawArticle) -> None:
        topic, key, value = route(article, settings)
        await client.send(topic, value, key=key)

    try:
        yield emit
    finally:
        await client.flush()
        await client.stop()
