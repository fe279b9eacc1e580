"""End to end through the embedded broker: the bundled real feeds -> news.raw -> worker ->
news.events."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.topics import ensure_topics
from pipeline.poller.poll import PollReport
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from tests.support.feeds import BUNDLED, BUNDLED_FEEDS, bundled_bodies, poll_into_kafka
from tests.support.kafka import fresh_settings, read, send, wait_until
from tests.support.schemas import VALIDATORS


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
def polled(pipeline: Settings) -> PollReport:
    """The bundled feeds, 70 items: Dawn (full text), NDTV and TPM (summaries)."""
    return poll_into_kafka(pipeline, [str(BUNDLED / name) for name in BUNDLED_FEEDS])


def test_every_polled_item_yields_exactly_one_valid_event(
    pipeline: Settings, polled: PollReport
) -> None:
    assert polled.errors == {}
    assert polled.emitted == 70
    raw = read(pipeline, pipeline.topic("raw"))
    raw_ids = {orjson.loads(r.value)["id"] for r in raw}
    assert len(raw) == len(raw_ids) == polled.emitted

    records = read(pipeline, pipeline.topic("events"), polled.emitted, timeout=300)
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
    assert all(e["article"]["url"].startswith(("http://", "https://")) for e in events)
    with_text = [e for e in events if len(e["text"].split()) > 40]
    assert with_text and all(e["entities"] for e in with_text)
    assert sum(bool(e["claims"]) for e in events) >= 10


def test_intermediate_messages_validate_against_their_schemas(
    pipeline: Settings, polled: PollReport
) -> None:
    read(pipeline, pipeline.topic("events"), polled.emitted, timeout=300)
    for topic in ("raw", "clean", "tagged"):
        records = read(pipeline, pipeline.topic(topic), polled.emitted)
        assert len(records) == polled.emitted, topic
        for record in records:
            VALIDATORS[topic].validate(orjson.loads(record.value))


def test_claims_topic_has_one_message_per_claim_keyed_by_claimant(
    pipeline: Settings, polled: PollReport
) -> None:
    events = [
        orjson.loads(r.value)
        for r in read(pipeline, pipeline.topic("events"), polled.emitted, timeout=300)
    ]
    expected = {(e["event_id"], i) for e in events for i in range(len(e["claims"]))}
    records = read(pipeline, pipeline.topic("claims"))
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
    good = orjson.loads(read(pipeline, pipeline.topic("raw"))[0].value)
    good |= {"id": "after-poison", "title": good["title"] + " (second copy)"}

    topic = pipeline.topic
    send(pipeline, topic("raw"), (b"poison", b"{not json"))
    send(pipeline, topic("clean"), (b"bad-clean", orjson.dumps({"id": 1})))
    send(pipeline, topic("tagged"), (b"bad-tagged", b"\xff\xfe"))
    send(pipeline, topic("raw"), (b"huge", b"x" * 3_000_000))
    send(pipeline, topic("raw"), (b"after-poison", orjson.dumps(good)))
    letters = [orjson.loads(r.value) for r in read(pipeline, topic("deadletter"), 4, 120)]
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

    events = read(pipeline, topic("events"), polled.emitted + 1, timeout=120)
    assert "after-poison" in {orjson.loads(r.value)["article"]["id"] for r in events}


def test_worker_serves_health_readiness_and_metrics(pipeline: Settings, polled: PollReport) -> None:
    read(pipeline, pipeline.topic("events"), polled.emitted, timeout=300)
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
    # commits trail processing by up to Faust's commit interval
    done = dict.fromkeys(STAGE_INPUTS, 0)
    wait_until(lambda: stage_lags(base, pipeline) == done, 30, lambda: "every stage to commit")


STAGE_INPUTS = ("raw", "clean", "tagged")


def stage_lags(base: str, settings: Settings) -> dict[str, int] | None:
    """Lag of each stage's input topic (summed over partitions); None before the worker has
    reported every one."""
    names = {settings.topic(name): name for name in STAGE_INPUTS}
    pattern = re.compile(r'newswire_consumer_lag\{partition="\d+",topic="([^"]+)"\} (\S+)')
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:  # noqa: S310
        found = [(names[t], v) for t, v in pattern.findall(response.read().decode()) if t in names]
    lags = dict.fromkeys(STAGE_INPUTS, 0)
    for name, value in found:
        lags[name] += int(float(value))
    return lags if {name for name, _ in found} == set(STAGE_INPUTS) else None


def test_oversize_result_is_dead_lettered_with_a_truncated_payload(
    broker: str, tmp_path: Path
) -> None:
    settings = fresh_settings(
        broker, tmp_path, max_message_bytes=65536, deadletter_payload_bytes=4096
    )
    asyncio.run(ensure_topics(broker, settings))
    text = "\n\n".join(bundled_bodies())[:30000]  # its parse alone is over 64 KiB
    raw = {
        "id": "big",
        "feed_url": "f.xml",
        "title": "Long",
        "content_html": text,
        "fetched_at": "2026-01-01T00:00:00Z",
    }
    worker = start_worker(settings, broker, tmp_path / "worker.log")
    try:
        send(settings, settings.topic("raw"), (b"big", orjson.dumps(raw)))
        [record] = read(settings, settings.topic("deadletter"), 1, timeout=120)
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
