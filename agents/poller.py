"""The long-running poller: a Faust app whose instances share the feeds through Kafka.

The registry table follows ``news.feeds``; the state table (ETag, schedule, seen ids, ...) is
keyed by feed URL too, so both are co-partitioned with ``news.feeds``. Each instance polls
only the feeds of the partitions it is assigned, and a rebalance hands feeds over together
with their state (recovered from the table's changelog).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime

import faust
from faust.types import TP

from agents.app import create_app, service_worker
from agents.faust_repairs import KeyPartitionedTable
from agents.web import add_pages
from pipeline.kafka.broker import is_embedded
from pipeline.kafka.topics import ensure_topics
from pipeline.metrics import FEEDS
from pipeline.poller.emit import route
from pipeline.poller.poll import FeedPoller, from_settings
from pipeline.poller.registry import (
    STATE_TABLE,
    merge_feeds,
    poller_app_id,
    state_changelog,
)
from pipeline.poller.state import FeedState, due
from pipeline.records import FeedConfig, RawArticle
from pipeline.settings import Settings

log = logging.getLogger(__name__)
TICK_SECONDS = 1.0


class StateTable(MutableMapping[str, FeedState]):
    """FeedState values over a Faust table of raw JSON bytes keyed by URL bytes."""

    def __init__(self, table: UrlTable) -> None:
        self.table = table

    def __getitem__(self, url: str) -> FeedState:
        return FeedState.from_json(self.table[url.encode()])

    def __setitem__(self, url: str, state: FeedState) -> None:
        self.table[url.encode()] = state.to_json()

    def __delitem__(self, url: str) -> None:
        del self.table[url.encode()]

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in self.table.keys())

    def __len__(self) -> int:
        return len(self.table)

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and url.encode() in self.table


class UrlTable(KeyPartitionedTable):
    """A table of JSON bytes keyed by URL bytes, writable outside of stream iteration.

    Its changelog partition is the one Kafka's default partitioner gives the URL, i.e. the
    partition of the same key on ``news.feeds``, so the table stays co-partitioned with it.
    """

    def __init__(self, app: faust.App, *, name: str, partitions: int) -> None:
        super().__init__(
            app,
            name=name,
            partitions=partitions,
            key_type=bytes,
            value_type=bytes,
            beacon=app.tables.beacon,
        )


def url_table(app: faust.App, name: str, partitions: int) -> UrlTable:
    table = UrlTable(
        app,
        name=name,
        partitions=partitions,
    )
    app.tables.add(table)
    return table


class PollerService:
    """Registry agent, state table and a ticking scheduler on one Faust app."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.feeds_topic = app.topic(settings.topic("feeds"))
        self.raw = {name: app.topic(settings.topic(name)) for name in ("raw", "deadletter")}
        partitions = settings.partitions
        self.registry = url_table(app, "feed_registry", partitions)
        self.states = StateTable(url_table(app, STATE_TABLE, partitions))
        self.poller: FeedPoller = from_settings(settings, self.states, self.emit)
        self.in_flight: set[str] = set()
        app.agent(self.feeds_topic, name="feed_registry")(self.follow_registry)
        app.timer(TICK_SECONDS, on_leader=False)(self.tick)
        add_pages(app, self.count_feeds)

    async def emit(self, article: RawArticle) -> None:
        topic, key, value = route(article, self.settings)
        await self.raw["deadletter" if topic.endswith(".deadletter") else "raw"].send(
            key=key, value=value
        )

    async def follow_registry(self, stream: faust.StreamT) -> None:
        async for event in stream.events():
            if event.value is None:
                self.registry.pop(event.key, None)
            else:
                self.registry[event.key] = event.value

    def _mine(self, url: bytes) -> bool:
        partition = self.states.table.partition_for_key(url)
        topic = self.feeds_topic.get_topic_name()
        return TP(topic, partition) in self.app.assignor.assigned_actives()

    def due_feeds(self) -> list[FeedConfig]:
        now = datetime.now(UTC)
        found = []
        for key, value in list(self.registry.items()):
            config = FeedConfig.from_json(value)
            if (
                config.enabled
                and config.url not in self.in_flight
                and self._mine(key)
                and due(self.states.get(config.url), now, config.refresh_requested_at)
            ):
                found.append(config)
        return found

    async def tick(self) -> None:
        todo = self.due_feeds()
        for config in todo:
            self.in_flight.add(config.url)
            asyncio.ensure_future(self._poll(config))

    async def count_feeds(self) -> None:
        """Set the feeds gauge from the states of the feeds this instance owns."""
        counts: Counter[str] = Counter()
        for key in list(self.registry.keys()):
            if self._mine(key):
                state = self.states.get(key.decode())
                counts[state.status if state else "new"] += 1
        FEEDS.clear()
        for status, count in counts.items():
            FEEDS.labels(status).set(count)

    async def _poll(self, config: FeedConfig) -> None:
        try:
            await self.poller.poll(config)
        finally:
            self.in_flight.discard(config.url)


def run_poller(settings: Settings, bootstrap: str, feeds: list[str]) -> None:
    """Merge ``feeds`` into the registry, then poll until SIGINT/SIGTERM."""
    asyncio.run(ensure_topics(bootstrap, settings, [state_changelog(settings)]))
    asyncio.run(merge_feeds(bootstrap, settings, feeds))
    poller_settings = settings.model_copy(
        update={"app_id": poller_app_id(settings), "web_port": settings.poller_web_port}
    )
    app = create_app(poller_settings, bootstrap, asyncio.run(is_embedded(bootstrap, settings)))
    service = PollerService(app, settings)
    try:
        service_worker(app, settings, "poll").execute_from_commandline()
    finally:
        asyncio.run(service.poller.fetcher.close())
