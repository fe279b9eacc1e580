"""A throwaway PostgreSQL server on a Unix socket (pgserver's wheel), one database per test."""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

_numbers = itertools.count()


@contextmanager
def postgres_server(root: Path) -> Iterator[str]:
    """The URL of a PostgreSQL server running in ``root`` until the block ends; skips the
    test (fails it under CI=true) when none can start."""
    try:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(root, cleanup_mode="stop")
    except Exception as exc:  # noqa: BLE001 - any failure to start means no server here
        message = f"no PostgreSQL server could start: {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def fresh_database(server_url: str) -> str:
    """A new empty database on the server; its URL."""
    name = f"newswire_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(server_url, autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    return server_url.replace("/postgres?", f"/{name}?", 1)
