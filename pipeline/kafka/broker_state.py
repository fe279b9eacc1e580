"""The embedded broker of a data directory: one at most, recorded in ``broker.json``.

The state file names the broker (address, pid) and the command that started it (its pid, its
name, its folder), so that other commands find it and a second owner refuses with a line that
says whose it is. Starting one holds a lock on the data directory, so two commands never start
two. A state file whose broker is gone is stale and replaced; a broker whose owner is gone (an
owner killed before brokers died with their owners) is stopped. Only the owner removes the
file, once its broker is gone.
"""

from __future__ import annotations

import fcntl
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

GONE_SECONDS = 5.0
"""How long a stopped broker may take to go."""


@dataclass(frozen=True)
class BrokerState:
    """A running embedded broker and the command that owns it."""

    bootstrap: str
    pid: int
    owner_pid: int
    owner: str = "?"
    folder: str = "?"
    started_at: str = ""

    def describe(self) -> str:
        return (
            f"{self.bootstrap} (pid {self.pid}), started by `newswire {self.owner}` "
            f"(pid {self.owner_pid}) in {self.folder}"
        )


def read_state(path: Path) -> BrokerState | None:
    """The state ``path`` records, or None when it holds none."""
    try:
        data = orjson.loads(path.read_bytes())
        return BrokerState(
            bootstrap=str(data["bootstrap"]),
            pid=int(data["pid"]),
            owner_pid=int(data["owner_pid"]),
            owner=str(data.get("owner", "?")),
            folder=str(data.get("folder", "?")),
            started_at=str(data.get("started_at", "")),
        )
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def write_state(path: Path, bootstrap: str, pid: int, owner: str) -> BrokerState:
    """Record the broker ``pid`` at ``bootstrap``, owned by this process running ``owner``."""
    state = BrokerState(
        bootstrap=bootstrap,
        pid=pid,
        owner_pid=os.getpid(),
        owner=owner,
        folder=os.getcwd(),
        started_at=datetime.now(UTC).isoformat(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(orjson.dumps(asdict(state)))
    partial.replace(path)
    return state


def clear_state(path: Path, pid: int) -> None:
    """Remove the state file if it still names the broker ``pid`` and that broker is gone."""
    state = read_state(path)
    if state is not None and state.pid == pid and not alive(pid):
        path.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return status.rsplit(")", 1)[-1].split()[0] != "Z"


def is_broker(pid: int) -> bool:
    """Whether process ``pid`` is a Tansu broker."""
    try:
        return b"tansu" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def stop_broker(pid: int, timeout: float = GONE_SECONDS) -> bool:
    """Kill the broker ``pid`` (memory only: nothing to save) and wait until it is gone."""
    if not is_broker(pid):
        return not alive(pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def live_broker(path: Path) -> BrokerState | None:
    """The data directory's broker while both it and its owner run. A stale file is removed;
    a broker that outlived its owner is stopped first."""
    state = read_state(path)
    if state is None:
        return None
    if alive(state.pid) and is_broker(state.pid):
        if alive(state.owner_pid):
            return state
        stop_broker(state.pid)
    path.unlink(missing_ok=True)
    return None


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the lock of the data directory whose state file is ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class Busy(RuntimeError):
    """Another process holds the lock; ``pid`` is the one it wrote."""

    def __init__(self, pid: str) -> None:
        super().__init__(f"held by pid {pid}")
        self.pid = pid


@contextmanager
def held(path: Path) -> Iterator[None]:
    """Hold the lock file ``path`` (with our pid in it) for as long as this runs; ``Busy`` when
    another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise Busy(lock.read().strip() or "?") from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
