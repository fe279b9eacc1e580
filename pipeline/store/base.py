"""The store: events, their entities, claims and stories in a database, written at least
once and kept once; searched newest first. SQLite and PostgreSQL share this code and schema."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from pipeline.records import Event
from pipeline.store.query import Search, where
from pipeline.store.rows import ClaimFields, Rows, rows_of

DAY = 86400.0
#: Claims this far apart (seconds) can disagree.
DISAGREEMENT_WINDOW = 7 * DAY


@dataclass(frozen=True)
class Written:
    """What a write did: events added, older revisions replaced, events already stored (or
    older than the stored revision) skipped."""

    added: int = 0
    replaced: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class Hit:
    """A stored event: its row id (the order of arrival) and its JSON as on ``news.events``."""

    id: int
    body: bytes


@dataclass(frozen=True)
class ClaimHit(ClaimFields):
    """A stored claim with the article it is in."""

    event_id: str
    index: int
    ts: float
    title: str
    source: str
    url: str | None


_CLAIM_COLUMNS = (
    "e.event_id, c.idx, e.ts, e.title, e.source, e.url, c.claimant, c.claimant_key,"
    " c.claimant_name, c.cue, c.content, c.stance, c.kind, c.hedged, c.anonymous"
)

#: The pairs of ``disagreements`` for the claimant's claims between two times.
_DISAGREEMENTS = (
    f"SELECT {_CLAIM_COLUMNS}, {_CLAIM_COLUMNS.replace('e.', 'f.').replace('c.', 'd.')}"
    " FROM claims c JOIN events e ON e.id = c.event"
    " JOIN claim_topics t ON t.event = c.event AND t.idx = c.idx"
    " JOIN claim_topics u ON u.entity_id = t.entity_id"
    " AND u.stance = CASE c.stance WHEN 'assert' THEN 'deny' ELSE 'assert' END"
    " AND u.ts BETWEEN t.ts - ? AND t.ts + ?"
    " JOIN claims d ON d.event = u.event AND d.idx = u.idx"
    " JOIN events f ON f.id = d.event"
    " WHERE c.claimant_key = ? AND c.stance IN ('assert', 'deny')"
    " AND e.ts BETWEEN ? AND ? AND d.claimant_key <> c.claimant_key"
    " ORDER BY e.ts DESC, f.ts DESC"
)


_CLAIM_FIELDS = [column.strip().split(".")[1] for column in _CLAIM_COLUMNS.split(",")]


def _claim(row: Sequence[Any], offset: int = 0) -> ClaimHit:
    hit = dict(zip(_CLAIM_FIELDS, row[offset : offset + len(_CLAIM_FIELDS)], strict=True))
    hit["index"] = hit.pop("idx")
    hit["hedged"], hit["anonymous"] = bool(hit["hedged"]), bool(hit["anonymous"])
    return ClaimHit(**hit)


class Store(ABC):
    """One database connection, used by one thread at a time; call from async code through
    ``asyncio.to_thread``."""

    #: The full-text condition over ``events e``, with one placeholder for the words.
    TEXT_MATCH: str
    #: Migrations, in order: the schema is the first N of them, N in ``store_version``.
    MIGRATIONS: list[str]
    #: A day number from ``e.ts``.
    DAY_OF: str

    def __init__(self) -> None:
        self._lock = threading.Lock()

    # database specifics

    @abstractmethod
    def _execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows (none for a statement without a result)."""

    @abstractmethod
    def _executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...

    @abstractmethod
    def _script(self, sql: str) -> None:
        """Run several statements, inside the current transaction."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[None]: ...

    @abstractmethod
    def _text_param(self, text: str) -> str:
        """The full-text condition's parameter for the words ``text``."""

    @abstractmethod
    def _has_version_table(self) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...

    # schema

    def migrate(self) -> int:
        """Apply the migrations this database has not had; returns its schema version."""
        with self._lock, self._transaction():
            if not self._has_version_table():
                self._script("CREATE TABLE store_version (version INTEGER NOT NULL)")
                self._execute("INSERT INTO store_version (version) VALUES (0)")
            current = self._execute("SELECT version FROM store_version")[0][0]
            for sql in self.MIGRATIONS[current:]:
                self._script(sql)
            self._execute("UPDATE store_version SET version = ?", [len(self.MIGRATIONS)])
            return len(self.MIGRATIONS)

    # writing

    def write(self, events: Iterable[tuple[Event, bytes]]) -> Written:
        """Store each (event, its JSON) in one transaction: an event already stored is
        skipped, a newer revision (or a re-enrichment of the same one) of a stored article
        replaces it, an older one is skipped."""
        added = replaced = skipped = 0
        with self._lock, self._transaction():
            for event, body in events:
                rows = rows_of(event, body)
                found = self._execute(
                    "SELECT id, event_id, revision FROM events WHERE article_id = ?",
                    [rows.event.article_id],
                )
                if found:
                    row_id, event_id, revision = found[0]
                    if event_id == rows.event.event_id or revision > rows.event.revision:
                        skipped += 1
                        continue
                    self._execute("DELETE FROM events WHERE id = ?", [row_id])
                    replaced += 1
                else:
                    added += 1
                self._insert(rows)
        return Written(added, replaced, skipped)

    def _insert(self, rows: Rows) -> None:
        e = rows.event
        row_id = self._execute(
            "INSERT INTO events (event_id, article_id, revision, story_id, source, url, title,"
            " language, ts, stored_at, text, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            [
                e.event_id,
                e.article_id,
                e.revision,
                e.story_id,
                e.source,
                e.url,
                e.title,
                e.language,
                e.time,
                time.time(),
                e.text,
                e.body,
            ],
        )[0][0]
        self._executemany(
            "INSERT INTO entities (event, entity_id, name, label, count, salience)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(row_id, n.entity_id, n.name, n.label, n.count, n.salience) for n in rows.entities],
        )
        self._executemany(
            "INSERT INTO claims (event, idx, claimant, claimant_key, claimant_name, cue,"
            " content, stance, kind, hedged, anonymous) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row_id,
                    c.index,
                    c.claimant,
                    c.claimant_key,
                    c.claimant_name,
                    c.cue,
                    c.content,
                    c.stance,
                    c.kind,
                    c.hedged,
                    c.anonymous,
                )
                for c in rows.claims
            ],
        )
        self._executemany(
            "INSERT INTO claim_topics (event, idx, entity_id, stance, ts) VALUES (?, ?, ?, ?, ?)",
            [(row_id, c.index, t, c.stance, e.time) for c in rows.claims for t in c.topics],
        )

    # reading

    def _read(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock, self._transaction():
            return self._execute(sql, params)

    def search(self, search: Search) -> list[Hit]:
        """Events that match ``search``, newest first (published, else fetched)."""
        clause, params = where(search, self.TEXT_MATCH)
        if search.text.strip():
            params[0] = self._text_param(search.text)
        rows = self._read(
            f"SELECT e.id, e.body FROM events e{clause} ORDER BY e.ts DESC, e.id DESC"
            " LIMIT ? OFFSET ?",
            [*params, search.limit, search.offset],
        )
        return [Hit(row_id, bytes(body)) for row_id, body in rows]

    def since(self, after: int, limit: int = 50) -> list[Hit]:
        """Events stored after row ``after``, in the order they arrived."""
        rows = self._read(
            "SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT ?", [after, limit]
        )
        return [Hit(row_id, bytes(body)) for row_id, body in rows]

    def last_id(self) -> int:
        return int(self._read("SELECT coalesce(max(id), 0) FROM events")[0][0])

    def event(self, event_id: str) -> bytes | None:
        rows = self._read("SELECT body FROM events WHERE event_id = ?", [event_id])
        return bytes(rows[0][0]) if rows else None

    def claims_of(self, claimant: str, limit: int = 50, offset: int = 0) -> list[ClaimHit]:
        """The claims of one claimant (its key: an entity id or ``anonymous:...``), newest
        first."""
        rows = self._read(
            f"SELECT {_CLAIM_COLUMNS} FROM claims c JOIN events e ON e.id = c.event"
            " WHERE c.claimant_key = ? ORDER BY e.ts DESC, c.event DESC, c.idx LIMIT ? OFFSET ?",
            [claimant, limit, offset],
        )
        return [_claim(row) for row in rows]

    def claims_about(self, entity_id: str, limit: int = 50) -> list[ClaimHit]:
        """Claims whose content names the entity, newest first."""
        rows = self._read(
            f"SELECT {_CLAIM_COLUMNS} FROM claim_topics t"
            " JOIN claims c ON c.event = t.event AND c.idx = t.idx"
            " JOIN events e ON e.id = c.event WHERE t.entity_id = ?"
            " ORDER BY e.ts DESC, c.event DESC, c.idx LIMIT ?",
            [entity_id, limit],
        )
        return [_claim(row) for row in rows]

    def disagreements(self, claimant: str, limit: int = 20) -> list[tuple[ClaimHit, ClaimHit]]:
        """Pairs (a claim of ``claimant``, another claimant's claim) that name the same entity
        in their content within ``DISAGREEMENT_WINDOW``, one asserting and one denying: a
        lexical match, not a judgement that they speak of the same thing. Newest first, found
        among the claimant's newest claims first: 1, 2, 4, ... of their times at a time."""
        times = [
            ts
            for (ts,) in self._read(
                "SELECT DISTINCT e.ts FROM claims c JOIN events e ON e.id = c.event"
                " WHERE c.claimant_key = ? AND c.stance IN ('assert', 'deny') ORDER BY e.ts DESC",
                [claimant],
            )
        ]
        pairs: dict[tuple[str, int, str, int], tuple[ClaimHit, ClaimHit]] = {}
        start, size = 0, 1
        while start < len(times) and len(pairs) < limit:
            newest, oldest = times[start], times[min(start + size, len(times)) - 1]
            params = [DISAGREEMENT_WINDOW, DISAGREEMENT_WINDOW, claimant, oldest, newest]
            for row in self._read(_DISAGREEMENTS, params):
                mine, theirs = _claim(row), _claim(row, len(_CLAIM_FIELDS))
                key = (mine.event_id, mine.index, theirs.event_id, theirs.index)
                pairs.setdefault(key, (mine, theirs))
            start, size = start + size, size * 2
        return list(pairs.values())[:limit]

    def timeline(self, entity: str) -> list[tuple[float, int]]:
        """(day start, articles) that name the entity (an id), day by day."""
        rows = self._read(
            f"SELECT {self.DAY_OF} AS day, count(*) FROM entities n JOIN events e ON e.id = n.event"
            " WHERE n.entity_id = ? GROUP BY day ORDER BY day",
            [entity],
        )
        return [(float(day) * DAY, int(count)) for day, count in rows]

    def entity_names(self, entity: str) -> list[tuple[str, str, int]]:
        """(name, label, articles) of an entity id, most common first."""
        rows = self._read(
            "SELECT name, label, count(*) FROM entities WHERE entity_id = ?"
            " GROUP BY name, label ORDER BY count(*) DESC",
            [entity],
        )
        return [(str(name), str(label), int(count)) for name, label, count in rows]

    def event_count(self) -> int:
        return int(self._read("SELECT count(*) FROM events")[0][0])

    def arrived_since(self, when: float) -> int:
        """Events stored at or after ``when`` (UNIX seconds)."""
        return int(self._read("SELECT count(*) FROM events WHERE stored_at >= ?", [when])[0][0])

    def counts(self) -> dict[str, int]:
        """Events, claims, entities and stories stored."""
        row = self._read(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM claims),"
            " (SELECT count(DISTINCT entity_id) FROM entities),"
            " (SELECT count(DISTINCT coalesce(story_id, article_id)) FROM events)"
        )[0]
        return dict(zip(("events", "claims", "entities", "stories"), map(int, row), strict=True))
