"""``python -m bench.story_recovery N --workdir DIR``: a worker's cold start on N entries of the
story table's changelog.

The entries are the stage code's (``StoryIndex.put`` and ``expire``), one every 0.1 s as at
10 articles/s: random signatures, a fifth of them copies of an earlier article's (so bands are
shared), and the expiry of what falls out of a window of 80% of their span (tombstones, oldest
first). Then, with each entry's changelog offset:

- file: the entries written to a fresh story file as the store's recovery writes them, committed
  every ``--commit`` entries (the store commits every 0.5 s), without Faust;
- cold start: the entries sent to a changelog on an embedded broker, then a worker's app started
  over an empty store until it has applied them all, first with Faust's memory store (Faust's
  own cost), then with the story file (the worker's).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from aiokafka import AIOKafkaProducer

from agents.app import create_app
from agents.tables import global_table
from pipeline.kafka.broker import EmbeddedBroker, free_port
from pipeline.kafka.security import client_options
from pipeline.kafka.topics import STORIES_TABLE, ensure_topics, table_topic
from pipeline.settings import Settings
from pipeline.stages.stories import PERMUTATIONS, StoryIndex, describe, expire
from pipeline.stages.story_files import StoryFile, open_file

START = datetime(2026, 11, 20, tzinfo=UTC)
Entry = tuple[bytes, bytes | None]


class Recorder(MutableMapping[bytes, bytes]):
    """The index's table: writes go to its file and to ``log``, in order."""

    def __init__(self, file: StoryFile) -> None:
        self.file = file
        self.log: list[Entry] = []

    def __getitem__(self, key: bytes) -> bytes:
        return self.file[key]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.log.append((key, value))
        self.file[key] = value

    def __delitem__(self, key: bytes) -> None:
        self.log.append((key, None))
        del self.file[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.file)

    def __len__(self) -> int:
        return len(self.file)


def changelog(count: int, seed: int = 1) -> list[Entry]:
    """``count`` changelog entries (key, value; None for a tombstone) as a worker writes them."""
    rng = np.random.default_rng(seed)
    index = StoryIndex()
    recorder = Recorder(index.file)
    index.docs = recorder
    window = timedelta(seconds=count * 0.1 * 0.8)
    kept: list[tuple[np.ndarray, str]] = []
    n = 0
    while len(recorder.log) < count:
        n += 1
        now = START + timedelta(seconds=n * 0.1)
        if kept and rng.random() < 0.2:
            values, story = kept[int(rng.integers(len(kept)))]
        else:
            values, story = rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint64), f"a:{n}"
            kept.append((values, story))
        index.put(f"a:{n}", values, story, now)
        if n % 100 == 0:
            sum(expire(index, now, window))
    return recorder.log[:count]


def write_each(file: StoryFile, entries: list[Entry], commit: int) -> None:
    """Each entry, then its offset, one at a time (without ``write_later``): the file's own
    cost, as ``EntriesStore.apply_changelog_batch`` wrote before it gathered them."""
    for offset, (key, value) in enumerate(entries):
        if value is None:
            file.pop(key, None)
        else:
            file[key] = value
        file.set_offset("changelog", 0, offset)
        if offset % commit == commit - 1:
            file.commit()
    file.commit()


def time_file(entries: list[Entry], workdir: Path, commit: int) -> str:
    path = workdir / f"file-{uuid.uuid4().hex[:8]}.sqlite3"
    file = StoryFile(open_file(path), describe)
    started, cpu = time.perf_counter(), time.process_time()
    write_each(file, entries, commit)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    kept = len(file)
    file.db.close()
    return (
        f"file, one entry at a time: {len(entries)} entries ({kept} kept) in {seconds:.1f} s "
        f"({len(entries) / seconds:,.0f}/s, CPU {cpu / len(entries) * 1e3:.3f} ms each)"
    )


async def send(settings: Settings, topic: str, entries: list[Entry]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.broker,
        max_request_size=settings.max_message_bytes,
        **client_options(settings),
    )
    await producer.start()
    try:
        for key, value in entries:
            await producer.send(topic, value, key=key, partition=0)
        await producer.flush()
    finally:
        await producer.stop()


async def cold_start(settings: Settings, entries: list[Entry], file: StoryFile | None) -> str:
    """Start a worker's app over an empty store; time until it has applied ``entries``."""
    await ensure_topics(settings.broker or "", settings)
    await send(settings, table_topic(settings, STORIES_TABLE), entries)
    app = create_app(settings, settings.broker or "", embedded=True)
    applied: list[float] = []

    def on_change(key: bytes, value: bytes | None) -> None:
        if not applied:
            applied.append(time.perf_counter())
        applied.append(time.perf_counter())

    global_table(app, STORIES_TABLE, on_change=on_change, file=file)
    started, cpu = time.perf_counter(), time.process_time()
    await app.start()
    try:
        while len(applied) <= len(entries):
            await asyncio.sleep(0.05)
        if file is not None:
            file.commit()
        ended, cpu = time.perf_counter(), time.process_time() - cpu
    finally:
        await app.stop()
    first = applied[0]
    return (
        f"cold start, {'story file' if file else 'memory store'}: first entry after "
        f"{first - started:.1f} s, then {len(entries)} in {ended - first:.1f} s "
        f"({len(entries) / (ended - first):,.0f}/s); CPU {cpu / len(entries) * 1e3:.3f} ms each "
        f"(load {os.getloadavg()[0]:.1f})"
    )


def fresh(bootstrap: str, workdir: Path) -> Settings:
    uid = uuid.uuid4().hex[:8]
    return Settings(
        broker=bootstrap,
        topic_prefix=f"bench{uid}",
        app_id=f"bench-{uid}",
        data_dir=workdir / uid,
        web_port=free_port(),
        log_level="WARNING",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--commit", type=int, default=1000, help="file: entries per commit")
    parser.add_argument("--no-cold-start", action="store_true", help="only the file figures")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    entries = changelog(args.entries)
    tombstones = sum(value is None for _, value in entries)
    print(f"changelog: {len(entries)} entries, {tombstones} tombstones", flush=True)
    print(time_file(entries, args.workdir, args.commit), flush=True)
    if args.no_cold_start:
        return
    with EmbeddedBroker(log_path=args.workdir / "broker.log") as broker:
        print(asyncio.run(cold_start(fresh(broker.bootstrap, args.workdir), entries, None)))
        path = args.workdir / f"cold-{uuid.uuid4().hex[:8]}.sqlite3"
        file = StoryFile(open_file(path), describe)
        print(asyncio.run(cold_start(fresh(broker.bootstrap, args.workdir), entries, file)))
        file.db.close()


if __name__ == "__main__":
    main()
