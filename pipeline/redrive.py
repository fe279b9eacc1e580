"""Dead letters for operators: list them, send them back to their stage's input, discard them.

Every redrive is recorded twice: the re-sent message carries the header
``x-redriven-from: TOPIC/PARTITION/OFFSET`` (of the dead letter), and a marker keyed by
``PARTITION/OFFSET`` goes to ``PREFIX.deadletter.redrives``, which ``list`` reads to show
(and ``redrive`` to skip) letters already redriven. A redriven message that fails again
becomes a letter marked as a repeat of the first, which ``redrive`` skips too, so that
redriving converges; ``discard`` marks letters as handled with a marker of its own. A letter
whose payload was cut cannot be redriven from the letter; it is reported with where the
original was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from pipeline.deadletters import REDRIVEN_FROM
from pipeline.kafka.producer import producer
from pipeline.kafka.reader import TopicReader
from pipeline.kafka.topics import ensure_topics
from pipeline.records import DeadLetter
from pipeline.settings import Settings

INPUT_OF = {
    "poll": "raw",
    "fetch": "raw",
    "clean": "raw",
    "tag": "clean",
    "claims": "tagged",
    "store": "events",
}
STAGES = tuple(INPUT_OF)
"""The stages that dead-letter messages, as ``--stage`` names them."""


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
    """A dead letter, where it is on the dead-letter topic, and its marker (redriven or
    discarded) if any."""

    topic: str
    partition: int
    offset: int
    letter: DeadLetter
    marker: dict[str, Any] | None = None

    @property
    def ref(self) -> str:
        return f"{self.partition}/{self.offset}"

    @property
    def redriven(self) -> dict[str, Any] | None:
        """The redrive marker (markers without an action are redrives)."""
        marked = self.marker is not None and self.marker.get("action", "redriven") == "redriven"
        return self.marker if marked else None

    @property
    def discarded(self) -> dict[str, Any] | None:
        marked = self.marker is not None and self.marker.get("action") == "discarded"
        return self.marker if marked else None

    def to_dict(self) -> dict[str, Any]:
        where = {"topic": self.topic, "partition": self.partition, "offset": self.offset}
        return {
            "deadletter": where,
            **self.letter.model_dump(mode="json"),
            "redriven": self.redriven,
            "discarded": self.discarded,
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


LIST_HEADER = f"{'FAILED AT':<19}  {'STAGE':<6}  {'LETTER':<8}  KEY  ERROR  (FROM)  [STATE]"
LIST_LEGEND = (
    "LETTER is PARTITION/OFFSET on the dead-letter topic (what discard takes); FROM is where "
    "the original message was read; STATE: truncated (redrive cannot send it: replay FROM), "
    "repeat of LETTER (it failed again after a redrive), redriven, discarded"
)


def format_letter(item: Letter) -> str:
    """One line: time, stage, letter, key, error, where the original was read, its state."""
    letter = item.letter
    source = letter.source
    where = f"{source.topic}/{source.partition}/{source.offset}" if source else "poller"
    flags = " [truncated]" if letter.payload_truncated else ""
    if letter.repeat_of:
        flags += f" [repeat of {letter.repeat_of.partition}/{letter.repeat_of.offset}]"
    if item.redriven:
        to = item.redriven["to"]
        when = item.redriven["redriven_at"][:19]
        flags += f" [redriven {when} -> {to['topic']}/{to['partition']}/{to['offset']}]"
    if item.discarded:
        flags += f" [discarded {item.discarded['discarded_at'][:19]}]"
    error = " ".join(f"{letter.error.type}: {letter.error.message}".split())[:100]
    failed = letter.failed_at.strftime("%Y-%m-%d %H:%M:%S")
    head = f"{failed}  {letter.stage:<6}  {item.ref:<8}  {letter.key or '-'}"
    return f"{head}  {error}  (from {where}){flags}"


@dataclass
class RedrivePlan:
    send: list[Letter]
    truncated: list[Letter]
    unknown: list[Letter]
    already: list[Letter]  # redriven before, a repeat of a redriven letter, or discarded


def plan_redrive(letters: list[Letter], again: bool) -> RedrivePlan:
    """Which letters can be sent back; the others with the reason they cannot. A letter
    redriven before, or a repeat of one, is sent only ``again``; a discarded one never."""
    plan = RedrivePlan([], [], [], [])
    for item in letters:
        if item.discarded or ((item.redriven or item.letter.repeat_of) and not again):
            plan.already.append(item)
        elif item.letter.stage not in INPUT_OF:
            plan.unknown.append(item)
        elif item.letter.payload_truncated:
            plan.truncated.append(item)
        else:
            plan.send.append(item)
    return plan


def _marker(item: Letter, action: str, **more: Any) -> dict[str, Any]:
    """The record of ``action`` ("redriven", "discarded") taken on ``item`` at this moment."""
    return {
        "action": action,
        "deadletter": {"topic": item.topic, "partition": item.partition, "offset": item.offset},
        "stage": item.letter.stage,
        "key": item.letter.key,
        **more,
        f"{action}_at": datetime.now(UTC).isoformat(),
    }


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
                headers=[(REDRIVEN_FROM, origin.encode())],
            )
            to = {"topic": sent.topic, "partition": sent.partition, "offset": sent.offset}
            marker = _marker(item, "redriven", to=to)
            await client.send_and_wait(
                redrives_topic(settings), orjson.dumps(marker), key=item.ref.encode()
            )
            markers.append(marker)
    finally:
        await client.stop()
    return markers


async def discard(bootstrap: str, settings: Settings, letters: list[Letter]) -> int:
    """Mark ``letters`` as handled: ``list`` shows them discarded, ``redrive`` skips them.
    Dead letters themselves are never deleted."""
    client = producer(bootstrap, settings)
    await client.start()
    try:
        for item in letters:
            marker = _marker(item, "discarded")
            await client.send_and_wait(
                redrives_topic(settings), orjson.dumps(marker), key=item.ref.encode()
            )
    finally:
        await client.stop()
    return len(letters)
