"""``newswire store`` against the embedded broker, on SQLite and on PostgreSQL: events stored
once across a kill -9 and a replay, bad messages dead-lettered, ``search`` over the result."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from spacy.language import Language

from pipeline.kafka.topics import ensure_topics
from pipeline.records import DeadLetter
from pipeline.settings import Settings
from pipeline.store.configured import open_store
from tests.support.cli import newswire_text
from tests.support.events import make_events
from tests.support.kafka import read, send, wait_until
from tests.support.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "sqlite":
        return settings
    url = fresh_database(request.getfixturevalue("postgres"))
    return settings.model_copy(update={"store_url": url})


def start_store(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pipeline.cli", "store"],
        env={**os.environ, **settings.to_env()},
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def stored(settings: Settings) -> int:
    store = open_store(settings)
    try:
        return store.counts()["events"]
    finally:
        store.close()


def test_store_keeps_each_event_once_across_kill_and_replay(
    store_settings: Settings, nlp: Language, tmp_path: Path
) -> None:
    settings = store_settings
    events = make_events(nlp)
    messages = [(e.article.id.encode(), e.to_json()) for e in events]
    asyncio.run(ensure_topics(settings.broker or "", settings))
    send(settings, settings.topic("events"), *messages[:2], (b"junk", b"{not an event"))
    log = tmp_path / "store.log"
    process = start_store(settings, log)
    try:
        wait_until(lambda: stored(settings) == 2, 60, lambda: log.read_text())
        [letter] = read(settings, settings.topic("deadletter"), 1)
        dead = DeadLetter.from_json(letter.value or b"")
        assert (dead.stage, dead.payload, dead.key) == ("store", "{not an event", "junk")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        # a replay re-sends what was stored; only the two new events are new
        send(settings, settings.topic("events"), *messages)
        process = start_store(settings, log)
        wait_until(lambda: stored(settings) == 4, 60, lambda: log.read_text())
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "newswire store: stopped" in log.read_text()
    assert stored(settings) == 4

    found = newswire_text("search", "reopen", "--json", settings=settings)
    assert found.returncode == 0, found.stderr
    lines = [orjson.loads(line) for line in found.stdout.splitlines()]
    assert [e["article"]["id"] for e in lines] == ["port-2", "port-1"]
    assert lines[1] == orjson.loads(messages[0][1])
    text = newswire_text("search", "--claimant", "dockers", "--stance", "deny", settings=settings)
    assert "Dockers Union → denied → that the port of Dunmore" in text.stdout
    assert "2 events" in text.stderr


def test_search_reports_a_store_it_cannot_open(tmp_path: Path) -> None:
    (tmp_path / "store.sqlite3").mkdir()  # a directory where the file should be
    done = newswire_text("search", "x", NEWSWIRE_DATA_DIR=str(tmp_path))
    assert done.returncode == 78
    assert "cannot open the store" in done.stderr
