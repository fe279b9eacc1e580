"""Reading topics from a chosen start, filtering events, and printing them for people."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby, takewhile
from typing import Any, Literal, TypeAlias

import click
import orjson
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from pipeline.kafka_security import client_options
from pipeline.settings import Settings

Start = Literal["beginning", "end"] | int | datetime
Message: TypeAlias = "ConsumerRecord[bytes, bytes]"
STANCES = ("assert", "deny", "noncommittal")


class MissingTopic(LookupError):
    """A topic to read does not exist on the broker."""


def parse_start(text: str) -> Start:
    """``beginning``, ``end``, an OFFSET or an ISO 8601 TIME (a naive time is UTC)."""
    if text in ("beginning", "end"):
        return "beginning" if text == "beginning" else "end"
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not beginning, end, an offset or an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class StartParam(click.ParamType):
    """A click parameter for ``parse_start``."""

    name = "beginning|end|TIME|OFFSET"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int | datetime):
            return value
        try:
            return parse_start(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


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
            for tp in partitions:
                self.consumer.seek(tp, max(at, firsts[tp]))
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


def _fold(text: str | None) -> str:
    return (text or "").casefold()


@dataclass(frozen=True)
class EventFilter:
    """Which events (and which of their claims) to show; every given filter must match."""

    entity: str | None = None
    claimant: str | None = None
    stance: str | None = None
    source: str | None = None
    language: str | None = None

    @property
    def active(self) -> bool:
        return any((self.entity, self.claimant, self.stance, self.source, self.language))

    def claims(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The claims that pass ``claimant`` (text, entity id or name) and ``stance``."""
        names = {e["id"]: e["name"] for e in event["entities"]}
        wanted = _fold(self.claimant)

        def keep(claim: dict[str, Any]) -> bool:
            who = claim["claimant"]
            labels = (who["text"], who.get("entity_id"), names.get(who.get("entity_id") or ""))
            return (not wanted or any(wanted in _fold(label) for label in labels)) and (
                not self.stance or claim["stance"] == self.stance
            )

        return [claim for claim in event["claims"] if keep(claim)]

    def matches(self, event: dict[str, Any]) -> bool:
        article = event["article"]
        language = _fold(article.get("language"))
        wanted = _fold(self.language)
        entity = _fold(self.entity)
        ids = {_fold(e["id"]) for e in event["entities"]} | {
            _fold(e["name"]) for e in event["entities"]
        }
        return (
            (not entity or entity in ids)
            and (not self.source or _fold(self.source) in _fold(article["source"]))
            and (not wanted or language == wanted or language.startswith(wanted + "-"))
            and (not (self.claimant or self.stance) or bool(self.claims(event)))
        )


def as_event(value: bytes | None) -> dict[str, Any] | None:
    """The message as an event, or None when it is not one (another topic's message)."""
    try:
        data = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and "event_id" in data and "claims" in data else None


def render(value: bytes | None, chosen: EventFilter, as_json: bool) -> str | None:
    """The text to print for one message, or None when the filters leave it out.

    Filters apply to events only; with any filter given, other messages are left out.
    """
    event = as_event(value)
    if event is None:
        return None if chosen.active else (value or b"").decode("utf-8", errors="replace")
    if not chosen.matches(event):
        return None
    return (value or b"").decode() if as_json else format_event(event, chosen.claims(event)) + "\n"


async def tail_topic(
    bootstrap: str,
    topic: str,
    at: Start,
    chosen: EventFilter,
    *,
    as_json: bool,
    until_idle: float | None,
    settings: Settings,
    echo: Callable[[str], None] = click.echo,
) -> None:
    """Print the messages of ``topic`` from ``at`` as they arrive."""
    reader = TopicReader(bootstrap, [topic], settings)
    await reader.start(at=at)
    try:
        async for record in reader.records(until_idle):
            line = render(record.value, chosen, as_json)
            if line is not None:
                echo(line)
    finally:
        await reader.stop()


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BREAK = re.compile(r"(?<=[.!?])([\"”’)]*)\s+|\n+")
_STYLES: dict[str, dict[str, Any]] = {
    "claimant": {"fg": "cyan", "bold": True},
    "cue": {"fg": "yellow", "bold": True},
    "content": {"fg": "green"},
}
CONTEXT_CHARS = 80


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence(s) around ``start:end``, at most CONTEXT_CHARS either side."""
    left = 0
    for match in _BREAK.finditer(text, 0, start):
        left = match.end()
    after = _BREAK.search(text, end)
    if after is None:
        right = len(text)
    else:  # keep closing quotes with their sentence
        right = after.end(1) if after.group(1) is not None else after.start()
    return max(left, start - CONTEXT_CHARS), min(right, end + CONTEXT_CHARS)


def highlight(text: str, claim: dict[str, Any]) -> str:
    """The claim's sentence with claimant, cue and content styled (``click.style``)."""
    content = claim["content"]
    spans = content.get("spans") or [(content["start"], content["end"])]
    parts = [("content", start, end) for start, end in spans]
    parts += [("cue", claim["cue"]["start"], claim["cue"]["end"])]
    parts += [("claimant", claim["claimant"]["start"], claim["claimant"]["end"])]
    first, last = min(p[1] for p in parts), max(p[2] for p in parts)
    left, right = _sentence(text, first, last)
    marks: list[str | None] = [None] * (right - left)
    for role, start, end in parts:  # later roles win where spans overlap
        for i in range(max(start, left), min(end, right)):
            marks[i - left] = role
    pieces = []
    at = left
    for kind, run in groupby(marks):
        size = len(list(run))
        chunk = text[at : at + size].replace("\n", " ")
        pieces.append(click.style(chunk, **_STYLES[kind]) if kind else chunk)
        at += size
    prefix = "…" if left > 0 and text[left - 1] not in "\n " else ""
    suffix = "…" if right < len(text) and text[right] not in "\n " else ""
    return prefix + "".join(pieces) + suffix


def format_event(
    event: dict[str, Any], claims: list[dict[str, Any]] | None = None, limit: int = 5
) -> str:
    """A few readable lines: the article, its main entities and its claims in their sentences."""
    article = event["article"]
    shown = event["claims"] if claims is None else claims
    when = article.get("published_at") or article.get("fetched_at") or ""
    title = click.style(_short(article["title"] or "(untitled)", 90), bold=True)
    lines = [f"{when[:16].replace('T', ' ')} [{article['source']}] {title}"]
    entities = event["entities"]
    if entities:
        top = sorted(entities, key=lambda e: -e["count"])[:6]
        names = ", ".join(f"{e['name']} ({e['label']})" for e in top)
        more = f" +{len(entities) - len(top)}" if len(entities) > len(top) else ""
        lines.append(f"    entities: {names}{more}")
    for claim in shown[:limit]:
        flags = [claim["stance"], claim["quote"], *(["hedged"] if claim.get("hedged") else [])]
        lines.append(f"    [{', '.join(flags)}] {highlight(event['text'], claim)}")
    if len(shown) > limit:
        lines.append(f"    … {len(shown) - limit} more claims")
    return "\n".join(lines)
