"""The example consumer (plain aiokafka) against the embedded broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from aiokafka import AIOKafkaProducer
from spacy.language import Language

from pipeline.extract import document
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from pipeline.stages.chain import Chain, Published

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "consume_events.py"
TEXTS = {
    "one": "“We will not cut rates,” Christine Lagarde said on Thursday.",
    "two": "The ministry denied that troops had crossed the border.",
}


def consume(settings: Settings, *args: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "--broker", settings.broker or "",
         "--topic", settings.topic("events"), *args],
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().splitlines()


def test_example_consumer_deduplicates_by_event_id(settings: Settings, nlp: Language) -> None:
    asyncio.run(ensure_topics(settings.broker or "", settings))
    docs = [document({"id": k, "text": v}, True, datetime.now(UTC)) for k, v in TEXTS.items()]
    events = [r.event for r in Chain(nlp, aliases={}).run(docs) if isinstance(r, Published)]

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=settings.broker)
        await producer.start()
        try:
            for event in [*events, *events]:  # at-least-once: every event twice
                key = event.article.id.encode()
                await producer.send_and_wait(settings.topic("events"), event.to_json(), key=key)
        finally:
            await producer.stop()

    asyncio.run(produce())
    lines = consume(settings, "--idle", "1")
    assert lines[-1] == "2 distinct events"
    assert sorted(line.split()[0] for line in lines if not line.startswith((" ", "2 "))) == [
        "one",
        "two",
    ]
    assert "  Christine Lagarde | said | We will not cut rates | assert" in lines
    assert "  The ministry | denied | that troops had crossed the border | deny" in lines
    assert consume(settings, "--max", "1")[-1] == "1 distinct events"
