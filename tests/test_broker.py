"""The embedded broker: starts on loopback, answers Kafka requests, stops with its owner."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.kafka.broker import BrokerError, EmbeddedBroker, find_running, wait_until_ready
from pipeline.kafka.topics import describe_topics, ensure_topics, table_topics, topic_names
from pipeline.settings import Settings


def test_ensure_topics_creates_every_topic_with_configured_partitions(settings: Settings) -> None:
    created = asyncio.run(
        ensure_topics(settings.broker or "", settings.model_copy(update={"partitions": 3}))
    )
    tables = table_topics(settings)
    assert sorted(created) == sorted([*topic_names(settings), *tables])
    described = asyncio.run(describe_topics(settings.broker or "", settings))
    partitions = {name: tables.get(name, 3) for name in created}
    assert {name: described[name] for name in created} == partitions
    assert set(tables.values()) == {1}  # a global table's changelog has one partition
    assert asyncio.run(ensure_topics(settings.broker or "", settings)) == []


def test_wait_until_ready_fails_clearly_without_broker() -> None:
    from pipeline.kafka.broker import free_port

    with pytest.raises(BrokerError, match="no Kafka broker answered"):
        asyncio.run(wait_until_ready(f"127.0.0.1:{free_port()}", timeout=1.0))


def test_broker_binds_loopback_and_stops(tmp_path: Path) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "tansu.log").start()
    assert broker.bootstrap.startswith("127.0.0.1:")
    assert broker.process is not None
    pid = broker.process.pid
    broker.stop()
    assert broker.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_broker_command_records_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSWIRE_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "broker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("bootstrap: 127.0.0.1:")
        bootstrap = first.removeprefix("bootstrap: ")
        state = tmp_path / "broker.json"
        assert find_running(state) == bootstrap
        topics = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "topics", "create"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert "news.events\t4 partitions" in topics.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        assert not state.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            asyncio.run(wait_until_ready(bootstrap, timeout=0.5))
        except BrokerError:
            break
    else:
        pytest.fail(f"broker at {bootstrap} still answers after its owner stopped")


def test_commands_refuse_to_start_a_silent_empty_broker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NEWSWIRE_BROKER"}
    env["NEWSWIRE_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "topics"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "no Kafka broker" in result.stderr


def test_broker_dies_when_its_owner_is_killed(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pipeline.kafka.broker import EmbeddedBroker; "
            "b = EmbeddedBroker().start(); print(b.bootstrap, flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    bootstrap = owner.stdout.readline().strip()
    asyncio.run(wait_until_ready(bootstrap, timeout=5))
    owner.kill()
    owner.wait()
    with pytest.raises(BrokerError):
        asyncio.run(wait_until_ready(bootstrap, timeout=3))
