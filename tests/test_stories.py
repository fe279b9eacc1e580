"""Near-duplicate detection on real article bodies: the bundled feeds' items (and, with
../shared, the article pages of its extraction benchmark)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from pipeline.stages.stories import (
    BANDS,
    THRESHOLD,
    StoryIndex,
    assign_story,
    band_keys,
    expired,
    signature,
)
from tests.support.feeds import bundled_bodies

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def bodies() -> list[str]:
    return bundled_bodies(min_words=150)


def similarity(a: str, b: str) -> float:
    return float((signature(a) == signature(b)).mean())


def edited(text: str) -> str:
    """A wire copy as another outlet runs it: its own dateline and credit, a paragraph cut,
    a few words changed."""
    paragraphs = text.split("\n\n")
    kept = paragraphs[:-1] if len(paragraphs) > 3 else paragraphs
    body = "\n\n".join(kept).replace(" the ", " a ", 3).replace(" said ", " told reporters ", 2)
    return f"LONDON (Wire) - {body}\n\n(Reporting by a correspondent; editing by a desk)"


def test_same_body_under_two_urls_is_one_story(bodies: list[str]) -> None:
    index = StoryIndex()
    first = assign_story("site-a:1", bodies[0], NOW, index)
    copy = assign_story("site-b:9", bodies[0], NOW + timedelta(hours=1), index)
    assert first.duplicate_of is None and first.story_id == "site-a:1"
    assert copy.duplicate_of == "site-a:1" and copy.story_id == "site-a:1"
    assert copy.similarity == 1.0


def test_edited_copies_join_the_first_copys_story(bodies: list[str]) -> None:
    index = StoryIndex()
    for n, body in enumerate(bodies[:10]):
        assign_story(f"orig:{n}", body, NOW, index)
    for n, body in enumerate(bodies[:10]):
        copy = assign_story(f"copy:{n}", edited(body), NOW, index)
        assert copy.duplicate_of == f"orig:{n}", (n, copy)
        assert copy.similarity >= THRESHOLD


def test_different_articles_are_not_duplicates_even_on_one_topic(bodies: list[str]) -> None:
    """No two distinct articles of the set are matched; the pairs that share the most words
    (the closest in topic) stay far below the threshold."""
    distinct_stories_stay_apart(bodies)


def test_distinct_pages_of_the_extraction_benchmark_stay_apart(shared_data: Path) -> None:
    truth = orjson.loads((shared_data / "article-html" / "ground-truth-dev.json").read_bytes())
    texts = [entry["articleBody"] for entry in truth.values()]
    distinct_stories_stay_apart([text for text in texts if len(text.split()) >= 150])


def distinct_stories_stay_apart(bodies: list[str]) -> None:
    words = [set(re.findall(r"\w+", body.casefold())) for body in bodies]
    overlap = sorted(
        (
            (len(a & b) / len(a | b), i, j)
            for (i, a), (j, b) in itertools.combinations(enumerate(words), 2)
        ),
        reverse=True,
    )
    for word_jaccard, i, j in overlap[:10]:
        assert word_jaccard > 0.15  # genuinely similar vocabularies
        assert similarity(bodies[i], bodies[j]) < THRESHOLD / 2
    index = StoryIndex()
    stories = [assign_story(f"a:{n}", body, NOW, index) for n, body in enumerate(bodies)]
    assert all(story.duplicate_of is None for story in stories)


def test_a_redelivered_article_keeps_its_own_story(bodies: list[str]) -> None:
    index = StoryIndex()
    assign_story("a:1", bodies[1], NOW, index)
    again = assign_story("a:1", bodies[1], NOW + timedelta(minutes=5), index)
    assert again.duplicate_of is None and again.story_id == "a:1"
    copy = assign_story("b:1", bodies[1], NOW, index)
    assert assign_story("b:1", bodies[1], NOW, index) == copy


def test_entries_expire_after_the_window(bodies: list[str]) -> None:
    index = StoryIndex()
    assign_story("old:1", bodies[2], NOW, index)
    later = NOW + timedelta(days=8)
    assert assign_story("new:1", bodies[2], later, index).duplicate_of is None
    assert expired(index, later + timedelta(days=8)) == 2
    assert index.docs == {}


def test_the_table_keeps_one_entry_per_article(bodies: list[str]) -> None:
    """The band index is derived in memory, so the table (and its changelog) gets one write
    per article."""
    index = StoryIndex()
    for n, body in enumerate(bodies[:5]):
        assign_story(f"a:{n}", body, NOW, index)
    assign_story("copy:0", edited(bodies[0]), NOW, index)
    assert sorted(index.docs) == sorted([f"doc:a:{n}".encode() for n in range(5)] + [b"doc:copy:0"])


def test_entries_another_worker_wrote_are_matched(bodies: list[str]) -> None:
    """Two workers share one table: what one writes reaches the other's file (through the
    table's changelog), and a copy polled by the second joins the first's story."""
    here, there = StoryIndex(), StoryIndex()
    assign_story("site-a:1", bodies[3], NOW, here)
    for key, blob in here.docs.items():
        there.docs[key] = blob
    copy = assign_story("site-b:1", edited(bodies[3]), NOW, there)
    assert copy.duplicate_of == "site-a:1"


def test_a_restarted_index_derives_its_bands_from_the_table(bodies: list[str]) -> None:
    before = StoryIndex()
    assign_story("site-a:1", bodies[4], NOW, before)
    after = StoryIndex(dict(before.docs))
    assert assign_story("site-b:1", edited(bodies[4]), NOW, after).duplicate_of == "site-a:1"


def test_bands_point_to_the_newest_copy_whatever_order_entries_arrive_in(
    bodies: list[str],
) -> None:
    source = StoryIndex()
    assign_story("a:1", bodies[5], NOW, source)
    updated = bodies[5] + "\n\nUpdated."
    assign_story("a:2", updated, NOW + timedelta(hours=2), source)
    shared = set(band_keys(signature(bodies[5]))) & set(band_keys(signature(updated)))
    assert len(shared) > BANDS // 2  # the bands both copies have
    entries = list(source.docs.items())
    for order in (entries, entries[::-1]):
        index = StoryIndex()
        for key, blob in order:
            index.docs[key] = blob
        assert index.candidates(shared) == ["a:2"]
        del index.docs[b"doc:a:2"]  # deleted elsewhere: its bands go
        assert index.candidates(band_keys(signature(updated))) == []


def test_an_entry_written_again_keeps_only_its_new_bands(bodies: list[str]) -> None:
    index = StoryIndex()
    assign_story("a:1", bodies[7], NOW, index)
    assign_story("a:1", bodies[8], NOW + timedelta(days=8), index)  # its window had passed
    assert index.candidates(band_keys(signature(bodies[7]))) == []
    assert index.candidates(band_keys(signature(bodies[8]))) == ["a:1"]


def test_expiry_drops_entries_that_are_not_articles(bodies: list[str]) -> None:
    """Band entries a table kept before the band index moved to memory are dropped."""
    index = StoryIndex({b"band:0:abc": b"old:1"})
    assign_story("a:1", bodies[6], NOW, index)
    assert expired(index, NOW) == 0
    assert list(index.docs) == [b"doc:a:1"]


def test_an_earlier_versions_entry_is_passed_over_and_expires(bodies: list[str]) -> None:
    """An entry of format 1 (a JSON head and 64-bit values), left in the changelog by an
    earlier version, is neither matched nor crashes the worker, and expiry drops it."""
    head = orjson.dumps({"story": "old:1", "seen": NOW.timestamp()})
    values = signature(bodies[9]).astype(">u8").tobytes()
    index = StoryIndex({b"doc:old:1": len(head).to_bytes(4, "big") + head + values})
    assert assign_story("new:1", bodies[9], NOW, index).duplicate_of is None
    assert expired(index, NOW) == 0
    assert list(index.docs) == [b"doc:new:1"]
