"""The store the settings name: SQLite in the data directory by default, PostgreSQL when
``NEWSWIRE_STORE_URL`` is a postgresql:// URL."""

from __future__ import annotations

from pipeline.settings import Settings
from pipeline.store.base import Store


def open_store(settings: Settings) -> Store:
    """The configured store, migrated to the current schema."""
    url = settings.store_url
    store: Store
    if url and url.startswith(("postgresql://", "postgres://")):
        from pipeline.store.postgres import PostgresStore

        store = PostgresStore(url)
    else:
        from pipeline.store.sqlite import SQLiteStore

        store = SQLiteStore(settings.store_path)
    store.migrate()
    return store
