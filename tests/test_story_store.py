"""The story index's file: kept across restarts with the changelog offset it has applied, one per
worker process, started afresh when torn or made from another log; and its Faust store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from agents.app import create_app
from agents.tables import global_table
from pipeline.kafka.topics import STORIES_TABLE, ensure_topics, table_topic
from pipeline.settings import Settings
from pipeline.stages.stories import PERMUTATIONS, StoryIndex, band_keys, describe, expire
from pipeline.stages.story_files import LATER, StoryFile, claim, connect, open_file
from tests.support.kafka import send_all
from tests.test_faust_repairs import collecting, eventually, running

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def story_file(path: Path) -> StoryFile:
    return StoryFile(open_file(path), describe)


def signature(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, PERMUTATIONS, dtype=np.uint64)


def test_a_file_keeps_its_entries_bands_and_offsets_once_committed(tmp_path: Path) -> None:
    path = tmp_path / "stories-0.sqlite3"
    index = StoryIndex(file=story_file(path))
    index.put("a:1", signature(1), "a:1", NOW)
    index.file.set_offset("changelog", 0, 41)
    index.file.commit()
    index.put("a:2", signature(2), "a:2", NOW)  # not committed: a crash loses it, and its offset
    index.file.set_offset("changelog", 0, 42)
    index.file.db.close()
    again = StoryIndex(file=story_file(path))
    assert list(again.docs) == [b"doc:a:1"]
    assert again.file.offsets() == {("changelog", 0): 41}
    assert again.candidates(band_keys(signature(1))) == ["a:1"]


def entry(n: int) -> tuple[bytes, bytes]:
    """Article a:N's key and entry, as the story index writes them."""
    index = StoryIndex()
    index.put(f"a:{n}", signature(n), f"a:{n}", NOW)
    return next(iter(index.file.items()))


def test_writes_left_for_later_are_made_before_the_file_is_read_or_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stories-0.sqlite3"
    file = story_file(path)
    (a, first), (b, second), (c, third) = entry(1), entry(2), entry(3)
    file.write_later(a, first)
    file.write_later(b, second)
    assert file.db.execute("SELECT count(*) FROM entries").fetchone() == (0,)  # not yet
    assert StoryIndex(file=file).candidates(band_keys(signature(2))) == ["a:2"]  # a read: now
    file.write_later(b, None)
    file.set_offset("changelog", 0, 2)
    file.commit()  # the deletion, with its offset
    file.write_later(c, third)
    file.set_offset("changelog", 0, 3)
    file.db.close()  # a crash: neither the entry nor its offset is kept
    again = story_file(path)
    assert list(again) == [a] and again.offsets() == {("changelog", 0): 2}
    assert StoryIndex(file=again).candidates(band_keys(signature(2))) == []


def test_writes_left_for_later_are_made_once_enough_wait_or_forgotten_by_clear() -> None:
    file = StoryFile(connect(":memory:"), describe)
    for n in range(LATER):
        file.write_later(b"doc:%d" % n, b"x")
    assert file.db.execute("SELECT count(*) FROM entries").fetchone() == (LATER,)
    file.write_later(b"doc:gone", b"x")
    file.clear()
    assert len(file) == 0


def test_a_write_left_for_later_that_fails_waits_still_and_its_offset_is_not_committed() -> None:
    def failing(key: bytes, value: bytes) -> tuple[float, list[int]]:
        if value == b"bad":
            raise OSError("disk full")
        return describe(key, value)

    file = StoryFile(connect(":memory:"), failing)
    file.write_later(b"doc:a", b"bad")
    file.write_later(b"doc:b", b"bad")
    file.set_offset("changelog", 0, 1)
    with pytest.raises(OSError, match="disk full"):
        file.commit()
    assert file.db.in_transaction  # nothing committed: not the offset either
    with pytest.raises(OSError, match="disk full"):
        len(file)  # every read makes the waiting writes first, and fails with them
    file.describe = describe
    file.commit()
    assert file.offsets() == {("changelog", 0): 1} and len(file) == 2


def test_two_processes_on_one_data_directory_keep_a_file_each(tmp_path: Path) -> None:
    first, second = claim(tmp_path), claim(tmp_path)
    assert first.path != second.path
    first.lock.close()  # its process ended: the next worker takes its file over
    assert claim(tmp_path).path == first.path


def test_a_torn_file_or_one_of_another_layout_is_started_afresh(tmp_path: Path) -> None:
    torn = tmp_path / "torn.sqlite3"
    torn.write_bytes(b"SQLite format 3\x00" + b"\xff" * 100)
    older = tmp_path / "older.sqlite3"
    file = story_file(older)
    file[b"doc:a:1"] = b"x"
    file.commit()
    file.db.execute("PRAGMA user_version = 2")
    file.db.close()
    for path in (torn, older):
        file = story_file(path)
        assert len(file) == 0 and file.offsets() == {}
        file[b"doc:b:1"] = b"y"
        assert list(file) == [b"doc:b:1"]


def test_expiry_reads_only_the_entries_that_expire_a_chunk_at_a_time() -> None:
    index = StoryIndex()
    for n in range(5):
        index.put(f"old:{n}", signature(n), f"old:{n}", NOW - timedelta(days=8, minutes=n))
    for n in range(3):
        index.put(f"new:{n}", signature(10 + n), f"new:{n}", NOW)
    plan = index.file.db.execute(
        "EXPLAIN QUERY PLAN SELECT key, seen FROM entries WHERE seen < ? ORDER BY seen LIMIT ?",
        (0.0, 1),
    ).fetchall()
    assert "entries_seen" in str(plan)
    assert list(expire(index, NOW, chunk=2)) == [2, 2, 1]
    assert sorted(index.docs) == [b"doc:new:0", b"doc:new:1", b"doc:new:2"]
    assert index.candidates(band_keys(signature(0))) == []
    assert index.file.db.execute("SELECT count(*) FROM bands").fetchone() == (3 * 20,)


class CountingFile(StoryFile):
    """A story file that records the keys of the changelog entries written to it."""

    def __init__(self, path: Path) -> None:
        super().__init__(open_file(path), describe)
        self.written: list[bytes] = []

    def write_later(self, key: bytes, value: bytes | None) -> None:
        self.written.append(key)
        super().write_later(key, value)


async def read_changelog(settings: Settings, file: StoryFile, count: int) -> None:
    """Run a worker's app over ``file`` until it holds ``count`` entries, then stop it."""
    app = create_app(settings, settings.broker or "", embedded=True)
    global_table(app, STORIES_TABLE, file=file)
    collecting(app, settings.topic("raw"), [])
    async with running(app):
        await eventually(lambda: len(file) == count)
    file.db.close()


def test_a_restarted_worker_reads_only_the_changelog_entries_it_has_not_applied(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "stories-0.sqlite3"
    changelog = table_topic(settings, STORIES_TABLE)

    async def go() -> list[bytes]:
        await ensure_topics(settings.broker or "", settings)
        await send_all(settings, changelog, [(b"doc:%d" % n, b"x") for n in range(20)], 0)
        await read_changelog(settings, story_file(path), 20)
        assert story_file(path).offsets() == {(changelog, 0): 19}
        await send_all(settings, changelog, [(b"doc:%d" % n, b"x") for n in range(20, 25)], 0)
        again = CountingFile(path)
        await read_changelog(settings, again, 25)
        return again.written

    assert asyncio.run(go()) == [b"doc:%d" % n for n in range(20, 25)]


def test_a_file_made_from_an_earlier_log_is_started_afresh(
    settings: Settings, tmp_path: Path
) -> None:
    """The embedded broker keeps nothing: a file whose offset is past the end of the log was
    made from an earlier broker's, and its entries are dropped."""
    path = tmp_path / "stories-0.sqlite3"
    changelog = table_topic(settings, STORIES_TABLE)
    stale = story_file(path)
    stale[b"doc:gone"] = b"x"
    stale.set_offset(changelog, 0, 1000)
    stale.commit()
    stale.db.close()

    async def go() -> None:
        await ensure_topics(settings.broker or "", settings)
        await send_all(settings, changelog, [(b"doc:%d" % n, b"x") for n in range(3)], 0)
        await read_changelog(settings, story_file(path), 3)

    asyncio.run(go())
    assert sorted(story_file(path)) == [b"doc:0", b"doc:1", b"doc:2"]
