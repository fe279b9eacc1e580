"""Replay against a live worker: a time range reproduces the worker's event ids; dead
letters from a replay, and a dead letter redriven through the worker."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka import ConsumerRecord
from spacy.language import Language

from pipeline.deadletters import dead_letter
from pipeline.kafka.topics import ensure_topics
from pipeline.records import DeadLetter, ErrorInfo, SourceRef
from pipeline.replay import enrich_records, failed_as, make_plan
from pipeline.settings import Settings
from pipeline.stages.chain import Chain
from pipeline.supervisor import start_worker, stop_process
from tests.support.cli import newswire
from tests.support.feeds import BUNDLED, poll_into_kafka
from tests.support.kafka import fresh_settings, read, send
from tests.support.pages import paged, slow_page

FEED = BUNDLED / "ndtv.xml"


@dataclass
class Live:
    settings: Settings
    polled_after: datetime
    polled_before: datetime
    event_ids: set[str]


@pytest.fixture(scope="module")
def live(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """A worker that has turned one real feed into events; stopped by PID afterwards."""
    data_dir = tmp_path_factory.mktemp("replay")
    settings = fresh_settings(broker, data_dir)
    asyncio.run(ensure_topics(broker, settings))
    worker = start_worker(settings, broker, data_dir / "worker.log")
    try:
        after = datetime.now(UTC)
        emitted = poll_into_kafka(settings, [str(FEED)]).emitted
        before = datetime.now(UTC)
        events = read(settings, settings.topic("events"), emitted, timeout=120)
        assert len(events) == emitted == 20, (data_dir / "worker.log").read_text()[-3000:]
        ids = {orjson.loads(r.value)["event_id"] for r in events}
        yield Live(settings, after - timedelta(seconds=1), before + timedelta(seconds=1), ids)
    finally:
        stop_process(worker)


def test_replay_of_a_time_range_reproduces_the_event_ids(live: Live) -> None:
    target = live.settings.topic("rebuild")
    result = newswire(
        live.settings, "replay", "--from", live.polled_after.isoformat(),
        "--to", live.polled_before.isoformat(), "--to-topic", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "20 read, 20 emitted to " + target in result.stderr
    assert "0 dead-lettered, 0 skipped" in result.stderr
    assert "same event ids" in result.stderr
    replayed = read(live.settings, target)
    assert {orjson.loads(r.value)["event_id"] for r in replayed} == live.event_ids
    assert all(r.key == orjson.loads(r.value)["article"]["id"].encode() for r in replayed)


def without_story(value: bytes) -> dict[str, Any]:
    """An event with the fields that need the live duplicate index unset."""
    event = orjson.loads(value)
    event["article"] |= {"story_id": None, "duplicate_of": None}
    return dict(event)


def test_a_replay_sends_what_the_worker_sent(broker: str, tmp_path: Path) -> None:
    """Same events (but for the story fields, which need the live index), same headers, same
    claims messages: the worker and ``replay`` run one chain of stages.

    The worker enriches the feed's items twice, the second time knowing the entity aliases
    the first taught (as the replay does), and the replay reruns the second pass."""
    settings = fresh_settings(broker, tmp_path)
    asyncio.run(ensure_topics(broker, settings))
    worker = start_worker(settings, broker, tmp_path / "worker.log")
    try:
        emitted = poll_into_kafka(settings, [str(FEED)]).emitted
        read(settings, settings.topic("events"), emitted, timeout=120)
        raws = read(settings, settings.topic("raw"))
        after = datetime.now(UTC)
        for record in raws:
            send(settings, settings.topic("raw"), (record.key, record.value))
        before = datetime.now(UTC)
        events = read(settings, settings.topic("events"), 2 * emitted, timeout=120)
    finally:
        stop_process(worker)
    assert len(events) == 2 * emitted == 40, (tmp_path / "worker.log").read_text()[-3000:]
    target = settings.topic("parity")
    result = newswire(
        settings, "replay", "--from", after.isoformat(), "--to", before.isoformat(),
        "--to-topic", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    second = {orjson.loads(r.value)["event_id"]: r for r in events}  # the later copy of each
    replayed = read(settings, target)
    assert len(replayed) == len(second) == emitted
    for record in replayed:
        original = second[orjson.loads(record.value)["event_id"]]
        assert without_story(record.value) == without_story(original.value)
        assert record.key == original.key
        assert dict(record.headers) == dict(original.headers)
        assert set(dict(record.headers)) == {
            "content-type",
            "schema-version",
            "event-id",
            "article-id",
        }
    since = int(after.timestamp() * 1000)
    claims = read(settings, settings.topic("claims"))
    worker_claims = [(r.key, r.value) for r in claims if r.timestamp >= since]
    replayed_claims = [(r.key, r.value) for r in read(settings, target + ".claims")]
    assert len(replayed_claims) == len(worker_claims) > 0
    assert sorted(replayed_claims) == sorted(worker_claims)


def test_replay_of_offsets_into_the_events_topic_duplicates_with_the_same_ids(
    live: Live,
) -> None:
    result = newswire(live.settings, "replay", "--from", "0", "--to", "1", "--topic", "clean")
    assert result.exit_code == 0, result.output
    assert "2 emitted to " + live.settings.topic("events") in result.stderr  # 2 partitions
    events = read(live.settings, live.settings.topic("events"), 22)
    counts = Counter(orjson.loads(r.value)["event_id"] for r in events)
    assert set(counts) == live.event_ids
    assert sorted(counts.values()) == [1] * 18 + [2, 2]


def test_replay_from_a_future_time_replays_nothing(live: Live) -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    result = newswire(live.settings, "replay", "--from", future, "--to-topic", "t.none")
    assert result.exit_code == 0, result.output
    assert "0 read, 0 emitted to t.none" in result.stderr
    assert "20 skipped" in result.stderr  # Tansu answered offset 0; timestamps said no


def test_replay_does_not_dead_letter_again_what_is_a_letter_already(live: Live) -> None:
    since = datetime.now(UTC)
    send(live.settings, live.settings.topic("raw"), (b"poison", b"{not json"))

    def poisoned(found: list[Any]) -> bool:
        return any(r.key == b"poison" for r in found)

    read(live.settings, live.settings.topic("deadletter"), until=poisoned)  # the worker's
    target = live.settings.topic("poisoned")
    result = newswire(live.settings, "replay", "--from", since.isoformat(), "--to-topic", target)
    assert result.exit_code == 0, result.output
    assert "1 read, 0 emitted to " + target + ", 0 dead-lettered" in result.stderr
    letters = read(live.settings, live.settings.topic("deadletter"))
    mine = [orjson.loads(r.value) for r in letters if r.key == b"poison"]
    assert [(m["stage"], m["error"]["type"], m["payload"]) for m in mine] == [
        ("clean", "JSONDecodeError", "{not json")
    ]


def test_replay_dead_letters_new_failures_and_marks_repeats(nlp: Language) -> None:
    """``enrich_records`` on records the live pipeline never failed: dead letters, the one of a
    redriven message marked as a repeat of its letter; a failure lettered already is counted."""
    settings = Settings(topic_prefix="t")
    plan = make_plan(settings, "raw", "events", "beginning", None, False)
    redriven = [("x-redriven-from", b"t.deadletter/1/5")]
    records = [
        ConsumerRecord("t.raw", 0, 3, 0, 0, b"a", b"{not json", None, 1, 9, ()),
        ConsumerRecord("t.raw", 1, 4, 0, 0, b"b", b"[1]", None, 1, 3, redriven),
    ]
    sends, repeated = enrich_records(records, plan, Chain(nlp), settings)
    letters = [DeadLetter.from_json(s.value) for s in sends if s.topic == "t.deadletter"]
    assert (len(letters), repeated) == (2, 0)
    assert letters[0].repeat_of is None and letters[1].repeat_of is not None
    assert (letters[1].repeat_of.partition, letters[1].repeat_of.offset) == (1, 5)
    lettered = {failed_as(letters[0])}
    sends, repeated = enrich_records(records, plan, Chain(nlp), settings, lettered)
    assert repeated == 1 and len(sends) == 1


def test_a_redriven_message_failing_again_is_a_repeat_and_redrive_converges(live: Live) -> None:
    settings = live.settings
    send(settings, settings.topic("raw"), (b"stubborn", b'{"still": "not a raw record"}'))

    def letters_of_stubborn(count: int) -> list[dict[str, Any]]:
        found = read(
            settings,
            settings.topic("deadletter"),
            until=lambda rs: sum(r.key == b"stubborn" for r in rs) >= count,
            timeout=120,
        )
        return [orjson.loads(r.value) | {"_at": r.offset} for r in found if r.key == b"stubborn"]

    [first] = letters_of_stubborn(1)
    assert first["repeat_of"] is None
    redriven = newswire(settings, "deadletter", "redrive", "--stage", "clean")
    assert redriven.exit_code == 0 and "stubborn" in redriven.stdout
    first_letter, repeat = letters_of_stubborn(2)
    assert repeat["repeat_of"]["offset"] == first_letter["_at"]
    again = newswire(settings, "deadletter", "redrive", "--stage", "clean")
    assert "stubborn" not in again.stdout  # the repeat is not sent round again
    listed = newswire(settings, "deadletter", "list", "--stage", "clean").stdout
    assert f"[repeat of {repeat['repeat_of']['partition']}/{first_letter['_at']}]" in listed


def test_a_redriven_dead_letter_goes_through_the_worker(live: Live) -> None:
    settings = live.settings
    raw = orjson.loads(read(settings, settings.topic("raw"))[0].value)
    raw |= {"id": "redriven-1", "title": raw["title"] + " (again)"}
    letter = dead_letter(
        stage="clean",
        error=ErrorInfo(type="RuntimeError", message="a transient failure"),
        payload=orjson.dumps(raw),
        key=b"redriven-1",
        source=SourceRef(topic=settings.topic("raw"), partition=0, offset=0),
        payload_limit=settings.deadletter_payload_bytes,
    )
    send(settings, settings.topic("deadletter"), (b"redriven-1", letter.to_json()))
    result = newswire(settings, "deadletter", "redrive", "--stage", "clean")
    assert result.exit_code == 0, result.output
    assert "redrive -> " + settings.topic("raw") in result.output

    def arrived(found: list[Any]) -> bool:
        return any(orjson.loads(r.value)["article"]["id"] == "redriven-1" for r in found)

    assert arrived(read(settings, settings.topic("events"), until=arrived))
    listed = newswire(settings, "deadletter", "list", "--json", "--stage", "clean")
    [row] = [r for r in map(orjson.loads, listed.stdout.splitlines()) if r["key"] == "redriven-1"]
    assert row["redriven"]["to"]["topic"] == settings.topic("raw")
    again = newswire(settings, "deadletter", "redrive", "--stage", "clean", "--dry-run")
    assert "redriven-1" not in again.stdout


def test_the_body_time_limit_holds_in_a_replay(broker: str, tmp_path: Path) -> None:
    settings = fresh_settings(broker, tmp_path, body_timeout=0.2)
    asyncio.run(ensure_topics(broker, settings))
    page = paged("slow", slow_page())
    send(settings, settings.topic("pages"), (b"slow", page.to_json()))
    target = settings.topic("rebuilt")
    result = newswire(settings, "replay", "--from", "beginning", "--to-topic", target)
    assert result.exit_code == 0, result.output
    [record] = read(settings, target)
    article = orjson.loads(record.value)["article"]
    assert (article["text_source"], article["fulltext_error"]) == (
        "feed",
        "page: timeout: extraction took over 0.2 s",
    )
