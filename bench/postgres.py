"""A throwaway PostgreSQL server for the store's figures: pgserver's wheel (a development
dependency) in a temporary directory, listening on a Unix socket there and on no address."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    """The postmaster's: its descendants are the server's processes."""


@contextmanager
def postgres_server() -> Iterator[Server]:
    """A PostgreSQL server running until the block ends, then stopped and deleted."""
    with tempfile.TemporaryDirectory(prefix="newswire-pg-") as root:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            import pgserver

            server = pgserver.get_server(root, cleanup_mode="stop")
        try:
            yield Server(server.get_uri(), server.get_pid() or 0)
        finally:
            server.cleanup()


def vacuum(url: str) -> None:
    """Vacuum and analyse the database, as autovacuum does soon after a bulk load."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("VACUUM (ANALYZE)")
