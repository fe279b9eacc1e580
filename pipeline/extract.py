"""``newswire extract``: the same stage functions as the pipeline, without Kafka.

Inputs are a file (plain text, HTML or a feed) or JSONL lines that are either raw records
(as on ``news.raw``) or documents ``{"id", "text" | "html", "title"?, "url"?, "published"?}``.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
from spacy.language import Language

from agents.clean import clean_article, html_to_text, normalize_text
from agents.events import finish
from agents.tag import tag_articles
from pipeline import __version__
from pipeline.feed_parse import MalformedFeed, parse_feed
from pipeline.records import CleanArticle, Event, RawArticle

BATCH = 32


class InputError(ValueError):
    """An input line or file that is neither a raw record nor a document."""


def document(line: dict[str, object], skip_clean: bool, now: datetime) -> CleanArticle:
    """A clean article from a ``{"id", "text" | "html", ...}`` document."""
    if "id" not in line or not ("text" in line or "html" in line):
        raise InputError('a document needs "id" and "text" or "html"')
    raw_text = str(line["text"]) if "text" in line else html_to_text(str(line["html"]))
    text = raw_text if skip_clean and "text" in line else normalize_text(raw_text)
    title = str(line.get("title") or "")
    published = line.get("published")
    url = line.get("url")
    return CleanArticle(
        id=str(line["id"]),
        url=str(url) if url else None,
        title=title if skip_clean else normalize_text(title),
        source=str(line.get("source") or "extract"),
        feed_url="",
        published_at=datetime.fromisoformat(str(published)) if published else None,
        fetched_at=now,
        language=None,
        text=text,
    )


def from_jsonl(lines: Iterable[bytes], skip_clean: bool) -> Iterator[CleanArticle | InputError]:
    """Each non-empty line as a clean article, or the error that stops it (in input order)."""
    now = datetime.now(UTC)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            if not isinstance(data, dict):
                raise InputError("not a JSON object")
            if "feed_url" in data and "fetched_at" in data:
                yield clean_article(RawArticle.model_validate(data))
            else:
                yield document(data, skip_clean, now)
        except (ValueError, TypeError) as exc:
            yield InputError(f"line {number}: {exc}")


def _stem(path: Path) -> str:
    name = path.name
    return name.split(".", 1)[0] if "." in name else name


def from_file(path: Path, article_id: str | None, skip_clean: bool) -> list[CleanArticle]:
    """The articles of a file: every item of a feed, else one article of HTML or plain text."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        raws = parse_feed(data, str(path), datetime.now(UTC))
    except MalformedFeed:
        raws = []
    if raws:
        return [clean_article(raw) for raw in raws]
    text = data.decode("utf-8", errors="replace")
    key = "html" if text.lstrip().startswith("<") else "text"
    line: dict[str, object] = {"id": article_id or _stem(path), key: text}
    return [document(line, skip_clean, datetime.now(UTC))]


def enrich(nlp: Language, articles: Iterable[CleanArticle]) -> Iterator[Event]:
    """Events for ``articles`` in order, tagged in batches with one ``nlp.pipe`` pass each."""
    batch: list[CleanArticle] = []
    for article in articles:
        batch.append(article)
        if len(batch) == BATCH:
            yield from (finish(t, __version__) for t in tag_articles(nlp, batch))
            batch = []
    if batch:
        yield from (finish(t, __version__) for t in tag_articles(nlp, batch))
