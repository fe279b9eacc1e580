"""Dead letters for operators: list them, and send them back to their stage's input.

Every redrive is recorded twice: the re-sent message carries the header
``x-redriven-from: TOPIC/PARTITION/OFFSET`` (of the dead letter), and a marker keyed by
``PARTITION/OFFSET`` goes to ``PREFIX.deadletter.redrives``, which ``list`` reads to show
(and ``redrive`` to skip) letters already redriven. A letter whose payload was cut cannot
be redriven from the letter; it is reported with where the original was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from pipeline.kafka.producer import producer
from pipeline.kafka.reader import TopicReader
from pipeline.kafka.topics import ensure_topics
from pipeline.records import DeadLetter
from pipeline.settings import Settings

HEADER = "x-redriven-from"
INPUT_OF = {"fetch": "raw", "clean": "raw", "tag": "clean", "claims": "tagged", "poll": "raw"}


def redrive_target(letter: DeadLetter, settings: Settings) -> str:
    """The topic a dead letter goes back to: its stage's input (for the clean stage, the one
    it was read from: raw, or pages for an article with its page)."""
    if letter.stage == "clean" and letter.source and letter.source.topic == settings.topic("pages"):
        return letter.source.topic
    return settings.topic(INPUT_OF[letter.stage])


def redrives_topic(settings: Settings) -> str:
    return settings.topic("deadletter") + ".redrives"


@dataclass(frozen=True)
class Letter:
    """A dead letter, where it is on the dead-letter topic, and its redrive marker if any."""

    topic: str
    partition: int
    offset: int
    letter: DeadLetter
    redriven: dict[str, Any] | None = None

    @property
    def ref(self) -> str:
        return f"{self.partition}/{self.offset}"

    def to_dict(self) -> dict[str, Any]:
        where = {"topic": self.topic, "partition": self.partition, "offset": self.offset}
        return {
            "deadletter": where,
            **self.letter.model_dump(mode="json"),
            "redriven": self.redriven,
        }


async def _read(bootstrap: str, topic: str, settings: Settings) -> list[Any]:
    reader = TopicReader(bootstrap, [topic], settings)
    await reader.start(from_beginning=True, wait=0)
    try:
        return [record async for record in reader.until_end()]
    finally:
        await reader.stop()


async def read_letters(
    bootstrap: str, settings: Settings, stage: str | None = None, since: datetime | None = None
) -> list[Letter]:
    """The dead letters (of ``stage``, failed at or after ``since``) in topic order."""
    await ensure_topics(bootstrap, settings, extra=[redrives_topic(settings)])
    markers = {
        (r.key or b"").decode(): orjson.loads(r.value or b"{}")
        for r in await _read(bootstrap, redrives_topic(settings), settings)
    }
    letters = []
    for record in await _read(bootstrap, settings.topic("deadletter"), settings):
        try:
            letter = DeadLetter.from_json(record.value or b"")
        except (ValidationError, orjson.JSONDecodeError):
            continue  # not a dead letter: nothing newswire wrote
        ref = f"{record.partition}/{record.offset}"
        if (stage is None or letter.stage == stage) and (
            since is None or letter.failed_at >= since
        ):
            letters.append(
                Letter(record.topic, record.partition, record.offset, letter, markers.get(ref))
            )
    return letters


def format_letter(item: Letter) -> str:
    """One line: time, stage, key, error, where the original was read, redrive state."""
    letter = item.letter
    source = letter.source
    where = f"{source.topic}/{source.partition}/{source.offset}" if source else "poller"
    flags = " [truncated]" if letter.payload_truncated else ""
    if item.redriven:
        to = item.redriven["to"]
        when = item.redriven["redriven_at"][:19]
        flags += f" [redriven {when} -> {to['topic']}/{to['partition']}/{to['offset']}]"
    error = " ".join(f"{letter.error.type}: {letter.error.message}".split())[:100]
    failed = letter.failed_at.strftime("%Y-%m-%d %H:%M:%S")
    head = f"{failed}  {letter.stage:<6}  {item.ref:<8}  {letter.key or '-'}"
    return f"{head}  {error}  (from {where}){flags}"


@dataclass
class RedrivePlan:
    send: list[Letter]
    truncated: list[Letter]
    unknown: list[Letter]
    already: list[Letter]


def plan_redrive(letters: list[Letter], again: bool) -> RedrivePlan:
    """Which letters can be sent back; the others with the reason they cannot."""
    plan = RedrivePlan([], [], [], [])
    for item in letters:
        if item.redriven and not again:
            plan.already.append(item)
        elif item.letter.stage not in INPUT_OF:
            plan.unknown.append(item)
        elif item.letter.payload_truncated:
            plan.truncated.append(item)
        else:
            plan.send.append(item)
    return plan


async def redrive(
    bootstrap: str, settings: Settings, letters: list[Letter]
) -> list[dict[str, Any]]:
    """Send each letter's payload to its stage's input topic and record it; the markers."""
    client = producer(bootstrap, settings)
    await client.start()
    markers = []
    try:
        for item in letters:
            origin = f"{item.topic}/{item.ref}"
            key = item.letter.key.encode() if item.letter.key is not None else None
            sent = await client.send_and_wait(
                redrive_target(item.letter, settings),
                item.letter.payload.encode(),
                key=key,
                headers=[(HEADER, origin.encode())],
            )
            marker = {
                "deadletter": {
                    "topic": item.topic,
                    "partition": item.partition,
                    "offset": item.offset,
                },
                "stage": item.letter.stage,
                "key": item.letter.key,
                "to": {"topic": sent.topic, "partition": sent.partition, "offset": sent.offset},
                "redriven_at": datetime.now(UTC).isoformat(),
            }
            await client.send_and_wait(
                redrives_topic(settings), orjson.dumps(marker), key=item.ref.encode()
            )
            markers.append(marker)
    finally:
        await client.stop()
    return markers
