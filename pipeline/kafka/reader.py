"""Reading topics without a consumer group, from a chosen start (tail, replay, redrive, tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from itertools import takewhile
from typing import Literal, Protocol, TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from pipeline.kafka.security import client_options
from pipeline.kafka.topics import table_topic
from pipeline.settings import Settings

Start = Literal["beginning", "end"] | int | datetime


Message: TypeAlias = "ConsumerRecord[bytes, bytes]"


class MissingTopic(LookupError):
    """A topic to read does not exist on the broker."""


def parse_start(text: str) -> Start:
    """``beginning``, ``end``, an OFFSET (``-N``: N before the end), or an ISO 8601 TIME (a
    naive time is UTC)."""
    if text in ("beginning", "end"):
        return "beginning" if text == "beginning" else "end"
    if text.removeprefix("-").isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not beginning, end, an offset or an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def millis(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class TopicReader:
    """Reads every partition of ``topics`` without a consumer group, from a fixed start."""

    def __init__(self, bootstrap: str, topics: Sequence[str], settings: Settings) -> None:
        self.topics = list(topics)
        self.bootstrap = bootstrap
        self.settings = settings
        self.not_before: int | None = None  # ms; earlier records are skipped (a TIME start)
        self.skipped = 0
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=settings.max_message_bytes,
            fetch_max_bytes=settings.max_message_bytes,
            **client_options(settings),
        )

    async def start(
        self, from_beginning: bool = False, wait: float = 30.0, *, at: Start | None = None
    ) -> None:
        """Connect and fix the start positions, so nothing produced after this is missed.

        ``at`` (default: the beginning or the end) may be an offset, applied to every
        partition, or a time: the first offset at or after it by ``offsets_for_times``, and
        earlier records are skipped as well (Tansu answers per batch, and with offset 0 for
        a time in the future). Topics that do not exist yet are waited for (up to ``wait`` s).
        """
        await self._wait_for_topics(wait)
        await self.consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in self.topics
            for p in sorted(self.consumer.partitions_for_topic(topic) or ())
        ]
        self.consumer.assign(partitions)
        position = at if at is not None else "beginning" if from_beginning else "end"
        await self._seek(partitions, position)
        for tp in partitions:
            await self.consumer.position(tp)

    async def _seek(self, partitions: list[TopicPartition], at: Start) -> None:
        if at == "beginning":
            await self.consumer.seek_to_beginning(*partitions)
        elif at == "end":
            await self.consumer.seek_to_end(*partitions)
        elif isinstance(at, int):
            firsts = await self.consumer.beginning_offsets(partitions)
            ends = await self.consumer.end_offsets(partitions) if at < 0 else {}
            for tp in partitions:
                offset = ends[tp] + at if at < 0 else at
                self.consumer.seek(tp, max(offset, firsts[tp]))
        elif isinstance(at, datetime):
            self.not_before = millis(at)
            found = await self.consumer.offsets_for_times(
                dict.fromkeys(partitions, self.not_before)
            )
            for tp, hit in found.items():
                if hit is None:
                    await self.consumer.seek_to_end(tp)
                else:
                    self.consumer.seek(tp, hit.offset)

    async def _wait_for_topics(self, wait: float) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, **client_options(self.settings)
        )
        await admin.start()
        try:
            deadline = time.monotonic() + wait
            while missing := set(self.topics) - set(await admin.list_topics()):
                if time.monotonic() > deadline:
                    raise MissingTopic(f"no such topic: {', '.join(sorted(missing))}")
                await asyncio.sleep(0.5)
        finally:
            await admin.close()

    def _wanted(self, records: list[Message]) -> list[Message]:
        if self.not_before is None:
            return records
        kept = [r for r in records if r.timestamp >= self.not_before]
        self.skipped += len(records) - len(kept)
        return kept

    async def batches(self, idle_seconds: float | None) -> AsyncIterator[list[Message]]:
        """Records in fetched batches as they arrive; ends after ``idle_seconds`` without any."""
        while True:
            fetched = await self.consumer.getmany(timeout_ms=int(1000 * (idle_seconds or 1.0)))
            if not fetched and idle_seconds is not None:
                return
            batch = self._wanted([r for records in fetched.values() for r in records])
            if batch:
                yield batch

    async def records(self, idle_seconds: float | None) -> AsyncIterator[Message]:
        """Records as they arrive; ends after ``idle_seconds`` without any (None: never)."""
        async for batch in self.batches(idle_seconds):
            for record in batch:
                yield record

    async def backlog(self) -> int:
        """Records between the positions and the end offsets (a lower bound on Tansu)."""
        partitions = list(self.consumer.assignment())
        ends = await self.consumer.end_offsets(partitions)
        return sum([max(0, ends[tp] - await self.consumer.position(tp)) for tp in partitions])

    async def batches_until_end(self, settle: float = 0.5) -> AsyncIterator[list[Message]]:
        """Fetched batches of every record up to the end seen now.

        On Tansu the end offset is the last batch's base offset + 1, short of the real end
        when that batch holds several records; so past the end offsets, records stamped
        before now are still read, until a later one arrives or none for ``settle`` s.
        """
        now = int(time.time() * 1000)
        partitions = list(self.consumer.assignment())
        ends = await self.consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if await self.consumer.position(tp) < ends[tp]}
        settling = set(partitions) - pending
        while pending or settling:
            wait = 1.0 if pending else settle
            fetched = await self.consumer.getmany(
                *(pending | settling), timeout_ms=int(1000 * wait)
            )
            if not fetched and not pending:
                return
            batch: list[Message] = []
            for tp, records in fetched.items():
                old = _older(records, ends[tp], now)
                batch += old
                if len(old) < len(records):  # the rest is newer: left for ``records``
                    self.consumer.seek(tp, records[len(old)].offset)
                    pending.discard(tp)
                    settling.discard(tp)
                elif tp in pending and await self.consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
                    settling.add(tp)
            batch = self._wanted(batch)
            if batch:
                yield batch

    async def until_end(self, settle: float = 0.5) -> AsyncIterator[Message]:
        """Every record up to the end offsets seen now (see ``batches_until_end``)."""
        async for batch in self.batches_until_end(settle):
            for record in batch:
                yield record

    async def stop(self) -> None:
        await self.consumer.stop()


def _older(records: list[Message], end: int, now: int) -> list[Message]:
    """The leading records below offset ``end`` or stamped at or before ``now`` (ms)."""
    return list(takewhile(lambda r: r.offset < end or r.timestamp <= now, records))


async def read_table(bootstrap: str, settings: Settings, name: str) -> dict[str, str]:
    """A table's current content, read from its changelog (for processes outside the worker)."""
    reader = TopicReader(bootstrap, [table_topic(settings, name)], settings)
    await reader.start(from_beginning=True)
    content: dict[str, str] = {}
    try:
        async for record in reader.until_end():
            key = (record.key or b"").decode()
            if record.value is None:
                content.pop(key, None)
            else:
                content[key] = record.value.decode()
        return content
    finally:
        await reader.stop()


class GroupReader:
    """Reads ``topics`` as the consumer group ``group``: from where the group left off (else
    from the beginning or the end), committing what it has read as it goes."""

    def __init__(
        self, bootstrap: str, topics: Sequence[str], settings: Settings, group: str, start: str
    ) -> None:
        self.topics = list(topics)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group,
            enable_auto_commit=True,
            auto_commit_interval_ms=1000,
            auto_offset_reset="earliest" if start == "beginning" else "latest",
            max_partition_fetch_bytes=settings.max_message_bytes,
            fetch_max_bytes=settings.max_message_bytes,
            **client_options(settings),
        )

    async def start(self) -> None:
        await self.consumer.start()
        self.consumer.subscribe(self.topics)

    async def records(self, idle_seconds: float | None) -> AsyncIterator[Message]:
        """Records as they arrive; ends after ``idle_seconds`` without any once the group has
        its partitions (None: never)."""
        while True:
            fetched = await self.consumer.getmany(timeout_ms=int(1000 * (idle_seconds or 1.0)))
            if not fetched and idle_seconds is not None and self.consumer.assignment():
                return
            for records in fetched.values():
                for record in records:
                    yield record

    async def stop(self) -> None:
        await self.consumer.stop()  # commits what was read


class Reader(Protocol):
    """What a command reads records through: a ``TopicReader`` or a ``GroupReader``."""

    def records(self, idle_seconds: float | None) -> AsyncIterator[Message]: ...

    async def stop(self) -> None: ...
