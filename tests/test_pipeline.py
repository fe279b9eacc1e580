"""End to end through the embedded broker: real feeds -> news.raw -> worker -> news.events."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from jsonschema import Draft202012Validator

from pipeline.kafka.reader import TopicReader
from pipeline.kafka.topics import ensure_topics
from pipeline.poller.emit import kafka_emitter
from pipeline.poller.once import poll_sources_once
from pipeline.poller.poll import PollReport
from pipeline.records import TOPIC_RECORDS
from pipeline.schemas import SCHEMA_DIR, schema_file
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from tests.conftest import fresh_settings

# Three real feeds from ../shared, 70 items: Dawn (full text), NDTV and Al-Monitor (summaries).
FEEDS = [
    "news/kagisearch+fastfeedparser__benchmark_data__ce5f942d1cd40fc0",
    "news/kagisearch+fastfeedparser__benchmark_data__08f1ee71883dbcde",
    "news/kagisearch+fastfeedparser__benchmark_data__72fea1ebfd02e90a",
]
VALIDATORS = {
    topic: Draft202012Validator(orjson.loads((SCHEMA_DIR / schema_file(topic)).read_bytes()))
    for topic in TOPIC_RECORDS
}


async def read_all(settings: Settings, topic: str, idle: float = 3.0) -> list[Any]:
    reader = TopicReader(settings.broker or "", [settings.topic(topic)], settings)
    await reader.start(from_beginning=True)
    try:
        return [record async for record in reader.records(idle)]
    finally:
        await reader.stop()


async def wait_for(settings: Settings, topic: str, count: int, timeout: float) -> list[Any]:
    """Records of ``topic`` from the beginning until ``count`` arrived or ``timeout`` passed."""
    reader = TopicReader(settings.broker or "", [settings.topic(topic)], settings)
    await reader.start(from_beginning=True)
    found: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < count and time.monotonic() < deadline:
            found.extend([r async for r in reader.records(idle_seconds=1.0)])
        return found
    finally:
        await reader.stop()


@pytest.fixture(scope="module")
def pipeline(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A worker process on fresh topics, stopped (by PID) after the module's tests."""
    data_dir = tmp_path_factory.mktemp("worker")
    settings = fresh_settings(broker, data_dir)
    asyncio.run(ensure_topics(broker, settings))
    worker = start_worker(settings, broker, data_dir / "worker.log")
    try:
        yield settings
    finally:
        stop_process(worker)
        assert worker.returncode == 0, (data_dir / "worker.log").read_text()[-3000:]


@pytest.fixture(scope="module")
def polled(pipeline: Settings, shared_data: Path) -> PollReport:
    sources = [str(shared_data / "feeds" / name) for name in FEEDS]

    async def go() -> PollReport:
        async with kafka_emitter(pipeline.broker or "", pipeline) as emit:
            return await poll_sources_once(pipeline, sources, emit)

    return asyncio.run(go())


def test_every_polled_item_yields_exactly_one_valid_event(
    pipeline: Settings, polled: PollReport
) -> None:
    assert polled.errors == {}
    assert 50 <= polled.emitted <= 100
    raw = asyncio.run(read_all(pipeline, "raw"))
    raw_ids = {orjson.loads(r.value)["id"] for r in raw}
    assert len(raw) == len(raw_ids) == polled.emitted

    records = asyncio.run(wait_for(pipeline, "events", polled.emitted, timeout=300))
    events = [orjson.loads(r.value) for r in records]
    per_article = Counter(e["article"]["id"] for e in events)
    assert set(per_article) == raw_ids
    assert set(per_article.values()) == {1}
    for record, event in zip(records, events, strict=True):
        VALIDATORS["events"].validate(event)
        assert record.key.decode() == event["article"]["id"]
        assert dict(record.headers) == {
            "content-type": b"application/json",
            "schema-version": b"1",
            "event-id": event["event_id"].encode(),
            "article-id": event["article"]["id"].encode(),
        }
        for entity in event["entities"]:
            for mention in entity["mentions"]:
                assert event["text"][mention["start"] : mention["end"]] == mention["text"]
    with_text = [e for e in events if len(e["text"].split()) > 40]
    assert with_text and all(e["entities"] for e in with_text)
    assert sum(bool(e["claims"]) for e in events) >= 10


def test_intermediate_messages_validate_against_their_schemas(
    pipeline: Settings, polled: PollReport
) -> None:
    asyncio.run(wait_for(pipeline, "events", polled.emitted, timeout=300))
    for topic in ("raw", "clean", "tagged"):
        records = asyncio.run(read_all(pipeline, topic))
        assert len(records) == polled.emitted, topic
        for record in records:
            VALIDATORS[topic].validate(orjson.loads(record.value))


def test_claims_topic_has_one_message_per_claim_keyed_by_claimant(
    pipeline: Settings, polled: PollReport
) -> None:
    events = [
        orjson.loads(r.value)
        for r in asyncio.run(wait_for(pipeline, "events", polled.emitted, timeout=300))
    ]
    expected = {(e["event_id"], i) for e in events for i in range(len(e["claims"]))}
    records = asyncio.run(read_all(pipeline, "claims"))
    messages = [orjson.loads(r.value) for r in records]
    assert {(m["event_id"], m["index"]) for m in messages} == expected
    by_event = {e["event_id"]: e for e in events}
    for record, message in zip(records, messages, strict=True):
        VALIDATORS["claims"].validate(message)
        assert record.key.decode() == message["claimant_key"]
        claim = by_event[message["event_id"]]["claims"][message["index"]]
        assert message["claim"] == claim
        linked = claim["claimant"]["entity_id"]
        assert message["claimant_key"] == linked or message["claimant_key"].startswith("anonymous:")


def test_poison_message_is_dead_lettered_and_the_stream_continues(
    pipeline: Settings, polled: PollReport
) -> None:
    good = orjson.loads(asyncio.run(read_all(pipeline, "raw"))[0].value)
    good |= {"id": "after-poison", "title": good["title"] + " (second copy)"}

    async def produce() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=pipeline.broker, max_request_size=pipeline.max_message_bytes
        )
        await producer.start()
        try:
            await producer.send_and_wait(pipeline.topic("raw"), b"{not json", key=b"poison")
            await producer.send_and_wait(
                pipeline.topic("clean"), orjson.dumps({"id": 1}), key=b"bad-clean"
            )
            await producer.send_and_wait(pipeline.topic("tagged"), b"\xff\xfe", key=b"bad-tagged")
            await producer.send_and_wait(pipeline.topic("raw"), b"x" * 3_000_000, key=b"huge")
            await producer.send_and_wait(
                pipeline.topic("raw"), orjson.dumps(good), key=b"after-poison"
            )
        finally:
            await producer.stop()

    asyncio.run(produce())
    letters = [orjson.loads(r.value) for r in asyncio.run(wait_for(pipeline, "deadletter", 4, 120))]
    by_key = {letter["key"]: letter for letter in letters}
    assert by_key["poison"]["stage"] == "clean"
    assert by_key["poison"]["payload"] == "{not json"
    assert by_key["poison"]["error"]["type"] == "JSONDecodeError"
    assert by_key["poison"]["source"]["topic"] == pipeline.topic("raw")
    assert by_key["bad-clean"]["stage"] == "tag"
    assert by_key["bad-clean"]["error"]["type"] == "ValidationError"
    assert by_key["bad-tagged"]["stage"] == "claims"
    assert by_key["huge"]["stage"] == "clean" and by_key["huge"]["payload_truncated"] is True
    assert by_key["huge"]["payload_bytes"] == 3_000_000
    for letter in letters:
        VALIDATORS["deadletter"].validate(letter)

    events = asyncio.run(wait_for(pipeline, "events", polled.emitted + 1, timeout=120))
    assert "after-poison" in {orjson.loads(r.value)["article"]["id"] for r in events}


def test_worker_serves_health_readiness_and_metrics(pipeline: Settings, polled: PollReport) -> None:
    asyncio.run(wait_for(pipeline, "events", polled.emitted, timeout=300))
    base = f"http://127.0.0.1:{pipeline.web_port}"
    with urllib.request.urlopen(f"{base}/health", timeout=10) as response:  # noqa: S310
        assert orjson.loads(response.read()) == {"status": "ok"}
    with urllib.request.urlopen(f"{base}/ready", timeout=10) as response:  # noqa: S310
        assert orjson.loads(response.read()) == {"ready": True}
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    ok = re.search(r'newswire_stage_messages_total\{outcome="ok",stage="claims"\} (\d+)', text)
    assert ok and int(ok.group(1)) >= polled.emitted
    assert 'newswire_stage_seconds_count{stage="tag"}' in text
    assert "newswire_consumer_lag{" in text
    assert stage_lags(base, pipeline) == dict.fromkeys(STAGE_INPUTS, 0), "work left uncommitted"


STAGE_INPUTS = ("raw", "clean", "tagged")


def stage_lags(base: str, settings: Settings, timeout: float = 30.0) -> dict[str, int]:
    """Lag of each stage's input topic (summed over partitions), once all are 0 or at
    ``timeout``: commits trail processing by up to Faust's commit interval."""
    names = {settings.topic(name): name for name in STAGE_INPUTS}
    pattern = re.compile(r'newswire_consumer_lag\{partition="\d+",topic="([^"]+)"\} (\S+)')
    deadline = time.monotonic() + timeout
    while True:
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310
            found = pattern.findall(response.read().decode())
        lags = dict.fromkeys(STAGE_INPUTS, 0)
        for topic, value in found:
            if topic in names:
                lags[names[topic]] += int(float(value))
        seen = {names[topic] for topic, _ in found if topic in names}
        if (seen == set(STAGE_INPUTS) and not any(lags.values())) or time.monotonic() > deadline:
            return lags if seen == set(STAGE_INPUTS) else {}
        time.sleep(1.0)


def test_oversize_result_is_dead_lettered_with_a_truncated_payload(
    broker: str, tmp_path: Path, shared_data: Path
) -> None:
    settings = fresh_settings(
        broker, tmp_path, max_message_bytes=65536, deadletter_payload_bytes=4096
    )
    asyncio.run(ensure_topics(broker, settings))
    truth = orjson.loads((shared_data / "article-html" / "ground-truth-dev.json").read_bytes())
    body = "\n\n".join(v["articleBody"] for v in truth.values() if v["articleBody"].isascii())
    text = body[:30000]
    raw = {
        "id": "big",
        "feed_url": "f.xml",
        "title": "Long",
        "content_html": text,
        "fetched_at": "2026-01-01T00:00:00Z",
    }
    worker = start_worker(settings, broker, tmp_path / "worker.log")
    try:

        async def produce() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=broker)
            await producer.start()
            await producer.send_and_wait(settings.topic("raw"), orjson.dumps(raw), key=b"big")
            await producer.stop()

        asyncio.run(produce())
        [record] = asyncio.run(wait_for(settings, "deadletter", 1, timeout=120))
    finally:
        stop_process(worker)
    letter = orjson.loads(record.value)
    VALIDATORS["deadletter"].validate(letter)
    assert letter["stage"] == "tag"
    assert letter["error"]["type"] == "MessageTooLarge"
    assert letter["payload_truncated"] is True
    assert letter["payload_bytes"] > 30000
    assert len(letter["payload"].encode()) <= 4096
    assert letter["source"]["topic"] == settings.topic("clean")
