"""``bench.story_recovery`` on a few hundred entries: its changelog is the stage code's, and
both of its recoveries (the file alone, and a worker's cold start through an embedded broker)
end with the story file holding what the changelog says."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bench.story_recovery import Entry, changelog, cold_start, fresh, write_each
from pipeline.stages.stories import describe
from pipeline.stages.story_files import StoryFile, open_file

ENTRIES = 450  # the first expiry (at the 400th article) falls inside: tombstones among them


def replayed(entries: list[Entry]) -> dict[bytes, bytes]:
    """What a changelog leaves: each key's last value, tombstoned keys gone."""
    state: dict[bytes, bytes] = {}
    for key, value in entries:
        if value is None:
            state.pop(key, None)
        else:
            state[key] = value
    return state


def contents(file: StoryFile) -> dict[bytes, bytes]:
    return {key: file[key] for key in file}


def test_the_changelog_is_seeded_and_has_puts_and_tombstones() -> None:
    entries = changelog(ENTRIES)
    assert len(entries) == ENTRIES
    tombstones = [key for key, value in entries if value is None]
    assert 0 < len(tombstones) < ENTRIES // 2
    assert len(replayed(entries)) == ENTRIES - 2 * len(tombstones)
    assert changelog(ENTRIES) == entries  # seeded: every run times the same entries


def test_writing_each_entry_leaves_the_changelog_state_and_last_offset(tmp_path: Path) -> None:
    entries = changelog(ENTRIES)
    file = StoryFile(open_file(tmp_path / "stories.sqlite3"), describe)
    write_each(file, entries, commit=100)
    assert contents(file) == replayed(entries)
    assert file.offsets() == {("changelog", 0): ENTRIES - 1}
    assert not file.db.in_transaction  # the last entries are committed too


def test_a_cold_start_through_the_broker_fills_the_story_file(broker: str, tmp_path: Path) -> None:
    entries = changelog(ENTRIES)
    file = StoryFile(open_file(tmp_path / "cold.sqlite3"), describe)
    line = asyncio.run(cold_start(fresh(broker, tmp_path), entries, file))
    assert line.startswith("cold start, story file: first entry after ")
    assert f"then {ENTRIES} in " in line
    assert contents(file) == replayed(entries)
