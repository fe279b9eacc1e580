"""The worker's global tables: state every worker shares, kept in one-partition changelogs.

A Faust global table is read in full by every worker and recovered from its changelog on
restart; one partition written through Kafka's partitioner is Faust's advice for global tables
used by several instances. Values are raw bytes; ``TextTable`` shows one as ``str -> str``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from typing import cast

import faust
from faust.types import EventT

from agents.story_store import register
from pipeline.stages.story_files import StoryFile


def global_table(
    app: faust.App,
    name: str,
    on_change: Callable[[bytes, bytes | None], None] | None = None,
    file: StoryFile | None = None,
) -> MutableMapping[bytes, bytes]:
    """The table ``name``; ``on_change(key, value)`` sees each entry read from its changelog
    (at start and, from other workers, while running; ``value`` None for a deletion). Its
    entries are kept in ``file`` (``agents.story_store``: persisted, with the offset read) or,
    by default, in a dict."""

    async def changed(event: EventT) -> None:
        if on_change is not None:
            on_change(cast(bytes, event.message.key), cast(bytes | None, event.message.value))

    table = app.GlobalTable(
        name,
        key_type=bytes,
        value_type=bytes,
        partitions=1,
        # Faust's advice for global tables: only with a buffer of 1 does Faust keep reading
        # the changelog after recovery (a larger one holds other workers' entries until it
        # fills). Entries come one at a time, and the story store batches its own writes.
        recovery_buffer_size=1,
        use_partitioner=True,
        on_changelog_event=changed,
        store=None if file is None else register(),
        options=None if file is None else {"file": file},
    )
    return cast(MutableMapping[bytes, bytes], table)


class TextTable(MutableMapping[str, str]):
    """A bytes table seen as UTF-8 text keys and values."""

    def __init__(self, table: MutableMapping[bytes, bytes]) -> None:
        self.table = table

    def __getitem__(self, key: str) -> str:
        return self.table[key.encode()].decode()

    def __setitem__(self, key: str, value: str) -> None:
        self.table[key.encode()] = value.encode()

    def __delitem__(self, key: str) -> None:
        del self.table[key.encode()]

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in self.table)

    def __len__(self) -> int:
        return len(self.table)
