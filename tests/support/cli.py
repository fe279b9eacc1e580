"""Running ``newswire``: in this process (click's runner) or as a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from click.testing import CliRunner, Result

from pipeline.cli.main import main
from pipeline.settings import Settings


def newswire(
    settings: Settings | None,
    *args: str,
    stdin: bytes | None = None,
    color: bool = False,
    **env: str,
) -> Result:
    """``newswire ARGS`` in this process, configured by ``settings`` and ``env`` as environment
    variables (``color``: keep the ANSI styles)."""
    environment = {**(settings.to_env() if settings is not None else {}), **env}
    return CliRunner().invoke(
        main, list(args), input=stdin, env=environment, color=color, catch_exceptions=False
    )


def newswire_process(
    *args: str,
    settings: Settings | None = None,
    stdin: bytes | None = None,
    timeout: float = 300,
    **env: str,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m pipeline.cli ARGS`` as a child process, with ``settings`` and ``env``."""
    environment = {**os.environ, **(settings.to_env() if settings else {}), **env}
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "pipeline.cli", *args],
        input=stdin,
        capture_output=True,
        env=environment,
        timeout=timeout,
        check=False,
    )


def newswire_text(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """``newswire_process`` with its output decoded."""
    done = newswire_process(*args, **options)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )
