"""Syndicated copies and re-polled duplicates: MinHash-LSH over the clean text.

Each article's text becomes a MinHash signature (datasketch) of its word 5-grams, kept with
its story in ``StoryIndex.docs`` (a ``MutableMapping`` of bytes, one entry per article: a
dict in tests, a Faust table in the worker). The signature is cut into bands whose hashes
index the newest article seen with that band; that band index lives in memory, derived from
the entries (``StoryIndex.learn`` takes those another worker wrote). Candidates sharing a band
are confirmed by their estimated Jaccard similarity, so two articles on one topic, which share
words but few 5-grams, stay apart.

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
    """MinHash signature of ``text``'s shingles (as 64-bit values, the form the table keeps)."""
    minhash = MinHash(num_perm=PERMUTATIONS, seed=1)
    minhash.update_batch(list(shingles(text)))
    return minhash.hashvalues.astype(np.uint64)


def band_keys(values: np.ndarray) -> list[bytes]:
    """One index key per band of the signature."""
    return [
        b"band:%d:" % band
        + hashlib.blake2b(values[band * _ROWS : (band + 1) * _ROWS].tobytes(), digest_size=12)
        .hexdigest()
        .encode()
        for band in range(BANDS)
    ]


_DOC = b"doc:"


def _doc_key(article_id: str) -> bytes:
    return _DOC + article_id.encode()


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


class StoryIndex:
    """The articles seen (``docs``) and, in memory, the newest article of each band."""

    def __init__(self, docs: MutableMapping[bytes, bytes] | None = None) -> None:
        self.docs: MutableMapping[bytes, bytes] = {} if docs is None else docs
        self._bands: dict[bytes, tuple[float, str]] = {}  # band key -> (seen, article id)
        self._keys: dict[str, list[bytes]] = {}  # article id -> its band keys
        for key, blob in list(self.docs.items()):
            self.learn(key, blob)

    def learn(self, key: bytes, blob: bytes | None) -> None:
        """Take in an entry of ``docs`` written (or deleted, ``blob`` None) here or elsewhere;
        entries arriving out of order leave each band with its newest article."""
        if not key.startswith(_DOC):
            return
        article_id = key[len(_DOC) :].decode()
        for band in self._keys.pop(article_id, ()):  # the bands of its previous entry
            if self._bands.get(band, (0.0, ""))[1] == article_id:
                del self._bands[band]
        if blob is None:
            return
        values, _, seen = _unpack(blob)
        self._keys[article_id] = keys = band_keys(values)
        for band in keys:
            newest = self._bands.get(band)
            if newest is None or newest[0] <= seen:
                self._bands[band] = (seen, article_id)

    def candidates(self, keys: Iterable[bytes]) -> list[str]:
        """The articles sharing a band with ``keys``, each once."""
        found = (self._bands.get(key) for key in keys)
        return list(dict.fromkeys(entry[1] for entry in found if entry is not None))

    def get(self, article_id: str) -> tuple[np.ndarray, str, float] | None:
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
    """Drop the articles older than ``window`` (and any entry that is not an article's, such as
    the band entries an earlier version kept in the table); return how many articles went."""
    oldest = (now - window).timestamp()
    gone = 0
    for key, blob in list(index.docs.items()):
        if key.startswith(_DOC) and _unpack(blob)[2] >= oldest:
            continue
        del index.docs[key]
        index.learn(key, None)
        gone += key.startswith(_DOC)
    return gone
