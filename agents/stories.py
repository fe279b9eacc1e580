"""Syndicated copies and re-polled duplicates: MinHash-LSH over the clean text.

Each article's text becomes a MinHash signature (datasketch) of its word 5-grams. The
signature is cut into bands; the band hashes are keys of an index (a ``MutableMapping`` of
bytes: a dict in tests, a Faust table in the worker) that points to the first article seen
with that band. Candidates sharing a band are confirmed by their estimated Jaccard similarity,
so two articles on one topic, which share words but few 5-grams, stay apart.

Index entries expire after ``window`` (default 7 days): an old article is neither matched nor
kept. The result depends on what was seen before, so a replay may assign other stories.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import orjson
from datasketch import MinHash

PERMUTATIONS = 120
BANDS = 20
"""20 bands of 6 rows: pairs above ~0.6 similarity share a band with high probability."""
SHINGLE = 5
THRESHOLD = 0.5
"""Least estimated Jaccard similarity of 5-gram sets for a copy of the same story."""
WINDOW = timedelta(days=7)
_WORD = re.compile(r"\w+")
_ROWS = PERMUTATIONS // BANDS


@dataclass(frozen=True, slots=True)
class Story:
    """Where an article stands among the copies seen: ``story_id`` is the id of the story's
    first copy, ``duplicate_of`` the same for a later copy and None for the first."""

    story_id: str
    duplicate_of: str | None
    similarity: float


def shingles(text: str) -> set[bytes]:
    """Word 5-grams of the case-folded text (the whole text when it is shorter)."""
    words = _WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def signature(text: str) -> np.ndarray:
    """MinHash signature of ``text``'s shingles."""
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues


def band_keys(values: np.ndarray) -> list[bytes]:
    """One index key per band of the signature."""
    return [
        b"band:%d:" % band
        + hashlib.blake2b(values[band * _ROWS : (band + 1) * _ROWS].tobytes(), digest_size=12)
        .hexdigest()
        .encode()
        for band in range(BANDS)
    ]


def _doc_key(article_id: str) -> bytes:
    return b"doc:" + article_id.encode()


def _pack(values: np.ndarray, story_id: str, seen_at: datetime) -> bytes:
    head = orjson.dumps({"story": story_id, "seen": seen_at.timestamp()})
    return struct.pack(">I", len(head)) + head + values.astype(">u8").tobytes()


def _unpack(blob: bytes) -> tuple[np.ndarray, str, float]:
    (size,) = struct.unpack_from(">I", blob)
    head = orjson.loads(blob[4 : 4 + size])
    values = np.frombuffer(blob[4 + size :], dtype=">u8").astype(np.uint64)
    return values, head["story"], head["seen"]


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def assign_story(
    article_id: str,
    text: str,
    now: datetime,
    index: MutableMapping[bytes, bytes],
    window: timedelta = WINDOW,
) -> Story:
    """The story of ``article_id``, recording it in ``index`` (an article seen before keeps its
    story: a redelivery or a revision is not its own duplicate)."""
    values = signature(text).astype(np.uint64)
    oldest = (now - window).timestamp()
    known = index.get(_doc_key(article_id))
    if known is not None:
        _, story_id, seen = _unpack(known)
        if seen >= oldest:
            first = story_id if story_id != article_id else None
            return Story(story_id=story_id, duplicate_of=first, similarity=1.0)
    best: tuple[float, str] | None = None
    keys = band_keys(values)
    for candidate in _candidates(index, keys):
        blob = index.get(_doc_key(candidate))
        if blob is None or candidate == article_id:
            continue
        other, story_id, seen = _unpack(blob)
        score = _similarity(values, other)
        if seen >= oldest and score >= THRESHOLD and (best is None or score > best[0]):
            best = (score, story_id)
    story = (
        Story(story_id=best[1], duplicate_of=best[1], similarity=best[0])
        if best
        else Story(story_id=article_id, duplicate_of=None, similarity=0.0)
    )
    index[_doc_key(article_id)] = _pack(values, story.story_id, now)
    pointer = article_id.encode()
    for key in keys:  # the newest copy: it carries the story and expires last
        if index.get(key) != pointer:
            index[key] = pointer
    return story


def _candidates(index: MutableMapping[bytes, bytes], keys: Iterable[bytes]) -> list[str]:
    found = (index.get(key) for key in keys)
    return list(dict.fromkeys(value.decode() for value in found if value is not None))


def expired(index: MutableMapping[bytes, bytes], now: datetime, window: timedelta = WINDOW) -> int:
    """Drop the documents older than ``window`` and the bands pointing to them; return how many
    documents went."""
    oldest = (now - window).timestamp()
    gone = {
        key[4:]
        for key, blob in list(index.items())
        if key.startswith(b"doc:") and _unpack(blob)[2] < oldest
    }
    for key, value in list(index.items()):
        if (key.startswith(b"doc:") and key[4:] in gone) or (
            key.startswith(b"band:") and value in gone
        ):
            del index[key]
    return len(gone)
