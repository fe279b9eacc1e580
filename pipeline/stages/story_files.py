"""The story index's state on disk (SQLite), so a worker's memory does not grow with the window.

``StoryFile`` is a ``MutableMapping`` of bytes (the entries of the worker's story table, each
with the time it was seen, indexed so that expiry reads only what expires) that also keeps,
per band key, the newest entry kept with it (a row of the band key and the entry's rowid,
dropped with the entry) and the offsets of the changelog entries applied. A worker's file
persists in its data directory (``claim``), so a restart reads only the changelog's new
entries; ``":memory:"`` serves tests and one-off runs.

Writes gather in a transaction until ``commit``: the caller commits (the worker's store every
half second), so recovery writes in batches, and an offset is stored with the writes it covers.
A batch of writes (``apply``; ``write_later`` gathers the changelog's entries into one, made
before anything reads the file) reads the rows and bands it touches at once, works out in
memory what the same writes one at a time would leave, and writes only that.
"""

from __future__ import annotations

import fcntl
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

CACHE_KIB = 16 * 1024
"""SQLite's page cache per connection: what the file costs in memory, whatever its size."""
SCHEMA = 4
"""The file's layout (``PRAGMA user_version``): a file of another layout is started afresh."""

LATER = 1000
"""Writes ``StoryFile.write_later`` gathers before making them together."""
PARAMETERS = 999
"""Values looked up per statement (SQLite's least limit on a statement's parameters)."""

Describe = Callable[[bytes, bytes], tuple[float, list[int]]]
"""An entry's time seen and band keys, from its key and value."""
Write = tuple[bytes, bytes | None]
"""A key and its new value (None: delete it)."""
Newest = tuple[int, float]
"""A band's newest entry: its row id and time seen."""
T = TypeVar("T")

_TAKE_BAND = (
    "INSERT INTO bands VALUES (?1, ?2) ON CONFLICT (band) DO UPDATE SET entry = excluded.entry "
    "WHERE ?3 >= coalesce((SELECT seen FROM entries WHERE id = bands.entry), -1)"
)
"""Make entry ?2, seen at ?3, the newest of band ?1 unless its newest was seen later."""


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


@dataclass(slots=True)
class _Row:
    """An entry as ``StoryFile.apply`` finds or leaves it: its row id (below 0: a row still to
    insert), key and value, and the time seen and bands that ``describe`` gives it."""

    id: int
    key: bytes
    value: bytes
    seen: float = -1.0
    bands: list[int] = field(default_factory=list)


def _chunks(items: list[T]) -> Iterator[list[T]]:
    """``items`` in lists of at most ``PARAMETERS``."""
    return (items[n : n + PARAMETERS] for n in range(0, len(items), PARAMETERS))


def _marks(chunk: list[T]) -> str:
    return ",".join("?" * len(chunk))


def _replay(
    before: dict[bytes, _Row], news: list[tuple[bytes, _Row | None]], held: dict[int, Newest]
) -> tuple[dict[bytes, _Row | None], dict[int, Newest | None]]:
    """The rows that ``news`` (key, new row or None to delete), written in turn, leave over the
    rows ``before`` kept under their keys, and the newest entry they leave to each band they
    touch: a band goes with its newest entry, and an entry becomes the newest of each of its
    bands whose newest was not seen later (ties: the later write). ``held`` has the newest
    kept of the bands the batch may take an entry from (those of the rows replaced); any other
    band is taken as empty, and left to ``StoryFile._store`` to compare with what it holds. New
    rows get ids below 0, in the order written."""
    rows: dict[bytes, _Row | None] = dict(before)
    bands: dict[int, Newest | None] = dict(held)
    changed: set[int] = set()
    for ref, (key, new) in enumerate(news, 1):
        old = rows.get(key)
        if old is not None:
            for band in old.bands:
                newest = bands.get(band)
                if newest is not None and newest[0] == old.id:
                    bands[band] = None
                    changed.add(band)
        rows[key] = new
        if new is None:
            continue
        new.id = -ref
        for band in new.bands:
            newest = bands.get(band)
            if newest is None or new.seen >= newest[1]:
                bands[band] = (new.id, new.seen)
                changed.add(band)
    return rows, {band: bands[band] for band in changed}


class StoryFile(MutableMapping[bytes, bytes]):
    """Entries (key -> value, with the time seen and bands that ``describe`` gives them), the
    newest entry of each band, and the changelog offsets applied."""

    def __init__(self, connection: sqlite3.Connection, describe: Describe) -> None:
        self.db = connection
        self.describe = describe
        self._later: list[Write] = []
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
        self.db.executemany(_TAKE_BAND, [(band, entry, seen) for band in bands])

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

    def apply(self, writes: Iterable[Write]) -> None:
        """Make each write in turn, a value None deleting its key: the entries and bands that
        ``self[key] = value`` and ``self.pop(key, None)`` one at a time would leave, read and
        written a batch at a time (for one write, those are faster)."""
        self._later.extend(writes)
        self._settle()

    def write_later(self, key: bytes, value: bytes | None) -> None:
        """``apply`` this write with the ones after it: before the file is next read, written
        or committed, or once ``LATER`` are waiting."""
        self._later.append((key, value))
        if len(self._later) >= LATER:
            self._settle()

    def _settle(self) -> None:
        """Make the writes waiting, over the rows and bands they touch (one read, when none
        changes anything)."""
        if not self._later:
            return
        writes, self._later = self._later, []
        before = self._rows({key for key, _ in writes})
        values: dict[bytes, bytes | None] = {key: row.value for key, row in before.items()}
        changes: list[Write] = []
        for key, value in writes:
            if values.get(key) != value:
                values[key] = value
                changes.append((key, value))
        if not changes:
            return
        replaced = [before[key] for key in {key for key, _ in changes} & before.keys()]
        for row in replaced:
            row.bands = self.describe(row.key, row.value)[1]
        news = [
            (key, None if value is None else _Row(0, key, value, *self.describe(key, value)))
            for key, value in changes
        ]
        final = dict(news)
        replaced += [new for key, new in news if new is not None and final[key] is not new]
        held = {band for row in replaced for band in row.bands}
        rows, bands = _replay(before, news, self._held(held))
        self._store(before, rows, bands, held)

    def _rows(self, keys: Iterable[bytes]) -> dict[bytes, _Row]:
        """The entries kept under ``keys`` (without their bands)."""
        found: dict[bytes, _Row] = {}
        for chunk in _chunks(sorted(keys)):
            query = f"SELECT id, key, value FROM entries WHERE key IN ({_marks(chunk)})"  # noqa: S608
            for entry, key, value in self.db.execute(query, chunk):
                found[bytes(key)] = _Row(entry, bytes(key), bytes(value))
        return found

    def _held(self, bands: Iterable[int]) -> dict[int, Newest]:
        """The newest entry kept of each of ``bands`` that has one: its id and time seen."""
        found: dict[int, Newest] = {}
        for chunk in _chunks(sorted(bands)):
            query = (
                "SELECT b.band, b.entry, coalesce(e.seen, -1) FROM bands AS b "  # noqa: S608
                f"LEFT JOIN entries AS e ON e.id = b.entry WHERE b.band IN ({_marks(chunk)})"
            )
            for band, entry, seen in self.db.execute(query, chunk):
                found[band] = (entry, seen)
        return found

    def _store(
        self,
        before: dict[bytes, _Row],
        rows: dict[bytes, _Row | None],
        bands: dict[int, Newest | None],
        held: set[int],
    ) -> None:
        """Write what ``_replay`` worked out: the rows replaced or deleted go, the new ones are
        inserted in the order they were written (numbered after every row there has been, as
        ``AUTOINCREMENT`` would); the bands ``held`` (read before) are set or dropped as worked
        out, any other takes its new entry unless the one it holds was seen later."""
        self._write()
        (last,) = self.db.execute(
            "SELECT max((SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = "
            "'entries'), (SELECT coalesce(max(id), 0) FROM entries))"
        ).fetchone()
        added = [row for row in rows.values() if row is not None and row.id < 0]
        added.sort(key=lambda row: -row.id)
        ids = {row.id: last + n for n, row in enumerate(added, 1)}
        gone = sorted(row.id for key, row in before.items() if rows[key] is not row)
        self.db.executemany("DELETE FROM entries WHERE id = ?", [(entry,) for entry in gone])
        self.db.executemany(
            "INSERT INTO entries (id, key, seen, value) VALUES (?, ?, ?, ?)",
            sorted((ids[row.id], row.key, row.seen, row.value) for row in added),
        )
        dropped, kept, taken = [], [], []
        for band in sorted(bands):
            new = bands[band]
            if new is None:
                dropped.append((band,))
            elif band in held:
                kept.append((band, ids.get(new[0], new[0])))
            else:
                taken.append((band, ids[new[0]], new[1]))
        self.db.executemany("DELETE FROM bands WHERE band = ?", dropped)
        self.db.executemany("INSERT OR REPLACE INTO bands VALUES (?, ?)", kept)
        self.db.executemany(_TAKE_BAND, taken)

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
