"""newswire's own processes: started as children that die with their parent, stopped by PID;
``newswire run`` supervises a poller and a worker, stopped together, their output in
size-capped logs under the data directory."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from pipeline.kafka.broker import die_with_parent
from pipeline.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_SECONDS = 10.0
"""How long ``run`` lets its children stop gracefully before it kills them."""
LOG_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 3


def spawn(
    command: list[str], settings: Settings, bootstrap: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``newswire COMMAND`` as a child process with these settings (output to ``log``)."""
    env = {**os.environ, **settings.to_env(), "NEWSWIRE_BROKER": bootstrap}
    out = log.open("ab") if log is not None else None
    try:
        return subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "pipeline.cli", *command],
            env=env,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
        )
    finally:
        if out is not None:
            out.close()


def start_worker(settings: Settings, bootstrap: str, log: Path) -> subprocess.Popen[bytes]:
    """A ``newswire worker`` child process with these settings."""
    return spawn(["worker"], settings, bootstrap, log)


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Child:
    """A command of ``newswire run``: in a process group of its own (a terminal's Ctrl-C reaches
    only ``run``, which stops it), its output copied to a size-capped log file."""

    def __init__(self, name: str, command: list[str], settings: Settings, bootstrap: str) -> None:
        self.name = name
        self.log = rotating_log(settings.data_dir / "logs" / f"{name}.log")
        env = {**os.environ, **settings.to_env(), "NEWSWIRE_BROKER": bootstrap}
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "pipeline.cli", *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=die_with_parent,
        )
        self.copying = threading.Thread(target=self._copy, name=f"{name}-log", daemon=True)
        self.copying.start()

    def _copy(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.info(line.rstrip(b"\n").decode("utf-8", errors="replace"))

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)


def rotating_log(path: Path) -> logging.Logger:
    """A logger writing bare lines to ``path``, kept under ``LOG_BYTES`` by rotation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"newswire.log.{path}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    if not logger.handlers:
        handler = RotatingFileHandler(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    return logger


def supervise(
    settings: Settings, bootstrap: str, feeds: list[str], say: Callable[[str], None]
) -> int:
    """Run ``poll`` and ``worker`` until a stop signal or until one of them exits; returns the
    exit status.

    The first SIGINT or SIGTERM sends both SIGTERM (each stops gracefully and commits what it
    finished); a second SIGINT kills them at once (status 130). Whoever runs the embedded
    broker stops it after this returns. ``say`` prints a line for the person running it.
    """
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    commands = {"worker": ["worker"], "poll": ["poll", *feeds]}
    children = [Child(name, command, settings, bootstrap) for name, command in commands.items()]
    say(f"worker and poller started; their logs are in {settings.data_dir / 'logs'}")
    try:
        ready = _wait(children, received, lambda: _ready(settings))
        if ready:
            say("worker and poller ready")
        if ready is not None:
            _wait(children, received, lambda: False)
    finally:
        status = _stop(children, received, say)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _wait(children: list[Child], received: list[int], done: Callable[[], bool]) -> bool | None:
    """Until ``done()`` (True), a stop signal (False) or a child's exit (None)."""
    while not received:
        if any(child.process.poll() is not None for child in children):
            return None
        if done():
            return True
        time.sleep(0.2)
    return False


def _ready(settings: Settings) -> bool:
    """Whether the worker's and the poller's ``/ready`` pages say so."""
    for port in (settings.web_port, settings.poller_web_port):
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own page on our own host
                f"http://{settings.web_host}:{port}/ready", timeout=1
            ) as response:
                if response.status != 200:
                    return False
        except OSError:
            return False
    return True


def _stop(children: list[Child], received: list[int], say: Callable[[str], None]) -> int:
    """Stop the children: SIGTERM, then SIGKILL on a second SIGINT or after ``STOP_SECONDS``."""
    if received:
        say(f"stopping ({signal.Signals(received[0]).name}); a second Ctrl-C stops at once")
    else:
        exited = [c.name for c in children if c.process.poll() not in (None, 0)]
        say(f"stopping: {', '.join(exited) or 'a child'} exited (its log says why)")
    for child in children:
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    forced = False
    for child in children:
        while child.process.poll() is None:
            forced = forced or received.count(signal.SIGINT) > 1 or time.monotonic() > deadline
            if forced:
                child.signal(signal.SIGKILL)
            time.sleep(0.05)
        child.copying.join(1.0)
    if forced:
        say("stopped at once, in-flight work left for the next worker")
        return 130
    return 0 if received and all(c.process.returncode == 0 for c in children) else 1
