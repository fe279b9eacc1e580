"""At-least-once through failures: workers killed, stopped and sharing partitions."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.broker import free_port
from pipeline.kafka.reader import Message
from pipeline.kafka.topics import ensure_topics
from pipeline.records import RawArticle
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from tests.support.feeds import bundled_articles
from tests.support.kafka import fresh_settings, read, send_all


def articles() -> list[RawArticle]:
    """50 real full-text articles (Dawn and TPM), slow enough to be caught mid-stream."""
    return bundled_articles("dawn.xml", "talkingpointsmemo.xml")


def produce(settings: Settings, raws: list[RawArticle]) -> None:
    messages = [(raw.id.encode(), raw.to_json()) for raw in raws]
    asyncio.run(send_all(settings, settings.topic("raw"), messages))


def by_article(records: list[Message]) -> dict[str, set[str]]:
    """The event ids of each article."""
    ids: dict[str, set[str]] = defaultdict(set)
    for record in records:
        event = orjson.loads(record.value)
        ids[event["article"]["id"]].add(event["event_id"])
    return ids


def events_by_article(settings: Settings) -> dict[str, set[str]]:
    return by_article(read(settings, settings.topic("events")))


def wait_for_events(settings: Settings, count: int, timeout: float) -> dict[str, set[str]]:
    """The events by article once ``count`` articles have one (as they arrive)."""
    found = by_article(
        read(
            settings,
            settings.topic("events"),
            until=lambda records: len(by_article(records)) >= count,
            timeout=timeout,
        )
    )
    assert len(found) >= count, f"only {len(found)} of {count} articles have events"
    return found


def worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return start_worker(
        settings.model_copy(update={"web_port": free_port()}), settings.broker or "", log
    )


@pytest.fixture
def loaded(broker: str, tmp_path: Path) -> tuple[Settings, list[RawArticle]]:
    settings = fresh_settings(broker, tmp_path, partitions=4, nlp_batch_size=4)
    asyncio.run(ensure_topics(broker, settings))
    raws = articles()
    produce(settings, raws)
    return settings, raws


def assert_complete(found: dict[str, set[str]], raws: list[RawArticle]) -> None:
    assert set(found) == {r.id for r in raws}
    duplicates = {a: ids for a, ids in found.items() if len(ids) > 1}
    assert duplicates == {}, "a re-processed article got a different event id"


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_worker_stopped_mid_stream_and_restarted_loses_nothing(
    loaded: tuple[Settings, list[RawArticle]], tmp_path: Path, stop: signal.Signals
) -> None:
    settings, raws = loaded
    first = worker(settings, tmp_path / "first.log")
    try:
        wait_for_events(settings, 5, timeout=120)
        first.send_signal(stop)
        first.wait(60)
    finally:
        stop_process(first)
    assert len(events_by_article(settings)) < len(raws), "stopped too late to test anything"
    if stop == signal.SIGTERM:
        assert first.returncode == 0, (tmp_path / "first.log").read_text()[-2000:]
    second = worker(settings, tmp_path / "second.log")
    try:
        assert_complete(wait_for_events(settings, len(raws), timeout=180), raws)
    finally:
        stop_process(second)


def test_two_workers_share_partitions_and_survive_losing_one(
    loaded: tuple[Settings, list[RawArticle]], tmp_path: Path
) -> None:
    settings, raws = loaded
    first, second = worker(settings, tmp_path / "a.log"), worker(settings, tmp_path / "b.log")
    try:
        wait_for_events(settings, 5, timeout=120)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        assert_complete(wait_for_events(settings, len(raws), timeout=180), raws)
    finally:
        stop_process(first)
        stop_process(second)
