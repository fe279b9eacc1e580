"""A Faust table store over the worker's ``pipeline.stages.story_files.StoryFile``, so the story
table's size costs disk, not memory, and a restart reads only the changelog's new entries.

Like Faust's RocksDB store, it keeps the offset of the last changelog entry it applied with the
entries (``persisted_offset``), written in the same transaction as them; Faust's recovery then
starts after it. Unlike it, the offsets of the worker's own writes are not kept: another
worker's entries before them may not have been read yet (they are, and the worker's own come
back and are passed over as already kept). Writes are committed every ``COMMIT_SECONDS``, and
the changelog's entries, which Faust hands over one at a time, are gathered and written to the
file in one go (``StoryFile.write_later``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from faust.stores import STORES
from faust.stores.base import SerializedStore
from faust.types import TP, EventT

from pipeline.stages.story_files import StoryFile

SCHEME = "newswire-entries"
"""The store's URL scheme; the file itself comes in the table's ``options["file"]``."""
COMMIT_SECONDS = 0.5
"""How long writes may wait to be committed: what a crash may make the worker read again."""


def register() -> str:
    """Make ``SCHEME`` known to Faust's store registry; returns the store URL to give a table."""
    STORES.aliases.setdefault(SCHEME, "agents.story_store:EntriesStore")
    return f"{SCHEME}://local"


class EntriesStore(SerializedStore[bytes, bytes]):
    """Raw keys and values in ``options["file"]``, with the changelog offsets applied."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file: StoryFile = (self.options or {})["file"]
        self._commit: asyncio.TimerHandle | None = None
        self._at_once = False

    def persisted_offset(self, tp: TP) -> int | None:
        return self.file.offsets().get((tp.topic, tp.partition))

    def set_persisted_offset(self, tp: TP, offset: int) -> None:
        """Faust calls this with the offset of each of the worker's own writes, which may be
        ahead of another worker's entries not read yet: only offsets applied are kept."""

    def apply_changelog_batch(
        self,
        batch: Iterable[EventT],
        to_key: Callable[[Any], Any],
        to_value: Callable[[Any], Any],
    ) -> None:
        """Write the changelog's entries, and the offset of the last, to the file (committed
        within ``COMMIT_SECONDS``). Faust hands a global table's entries over one at a time
        (``recovery_buffer_size=1``, ``agents.tables``): the file gathers them and writes them
        together, before it is next read or committed."""
        offsets: dict[TP, int] = {}
        for event in batch:
            message = event.message
            key = cast(bytes, message.key)  # a table's changelog entries all have one
            self.file.write_later(key, cast(bytes | None, message.value))
            offsets[message.tp] = max(message.offset, offsets.get(message.tp, -1))
        for tp, offset in offsets.items():
            self.file.set_offset(tp.topic, tp.partition, offset)
        self._changed()

    async def on_rebalance(
        self,
        assigned: set[TP],
        revoked: set[TP],
        newly_assigned: set[TP],
        generation_id: int = 0,
    ) -> None:
        """Start afresh when the file was not made from this changelog: another table's (its
        offsets name another topic) or an earlier log's (an offset at or past the end of the
        log, as when the embedded broker, which keeps nothing, started again), or when it has
        entries but no offset (written here before any was read: they are read again). The
        embedded broker's end offset stops at its last batch's base offset + 1
        (``agents.faust_repairs``, repair 7), so there a file whose last batch had several
        records is discarded and read again in full."""
        topic = self.table.changelog_topic.get_topic_name()
        offsets = self.file.offsets()
        ours = [tp for tp in assigned if tp.topic == topic]
        ends = await self.app.consumer.highwaters(*ours) if ours and offsets else {}
        if (
            any(name != topic for name, _ in offsets)
            or any(offsets.get((tp.topic, tp.partition), -1) >= end for tp, end in ends.items())
            or (not offsets and self.file.has_entries())
        ):
            self.log.info("The story file was not made from %s: starting afresh", topic)
            self.reset_state()

    async def on_recovery_completed(self, active_tps: set[TP], standby_tps: set[TP]) -> None:
        self.file.commit()

    async def on_stop(self) -> None:
        """Commit now, and from now on at each write (the file may be closed once stopped)."""
        self._at_once = True
        if self._commit is not None:
            self._commit.cancel()
        self._commit_now()

    def _changed(self) -> None:
        """Commit within ``COMMIT_SECONDS`` (now when stopped or when no event loop runs)."""
        if self._commit is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self._at_once:
            self.file.commit()
            return
        self._commit = loop.call_later(COMMIT_SECONDS, self._commit_now)

    def _commit_now(self) -> None:
        self._commit = None
        self.file.commit()

    async def backup_partition(
        self, tp: TP | int, flush: bool = True, purge: bool = False, keep: int = 1
    ) -> None:
        """Nothing to back up: the changelog is the copy."""

    def restore_backup(self, tp: TP | int, latest: bool = True, backup_id: int = 0) -> None:
        """Nothing to restore: the changelog is the copy."""

    def reset_state(self) -> None:
        self.file.clear()
        self.file.commit()

    def _get(self, key: bytes) -> bytes | None:
        return self.file.get(key)

    def _set(self, key: bytes, value: bytes | None) -> None:
        if value is None:
            self._del(key)
        else:
            self.file[key] = value
            self._changed()

    def _del(self, key: bytes) -> None:
        self.file.pop(key, None)
        self._changed()

    def _iterkeys(self) -> Iterator[bytes]:
        return iter(self.file)

    def _itervalues(self) -> Iterator[bytes]:
        return iter(self.file.values())

    def _iteritems(self) -> Iterator[tuple[bytes, bytes]]:
        return iter(self.file.items())

    def _size(self) -> int:
        return len(self.file)

    def _contains(self, key: bytes) -> bool:
        return key in self.file

    def _clear(self) -> None:
        self.reset_state()
