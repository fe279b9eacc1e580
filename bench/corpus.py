"""The benchmark's two corpora as raw records: feed items (the article pages and feed items of
../shared, else the bundled demo feeds) and long articles (PolNeAR, when fetched)."""

from __future__ import annotations

import gzip
import html
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from bench import BUNDLED, DATA, SHARED
from pipeline.poller.parse import MalformedFeed, parse_document
from pipeline.poller.state import feed_articles
from pipeline.records import RawArticle
from pipeline.stages.body import BadPage, extract_body

FEED_ITEMS = "feed_items"
LONG = "long"


@dataclass(frozen=True)
class Corpus:
    """The corpus's name in the report, where its articles came from, the articles timed, and
    the articles that warm up the NLP processes before timing (others than the timed ones)."""

    name: str
    source: str
    articles: list[RawArticle]
    warm: list[RawArticle]


def text_article(article_id: str, text: str, title: str, feed: str) -> RawArticle:
    """A raw record carrying plain ``text`` (escaped, so the clean stage sees no markup)."""
    return RawArticle(
        id=article_id,
        feed_url=feed,
        title=title,
        content_html=html.escape(text, quote=False),
        fetched_at=datetime.now(UTC),
    )


def polnear_articles(data: Path) -> Iterator[RawArticle]:
    """Dev articles first, then train (the bench reads only the count it needs)."""
    for split in ("dev", "train"):
        path = data / f"{split}.jsonl"
        if not path.exists():
            continue
        with path.open("rb") as lines:
            for line in lines:
                doc = orjson.loads(line)
                yield text_article(doc["id"], doc["text"], doc.get("title") or "", "polnear")


def shared_articles(shared: Path) -> Iterator[RawArticle]:
    """Article pages through the body extractor, then the items of the news feeds."""
    for page in sorted((shared / "data" / "article-html" / "dev").glob("*.html.gz")):
        try:
            body = extract_body(gzip.decompress(page.read_bytes()), None)
        except BadPage:
            continue
        yield text_article(page.name.split(".")[0], body.text, body.meta.title or "", "pages")
    for feed in sorted((shared / "data" / "feeds" / "news").iterdir()):
        try:
            parsed = parse_document(feed.read_bytes())
        except MalformedFeed:
            continue
        yield from feed_articles(parsed, str(feed), datetime.now(UTC))


def bundled_articles() -> Iterator[RawArticle]:
    """The items of the demo's real feeds (70), which every clone has."""
    for feed in sorted(BUNDLED.glob("*.xml")):
        yield from feed_articles(parse_document(feed.read_bytes()), str(feed), datetime.now(UTC))


def _chosen(
    name: str, source: str, articles: Iterator[RawArticle], limit: int, warm: int
) -> Corpus:
    """Up to ``limit`` articles, then up to ``warm`` more to warm up with (fewer when the source
    runs out: the timed articles come first)."""
    chosen = list(itertools.islice(articles, limit + warm))
    return Corpus(name, source, chosen[:limit], chosen[limit:])


def feed_items(limit: int, warm: int = 0) -> Corpus:
    """What newswire mostly reads: the pages and feed items of ``../shared``, else the bundled
    feeds."""
    if (SHARED / "data").is_dir():
        return _chosen(FEED_ITEMS, "shared", shared_articles(SHARED), limit, warm)
    return _chosen(FEED_ITEMS, "bundled", bundled_articles(), limit, warm)


def long_articles(limit: int, warm: int = 0) -> Corpus | None:
    """PolNeAR's articles (about 800 words each), None when they are not fetched."""
    polnear = DATA / "polnear"
    if not (polnear / "dev.jsonl").exists():
        return None
    return _chosen(LONG, "polnear", polnear_articles(polnear), limit, warm)
