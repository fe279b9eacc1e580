"""The worker's thin Faust agents: take from a topic, run the chain's step, send the result on.

The steps are ``pipeline.stages.chain``'s: clean (in the clean process), the story (here, from
the global story table), tag (in the NLP processes), claims and event assembly (here). A message
a step cannot process goes to the dead-letter topic with the error; an agent never raises
(Faust would ack the event and lose it) and keeps going.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta

import faust
from faust.types import EventT

from agents.clean_pool import Cleaned, CleanPool
from agents.inflight import InFlight
from agents.nlp_pool import NlpPool, Outcome, jobs
from agents.tables import TextTable, global_table
from pipeline.deadletters import MessageTooLarge, check_size, dead_letter, error_info
from pipeline.kafka.topics import ALIASES_TABLE, STORIES_TABLE
from pipeline.metrics import DEAD_LETTERS, PAGES, STAGE_MESSAGES, STAGE_SECONDS
from pipeline.pages.fetch import PageFetcher
from pipeline.records import ErrorInfo, RawArticle, SourceRef
from pipeline.settings import Settings
from pipeline.stages.chain import claims_message, with_story
from pipeline.stages.fulltext import needs_page
from pipeline.stages.stories import StoryIndex, describe, expire
from pipeline.stages.story_files import StoryFile, claim, open_file

Agent = Callable[[faust.StreamT], Awaitable[None]]


class Enrichment:
    """What the worker's agents share: the app's topics and tables, the pools, the story index."""

    def __init__(
        self, app: faust.App, settings: Settings, cleaner: CleanPool, pool: NlpPool
    ) -> None:
        self.settings = settings
        self.cleaner = cleaner
        self.pool = pool
        names = ("raw", "pages", "clean", "tagged", "events", "claims", "deadletter")
        self.topics = {name: app.topic(settings.topic(name)) for name in names}
        self.claim = claim(settings.data_dir / "worker")
        self.stories = StoryIndex(file=StoryFile(open_file(self.claim.path), describe))
        self.stories.docs = global_table(app, STORIES_TABLE, file=self.stories.file)
        self.aliases = TextTable(global_table(app, ALIASES_TABLE))
        self.window = timedelta(days=settings.story_window_days)

    async def fail(self, event: EventT, stage: str, error: ErrorInfo) -> None:
        """Dead-letter ``event``'s message: ``stage`` could not process it."""
        message = event.message
        letter = dead_letter(
            stage=stage,
            error=error,
            payload=message.value or b"",
            key=message.key,
            source=SourceRef(
                topic=message.topic, partition=message.partition, offset=message.offset
            ),
            payload_limit=self.settings.deadletter_payload_bytes,
            headers=_pairs(message.headers),
        )
        await self.topics["deadletter"].send(key=message.key, value=letter.to_json())
        STAGE_MESSAGES.labels(stage, "deadletter").inc()
        DEAD_LETTERS.labels(stage).inc()

    async def forward(
        self,
        event: EventT,
        stage: str,
        out: str,
        value: bytes,
        headers: dict[str, bytes] | None = None,
    ) -> None:
        """Send ``value`` to topic ``out``, or dead-letter the input when it is too large."""
        try:
            check_size(value, self.settings.max_message_bytes)
        except MessageTooLarge as exc:
            await self.fail(event, stage, error_info(exc))
            return
        await self.topics[out].send(key=event.key, value=value, headers=headers)
        STAGE_MESSAGES.labels(stage, "ok").inc()

    async def forget_stories(self) -> None:
        """Expire the stories' entries a chunk at a time, letting other tasks run between."""
        for _ in expire(self.stories, datetime.now(UTC), self.window):
            await asyncio.sleep(0)


def _pairs(
    headers: Mapping[str, bytes] | list[tuple[str, bytes]] | None,
) -> list[tuple[str, bytes]]:
    """A message's headers as (name, value) pairs, however Faust holds them."""
    if headers is None:
        return []
    return list(headers.items()) if isinstance(headers, Mapping) else list(headers)


def add_agents(app: faust.App, settings: Settings, cleaner: CleanPool, pool: NlpPool) -> None:
    """Declare the worker's tables, timer and agents on ``app``: fetch (when full text is on),
    clean, tag and claims."""
    shared = Enrichment(app, settings, cleaner, pool)
    app.timer(3600.0)(shared.forget_stories)
    topics = shared.topics
    if settings.fulltext:
        pages = PageFetcher(settings)
        fetch = app.agent(topics["raw"], name="fetch", concurrency=settings.page_concurrency)
        fetch(fetch_agent(shared, pages))

        async def close_pages(sender: object, *args: object, **kwargs: object) -> None:
            await pages.close()

        # mode types receivers too narrowly for this coroutine
        app.on_before_shutdown.connect(close_pages)  # type: ignore[arg-type]
    inputs = app.topic(settings.topic("raw"), settings.topic("pages"))
    app.agent(inputs, name="clean")(clean_agent(shared))
    app.agent(topics["clean"], name="tag")(tag_agent(shared))
    app.agent(topics["tagged"], name="claims")(claims_agent(shared))


def fetch_agent(shared: Enrichment, pages: PageFetcher) -> Agent:
    """Raw items that need their page, with the page (or why not) on ``news.pages``."""
    min_chars = shared.settings.fulltext_min_chars

    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            try:
                raw = RawArticle.from_json(event.value)
            except Exception:  # noqa: BLE001, S112 - the clean agent dead-letters it
                continue
            if needs_page(raw, min_chars):
                paged = await pages.attach(raw)
                PAGES.labels("ok" if paged.page else "failed").inc()
                await shared.forward(event, "fetch", "pages", paged.to_json())

    return agent


def clean_agent(shared: Enrichment) -> Agent:
    """Clean text of raw items (those not waiting for a page) and of fetched pages, in the
    clean process, with the story each belongs to."""
    settings = shared.settings
    paged = settings.topic("pages")
    seconds = STAGE_SECONDS.labels("clean")

    async def clean(events: list[EventT]) -> list[Cleaned]:
        return await shared.cleaner.clean([(e.value, e.message.topic == paged) for e in events])

    async def send(events: list[EventT], results: list[Cleaned]) -> None:
        for event, result in zip(events, results, strict=True):
            if result.error is not None:
                await shared.fail(event, "clean", result.error)
                continue
            if result.article is None:  # it waits for its page
                continue
            try:
                now = datetime.now(UTC)
                article = with_story(result.article, shared.stories, now, shared.window)
            except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
                await shared.fail(event, "clean", error_info(exc))
                continue
            seconds.observe(result.seconds)
            await shared.forward(event, "clean", "clean", article.to_json())

    async def agent(stream: faust.StreamT) -> None:
        # take_events is on faust.Stream, not on its StreamT protocol
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.clean_batch_size, within=settings.clean_batch_seconds
        )
        await InFlight(2, clean, send).run(batches)

    return agent


def tag_agent(shared: Enrichment) -> Agent:
    """Batches cut into NLP jobs, one per NLP process and one queued (so no process waits while
    results are sent); a job's results are sent once it is done, in each article's order, and
    its offsets committed in each partition's order (``InFlight``)."""
    settings = shared.settings
    processes = settings.nlp_processes
    seconds = STAGE_SECONDS.labels("tag")

    async def tag(events: list[EventT]) -> list[Outcome]:
        return await shared.pool.tag([e.value for e in events])

    async def send(events: list[EventT], outcomes: list[Outcome]) -> None:
        for event, outcome in zip(events, outcomes, strict=True):
            seconds.observe(outcome.seconds)
            if isinstance(outcome.result, ErrorInfo):
                await shared.fail(event, "tag", outcome.result)
            else:
                await shared.forward(event, "tag", "tagged", outcome.result)

    async def cut(batches: AsyncIterator[list[EventT]]) -> AsyncIterator[list[EventT]]:
        """Each batch as the pool's jobs, which then finish one by one."""
        async for events in batches:
            start = 0
            for job in jobs([e.value for e in events], settings.nlp_job_bytes, processes):
                yield events[start : start + len(job)]
                start += len(job)

    async def agent(stream: faust.StreamT) -> None:
        # take_events is on faust.Stream, not on its StreamT protocol
        batches = stream.take_events(  # type: ignore[attr-defined]
            settings.nlp_batch_size, within=settings.nlp_batch_seconds
        )
        await InFlight(processes + 1, tag, send).run(cut(batches))

    return agent


def claims_agent(shared: Enrichment) -> Agent:
    """Claims and the event of each tagged article: the claims to ``news.claims`` (keyed by
    claimant), then the event, with its headers, to ``news.events``."""
    seconds = STAGE_SECONDS.labels("claims")
    claims_topic = shared.topics["claims"]

    async def agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            started = time.perf_counter()
            try:
                published = claims_message(event.value, shared.aliases)
            except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
                await shared.fail(event, "claims", error_info(exc))
                continue
            seconds.observe(time.perf_counter() - started)
            for key, message in published.claims:
                await claims_topic.send(key=key, value=message)
            await shared.forward(event, "claims", "events", published.value, published.headers)

    return agent
