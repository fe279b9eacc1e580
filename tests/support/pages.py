"""Article pages the tests write themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pipeline.records import Page, PagedArticle

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
FETCHED = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
SLOW_PARAGRAPH = "<p>One sentence of the article, repeated to make a slow page.</p>"


def page(name: str) -> bytes:
    """A news page the tests wrote (``tests/fixtures/pages``): ``tidal-barrier`` (354 words,
    dateline, credits, related links, newsletter box) or ``rural-clinics`` (296 words,
    cookie banner, author box, publisher footer)."""
    return (FIXTURES / f"{name}.html").read_bytes()


def paged(article_id: str, html: str, summary: str = "<p>A short teaser.</p>") -> PagedArticle:
    """A feed item with its fetched page, as on ``news.pages``."""
    url = f"https://news.example.org/{article_id}"
    return PagedArticle(
        id=article_id,
        feed_url="https://news.example.org/feed.xml",
        link=url,
        title=f"Article {article_id}",
        summary_html=summary,
        fetched_at=FETCHED,
        page=Page(url=url, status=200, content_type="text/html", html=html, fetched_at=FETCHED),
    )


def slow_page(paragraphs: int = 25_000) -> str:
    """A page whose body extraction takes well over 0.2 s."""
    return f"<html><body><article>{SLOW_PARAGRAPH * paragraphs}</article></body></html>"
