"""The thin Faust agents: take from a topic, call the stage, send the result on.

A message a stage cannot process goes to the dead-letter topic with the error; the agent
never raises (Faust would ack the event and lose it) and keeps going.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

import faust
from faust.types import EventT

from agents.clean_pool import Cleaned, CleanPool
from agents.inflight import InFlight
from agents.nlp_pool import NlpPool, Outcome, jobs
from agents.tables import TextTable, global_table
from pipeline import __version__
from pipeline.deadletters import MessageTooLarge, check_size, dead_letter, error_info
from pipeline.kafka.topics import ALIASES_TABLE, STORIES_TABLE
from pipeline.metrics import DEAD_LETTERS, PAGES, STAGE_MESSAGES, STAGE_SECONDS
from pipeline.pages.fetch import PageFetcher
from pipeline.records import (
    ErrorInfo,
    RawArticle,
    SourceRef,
    TaggedArticle,
)
from pipeline.settings import Settings
from pipeline.stages.events import claim_messages, finish
from pipeline.stages.fulltext import needs_page
from pipeline.stages.stories import StoryIndex, assign_story, expired


@dataclass(frozen=True)
class Output:
    """A stage's result: the value to send on, its headers, and keyed side messages."""

    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)
    side: list[tuple[bytes, bytes]] = field(default_factory=list)


Stage = Callable[[bytes], Output]


def claims_stage(value: bytes, aliases: MutableMapping[str, str]) -> Output:
    """The event, with routing headers, and one message per claim keyed by claimant."""
    event = finish(TaggedArticle.from_json(value), __version__, aliases)
    headers = {
        "content-type": b"application/json",
        "schema-version": str(event.schema_version).encode(),
        "event-id": event.event_id.encode(),
        "article-id": event.article.id.encode(),
    }
    claims = [(m.claimant_key.encode(), m.to_json()) for m in claim_messages(event)]
    return Output(event.to_json(), headers, claims)


class Stages:
    """The agents of one app, wired to its topics."""

    def __init__(
        self, app: faust.App, settings: Settings, cleaner: CleanPool, pool: NlpPool
    ) -> None:
        self.settings = settings
        self.cleaner = cleaner
        self.pool = pool
        names = ("raw", "pages", "clean", "tagged", "events", "claims", "deadletter")
        topic = {name: app.topic(settings.topic(name)) for name in names}
        self.deadletters = topic["deadletter"]
        self.stories = StoryIndex()
        self.stories.docs = global_table(app, STORIES_TABLE, on_change=self.stories.learn)
        aliases = TextTable(global_table(app, ALIASES_TABLE))
        app.timer(3600.0)(self._forget_stories)
        if settings.fulltext:
            self.pages = PageFetcher(settings)
            fetch = app.agent(topic["raw"], name="fetch", concurrency=settings.page_concurrency)
            fetch(self._fetch(topic["pages"]))
            # mode types receivers too narrowly for a bound coroutine method
            app.on_before_shutdown.connect(self._close_pages)  # type: ignore[arg-type]
        inputs = app.topic(settings.topic("raw"), settings.topic("pages"))
        app.agent(inputs, name="clean")(self._clean(topic["clean"]))
        app.agent(topic["clean"], name="tag")(self._tag(topic["tagged"]))
        claims = self._map(
            "claims", partial(claims_stage, aliases=aliases), topic["events"], side=topic["claims"]
        )
        app.agent(topic["tagged"], name="claims")(claims)

    async def fail(self, event: EventT, stage: str, error: ErrorInfo) -> None:
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
        )
        await self.deadletters.send(key=message.key, value=letter.to_json())
        STAGE_MESSAGES.labels(stage, "deadletter").inc()
        DEAD_LETTERS.labels(stage).inc()

    async def forward(
        self,
        event: EventT,
        stage: str,
        out: faust.TopicT,
        value: bytes,
        headers: dict[str, bytes] | None = None,
    ) -> None:
        """Send ``value`` on, or dead-letter the input when the result is too large."""
        try:
            check_size(value, self.settings.max_message_bytes)
        except MessageTooLarge as exc:
            await self.fail(event, stage, error_info(exc))
            return
        await out.send(key=event.key, value=value, headers=headers)
        STAGE_MESSAGES.labels(stage, "ok").inc()

    def _map(
        self, stage: str, fn: Stage, out: faust.TopicT, side: faust.TopicT | None = None
    ) -> Callable[[faust.StreamT], Awaitable[None]]:
        """An agent sending ``fn``'s result to ``out`` and its keyed side messages to ``side``."""

        async def agent(stream: faust.StreamT) -> None:
            seconds = STAGE_SECONDS.labels(stage)
            async for event in stream.events():
                started = time.perf_counter()
                try:
                    output = fn(event.value)
                except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
                    await self.fail(event, stage, error_info(exc))
                    continue
                seconds.observe(time.perf_counter() - started)
                if side is not None:
                    for key, message in output.side:
                        await side.send(key=key, value=message)
                await self.forward(event, stage, out, output.value, output.headers)

        return agent

    def _fetch(self, out: faust.TopicT) -> Callable[[faust.StreamT], Awaitable[None]]:
        """Raw items that need their page, with the page (or why not) on ``news.pages``."""
        min_chars = self.settings.fulltext_min_chars

        async def agent(stream: faust.StreamT) -> None:
            async for event in stream.events():
                try:
                    raw = RawArticle.from_json(event.value)
                except Exception:  # noqa: BLE001, S112 - the clean agent dead-letters it
                    continue
                if needs_page(raw, min_chars):
                    paged = await self.pages.attach(raw)
                    PAGES.labels("ok" if paged.page else "failed").inc()
                    await self.forward(event, "fetch", out, paged.to_json())

        return agent

    def _clean(self, out: faust.TopicT) -> Callable[[faust.StreamT], Awaitable[None]]:
        """Clean text of raw items (those not waiting for a page) and of fetched pages, in the
        clean process, with the story each belongs to."""
        settings = self.settings
        paged = settings.topic("pages")
        window = timedelta(days=settings.story_window_days)
        seconds = STAGE_SECONDS.labels("clean")

        async def clean(events: list[EventT]) -> list[Cleaned]:
            return await self.cleaner.clean([(e.value, e.message.topic == paged) for e in events])

        async def send(events: list[EventT], results: list[Cleaned]) -> None:
            for event, result in zip(events, results, strict=True):
                article = result.article
                if result.error is not None:
                    await self.fail(event, "clean", result.error)
                    continue
                if article is None:
                    continue
                try:
                    now = datetime.now(UTC)
                    story = assign_story(article.id, article.text, now, self.stories, window)
                except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
                    await self.fail(event, "clean", error_info(exc))
                    continue
                seconds.observe(result.seconds)
                update = {"story_id": story.story_id, "duplicate_of": story.duplicate_of}
                await self.forward(event, "clean", out, article.model_copy(update=update).to_json())

        async def agent(stream: faust.StreamT) -> None:
            # take_events is on faust.Stream, not on its StreamT protocol
            batches = stream.take_events(  # type: ignore[attr-defined]
                settings.clean_batch_size, within=settings.clean_batch_seconds
            )
            await InFlight(2, clean, send).run(batches)

        return agent

    async def _close_pages(
        self, sender: object, *args: object, signal: object, **kwargs: object
    ) -> None:
        await self.pages.close()

    async def _forget_stories(self) -> None:
        expired(self.stories, datetime.now(UTC), timedelta(days=self.settings.story_window_days))

    def _tag(self, out: faust.TopicT) -> Callable[[faust.StreamT], Awaitable[None]]:
        """Batches cut into NLP jobs, one per NLP process and one queued (so no process waits
        while results are sent); a job's results are sent once it is done, in each article's
        order, and its offsets committed in each partition's order (``InFlight``)."""
        size, within = self.settings.nlp_batch_size, self.settings.nlp_batch_seconds
        job_bytes, processes = self.settings.nlp_job_bytes, self.settings.nlp_processes
        seconds = STAGE_SECONDS.labels("tag")

        async def tag(events: list[EventT]) -> list[Outcome]:
            return await self.pool.tag([e.value for e in events])

        async def send(events: list[EventT], outcomes: list[Outcome]) -> None:
            for event, outcome in zip(events, outcomes, strict=True):
                seconds.observe(outcome.seconds)
                if outcome.value is None:
                    error = ErrorInfo(type=outcome.error_type, message=outcome.error_message)
                    await self.fail(event, "tag", error)
                else:
                    await self.forward(event, "tag", out, outcome.value)

        async def cut(batches: AsyncIterator[list[EventT]]) -> AsyncIterator[list[EventT]]:
            """Each batch as the pool's jobs, which then finish one by one."""
            async for events in batches:
                start = 0
                for job in jobs([event.value for event in events], job_bytes, processes):
                    yield events[start : start + len(job)]
                    start += len(job)

        async def agent(stream: faust.StreamT) -> None:
            # take_events is on faust.Stream, not on its StreamT protocol
            batches = stream.take_events(size, within=within)  # type: ignore[attr-defined]
            await InFlight(processes + 1, tag, send).run(cut(batches))

        return agent
