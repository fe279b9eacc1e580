"""Cross-article entity ids through the embedded broker: an acronym one article expands gives
later articles that only use it the same id, in the worker and in a replay."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from pipeline.kafka.reader import read_table
from pipeline.kafka.topics import ALIASES_TABLE, ensure_topics
from pipeline.records import RawArticle
from pipeline.settings import Settings
from pipeline.supervisor import start_worker, stop_process
from tests.support.articles import DEFINES, USES
from tests.support.cli import newswire
from tests.support.kafka import fresh_settings, read, send


def raw(article_id: str, text: str) -> bytes:
    return RawArticle(
        id=article_id,
        feed_url="https://example.org/feed.xml",
        feed_title="Example",
        title="Fighting in Darfur",
        content_html=f"<p>{text}</p>",
        fetched_at=datetime.now(UTC),
    ).to_json()


@pytest.fixture(scope="module")
def worker(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    data_dir = tmp_path_factory.mktemp("aliases")
    settings = fresh_settings(broker, data_dir)
    asyncio.run(ensure_topics(broker, settings))
    process = start_worker(settings, broker, data_dir / "worker.log")
    try:
        yield settings
    finally:
        stop_process(process)
        assert process.returncode == 0, (data_dir / "worker.log").read_text()[-3000:]


def event_of(settings: Settings, article_id: str, topic: str = "events") -> dict[str, Any]:
    def arrived(found: list[Any]) -> bool:
        return any(r.key == article_id.encode() for r in found)

    records = read(settings, settings.topic(topic), until=arrived, timeout=120)
    [event] = [orjson.loads(r.value) for r in records if r.key == article_id.encode()]
    return event


def ids(event: dict[str, Any]) -> set[str]:
    return {e["id"] for e in event["entities"]}


def test_a_later_article_gets_the_id_an_earlier_one_taught(worker: Settings) -> None:
    send(worker, worker.topic("raw"), (b"defines", raw("defines", DEFINES)))
    assert "org:rapid-support-forces" in ids(event_of(worker, "defines"))
    send(worker, worker.topic("raw"), (b"uses", raw("uses", USES)))
    uses = event_of(worker, "uses")
    [rsf] = [e for e in uses["entities"] if e["name"] == "RSF"]
    assert rsf["id"] == "org:rapid-support-forces" and rsf["label"] == "ORG"
    claimants = {c["claimant"]["entity_id"] for c in uses["claims"]}
    assert "org:rapid-support-forces" in claimants  # claims point at the shared id
    table = asyncio.run(read_table(worker.broker or "", worker, ALIASES_TABLE))
    assert table == {"acronym:rsf": "org:rapid-support-forces"}


def test_a_replay_uses_the_workers_aliases(worker: Settings, tmp_path: Path) -> None:
    event_of(worker, "uses")  # the live pipeline has learned the alias
    result = newswire(worker, "replay", "--from", "0", "--to-topic", worker.topic("rebuild"))
    assert result.exit_code == 0, result.output
    replayed = event_of(worker, "uses", topic="rebuild")
    assert "org:rapid-support-forces" in ids(replayed)
    assert replayed["event_id"] == event_of(worker, "uses")["event_id"]
