"""The server store: PostgreSQL through psycopg 3, given ``NEWSWIRE_STORE_URL``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg

from pipeline.store.base import Store
from pipeline.store.schema import POSTGRES


def _sql(sql: str) -> str:
    """``?`` placeholders as psycopg's ``%s`` (no ``%`` appears in the store's SQL)."""
    return sql.replace("?", "%s")


class PostgresStore(Store):
    TEXT_MATCH = "e.words @@ websearch_to_tsquery('english', ?)"
    MIGRATIONS = POSTGRES
    DAY_OF = "floor(e.ts / 86400)"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._db = psycopg.connect(url, autocommit=True)

    def _execute(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        cursor = self._db.execute(_sql(sql), params)
        return cursor.fetchall() if cursor.description else []

    def _executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._db.cursor() as cursor:
            cursor.executemany(_sql(sql), rows)

    def _script(self, sql: str) -> None:
        self._db.execute(sql.encode())

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._db.transaction():
            yield

    def _text_param(self, text: str) -> str:
        return text

    def _has_version_table(self) -> bool:
        return bool(self._execute("SELECT to_regclass('store_version')")[0][0])

    def close(self) -> None:
        self._db.close()

    def __str__(self) -> str:
        info = self._db.info
        return f"PostgreSQL {info.dbname} on {info.host or 'a local socket'}"
