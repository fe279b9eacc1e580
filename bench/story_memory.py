"""``python -m bench.story_memory N``: the story index's memory and disk per article, N synthetic
articles inserted as the worker keeps them (the table's entries and the bands on a scratch file).
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.procs import rss_bytes
from pipeline.stages.stories import PERMUTATIONS, StoryIndex
from pipeline.stages.story_files import BandFile, EntryFile, scratch_file

WEEK_AT_10_PER_S = 6_048_000


def measure(articles: int, directory: Path) -> str:
    """Insert ``articles`` random signatures, one every 0.1 s; report the growth per article."""
    rng = np.random.default_rng(1)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    db = scratch_file(directory)
    index = StoryIndex(EntryFile(db), BandFile(db))
    gc.collect()
    before = rss_bytes(os.getpid())
    for n in range(articles):
        article_id = f"{rng.integers(0, 2**62):032x}"
        values = rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint64)
        index.put(article_id, values, article_id, start + timedelta(seconds=n / 10))
    gc.collect()
    grown = rss_bytes(os.getpid()) - before
    count = db.execute("PRAGMA page_count").fetchone()[0]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    pages = count * size
    return (
        f"{articles} articles: memory +{grown / 1e6:.1f} MB ({grown / articles:.0f} B/article), "
        f"disk {pages / articles:.0f} B/article ({pages / articles * WEEK_AT_10_PER_S / 1e9:.1f} "
        "GB for 7 days at 10/s)"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        print(measure(int(sys.argv[1]), Path(directory)))
