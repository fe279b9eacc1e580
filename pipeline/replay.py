"""``newswire replay``: re-run enrichment over past raw or clean messages, in process.

Replaying raw messages reads ``news.pages`` too, as the worker does: an item that had its page
fetched is enriched from the page kept there, never fetched again. Duplicate detection needs
the live index, so replayed events carry no ``story_id``/``duplicate_of``; entity aliases are
read from the workers' alias table when the replay starts.

It reads without a consumer group (assigned partitions, nothing committed), so it never
touches the live workers' group, and stops at the end offsets seen when it started unless
it follows. Failures are dead-lettered like the worker does; the same input, pipeline
version and model give the same ``event_id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from agents.nlp_pool import tag_payloads
from pipeline import __version__
from pipeline.deadletters import check_size, dead_letter, error_info
from pipeline.kafka.producer import producer
from pipeline.kafka.reader import Message, Start, TopicReader, millis, read_table
from pipeline.kafka.security import client_options
from pipeline.kafka.topics import ALIASES_TABLE, ensure_topics
from pipeline.records import ErrorInfo, PipelineInfo, SourceRef, TaggedArticle
from pipeline.settings import Settings
from pipeline.stages.events import finish
from pipeline.stages.fulltext import clean_stage
from pipeline.stages.nlp import model_info, shared_model

Kind = Literal["raw", "clean"]
Bound = int | datetime | None
Output = tuple[str, bytes | None, bytes]  # "events" or "deadletter", key, value


@dataclass(frozen=True)
class Plan:
    """What to replay: ``sources`` (raw and pages, or clean) from ``start`` up to ``stop``."""

    sources: tuple[str, ...]
    kind: Kind
    target: str
    start: Start
    stop: Bound = None  # exclusive: an offset of every partition, or a time
    follow: bool = False


@dataclass
class Summary:
    read: int = 0
    emitted: int = 0
    deadlettered: int = 0
    skipped: int = 0
    started: float = field(default_factory=time.monotonic)


def make_plan(
    settings: Settings, topic: str, target: str, start: Start, stop: Bound, follow: bool
) -> Plan:
    """Check the topics and bounds (ValueError) and name them in full."""
    kinds: dict[str, Kind] = {"raw": "raw", "clean": "clean"}
    kinds |= {settings.topic(k): v for k, v in list(kinds.items())}
    if topic not in kinds:
        raise ValueError(f"--topic must be raw or clean, not {topic!r}")
    full_target = settings.topic("events") if target == "events" else target
    internal = {
        settings.topic(n) for n in ("raw", "pages", "clean", "tagged", "deadletter", "feeds")
    }
    if full_target in internal:
        raise ValueError(f"cannot replay into the pipeline's own topic {full_target}")
    if follow and stop is not None:
        raise ValueError("--follow and --to exclude each other")
    if start == "end":
        raise ValueError("--from end would replay nothing")
    kind = kinds[topic]
    sources = ("raw", "pages") if kind == "raw" else ("clean",)
    return Plan(tuple(map(settings.topic, sources)), kind, full_target, start, stop, follow)


def before_stop(record: Message, stop: Bound) -> bool:
    if isinstance(stop, int):
        return record.offset < stop
    if isinstance(stop, datetime):
        return record.timestamp < millis(stop)
    return True


def enrich_records(
    records: Sequence[Message],
    kind: Kind,
    settings: Settings,
    aliases: MutableMapping[str, str] | None = None,
) -> list[Output]:
    """The events and dead letters of ``records``: the worker's stages, run in process
    (``aliases``: the entity aliases to use and extend, as the worker's table)."""
    outputs: list[Output] = []
    limit = settings.max_message_bytes

    def fail(record: Message, stage: str, error: ErrorInfo, payload: bytes) -> None:
        source = SourceRef(topic=record.topic, partition=record.partition, offset=record.offset)
        letter = dead_letter(
            stage=stage,
            error=error,
            payload=payload,
            key=record.key,
            source=source,
            payload_limit=settings.deadletter_payload_bytes,
        )
        outputs.append(("deadletter", record.key, letter.to_json()))

    cleaned: list[tuple[Message, bytes]] = []
    min_chars = settings.fulltext_min_chars if settings.fulltext else None
    for record in records:
        value = record.value or b""
        try:
            if kind == "raw":
                paged = record.topic == settings.topic("pages")
                article = clean_stage(value, paged, min_chars)
                if article is None:  # its page is on news.pages
                    continue
                value = check_size(article.to_json(), limit)
            cleaned.append((record, value))
        except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
            fail(record, "clean", error_info(exc), value)
    outcomes = tag_payloads(settings.model, [value for _, value in cleaned])
    for (record, value), outcome in zip(cleaned, outcomes, strict=True):
        if outcome.value is None:
            error = ErrorInfo(type=outcome.error_type, message=outcome.error_message)
            fail(record, "tag", error, value)
            continue
        try:
            check_size(outcome.value, limit)
        except ValueError as exc:
            fail(record, "tag", error_info(exc), value)
            continue
        try:
            tagged = TaggedArticle.from_json(outcome.value)
            event = finish(tagged, __version__, aliases).to_json()
            outputs.append(("events", record.key, check_size(event, limit)))
        except Exception as exc:  # noqa: BLE001 - every failure is dead-lettered
            fail(record, "claims", error_info(exc), outcome.value)
    return outputs


def current_pipeline(settings: Settings) -> PipelineInfo:
    return PipelineInfo(version=__version__, model=model_info(shared_model(settings.model)))


async def latest_pipelines(bootstrap: str, topic: str, settings: Settings) -> set[PipelineInfo]:
    """``pipeline`` of the last event of each partition of ``topic`` (cheap: one per partition)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=settings.max_message_bytes,
        fetch_max_bytes=settings.max_message_bytes,
        **client_options(settings),
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            return set()
        consumer.assign(partitions)
        firsts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        wanted = {tp for tp in partitions if ends[tp] > firsts[tp]}
        for tp in wanted:
            consumer.seek(tp, ends[tp] - 1)
        found: set[PipelineInfo] = set()
        while wanted:
            fetched = await consumer.getmany(*wanted, timeout_ms=2000, max_records=1)
            if not fetched:
                break
            for tp, records in fetched.items():
                wanted.discard(tp)
                found |= {
                    PipelineInfo.model_validate(orjson.loads(r.value)["pipeline"]) for r in records
                }
        return found
    finally:
        await consumer.stop()


async def _batches(reader: TopicReader, follow: bool) -> AsyncIterator[list[Message]]:
    async for batch in reader.batches_until_end():
        yield batch
    if follow:
        async for batch in reader.batches(idle_seconds=None):
            yield batch


async def replay(
    bootstrap: str,
    settings: Settings,
    plan: Plan,
    summary: Summary,
    progress: Callable[[int], None],
    on_total: Callable[[int], None],
) -> None:
    """Run ``plan``, counting into ``summary``; ``on_total`` gets the backlog seen at start."""
    await ensure_topics(bootstrap, settings, extra=[plan.target])
    await asyncio.to_thread(shared_model, settings.model)
    aliases = await read_table(bootstrap, settings, ALIASES_TABLE)  # as the workers know them
    reader = TopicReader(bootstrap, list(plan.sources), settings)
    client = producer(bootstrap, settings)
    await reader.start(at=plan.start)
    await client.start()
    try:
        on_total(await reader.backlog())
        size = settings.nlp_batch_size
        async for batch in _batches(reader, plan.follow):
            for at in range(0, len(batch), size):
                chunk = batch[at : at + size]
                wanted = [r for r in chunk if before_stop(r, plan.stop)]
                outputs = await asyncio.to_thread(
                    enrich_records, wanted, plan.kind, settings, aliases
                )
                for kind, key, value in outputs:
                    topic = plan.target if kind == "events" else settings.topic("deadletter")
                    await client.send(topic, value, key=key)
                summary.read += len(chunk)
                summary.skipped += len(chunk) - len(wanted)
                summary.emitted += sum(kind == "events" for kind, _, _ in outputs)
                summary.deadlettered += sum(kind == "deadletter" for kind, _, _ in outputs)
                progress(len(chunk))
    finally:
        summary.skipped += reader.skipped
        await client.flush()
        await client.stop()
        await reader.stop()


def describe(summary: Summary, plan: Plan, used: PipelineInfo, before: set[PipelineInfo]) -> str:
    """The summary lines: counts, then whether the event ids can match the originals."""
    elapsed = time.monotonic() - summary.started
    lines = [
        f"replay: {summary.read} read, {summary.emitted} emitted to {plan.target}, "
        f"{summary.deadlettered} dead-lettered, {summary.skipped} skipped in {elapsed:.1f}s"
    ]
    name = f"pipeline {used.version} with {used.model.name} {used.model.version}"
    others = before - {used}
    if not before:
        lines.append(f"{name}; no earlier events to compare with")
    elif others:
        seen = ", ".join(
            sorted(f"{p.version} with {p.model.name} {p.model.version}" for p in others)
        )
        lines.append(f"{name} differs from the latest events ({seen}): new event ids")
    else:
        lines.append(f"{name}, as the latest events: same event ids for the same input")
    return "\n".join(lines)
