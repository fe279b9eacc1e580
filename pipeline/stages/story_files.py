"""The story index's state on disk (SQLite), so a worker's memory does not grow with the window.

``EntryFile`` is a ``MutableMapping`` of bytes (the store under the worker's story table);
``BandFile`` keeps, per band key, the newest article seen with it, in one SQLite table per
UTC day so that expiry drops whole days. Both live in a file of the worker's own that it
rebuilds from the table's changelog when it starts (``scratch_file``), or in memory
(``":memory:"``) for tests and one-off runs.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path

CACHE_KIB = 16 * 1024
"""SQLite's page cache per connection: what the files cost in memory, whatever their size."""
_DAY = 86_400


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection to a disposable file (no journal, no sync: it is rebuilt, never recovered)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{CACHE_KIB}"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def scratch_file(directory: Path) -> sqlite3.Connection:
    """A connection to a new file in ``directory`` that is unlinked once open, so it goes with
    the process (as with no journal SQLite keeps no other file beside it)."""
    path = directory / f"stories-{os.getpid()}.sqlite3"
    path.unlink(missing_ok=True)
    connection = connect(path)
    connection.execute("CREATE TABLE IF NOT EXISTS opened (at REAL)")  # creates the file
    path.unlink()
    return connection


class EntryFile(MutableMapping[bytes, bytes]):
    """Bytes keys and values in one SQLite table."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID"
        )

    def __getitem__(self, key: bytes) -> bytes:
        row = self.db.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, value))

    def __delitem__(self, key: bytes) -> None:
        if self.db.execute("DELETE FROM entries WHERE key = ?", (key,)).rowcount == 0:
            raise KeyError(key)

    def __iter__(self) -> Iterator[bytes]:
        return (bytes(row[0]) for row in self.db.execute("SELECT key FROM entries"))

    def __len__(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM entries").fetchone()[0])

    def __contains__(self, key: object) -> bool:
        found = self.db.execute("SELECT 1 FROM entries WHERE key = ?", (key,)).fetchone()
        return found is not None


class BandFile:
    """Band key (a 63-bit integer) -> the newest (time seen, article id) with that band."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.db = connection

    def days(self) -> list[int]:
        """The days (since the epoch, UTC) that have a band table."""
        names = self.db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'bands_%'")
        return sorted(int(name.removeprefix("bands_")) for (name,) in names)

    def add(self, keys: Iterable[int], seen: float, article_id: str) -> None:
        """Record ``article_id`` under ``keys`` where it is the newest (ties: the later call)."""
        table = f"bands_{int(seen // _DAY)}"  # table names are made of integers only
        columns = "band INTEGER PRIMARY KEY, seen REAL, article TEXT"
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
        self.db.executemany(
            f"INSERT INTO {table} VALUES (?, ?, ?) ON CONFLICT (band) DO UPDATE SET "  # noqa: S608
            "seen = excluded.seen, article = excluded.article WHERE excluded.seen >= seen",
            [(key, seen, article_id) for key in keys],
        )

    def newest(self, keys: Iterable[int]) -> list[tuple[float, str]]:
        """The newest (seen, article id) of each of ``keys`` that has one, in ``keys``' order."""
        keys = list(keys)
        marks = ",".join("?" * len(keys))
        best: dict[int, tuple[float, str]] = {}
        for day in self.days():
            query = f"SELECT band, seen, article FROM bands_{day} WHERE band IN ({marks})"  # noqa: S608
            for band, seen, article in self.db.execute(query, keys):
                if band not in best or best[band][0] <= seen:
                    best[band] = (seen, article)
        return [best[key] for key in keys if key in best]

    def drop_before(self, oldest: float) -> None:
        """Forget the days that end before ``oldest``."""
        for day in self.days():
            if (day + 1) * _DAY <= oldest:
                self.db.execute(f"DROP TABLE bands_{day}")
