"""Polling one feed end to end: fetch, parse, diff against its state, emit, save the state."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pipeline.metrics import FEED_POLLS, ITEMS_EMITTED
from pipeline.poller.fetch import Fetcher, FetchError, FetchLimits
from pipeline.poller.parse import MalformedFeed, parse_document
from pipeline.poller.schedule import Schedule
from pipeline.poller.state import FeedState, Step, due, failed, succeeded, unchanged_body
from pipeline.records import FeedConfig, RawArticle
from pipeline.settings import Settings

log = logging.getLogger(__name__)

Emit = Callable[[RawArticle], Awaitable[None]]


def _result(state: FeedState) -> str:
    if state.error_count:
        return "gone" if state.status == "gone" else "error"
    return "not_modified" if state.http_status == 304 else "ok"


@dataclass
class PollReport:
    """What one round over the feeds produced."""

    polled: int = 0
    emitted: int = 0
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class FeedPoller:
    """Polls feeds against a state mapping (a dict, or a Faust table shared through Kafka)."""

    fetcher: Fetcher
    states: MutableMapping[str, FeedState]
    emit: Emit
    schedule: Schedule = field(default_factory=Schedule)
    flag_after: int = 5
    seen_limit: int = 2000

    async def poll(self, config: FeedConfig) -> Step:
        """Poll ``config`` now; its new items are emitted before its state is saved."""
        now = datetime.now(UTC)
        state = self.states.get(config.url) or FeedState(url=config.url)
        try:
            step = await self._step(config, state, now)
        except Exception as exc:  # noqa: BLE001 - one broken feed must not stop the others
            log.exception("feed %s: unexpected error", config.url)
            step = failed(
                state, f"{type(exc).__name__}: {exc}", now, self.schedule, self.flag_after
            )
        for article in step.articles:
            await self.emit(article)
            ITEMS_EMITTED.labels("new" if article.revision == 1 else "update").inc()
        self.states[config.url] = step.state
        FEED_POLLS.labels(_result(step.state)).inc()
        if step.message:
            log.warning("feed %s", step.message)
        return step

    async def _step(self, config: FeedConfig, state: FeedState, now: datetime) -> Step:
        args = (now, self.schedule)
        try:
            source = state.moved_to or config.url
            result = await self.fetcher.fetch(source, state.etag, state.last_modified)
        except FetchError as exc:
            return failed(state, str(exc), *args, self.flag_after)
        if result.status == 304 or unchanged_body(state, result):
            return succeeded(state, config, result, None, *args, self.seen_limit)
        if result.status != 200:
            return failed(state, f"HTTP {result.status}", *args, self.flag_after, result)
        try:
            feed = await asyncio.to_thread(parse_document, result.body, result.url)
        except MalformedFeed as exc:
            return failed(state, str(exc), *args, self.flag_after, result)
        return succeeded(state, config, result, feed, *args, self.seen_limit)

    async def poll_due(self, configs: Iterable[FeedConfig]) -> PollReport:
        """Poll every enabled feed that is due, concurrently (within the fetcher's limits)."""
        now = datetime.now(UTC)
        todo = [
            c
            for c in configs
            if c.enabled and due(self.states.get(c.url), now, c.refresh_requested_at)
        ]
        steps = await asyncio.gather(*(self.poll(c) for c in todo))
        report = PollReport(polled=len(todo))
        for config, step in zip(todo, steps, strict=True):
            report.emitted += len(step.articles)
            if step.state.error_count:
                report.errors[config.url] = step.state.last_error or "error"
        return report


def from_settings(
    settings: Settings, states: MutableMapping[str, FeedState], emit: Emit
) -> FeedPoller:
    """A FeedPoller with the limits and schedule of ``settings``."""
    limits = FetchLimits.from_settings(settings)
    schedule = Schedule(
        default=settings.poll_interval,
        minimum=settings.poll_min_interval,
        maximum=settings.poll_max_interval,
    )
    return FeedPoller(
        Fetcher(limits), states, emit, schedule, settings.feed_flag_after, settings.feed_seen_limit
    )
