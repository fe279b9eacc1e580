"""The embedded store: one SQLite file (WAL, so that readers never wait for the writer)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.store.base import Store
from pipeline.store.query import fts5_query
from pipeline.store.schema import SQLITE


class SQLiteStore(Store):
    TEXT_MATCH = "e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)"
    MIGRATIONS = SQLITE
    DAY_OF = "CAST(e.ts / 86400 AS INTEGER)"

    def __init__(self, path: Path) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "busy_timeout = 10000",
        ):
            self._db.execute(f"PRAGMA {pragma}")

    def _execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, params).fetchall()

    def _executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self._db.executemany(sql, rows)

    def _script(self, sql: str) -> None:
        for statement in _statements(sql):
            self._db.execute(statement)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _text_param(self, text: str) -> str:
        return fts5_query(text)

    def _has_version_table(self) -> bool:
        return bool(
            self._execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'store_version'"
            )
        )

    def close(self) -> None:
        self._db.close()

    def __str__(self) -> str:
        return f"SQLite {self.path}"


def _statements(script: str) -> Iterator[str]:
    """The complete statements of ``script`` (a trigger's inner statements stay inside it)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()
