"""``StoryFile.apply``: a batch of writes leaves the file as the same writes one at a time
(``file[key] = value``, ``file.pop(key, None)``); ``write_later``'s writes are made before the
file is read or committed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from pipeline.stages.stories import PERMUTATIONS, StoryIndex, band_keys, describe
from pipeline.stages.story_files import LATER, StoryFile, Write, connect, open_file


def one_by_one(file: StoryFile, writes: list[Write]) -> None:
    for key, value in writes:
        if value is None:
            file.pop(key, None)
        else:
            file[key] = value


def small(key: bytes, value: bytes) -> tuple[float, list[int]]:
    """A value ``b"SEEN:BAND,BAND"`` seen at SEEN in those bands; any other, in none."""
    seen, _, bands = value.decode().partition(":")
    if not bands:
        return -1.0, []
    return float(seen), [int(band) for band in bands.split(",")]


def state(file: StoryFile) -> tuple[object, ...]:
    """What can be read of ``file``: entries in row order, each band's newest entry's key,
    ``newest`` over every band, and ``seen_before`` over everything."""
    rows = file.db.execute("SELECT key, seen, value FROM entries ORDER BY id").fetchall()
    bands = file.db.execute(
        "SELECT b.band, e.key FROM bands AS b JOIN entries AS e ON e.id = b.entry ORDER BY b.band"
    ).fetchall()
    every = [band for band, _ in bands] + [-1]
    return rows, bands, file.newest(every), file.seen_before(float("inf"), 1000), sorted(file)


def random_writes(rng: random.Random, count: int) -> list[Write]:
    """Writes over few keys, times and bands: replacements, deletions (of keys kept or not),
    the same value again, ties in time, values with no bands."""
    writes: list[Write] = []
    for _ in range(count):
        key = b"doc:%d" % rng.randrange(6)
        if rng.random() < 0.2:
            writes.append((key, None))
        elif rng.random() < 0.1:
            writes.append((key, b"not an article"))
        else:
            bands = ",".join(str(band) for band in rng.sample(range(8), rng.randint(1, 3)))
            writes.append((key, b"%d:%s" % (rng.randrange(4), bands.encode())))
    return writes


def test_a_batch_leaves_what_the_same_writes_one_at_a_time_leave() -> None:
    rng = random.Random(20)
    for _ in range(400):
        earlier, writes = random_writes(rng, rng.randrange(8)), random_writes(rng, 12)
        expected, batched = (
            StoryFile(connect(":memory:"), small),
            StoryFile(connect(":memory:"), small),
        )
        for file in (expected, batched):
            one_by_one(file, earlier)
        one_by_one(expected, writes)
        cut = rng.randrange(len(writes) + 1)  # in one or two batches
        batched.apply(writes[:cut])
        batched.apply(writes[cut:])
        assert state(batched) == state(expected), (earlier, writes, cut)


def test_in_a_batch_the_last_write_of_a_key_wins_and_a_tombstone_deletes() -> None:
    file = StoryFile(connect(":memory:"), small)
    file.apply([(b"doc:a", b"1:1"), (b"doc:b", b"1:2"), (b"doc:a", b"2:3")])
    file.apply([(b"doc:b", None), (b"doc:c", None), (b"doc:c", b"3:3"), (b"doc:a", None)])
    assert dict(file.items()) == {b"doc:c": b"3:3"}
    assert file.newest([1, 2, 3]) == [(b"doc:c", b"3:3")]
    assert file.seen_before(10.0, 10) == [(b"doc:c", 3.0)]


def test_a_batch_of_the_stage_s_entries_is_found_as_one_at_a_time() -> None:
    """Articles with signatures, copies sharing their bands, re-written and expired ones."""
    now = datetime(2026, 11, 20, tzinfo=UTC)
    signatures = [
        np.random.default_rng(n).integers(0, 2**32, PERMUTATIONS, dtype=np.uint64) for n in range(5)
    ]
    writes: list[Write] = []
    recorder = StoryIndex()
    for n in range(40):
        recorder.put(f"a:{n % 30}", signatures[n % 5], f"a:{n % 5}", now + timedelta(seconds=n))
        writes.append((b"doc:a:%d" % (n % 30), recorder.docs[b"doc:a:%d" % (n % 30)]))
        if n % 7 == 6:
            writes.append((b"doc:a:%d" % (n - 6), None))
    expected = StoryFile(connect(":memory:"), describe)
    one_by_one(expected, writes)
    batched = StoryFile(connect(":memory:"), describe)
    batched.apply(writes)
    assert state(batched) == state(expected)
    for values in signatures:
        assert batched.newest(band_keys(values)) == expected.newest(band_keys(values))


def test_writes_left_for_later_are_made_before_the_file_is_read_or_committed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "stories-0.sqlite3"
    file = StoryFile(open_file(path), small)
    file.write_later(b"doc:a", b"1:1")
    file.write_later(b"doc:b", b"2:1")
    assert file.db.execute("SELECT count(*) FROM entries").fetchone() == (0,)  # not yet
    assert file.newest([1]) == [(b"doc:b", b"2:1")]  # a read makes them first
    file.write_later(b"doc:b", None)
    file.set_offset("changelog", 0, 2)
    file.commit()  # the deletion goes with its offset
    file.write_later(b"doc:c", b"3:1")
    file.set_offset("changelog", 0, 3)
    file.db.close()  # a crash: neither the entry nor its offset is kept
    again = StoryFile(open_file(path), small)
    assert dict(again.items()) == {b"doc:a": b"1:1"}
    assert again.newest([1]) == [] and again.offsets() == {("changelog", 0): 2}


def test_writes_left_for_later_are_made_once_a_batch_is_waiting() -> None:
    file = StoryFile(connect(":memory:"), small)
    for n in range(LATER):
        file.write_later(b"doc:%d" % n, b"1:%d" % n)
    assert file.db.execute("SELECT count(*) FROM entries").fetchone() == (LATER,)
    file.write_later(b"doc:gone", b"1:1")
    file.clear()  # forgets what waits too
    assert len(file) == 0
