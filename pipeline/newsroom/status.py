"""What the feeds and pipeline pages show from Kafka: feed status, consumer lag per stage,
dead letters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline.ingest import store_group
from pipeline.kafka.security import client_options
from pipeline.poller.registry import read_registry, read_states
from pipeline.poller.report import feed_rows
from pipeline.redrive import Letter, read_letters
from pipeline.settings import Settings

#: Which stage reads each topic (the worker's agents, then the store).
READERS = (
    ("raw", "fetch, clean"),
    ("pages", "clean"),
    ("clean", "tag"),
    ("tagged", "claims"),
    ("events", "store"),
)


@dataclass(frozen=True)
class Lag:
    """How far a stage's consumer group is behind the end of its input topic."""

    topic: str
    stage: str
    group: str
    end: int
    committed: int
    lag: int


async def feeds(bootstrap: str, settings: Settings) -> list[dict[str, Any]]:
    """Each registered feed's status, as ``feeds list`` has it."""
    return feed_rows(
        await read_registry(bootstrap, settings), await read_states(bootstrap, settings)
    )


async def _group_lag(
    bootstrap: str, settings: Settings, group: str, topics: list[tuple[str, str]]
) -> list[Lag]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        **client_options(settings),
    )
    await consumer.start()
    try:
        found = []
        for short, stage in topics:
            topic = settings.topic(short)
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
            if not partitions:
                continue
            ends = await consumer.end_offsets(partitions)
            committed = {tp: await consumer.committed(tp) or 0 for tp in partitions}
            end, done = sum(ends.values()), sum(committed.values())
            lag = sum(max(0, ends[tp] - committed[tp]) for tp in partitions)
            found.append(Lag(topic, stage, group, end, done, lag))
        return found
    finally:
        await consumer.stop()


async def lags(bootstrap: str, settings: Settings) -> list[Lag]:
    """The lag of every stage: the worker's group on its four inputs, the store's on events.
    On the embedded broker an end offset can fall short of the real end by a batch, so a
    lag shown there is a lower bound."""
    worker = [(short, stage) for short, stage in READERS if short != "events"]
    return [
        *await _group_lag(bootstrap, settings, settings.app_id, worker),
        *await _group_lag(bootstrap, settings, store_group(settings), [READERS[-1]]),
    ]


async def letters(bootstrap: str, settings: Settings) -> list[Letter]:
    """Every dead letter, newest first, with what was done with it."""
    return list(reversed(await read_letters(bootstrap, settings)))


def letter_row(item: Letter) -> dict[str, str]:
    """A dead letter as the pipeline page lists it."""
    letter = item.letter
    state = "redriven" if item.redriven else "discarded" if item.discarded else ""
    if letter.repeat_of:
        state = f"repeat of {letter.repeat_of.partition}/{letter.repeat_of.offset} {state}"
    if letter.payload_truncated:
        state += " truncated"
    return {
        "failed": f"{letter.failed_at:%Y-%m-%d %H:%M:%S}",
        "stage": letter.stage,
        "ref": item.ref,
        "key": letter.key or "",
        "error": f"{letter.error.type}: {letter.error.message}"[:200],
        "state": state.strip() or "waiting",
    }
