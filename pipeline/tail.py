"""Reading topics from the beginning or the end, and printing events for people."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient


class MissingTopic(LookupError):
    """A topic to read does not exist on the broker."""


class TopicReader:
    """Reads every partition of ``topics`` without a consumer group, from a fixed start."""

    def __init__(self, bootstrap: str, topics: Sequence[str], max_bytes: int) -> None:
        self.topics = list(topics)
        self.bootstrap = bootstrap
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=max_bytes,
            fetch_max_bytes=max_bytes,
        )

    async def start(self, from_beginning: bool, wait: float = 30.0) -> None:
        """Connect and fix the start positions, so nothing produced after this is missed.

        Topics that do not exist yet are waited for (up to ``wait`` seconds).
        """
        await self._wait_for_topics(wait)
        await self.consumer.start()
        partitions = [
            TopicPartition(topic, p)
            for topic in self.topics
            for p in sorted(self.consumer.partitions_for_topic(topic) or ())
        ]
        self.consumer.assign(partitions)
        if from_beginning:
            await self.consumer.seek_to_beginning(*partitions)
        else:
            await self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self.consumer.position(tp)

    async def _wait_for_topics(self, wait: float) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        try:
            deadline = time.monotonic() + wait
            while missing := set(self.topics) - set(await admin.list_topics()):
                if time.monotonic() > deadline:
                    raise MissingTopic(f"no such topic: {', '.join(sorted(missing))}")
                await asyncio.sleep(0.5)
        finally:
            await admin.close()

    async def records(
        self, idle_seconds: float | None
    ) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
        """Records as they arrive; ends after ``idle_seconds`` without any (None: never)."""
        while True:
            batches = await self.consumer.getmany(timeout_ms=int(1000 * (idle_seconds or 1.0)))
            if not batches and idle_seconds is not None:
                return
            for records in batches.values():
                for record in records:
                    yield record

    async def until_end(self, settle: float = 0.5) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
        """Every record up to the end offsets seen now, then whatever arrives within ``settle``.

        The settle read is needed on Tansu: its end offset is the last batch's base offset + 1,
        short of the real end when that batch holds several records.
        """
        partitions = list(self.consumer.assignment())
        ends = await self.consumer.end_offsets(partitions)
        pending = {tp for tp in partitions if await self.consumer.position(tp) < ends[tp]}
        while pending:
            batches = await self.consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batches.items():
                for record in records:
                    yield record
                if await self.consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        async for record in self.records(idle_seconds=settle):
            yield record

    async def stop(self) -> None:
        await self.consumer.stop()


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_event(event: dict[str, Any]) -> str:
    """A few readable lines: the article, its main entities and its claims."""
    article = event["article"]
    when = article.get("published_at") or article.get("fetched_at") or ""
    lines = [f"{when[:16]} [{article['source']}] {_short(article['title'] or '(untitled)', 90)}"]
    entities = event["entities"]
    if entities:
        top = sorted(entities, key=lambda e: -e["count"])[:6]
        names = ", ".join(f"{e['name']} ({e['label']})" for e in top)
        more = f" +{len(entities) - len(top)}" if len(entities) > len(top) else ""
        lines.append(f"    entities: {names}{more}")
    for claim in event["claims"][:5]:
        who, cue = claim["claimant"]["text"], claim["cue"]["text"]
        what = _short(claim["content"]["text"], 80)
        lines.append(f"    claim [{claim['stance']}] {who} — {cue}: “{what}”")
    if len(event["claims"]) > 5:
        lines.append(f"    … {len(event['claims']) - 5} more claims")
    return "\n".join(lines)
