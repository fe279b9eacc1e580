"""``newswire extract``: the same stage functions as the pipeline, without Kafka.

Inputs are a file (plain text, HTML or a feed) or JSONL lines that are either raw records
(as on ``news.raw`` or, with their page, ``news.pages``) or documents
``{"id", "text" | "html", "title"?, "url"?, "published"?}``. They go through the worker's
chain of stages (``pipeline.stages.chain``). Feed items can have their pages fetched
(``Pages``); duplicates are found, and acronyms learnt, among the inputs of one run.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson

from pipeline.poller.parse import MalformedFeed, parse_document
from pipeline.poller.state import feed_articles
from pipeline.records import CleanArticle, PagedArticle, RawArticle
from pipeline.stages.body import PageMeta, extract_body
from pipeline.stages.chain import Chain, Failure, Published
from pipeline.stages.clean import CleanText, clean_text, clean_title, word_count
from pipeline.stages.language import detect_language

BATCH = 32
Item = RawArticle | CleanArticle
"""A feed item (with its page, when fetched) for the chain to clean, or a clean document."""
Pages = Callable[[RawArticle], RawArticle]
"""Attaches an item's page when it needs one (``pipeline.pages.fetch.page_attacher``)."""


def no_pages(raw: RawArticle) -> RawArticle:
    return raw


class InputError(ValueError):
    """An input line or file that is neither a raw record nor a document."""


def document(line: dict[str, object], skip_clean: bool, now: datetime) -> CleanArticle:
    """A clean article from a ``{"id", "text" | "html", ...}`` document."""
    if "id" not in line or not ("text" in line or "html" in line):
        raise InputError('a document needs "id" and "text" or "html"')
    url = str(line["url"]) if line.get("url") else None
    title = str(line.get("title") or "")
    meta = PageMeta()
    if "text" in line and skip_clean:
        body = CleanText(str(line["text"]), word_count=word_count(str(line["text"])))
    elif "text" in line:
        body = clean_text(str(line["text"]))
    else:  # a full page: its main text (BadPage, a ValueError, when it has none)
        html = line["html"]
        page = extract_body(html if isinstance(html, bytes) else str(html), url)
        body, meta = clean_text(page.text), page.meta
    published = line.get("published") or meta.published
    source = str(line.get("source") or meta.site_name or "extract")
    return CleanArticle(
        id=str(line["id"]),
        url=url or meta.url,
        title=title if skip_clean else clean_title(title or meta.title or "", source),
        source=source,
        feed_url="",
        published_at=_published(published),
        fetched_at=now,
        language=detect_language(f"{title}\n\n{body.text}", meta.language),
        dateline=body.dateline,
        credits=body.credits,
        authors=list(meta.authors),
        word_count=body.word_count,
        text=body.text,
    )


def _published(value: object) -> datetime | None:
    """An ISO date or datetime; naive ones are taken as UTC."""
    if not value:
        return None
    when = datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def from_jsonl(
    lines: Iterable[bytes], skip_clean: bool, pages: Pages = no_pages
) -> Iterator[Item | InputError]:
    """Each non-empty line as a feed item (with its page) or a clean article, or the error that
    stops it (in input order)."""
    now = datetime.now(UTC)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            if not isinstance(data, dict):
                raise InputError("not a JSON object")
            if "feed_url" in data and "fetched_at" in data:
                kind = PagedArticle if "page" in data or "page_error" in data else RawArticle
                yield pages(kind.model_validate(data))
            else:
                yield document(data, skip_clean, now)
        except (ValueError, TypeError) as exc:
            yield InputError(f"line {number}: {exc}")


def _stem(path: Path) -> str:
    name = path.name
    return name.split(".", 1)[0] if "." in name else name


def from_file(
    path: Path, article_id: str | None, skip_clean: bool, pages: Pages = no_pages
) -> list[Item]:
    """The articles of a file: every item of a feed, else one article of HTML or plain text."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        raws = feed_articles(parse_document(data, str(path)), str(path), datetime.now(UTC))
    except MalformedFeed:
        raws = []
    if raws:
        return [pages(raw) for raw in raws]
    line: dict[str, object] = {"id": article_id or _stem(path)}
    if data.lstrip().startswith(b"<"):
        line["html"] = data  # bytes, so the page's own charset is honoured
    else:
        line["text"] = data.decode("utf-8", errors="replace")
    return [document(line, skip_clean, datetime.now(UTC))]


def run_chain(chain: Chain, items: Iterable[Item]) -> Iterator[tuple[Item, Published | Failure]]:
    """``chain`` over ``items`` in batches of ``BATCH``: each item with its result, in order."""
    batch: list[Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            yield from _results(chain, batch)
            batch = []
    yield from _results(chain, batch)


def _results(chain: Chain, batch: list[Item]) -> Iterator[tuple[Item, Published | Failure]]:
    for item, result in zip(batch, chain.run(batch) if batch else [], strict=True):
        if result is not None:  # None only waits for a page, which extract never does
            yield item, result
