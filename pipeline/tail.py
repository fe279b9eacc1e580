"""Reading topics from the beginning or the end, and printing events for people."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition


class TopicReader:
    """Reads every partition of ``topics`` without a consumer group, from a fixed start."""

    def __init__(self, bootstrap: str, topics: Sequence[str], max_bytes: int) -> None:
        self.topics = list(topics)
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=max_bytes,
            fetch_max_bytes=max_bytes,
        )

    async def start(self, from_beginning: bool) -> None:
        """Connect and fix the start positions, so nothing produced after this is missed."""
        await self.consumer.start()
        await self.consumer.topics()
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
