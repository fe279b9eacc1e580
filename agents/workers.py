"""The thin Faust agents: take from a topic, call the stage, send the result on.

A message a stage cannot process goes to the dead-letter topic with the error; the agent
never raises (Faust would ack the event and lose it) and keeps going.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import faust
from faust.types import EventT

from agents.clean import clean_article
from agents.events import claim_messages, finish
from pipeline import __version__
from pipeline.deadletters import MessageTooLarge, check_size, dead_letter, error_info
from pipeline.metrics import DEAD_LETTERS, STAGE_MESSAGES, STAGE_SECONDS
from pipeline.nlp_pool import NlpPool
from pipeline.records import ErrorInfo, RawArticle, SourceRef, TaggedArticle
from pipeline.settings import Settings


@dataclass(frozen=True)
class Output:
    """A stage's result: the value to send on, its headers, and keyed side messages."""

    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)
    side: list[tuple[bytes, bytes]] = field(default_factory=list)


Stage = Callable[[bytes], Output]


def clean_stage(value: bytes) -> Output:
    return Output(clean_article(RawArticle.from_json(value)).to_json())


def claims_stage(value: bytes) -> Output:
    """The event, with routing headers, and one message per claim keyed by claimant."""
    event = finish(TaggedArticle.from_json(value), __version__)
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

    def __init__(self, app: faust.App, settings: Settings, pool: NlpPool) -> None:
        self.settings = settings
        self.pool = pool
        topic = {
            name: app.topic(settings.topic(name))
            for name in ("raw", "clean", "tagged", "events", "claims", "deadletter")
        }
        self.deadletters = topic["deadletter"]
        app.agent(topic["raw"], name="clean")(self._map("clean", clean_stage, topic["clean"]))
        app.agent(topic["clean"], name="tag")(self._tag(topic["tagged"]))
        claims = self._map("claims", claims_stage, topic["events"], side=topic["claims"])
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

    def _tag(self, out: faust.TopicT) -> Callable[[faust.StreamT], Awaitable[None]]:
        size, within = self.settings.nlp_batch_size, self.settings.nlp_batch_seconds

        async def agent(stream: faust.StreamT) -> None:
            # take_events is on faust.Stream, not on its StreamT protocol
            batches = stream.take_events(size, within=within)  # type: ignore[attr-defined]
            seconds = STAGE_SECONDS.labels("tag")
            async for events in batches:
                started = time.perf_counter()
                outcomes = await self.pool.tag([e.value for e in events])
                per_message = (time.perf_counter() - started) / len(events)
                for _ in events:
                    seconds.observe(per_message)
                for event, outcome in zip(events, outcomes, strict=True):
                    if outcome.value is None:
                        error = ErrorInfo(type=outcome.error_type, message=outcome.error_message)
                        await self.fail(event, "tag", error)
                    else:
                        await self.forward(event, "tag", out, outcome.value)

        return agent
