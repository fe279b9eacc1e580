"""The feed poller: fetch, parse, emit each new item to ``news.raw`` once per run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from pipeline.deadletters import MessageTooLarge, check_size, dead_letter, error_info
from pipeline.feed_fetch import FetchError, fetch, http_session
from pipeline.feed_parse import MalformedFeed, parse_feed
from pipeline.records import RawArticle
from pipeline.settings import Settings

log = logging.getLogger(__name__)

Emit = Callable[[RawArticle], Awaitable[None]]


@dataclass
class PollReport:
    """What one round over the feeds produced."""

    emitted: int = 0
    seen: int = 0
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Poller:
    """Polls feeds and emits items it has not emitted before in this run."""

    emit: Emit
    seen: set[str] = field(default_factory=set)

    async def poll_feed(self, source: str, report: PollReport) -> None:
        async with http_session() as session:
            data = await fetch(source, session)
        for article in parse_feed(data, source, datetime.now(UTC)):
            if article.id in self.seen:
                report.seen += 1
                continue
            await self.emit(article)
            self.seen.add(article.id)
            report.emitted += 1

    async def poll_once(self, sources: Iterable[str]) -> PollReport:
        """One round over ``sources``; a failing feed is logged and retried next round."""
        report = PollReport()
        for source in sources:
            try:
                await self.poll_feed(source, report)
            except (FetchError, MalformedFeed) as exc:
                report.errors[source] = str(exc)
                log.warning("feed failed, will retry: %s", exc)
        return report

    async def run(self, sources: list[str], interval: float) -> None:
        """Poll every ``interval`` seconds until cancelled."""
        while True:
            report = await self.poll_once(sources)
            log.info(
                "polled %d feeds: %d new items, %d errors",
                len(sources),
                report.emitted,
                len(report.errors),
            )
            await asyncio.sleep(interval)


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
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        max_request_size=settings.max_message_bytes,
        linger_ms=5,
        acks="all",
    )
    await producer.start()

    async def emit(article: RawArticle) -> None:
        topic, key, value = route(article, settings)
        await producer.send(topic, value, key=key)

    try:
        yield emit
    finally:
        await producer.flush()
        await producer.stop()
