"""Syndicated copies and re-polled duplicates: MinHash-LSH over the clean text.

Each article's text becomes a MinHash signature (datasketch) of its word 5-grams, kept with
its story in ``StoryIndex.docs`` (a ``MutableMapping`` of bytes, one entry per article: the
index's ``StoryFile`` itself, or in the worker a Faust table stored in it). The signature is
cut into bands whose hashes index the newest article seen with that band, which the file
derives from each entry written, here or (through the table's changelog) by another worker.
Candidates sharing a band are confirmed by their estimated Jaccard similarity, so two articles
on one topic, which share words but few 5-grams, stay apart.

Entries expire after ``window`` (default 7 days): an old article is neither matched nor kept.
The result depends on what was seen before, so a replay may assign other stories.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
from datasketch import MinHash

from pipeline.stages.story_files import StoryFile, connect

PERMUTATIONS = 120
BANDS = 20
"""20 bands of 6 rows: pairs above ~0.6 similarity share a band with high probability."""
SHINGLE = 5
THRESHOLD = 0.5
"""Least estimated Jaccard similarity of 5-gram sets for a copy of the same story."""
WINDOW = timedelta(days=7)
EXPIRY_CHUNK = 100
"""Entries expired at once (each costs the deletion of its bands, about 0.3 ms on a large file)."""
_WORD = re.compile(r"\w+")
_ROWS = PERMUTATIONS // BANDS
_HASH_BITS = 43


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
    """MinHash signature of ``text``'s shingles (as 64-bit values, the form the table keeps)."""
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(np.uint64)


def band_keys(values: np.ndarray) -> list[int]:
    """One index key per band of the signature: the band's number and 43 bits of its hash
    (under 2**48, so SQLite keeps a key in 7 bytes; with 6 million articles a band meets
    another's hash by chance once in a million lookups, which the similarity then rejects)."""
    return [
        band << _HASH_BITS
        | int.from_bytes(
            hashlib.blake2b(
                values[band * _ROWS : (band + 1) * _ROWS].tobytes(), digest_size=6
            ).digest()
        )
        >> (48 - _HASH_BITS)
        for band in range(BANDS)
    ]


_DOC = b"doc:"
_FORMAT = 2
"""The entries' format: 1 (a JSON head and 64-bit values) is no longer read."""
_HEAD = struct.Struct(">BdH")  # format, time seen, length of the story id


class Entry(NamedTuple):
    """What the table keeps of an article."""

    values: np.ndarray
    story_id: str
    seen: float


def _doc_key(article_id: str) -> bytes:
    return _DOC + article_id.encode()


def _pack(values: np.ndarray, story_id: str, seen_at: datetime) -> bytes:
    story = story_id.encode()
    head = _HEAD.pack(_FORMAT, seen_at.timestamp(), len(story))
    return head + story + values.astype(">u4").tobytes()  # MinHash values have 32 bits


def _unpack(blob: bytes) -> Entry | None:
    """The entry in ``blob``; None for one in another format (an earlier version's)."""
    if len(blob) < _HEAD.size or blob[0] != _FORMAT:
        return None
    _, seen, size = _HEAD.unpack_from(blob)
    if len(blob) != _HEAD.size + size + 4 * PERMUTATIONS:
        return None
    story = blob[_HEAD.size : _HEAD.size + size].decode()
    values = np.frombuffer(blob, dtype=">u4", offset=_HEAD.size + size).astype(np.uint64)
    return Entry(values, story, seen)


def describe(key: bytes, blob: bytes) -> tuple[float, list[int]]:
    """An entry's time seen and band keys; for an entry that is not an article's in this format
    (such as an earlier version's), a time before any article's and no bands."""
    entry = _unpack(blob) if key.startswith(_DOC) else None
    return (-1.0, []) if entry is None else (entry.seen, band_keys(entry.values))


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


class StoryIndex:
    """The articles seen, in ``file`` (SQLite: in memory unless given one) and written through
    ``docs`` (the file itself, or the worker's Faust table stored in it), with ``entries`` to
    start with."""

    def __init__(
        self, entries: Mapping[bytes, bytes] | None = None, file: StoryFile | None = None
    ) -> None:
        self.file = StoryFile(connect(":memory:"), describe) if file is None else file
        self.docs: MutableMapping[bytes, bytes] = self.file
        self.file.update(entries or {})

    def nearby(self, keys: Iterable[int]) -> Iterator[tuple[str, Entry]]:
        """The articles whose current entry is the newest of one of the bands ``keys``."""
        for key, blob in self.file.newest(keys):
            entry = _unpack(blob)
            if entry is not None:
                yield key[len(_DOC) :].decode(), entry

    def candidates(self, keys: Iterable[int]) -> list[str]:
        """The ids of the articles ``nearby``, each once."""
        return [article for article, _ in self.nearby(keys)]

    def get(self, article_id: str) -> Entry | None:
        """Signature, story and time seen of an article, if it is kept."""
        blob = self.file.get(_doc_key(article_id))
        return None if blob is None else _unpack(blob)

    def put(self, article_id: str, values: np.ndarray, story_id: str, seen_at: datetime) -> None:
        self.docs[_doc_key(article_id)] = _pack(values, story_id, seen_at)


def assign_story(
    article_id: str,
    text: str,
    now: datetime,
    index: StoryIndex,
    window: timedelta = WINDOW,
) -> Story:
    """The story of ``article_id``, recording it in ``index`` (an article seen before keeps its
    story: a redelivery or a revision is not its own duplicate)."""
    values = signature(text)
    oldest = (now - window).timestamp()
    known = index.get(article_id)
    if known is not None:
        _, story_id, seen = known
        if seen >= oldest:
            first = story_id if story_id != article_id else None
            return Story(story_id=story_id, duplicate_of=first, similarity=1.0)
    best: tuple[float, str] | None = None
    for candidate, (other, story_id, seen) in index.nearby(band_keys(values)):
        if candidate == article_id:
            continue
        score = _similarity(values, other)
        if seen >= oldest and score >= THRESHOLD and (best is None or score > best[0]):
            best = (score, story_id)
    story = (
        Story(story_id=best[1], duplicate_of=best[1], similarity=best[0])
        if best
        else Story(story_id=article_id, duplicate_of=None, similarity=0.0)
    )
    index.put(article_id, values, story.story_id, now)  # the newest copy: it expires last
    return story


def expire(
    index: StoryIndex, now: datetime, window: timedelta = WINDOW, chunk: int = EXPIRY_CHUNK
) -> Iterator[int]:
    """Drop the entries seen before ``window`` (oldest first, found by their time seen, so the
    cost is what expires), ``chunk`` at a time: yields after each chunk how many articles it
    held (entries that are not an article's in this format, such as an earlier version's, go
    first and are not counted), with their bands."""
    oldest = (now - window).timestamp()
    while keys := index.file.seen_before(oldest, chunk):
        for key, _ in keys:
            del index.docs[key]
        yield sum(seen >= 0 for _, seen in keys)


def expired(index: StoryIndex, now: datetime, window: timedelta = WINDOW) -> int:
    """Drop the articles older than ``window`` (and any entry that is not an article's in this
    format); return how many articles went."""
    return sum(expire(index, now, window))
