"""The benchmark articles as raw records: PolNeAR when fetched, else ../shared pages and feeds,
else the bundled demo feeds."""

from __future__ import annotations

import gzip
import html
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


@dataclass(frozen=True)
class Corpus:
    """Where the articles came from, the articles timed, and the articles that warm up the NLP
    processes before timing (others than the timed ones)."""

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


def load_corpus(limit: int, warm: int = 0) -> Corpus:
    """Up to ``limit`` articles from the best source present, then up to ``warm`` more to warm
    up with (fewer when the source runs out: the timed articles come first)."""
    polnear = DATA / "polnear"
    if (polnear / "dev.jsonl").exists():
        source, articles = "polnear", polnear_articles(polnear)
    elif (SHARED / "data").is_dir():
        source, articles = "shared", shared_articles(SHARED)
    else:
        source, articles = "bundled", bundled_articles()
    chosen: list[RawArticle] = []
    for article in articles:
        if len(chosen) >= limit + warm:
            break
        chosen.append(article)
    return Corpus(source, chosen[:limit], chosen[limit:])
