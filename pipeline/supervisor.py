"""newswire's own processes: started as children that die with their parent, stopped by PID;
``newswire run`` supervises a poller and a worker, stopped together, their output in
size-capped logs under the data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from pipeline.kafka.broker import die_with_parent
from pipeline.logs import copy_lines
from pipeline.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOP_SECONDS = 10.0
"""How long ``run`` lets its children stop gracefully before it kills them."""


def spawn(
    command: list[str],
    settings: Settings,
    bootstrap: str,
    log: Path | None = None,
    own_group: bool = False,
) -> subprocess.Popen[bytes]:
    """``newswire COMMAND`` as a child process with these settings, its output copied to the
    rotating log ``log`` (else inherited); ``own_group``: in a process group of its own, which
    a terminal's Ctrl-C does not reach."""
    env = {**os.environ, **settings.to_env(), "NEWSWIRE_BROKER": bootstrap}
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pipeline.cli", *command],
        env=env,
        stdin=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        stdout=subprocess.PIPE if log is not None else None,
        stderr=subprocess.STDOUT if log is not None else None,
        process_group=0 if own_group else None,
    )
    if log is not None:
        assert process.stdout is not None  # noqa: S101 - piped just above
        copy_lines(process.stdout, log)
    return process


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


def supervise(
    settings: Settings, bootstrap: str, feeds: list[str], say: Callable[[str], None]
) -> int:
    """Run ``poll``, ``worker``, ``store`` and ``web`` until a stop signal or until one of them
    exits; returns the exit status.

    The first SIGINT or SIGTERM sends both SIGTERM (each stops gracefully and commits what it
    finished); a second SIGINT kills them at once (status 130). Whoever runs the embedded
    broker stops it after this returns. ``say`` prints a line for the person running it.
    """
    received: list[int] = []

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    commands = {"worker": ["worker"], "poll": ["poll", *feeds], "store": ["store"], "web": ["web"]}
    logs = settings.data_dir / "logs"
    children = {
        name: spawn(command, settings, bootstrap, logs / f"{name}.log", own_group=True)
        for name, command in commands.items()
    }
    say(f"worker, poller, store and newsroom started; their logs are in {logs}")
    try:
        ready = _wait(children, received, lambda: _ready(settings))
        if ready:
            say(f"ready; the newsroom is at {newsroom_url(settings)}")
        if ready is not None:
            _wait(children, received, lambda: False)
    finally:
        status = _stop(children, received, say)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


Children = dict[str, subprocess.Popen[bytes]]


def _wait(children: Children, received: list[int], done: Callable[[], bool]) -> bool | None:
    """Until ``done()`` (True), a stop signal (False) or a child's exit (None)."""
    while not received:
        if any(child.poll() is not None for child in children.values()):
            return None
        if done():
            return True
        time.sleep(0.2)
    return False


def newsroom_url(settings: Settings) -> str:
    return f"http://{settings.newsroom_host}:{settings.newsroom_port}/"


def _ready(settings: Settings) -> bool:
    """Whether the worker's and the poller's ``/ready`` pages and the newsroom's ``/health``
    say so."""
    token = settings.web_token.get_secret_value() if settings.web_token else ""
    for url in (
        f"http://{settings.web_host}:{settings.web_port}/ready",
        f"http://{settings.web_host}:{settings.poller_web_port}/ready",
        newsroom_url(settings) + "health",
    ):
        headers = {"Authorization": f"Bearer {token}"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http, ours
        try:
            with urllib.request.urlopen(  # noqa: S310 - our own pages on our own host
                request, timeout=1
            ) as response:
                if response.status != 200:
                    return False
        except OSError:
            return False
    return True


def _stop(children: Children, received: list[int], say: Callable[[str], None]) -> int:
    """Stop the children: SIGTERM, then SIGKILL on a second SIGINT or after ``STOP_SECONDS``."""
    if received:
        say(f"stopping ({signal.Signals(received[0]).name}); a second Ctrl-C stops at once")
    else:
        exited = [name for name, child in children.items() if child.poll() not in (None, 0)]
        say(f"stopping: {', '.join(exited) or 'a child'} exited (its log says why)")
    for child in children.values():
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    forced = False
    for child in children.values():
        while child.poll() is None:
            forced = forced or received.count(signal.SIGINT) > 1 or time.monotonic() > deadline
            if forced:
                _signal_group(child, signal.SIGKILL)
            time.sleep(0.05)
    if forced:
        say("stopped at once, in-flight work left for the next worker")
        return 130
    # a child stopped before it could take over SIGTERM (still starting) had nothing to finish
    stopped = (0, -signal.SIGTERM)
    return 0 if received and all(c.returncode in stopped for c in children.values()) else 1


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """``signum`` to ``child``'s process group (ours: it leads its own)."""
    if child.poll() is None:
        os.killpg(child.pid, signum)
