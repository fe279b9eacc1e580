"""Full text: which articles need their page, and the clean article of a fetched page.

A feed item whose text is short (a teaser) or whose feed asks for it gets its page fetched
(``pipeline.pages``); the page's main text then replaces the feed's, and the page supplies the
metadata the feed lacks. When the page is missing or yields less text than the feed, the
article keeps the feed's text and ``fulltext_error`` says why.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from pipeline.records import CleanArticle, PagedArticle, RawArticle
from pipeline.stages.body import TIMEOUT, BadPage, PageMeta, extract_body
from pipeline.stages.clean import (
    EmptyArticle,
    article_source,
    clean_article,
    clean_text,
    clean_title,
    html_to_text,
)
from pipeline.stages.language import detect_language


def feed_text_length(raw: RawArticle) -> int:
    """Characters of text the feed itself carries for the item (content, else summary)."""
    return len(html_to_text(raw.content_html or raw.summary_html).strip())


def needs_page(raw: RawArticle, min_chars: int) -> bool:
    """Whether the item's page should be fetched: it has a web link and its feed text is short,
    or its feed asks for full text."""
    if isinstance(raw, PagedArticle) or not (raw.link or "").startswith(("http://", "https://")):
        return False
    return raw.fulltext or feed_text_length(raw) < min_chars


def _published(raw: RawArticle, meta: PageMeta) -> datetime | None:
    if raw.published_at or meta.published is None:
        return raw.published_at
    return datetime.combine(meta.published, time(), tzinfo=UTC)


def clean_paged(paged: PagedArticle, timeout: float = TIMEOUT) -> CleanArticle:
    """The clean article of ``paged``: the page's main text when it has one at least as long as
    the feed's, else the feed's text with the reason in ``fulltext_error``."""
    if paged.page is None:
        return clean_article(paged).model_copy(update={"fulltext_error": paged.page_error})
    try:
        feed: CleanArticle | None = clean_article(paged)
    except EmptyArticle:
        feed = None
    try:
        body = extract_body(paged.page.html, paged.page.url, timeout)
    except BadPage as exc:
        if feed is None:
            raise
        return feed.model_copy(update={"fulltext_error": f"page: {exc}"})
    text = clean_text(body.text)
    if feed is not None and text.word_count < feed.word_count:
        return feed.model_copy(update={"fulltext_error": "the page has less text than the feed"})
    meta = body.meta
    source = article_source(paged)
    title = feed.title if feed and feed.title else clean_title(meta.title or "", source)
    return CleanArticle(
        id=paged.id,
        url=paged.link,
        canonical_url=meta.url,
        title=title,
        source=source,
        feed_url=paged.feed_url,
        published_at=_published(paged, meta),
        fetched_at=paged.fetched_at,
        language=detect_language(f"{title}\n\n{text.text}", paged.language or meta.language),
        revision=paged.revision,
        dateline=text.dateline,
        credits=text.credits,
        authors=paged.authors or list(meta.authors),
        word_count=text.word_count,
        text=text.text,
        text_source="page",
    )
