"""Syndicated copies and re-polled duplicates: MinHash-LSH over the clean text.

Each article's text becomes a MinHash signature (datasketch) of its word 5-grams, kept with
its story in ``StoryIndex.docs`` (a ``MutableMapping`` of bytes, one entry per article: a
dict in tests, a Faust table on disk in the worker). The signature is cut into bands whose
hashes index the newest article seen with that band (``StoryIndex.bands``, SQLite: on disk in
the worker), derived from the entries (``StoryIndex.learn`` takes those another worker wrote).
Candidates sharing a band are confirmed by their estimated Jaccard similarity, so two articles
on one topic, which share words but few 5-grams, stay apart.

Entries expire after ``window`` (default 7 days): an old article is neither matched nor kept.
The result depends on what was seen before, so a replay may assign other stories.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np
from datasketch import MinHash

from pipeline.stages.story_files import BandFile, connect

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
    """MinHash signature of ``text``'s shingles (as 64-bit values, the form the table keeps)."""
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(np.uint64)


def band_keys(values: np.ndarray) -> list[int]:
    """One index key per band of the signature: the band's number and 56 bits of its hash."""
    return [
        band << 56
        | int.from_bytes(
            hashlib.blake2b(
                values[band * _ROWS : (band + 1) * _ROWS].tobytes(), digest_size=7
            ).digest()
        )
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


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


class StoryIndex:
    """The articles seen (``docs``) and the newest article of each band (``bands``, derived
    from the entries, in SQLite: in memory unless given a file)."""

    def __init__(
        self, docs: MutableMapping[bytes, bytes] | None = None, bands: BandFile | None = None
    ) -> None:
        self.docs: MutableMapping[bytes, bytes] = {} if docs is None else docs
        self.bands = BandFile(connect(":memory:")) if bands is None else bands
        for key, blob in list(self.docs.items()):
            self.learn(key, blob)

    def learn(self, key: bytes, blob: bytes | None) -> None:
        """Take in an entry of ``docs`` written here or elsewhere (``blob`` None: deleted). A
        band keeps its newest article whatever order entries arrive in; a band an article no
        longer has (deleted or written again) is left for ``candidates`` to pass over."""
        entry = None if blob is None or not key.startswith(_DOC) else _unpack(blob)
        if entry is not None:
            self.bands.add(band_keys(entry.values), entry.seen, key[len(_DOC) :].decode())

    def candidates(self, keys: Iterable[int]) -> list[str]:
        """The articles whose current entry shares a band with ``keys``, each once."""
        return [
            article
            for seen, article in dict.fromkeys(self.bands.newest(keys))
            if (entry := self.get(article)) is not None and entry.seen == seen
        ]

    def get(self, article_id: str) -> Entry | None:
        """Signature, story and time seen of an article, if it is kept."""
        blob = self.docs.get(_doc_key(article_id))
        return None if blob is None else _unpack(blob)

    def put(self, article_id: str, values: np.ndarray, story_id: str, seen_at: datetime) -> None:
        key, blob = _doc_key(article_id), _pack(values, story_id, seen_at)
        self.docs[key] = blob
        self.learn(key, blob)


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
    for candidate in index.candidates(band_keys(values)):
        found = index.get(candidate)
        if found is None or candidate == article_id:
            continue
        other, story_id, seen = found
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


def expired(index: StoryIndex, now: datetime, window: timedelta = WINDOW) -> int:
    """Drop the articles older than ``window`` (and any entry that is not an article's in this
    format, such as an earlier version's); return how many articles went."""
    oldest = (now - window).timestamp()
    gone = 0
    for key, blob in list(index.docs.items()):
        entry = _unpack(blob) if key.startswith(_DOC) else None
        if entry is not None and entry.seen >= oldest:
            continue
        del index.docs[key]
        gone += entry is not None
    index.bands.drop_before(oldest)
    return gone
