"""newswire's own processes: started as children that die with their parent, stopped by PID;
``newswire run`` supervises a poller and a worker, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipeline.kafka.broker import die_with_parent
from pipeline.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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


def supervise(settings: Settings, bootstrap: str, feeds: list[str]) -> int:
    """Run ``poll`` and ``worker`` until a stop signal or until one of them exits.

    On SIGINT/SIGTERM both children get SIGTERM (Faust stops gracefully and commits);
    whoever runs the embedded broker stops it after this returns.
    """
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    commands = {"worker": ["worker"], "poll": ["poll", *feeds]}
    children = {name: spawn(command, settings, bootstrap) for name, command in commands.items()}
    try:
        while not stopping and all(c.poll() is None for c in children.values()):
            time.sleep(0.2)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not stopping:
        failed = [name for name, c in children.items() if c.returncode not in (0, None)]
        print(
            f"newswire run: stopped because {', '.join(failed) or 'a child'} exited",
            file=sys.stderr,
        )
    return 0 if stopping else 1
