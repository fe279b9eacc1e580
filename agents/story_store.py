"""A Faust table store over a mapping of bytes held outside Python's heap (the story table's
``pipeline.stages.story_files.EntryFile``), so the table's size costs disk, not memory."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from faust.stores import STORES
from faust.stores.base import SerializedStore
from faust.types import TP

SCHEME = "newswire-entries"
"""The store's URL scheme; the mapping itself comes in the table's ``options["entries"]``."""


def register() -> str:
    """Make ``SCHEME`` known to Faust's store registry; returns the store URL to give a table."""
    STORES.aliases.setdefault(SCHEME, "agents.story_store:EntriesStore")
    return f"{SCHEME}://local"


class EntriesStore(SerializedStore[bytes, bytes]):
    """Raw keys and values in ``options["entries"]``; not persisted, so like the memory store
    the table is read again from its changelog when the worker starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries: MutableMapping[bytes, bytes] = (self.options or {})["entries"]

    def persisted_offset(self, tp: TP) -> int | None:
        return None

    async def backup_partition(
        self, tp: TP | int, flush: bool = True, purge: bool = False, keep: int = 1
    ) -> None:
        """Nothing to back up: the changelog is the copy."""

    def restore_backup(self, tp: TP | int, latest: bool = True, backup_id: int = 0) -> None:
        """Nothing to restore: the changelog is the copy."""

    def reset_state(self) -> None:
        self.entries.clear()

    def _get(self, key: bytes) -> bytes | None:
        return self.entries.get(key)

    def _set(self, key: bytes, value: bytes | None) -> None:
        if value is None:
            self._del(key)
        else:
            self.entries[key] = value

    def _del(self, key: bytes) -> None:
        self.entries.pop(key, None)

    def _iterkeys(self) -> Iterator[bytes]:
        return iter(self.entries)

    def _itervalues(self) -> Iterator[bytes]:
        return iter(self.entries.values())

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(self.entries.items())

    def _size(self) -> int:
        return len(self.entries)

    def _contains(self, key: bytes) -> bool:
        return key in self.entries

    def _clear(self) -> None:
        self.entries.clear()
