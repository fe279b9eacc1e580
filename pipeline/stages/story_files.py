"""The story index's state on disk (SQLite), so a worker's memory does not grow with the window.

``StoryFile`` is a ``MutableMapping`` of bytes (the entries of the worker's story table, each
with the time it was seen, indexed so that expiry reads only what expires) that also keeps,
per band key, the newest entry kept with it (a row of the band key and the entry's rowid,
dropped with the entry) and the offsets of the changelog entries applied. A worker's file
persists in its data directory (``claim``), so a restart reads only the changelog's new
entries; ``":memory:"`` serves tests and one-off runs.

Writes gather in a transaction until ``commit``: the caller commits (the worker's store every
half second), so recovery writes in batches, and an offset is stored with the writes it covers.
The changelog's entries, which Faust hands over one at a time, wait (``write_later``) until
``LATER`` have gathered or the file is next read, written or committed, and are then written
one after another.
"""

from __future__ import annotations

import fcntl
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CACHE_KIB = 16 * 1024
"""SQLite's page cache per connection: what the file costs in memory, whatever its size."""
SCHEMA = 4
"""The file's layout (``PRAGMA user_version``): a file of another layout is started afresh."""
LATER = 1000
"""Writes ``StoryFile.write_later`` gathers before making them."""

Describe = Callable[[bytes, bytes], tuple[float, list[int]]]
"""An entry's time seen and band keys, from its key and value."""


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) that survives a crash
    consistently: WAL, synced at checkpoints only (a power cut may lose the last commits, which
    are read again from the changelog, as their offsets went with them)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"cache_size=-{CACHE_KIB}"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


@dataclass
class Claim:
    """A file of this process's own in a data directory, held by a lock on ``lock`` until the
    process ends (a crashed worker's lock goes with it, and its file is taken over)."""

    path: Path
    lock: IO[str]


def claim(directory: Path, name: str = "stories") -> Claim:
    """The first of ``directory``'s files ``NAME-0.sqlite3``, ``NAME-1.sqlite3``, … that no
    other running process holds: two workers on one data directory each keep their own."""
    directory.mkdir(parents=True, exist_ok=True)
    for n in itertools.count():
        lock = (directory / f"{name}-{n}.lock").open("a+")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return Claim(directory / f"{name}-{n}.sqlite3", lock)
    raise AssertionError("unreachable")  # pragma: no cover


def open_file(path: Path) -> sqlite3.Connection:
    """A connection to the file ``path`` as ``StoryFile`` lays it out: as it was left if it
    has this layout, else (another layout, or not a database: a torn or foreign file) new."""
    try:
        connection = connect(path)
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == SCHEMA or tables == 0:
            return connection
        connection.close()
    except sqlite3.DatabaseError:
        pass
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return connect(path)


class StoryFile(MutableMapping[bytes, bytes]):
    """Entries (key -> value, with the time seen and bands that ``describe`` gives them), the
    newest entry of each band, and the changelog offsets applied."""

    def __init__(self, connection: sqlite3.Connection, describe: Describe) -> None:
        self.db = connection
        self.describe = describe
        self._later: list[tuple[bytes, bytes | None]] = []
        self.db.executescript(f"""
            CREATE TABLE IF NOT EXISTS entries (
                id INTEGER PRIMARY KEY AUTOINCREMENT, key BLOB NOT NULL UNIQUE, seen REAL NOT NULL,
                value BLOB
            );
            CREATE INDEX IF NOT EXISTS entries_seen ON entries (seen);
            CREATE TABLE IF NOT EXISTS bands (band INTEGER PRIMARY KEY, entry INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS offsets (
                topic TEXT, partition INTEGER, offset INTEGER, PRIMARY KEY (topic, partition)
            ) WITHOUT ROWID;
            PRAGMA user_version = {SCHEMA};
        """)

    def _query(self, sql: str, parameters: Sequence[object] = ()) -> sqlite3.Cursor:
        """A read, after the writes waiting (``write_later``)."""
        self._settle()
        return self.db.execute(sql, parameters)

    def _write(self) -> None:
        if not self.db.in_transaction:
            self.db.execute("BEGIN")

    def commit(self) -> None:
        """Make the writes so far durable (with the offsets they go with)."""
        self._settle()
        if self.db.in_transaction:
            self.db.execute("COMMIT")

    def __getitem__(self, key: bytes) -> bytes:
        row = self._query("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return bytes(row[0])

    def __setitem__(self, key: bytes, value: bytes) -> None:
        """Keep ``value`` under ``key`` and make it the newest entry of its bands where it is
        (ties: the later write); the bands of the value it replaces go. Writing again the
        value kept costs one read."""
        row = self._query("SELECT id, value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is not None and row[1] == value:
            return
        self._write()
        if row is not None:
            self._unband(key, row[0], row[1])
        seen, bands = self.describe(key, value)
        (entry,) = self.db.execute(
            "INSERT OR REPLACE INTO entries (key, seen, value) VALUES (?, ?, ?) RETURNING id",
            (key, seen, value),
        ).fetchone()
        self.db.executemany(
            "INSERT INTO bands VALUES (?1, ?2) ON CONFLICT (band) DO UPDATE SET entry = "
            "excluded.entry WHERE ?3 >= coalesce((SELECT seen FROM entries WHERE "
            "id = bands.entry), -1)",
            [(band, entry, seen) for band in bands],
        )

    def __delitem__(self, key: bytes) -> None:
        row = self._query("SELECT id, value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        self._write()
        self._unband(key, row[0], row[1])
        self.db.execute("DELETE FROM entries WHERE id = ?", (row[0],))

    def _unband(self, key: bytes, entry: int, value: bytes) -> None:
        """Drop the bands that ``entry`` (``key``: ``value``) is the newest of."""
        _, bands = self.describe(key, value)
        self.db.executemany(
            "DELETE FROM bands WHERE band = ? AND entry = ?", [(band, entry) for band in bands]
        )

    def write_later(self, key: bytes, value: bytes | None) -> None:
        """Keep ``value`` under ``key`` (None: delete it) with the writes after it: before the
        file is next read, written or committed, or once ``LATER`` are waiting."""
        self._later.append((key, value))
        if len(self._later) >= LATER:
            self._settle()

    def _settle(self) -> None:
        """Make the writes waiting, in turn; when one fails, it and those after it wait still
        (so the commit, which settles first, cannot keep an offset past an entry not written)."""
        if not self._later:
            return
        writes, self._later = self._later, []
        for n, (key, value) in enumerate(writes):
            try:
                if value is None:
                    self.pop(key, None)
                else:
                    self[key] = value
            except BaseException:
                self._later = writes[n:] + self._later
                raise

    def __iter__(self) -> Iterator[bytes]:
        return (bytes(row[0]) for row in self._query("SELECT key FROM entries").fetchall())

    def __len__(self) -> int:
        return int(self._query("SELECT count(*) FROM entries").fetchone()[0])

    def __contains__(self, key: object) -> bool:
        found = self._query("SELECT 1 FROM entries WHERE key = ?", (key,)).fetchone()
        return found is not None

    def has_entries(self) -> bool:
        """Whether any entry is kept (without counting them)."""
        return self._query("SELECT 1 FROM entries LIMIT 1").fetchone() is not None

    def clear(self) -> None:
        """Forget everything: entries, bands and offsets (and the writes waiting)."""
        self._later.clear()
        self._write()
        for table in ("bands", "entries", "offsets"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    def newest(self, bands: Iterable[int]) -> list[tuple[bytes, bytes]]:
        """The entries (key, value) that are the newest kept of one of ``bands``, each once,
        in ``bands``' order."""
        bands = list(bands)
        marks = ",".join("?" * len(bands))
        query = (
            "SELECT b.band, e.key, e.value FROM bands AS b JOIN entries AS e ON e.id = b.entry "  # noqa: S608
            f"WHERE b.band IN ({marks})"
        )
        found = {band: (bytes(key), bytes(value)) for band, key, value in self._query(query, bands)}
        return list(dict.fromkeys(found[band] for band in bands if band in found))

    def seen_before(self, oldest: float, limit: int) -> list[tuple[bytes, float]]:
        """(key, time seen) of at most ``limit`` of the entries seen before ``oldest``, oldest
        first."""
        rows = self._query(
            "SELECT key, seen FROM entries WHERE seen < ? ORDER BY seen LIMIT ?", (oldest, limit)
        )
        return [(bytes(key), seen) for key, seen in rows]

    def offsets(self) -> dict[tuple[str, int], int]:
        """The offset of the last changelog entry applied, by (topic, partition)."""
        rows = self._query("SELECT topic, partition, offset FROM offsets")
        return {(topic, partition): offset for topic, partition, offset in rows}

    def set_offset(self, topic: str, partition: int, offset: int) -> None:
        self._write()
        self.db.execute(
            "INSERT OR REPLACE INTO offsets VALUES (?, ?, ?)", (topic, partition, offset)
        )

    def size(self) -> int:
        """The file's size in bytes (pages in use and free)."""
        pages = self._query("PRAGMA page_count").fetchone()[0]
        return int(pages) * int(self._query("PRAGMA page_size").fetchone()[0])
