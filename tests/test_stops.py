"""Stopping newswire's long-running commands as an operator does: Ctrl-C (SIGINT to the whole
process group, as a terminal sends it) or SIGTERM, busy or idle. Each stops within 10 s with one
line on stderr and status 0 (130 for a second Ctrl-C), and a restart loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from pipeline.kafka.broker import free_port
from pipeline.kafka.topics import ensure_topics
from pipeline.settings import Settings
from tests.support.cli import newswire_text
from tests.support.feed_server import Reply, feed_server
from tests.support.feeds import BUNDLED, bundled_articles, rss
from tests.support.kafka import fresh_settings, read, send_all, wait_until

STOP_SECONDS = 10.0


class Command:
    """``newswire ARGS`` in a process group of its own, its output in ``log``."""

    def __init__(self, settings: Settings, log: Path, *args: str) -> None:
        self.log = log
        env = {**os.environ, **settings.to_env(), "NEWSWIRE_LOG_LEVEL": "WARNING"}
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "pipeline.cli", *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                process_group=0,
            )

    def signal(self, signum: signal.Signals) -> None:
        os.killpg(self.process.pid, signum)

    def stopped(self, timeout: float = STOP_SECONDS) -> tuple[int, list[str]]:
        """Exit status and output lines, once it has exited (failing after ``timeout`` s)."""
        try:
            status = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"still running {timeout} s after the signal: {self.output()[-20:]}")
        return status, self.output()

    def output(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line.strip()]

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def loaded(broker: str, tmp_path: Path) -> Iterator[tuple[Settings, set[str]]]:
    """Fresh topics holding 50 full-text articles on ``news.raw``."""
    # small batches: what is in flight at a stop is done within the bound on a busy machine too
    small = {"nlp_batch_size": 2, "clean_batch_size": 4}
    settings = fresh_settings(broker, tmp_path, partitions=4, **small)
    asyncio.run(ensure_topics(broker, settings))
    raws = bundled_articles("dawn.xml", "talkingpointsmemo.xml")
    messages = [(raw.id.encode(), raw.to_json()) for raw in raws]
    asyncio.run(send_all(settings, settings.topic("raw"), messages))
    yield settings, {raw.id for raw in raws}


def articles_with_events(settings: Settings, count: int = 0, timeout: float = 120) -> set[str]:
    def done(records: list) -> bool:  # type: ignore[type-arg]
        return len({orjson.loads(r.value)["article"]["id"] for r in records}) >= count

    records = read(settings, settings.topic("events"), until=done, timeout=timeout)
    return {orjson.loads(r.value)["article"]["id"] for r in records}


def worker(settings: Settings, log: Path) -> Command:
    return Command(settings.model_copy(update={"web_port": free_port()}), log, "worker")


def test_a_worker_stops_busy_idle_or_at_once_and_nothing_is_lost(
    loaded: tuple[Settings, set[str]], tmp_path: Path
) -> None:
    """Ctrl-C while busy: a graceful stop. The next worker, busy too, gets two: it stops at
    once (130). The third finishes every article, and SIGTERM stops it idle."""
    settings, ids = loaded
    first = worker(settings, tmp_path / "first.log")
    try:
        articles_with_events(settings, 5)
        started = time.monotonic()
        first.signal(signal.SIGINT)
        status, lines = first.stopped()
    finally:
        first.kill()
    assert (status, lines) == (0, ["newswire worker: stopping (SIGINT)" + hint(signal.SIGINT)])
    assert time.monotonic() - started < STOP_SECONDS

    before = len(articles_with_events(settings))  # the first finishes what it had begun
    second = worker(settings, tmp_path / "second.log")
    try:
        articles_with_events(settings, before + 3)  # so the second one is running, not starting
        second.signal(signal.SIGINT)
        wait_until(lambda: bool(second.output()), 5, lambda: "the stop line")  # signals merge
        second.signal(signal.SIGINT)
        status, lines = second.stopped(timeout=5)
    finally:
        second.kill()
    assert status == 130, lines
    assert "newswire worker: stopped at once, in-flight work left for the next worker" in lines
    assert len(articles_with_events(settings)) < len(ids), "stopped too late to test anything"

    third = worker(settings, tmp_path / "third.log")
    try:
        assert articles_with_events(settings, len(ids), timeout=180) == ids
        third.signal(signal.SIGTERM)
        status, lines = third.stopped()
    finally:
        third.kill()
    assert (status, lines) == (0, ["newswire worker: stopping (SIGTERM)"])


def hint(signum: signal.Signals) -> str:
    return "; a second Ctrl-C stops at once" if signum == signal.SIGINT else ""


def test_a_poller_stops_mid_fetch_and_idle_and_its_restart_loses_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    asyncio.run(ensure_topics(settings.broker or "", settings))
    local = {"fetch_allow_networks": ["127.0.0.0/8"], "poller_web_port": free_port()}
    settings = settings.model_copy(update=local)
    with feed_server() as server:
        body = rss("Stalling", f"{server.base}/feed.xml", 12)
        url = server.route("/feed.xml", Reply(body=body, stall_after=200, stall_seconds=30))
        poller = Command(settings, tmp_path / "busy.log", "poll", url)
        try:
            wait_until(lambda: bool(server.hits("/feed.xml")), 60, lambda: "the first fetch")
            poller.signal(signal.SIGINT)  # the fetch is stalled mid-body
            status, lines = poller.stopped()
        finally:
            poller.kill()
        assert status == 0, lines
        assert lines == ["newswire poll: stopping (SIGINT)" + hint(signal.SIGINT)]

        server.route("/feed.xml", Reply(body=body))
        again = Command(settings, tmp_path / "idle.log", "poll")
        try:
            raw = read(settings, settings.topic("raw"), 12, timeout=60)
            assert len({orjson.loads(r.value)["id"] for r in raw}) == 12
            again.signal(signal.SIGTERM)
            status, lines = again.stopped()
        finally:
            again.kill()
        assert status == 0, lines
        assert lines == ["newswire poll: stopping (SIGTERM)"]


def test_run_stops_on_ctrl_c_busy_and_its_restart_loses_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    """Ctrl-C reaches ``run`` alone (its children have process groups of their own); it stops
    them and says so in one line."""
    asyncio.run(ensure_topics(settings.broker or "", settings))
    ports = {"web_port": free_port(), "poller_web_port": free_port(), "newsroom_port": free_port()}
    settings = settings.model_copy(
        update=ports | {"nlp_batch_size": 2, "clean_batch_size": 4, "feed_files": True}
    )
    feed = str(BUNDLED / "dawn.xml")
    busy = Command(settings, tmp_path / "busy.log", "run", "--feed", feed)
    try:
        articles_with_events(settings, 3)
        busy.signal(signal.SIGINT)
        status, lines = busy.stopped()
    finally:
        busy.kill()
    assert status == 0, lines
    stops = [line for line in lines if "stopping" in line]
    assert stops == ["newswire run: stopping (SIGINT); a second Ctrl-C stops at once"], lines
    assert not [line for line in lines if "Traceback" in line]
    assert len(articles_with_events(settings)) < 30, "stopped too late to test anything"
    assert (settings.data_dir / "logs" / "worker.log").read_text().strip()

    again = Command(settings, tmp_path / "again.log", "run")
    try:
        assert len(articles_with_events(settings, 30, timeout=180)) == 30
        again.signal(signal.SIGTERM)
        status, lines = again.stopped()
    finally:
        again.kill()
    assert status == 0, lines


def test_a_taken_web_port_is_one_error_line_or_replaced_when_not_set(
    settings: Settings, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        explicit = newswire_text("worker", settings=settings, NEWSWIRE_WEB_PORT=str(port))
        assert explicit.returncode == 78
        assert explicit.stderr.splitlines() == [
            f"Error: NEWSWIRE_WEB_PORT={port}: the port is in use on 127.0.0.1"
        ]

    default = Settings().web_port
    env = {k: v for k, v in settings.to_env().items() if k != "NEWSWIRE_WEB_PORT"}
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            taken.bind(("127.0.0.1", default))
            taken.listen()
        except OSError:
            pass  # something else holds it: the worker must move all the same
        moved = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "pipeline.cli", "worker"],
            env={**{k: v for k, v in os.environ.items() if k != "NEWSWIRE_WEB_PORT"}, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert moved.stderr is not None
            line = moved.stderr.readline().strip()
            assert line.startswith(f"newswire: port {default} is in use on 127.0.0.1; serving ")
            served = int(line.rsplit(" ", 1)[1])
            wait_until(lambda: health(served), 60, lambda: f"/health on {served}")
        finally:
            moved.terminate()
            moved.wait(20)
            moved.stderr.close()  # type: ignore[union-attr]


def health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False
