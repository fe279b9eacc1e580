"""``newswire replay``: re-run enrichment over past raw or clean messages, in process.

It runs the worker's chain of stages (``pipeline.stages.chain``) and sends what the worker
sends: events with their headers, one claims message per claim, dead letters. Replaying raw
messages reads ``news.pages`` too, as the worker does: an item that had its page fetched is
enriched from the page kept there, never fetched again. Duplicate detection needs the live
index, so replayed events carry no ``story_id``/``duplicate_of``; entity aliases are read
from the workers' alias table when the replay starts.

It reads without a consumer group (assigned partitions, nothing committed), so it never
touches the live workers' group, and stops at the end offsets seen when it started unless
it follows. Failures are dead-lettered like the worker does; the same input, pipeline
version and model give the same ``event_id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline import __version__
from pipeline.deadletters import dead_letter
from pipeline.kafka.producer import producer
from pipeline.kafka.reader import Message, Start, TopicReader, millis, read_table
from pipeline.kafka.security import client_options
from pipeline.kafka.topics import ALIASES_TABLE, ensure_topics
from pipeline.records import DeadLetter, PipelineInfo, SourceRef
from pipeline.redrive import read_letters
from pipeline.settings import Settings
from pipeline.stages.chain import Chain, CleanRules, Failure, RawMessage, decode_clean
from pipeline.stages.nlp import model_info, shared_model

Kind = Literal["raw", "clean"]
Bound = int | datetime | None


@dataclass(frozen=True)
class Send:
    """A message to send: topic, key, value, headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What to replay: ``sources`` (raw and pages, or clean) from ``start`` up to ``stop``,
    events to ``target`` and claims to ``claims_target``."""

    sources: tuple[str, ...]
    kind: Kind
    target: str
    claims_target: str
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
    settings: Settings,
    topic: str,
    target: str,
    start: Start,
    stop: Bound,
    follow: bool,
    claims_target: str | None = None,
) -> Plan:
    """Check the topics and bounds (ValueError) and name them in full. Claims go to the
    claims topic when events go to the events topic, else by default to ``TARGET.claims``."""
    kinds: dict[str, Kind] = {"raw": "raw", "clean": "clean"}
    kinds |= {settings.topic(k): v for k, v in list(kinds.items())}
    if topic not in kinds:
        raise ValueError(f"--topic must be raw or clean, not {topic!r}")
    full_target = settings.named_topic(target)
    if claims_target is None:
        live = full_target == settings.topic("events")
        claims_target = "claims" if live else f"{full_target}.claims"
    full_claims = settings.named_topic(claims_target)
    internal = {
        settings.topic(n) for n in ("raw", "pages", "clean", "tagged", "deadletter", "feeds")
    }
    for name in (full_target, full_claims):
        if name in internal:
            raise ValueError(f"cannot replay into the pipeline's own topic {name}")
    if full_target == full_claims:
        raise ValueError("events and claims need topics of their own")
    if follow and stop is not None:
        raise ValueError("--follow and --to exclude each other")
    if start == "end":
        raise ValueError("--from end would replay nothing")
    kind = kinds[topic]
    sources = ("raw", "pages") if kind == "raw" else ("clean",)
    names = tuple(map(settings.topic, sources))
    return Plan(names, kind, full_target, full_claims, start, stop, follow)


def before_stop(record: Message, stop: Bound) -> bool:
    if isinstance(stop, int):
        return record.offset < stop
    if isinstance(stop, datetime):
        return record.timestamp < millis(stop)
    return True


Failed = tuple[str, int, int, str, str, str]
"""A failure as its dead letter records it: source topic, partition, offset, stage, error."""


def failed_as(letter: DeadLetter) -> Failed | None:
    source = letter.source
    if source is None:
        return None
    error = letter.error
    return (source.topic, source.partition, source.offset, letter.stage, error.type, error.message)


def enrich_records(
    records: Sequence[Message],
    plan: Plan,
    chain: Chain,
    settings: Settings,
    lettered: Set[Failed] = frozenset(),
) -> tuple[list[Send], int]:
    """What the worker would send for ``records``: the chain's events with their headers and
    claims, and dead letters, but for the failures ``lettered`` already, which are counted
    (run in the main thread: body extraction's time limit is a SIGALRM)."""
    if plan.kind == "raw":
        pages = settings.topic("pages")
        results = chain.run([RawMessage(r.value or b"", r.topic == pages) for r in records])
    else:
        results = chain.publish(chain.tag(decode_clean([r.value or b"" for r in records])))
    sends: list[Send] = []
    repeated = 0
    for record, result in zip(records, results, strict=True):
        if isinstance(result, Failure):
            source = SourceRef(topic=record.topic, partition=record.partition, offset=record.offset)
            letter = dead_letter(
                stage=result.stage,
                error=result.error,
                payload=result.payload,
                key=record.key,
                source=source,
                payload_limit=settings.deadletter_payload_bytes,
                headers=record.headers,
            )
            if failed_as(letter) in lettered:
                repeated += 1
            else:
                sends.append(Send(settings.topic("deadletter"), record.key, letter.to_json()))
        elif result is not None:
            sends += [Send(plan.claims_target, key, value) for key, value in result.claims]
            sends.append(Send(plan.target, record.key, result.value, result.headers))
    return sends, repeated


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
    await ensure_topics(bootstrap, settings, extra=[plan.target, plan.claims_target])
    nlp = await asyncio.to_thread(shared_model, settings.model)
    aliases = await read_table(bootstrap, settings, ALIASES_TABLE)  # as the workers know them
    letters = await read_letters(bootstrap, settings)
    lettered = {found for item in letters if (found := failed_as(item.letter)) is not None}
    chain = Chain(
        nlp,
        CleanRules.from_settings(settings),
        max_bytes=settings.max_message_bytes,
        aliases=aliases,
    )
    reader = TopicReader(bootstrap, list(plan.sources), settings)
    client = producer(bootstrap, settings)
    await reader.start(at=plan.start)
    await client.start()
    try:
        on_total(await reader.backlog())
        size = settings.nlp_batch_size
        dead = settings.topic("deadletter")
        async for batch in _batches(reader, plan.follow):
            for at in range(0, len(batch), size):
                chunk = batch[at : at + size]
                wanted = [r for r in chunk if before_stop(r, plan.stop)]
                sends, repeated = enrich_records(wanted, plan, chain, settings, lettered)
                for send in sends:
                    headers = list(send.headers.items())
                    await client.send(send.topic, send.value, key=send.key, headers=headers)
                summary.read += len(chunk)
                summary.skipped += len(chunk) - len(wanted) + repeated
                summary.emitted += sum(send.topic == plan.target for send in sends)
                summary.deadlettered += sum(send.topic == dead for send in sends)
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
