"""Full text: which items need their page, fetching it politely, and cleaning it (no broker)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.pages.fetch import PageFetcher, strip_junk
from pipeline.records import Page, PagedArticle, RawArticle
from pipeline.settings import Settings
from pipeline.stages.fulltext import clean_paged, needs_page
from tests.support.feed_server import FeedServer, Reply, feed_server
from tests.support.pages import page

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


def raw(link: str | None, summary: str = "<p>A short teaser.</p>", **fields: object) -> RawArticle:
    values: dict[str, object] = {
        "id": "feed:1",
        "feed_url": "https://example.org/feed.xml",
        "feed_title": "Example News",
        "link": link,
        "title": "A title",
        "summary_html": summary,
        "fetched_at": NOW,
        **fields,
    }
    return RawArticle.model_validate(values)


def settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path,
        "fetch_allow_networks": ["127.0.0.0/8"],
        "fetch_read_timeout": 1.0,
        **overrides,
    }
    return Settings.model_validate(values)


def fetch_all(settings: Settings, articles: list[RawArticle]) -> list[PagedArticle]:
    """The articles with their pages, fetched by one PageFetcher."""

    async def go() -> list[PagedArticle]:
        pages = PageFetcher(settings)
        try:
            return [await pages.attach(article) for article in articles]
        finally:
            await pages.close()

    return asyncio.run(go())


def fetch(settings: Settings, article: RawArticle) -> PagedArticle:
    [paged] = fetch_all(settings, [article])
    return paged


def test_short_items_and_fulltext_feeds_need_their_page() -> None:
    long_text = "<p>" + "Words of a full article. " * 60 + "</p>"
    assert needs_page(raw("https://example.org/a"), 800)
    assert not needs_page(raw("https://example.org/a", long_text), 800)
    assert needs_page(raw("https://example.org/a", long_text, fulltext=True), 800)
    assert not needs_page(raw(None), 800)
    assert not needs_page(raw("ftp://example.org/a"), 800)
    paged = PagedArticle(**raw("https://example.org/a").model_dump())
    assert not needs_page(paged, 800)  # already fetched


def test_page_text_replaces_the_teaser() -> None:
    html = page("tidal-barrier").decode()
    fetched = Page(url="https://example.org/a", status=200, html=html, fetched_at=NOW)
    paged = PagedArticle(**raw("https://example.org/a").model_dump(), page=fetched)
    article = clean_paged(paged)
    assert article.text_source == "page" and article.fulltext_error is None
    assert article.word_count > 300
    assert article.text.startswith("Engineers closed the new tidal barrier across the Itchen")
    assert article.dateline == "SOUTHAMPTON, England (HNS)"  # dateline and credits cut
    assert article.credits == [
        "(Reporting by Mara Ellison; Editing by Tom Okafor)",
        "© Harbour News Service",
    ]
    assert article.text.endswith("handed over to the authority for permanent operation.")
    for clutter in ("A short teaser", "Related stories", "newsletter", "Follow us", "Sport"):
        assert clutter not in article.text
    assert article.title == "A title" and article.source == "Example News"
    assert article.canonical_url == "https://gazette.example.org/news/tidal-barrier-first-test"


def test_missing_or_useless_pages_fall_back_to_the_feed_with_the_reason() -> None:
    missing = PagedArticle(**raw("https://example.org/a").model_dump(), page_error="HTTP 404")
    article = clean_paged(missing)
    assert article.text == "A short teaser." and article.text_source == "feed"
    assert article.fulltext_error == "HTTP 404"
    empty = Page(
        url="https://example.org/a", status=200, html="<html><body></body></html>", fetched_at=NOW
    )
    article = clean_paged(PagedArticle(**raw("https://example.org/a").model_dump(), page=empty))
    assert article.text == "A short teaser." and article.fulltext_error == (
        "page: no article: no main text found in the page"
    )
    nav = Page(
        url="https://example.org/a",
        status=200,
        fetched_at=NOW,
        html="<html><body><nav><a href='/'>Home</a></nav><p>Hi.</p></body></html>",
    )
    longer = "<p>" + "A feed that carries more text than the page does. " * 5 + "</p>"
    article = clean_paged(
        PagedArticle(**raw("https://example.org/a", longer).model_dump(), page=nav)
    )
    assert article.text_source == "feed" and article.fulltext_error is not None


def test_strip_junk_keeps_article_markup_and_json_ld() -> None:
    html = (
        b"<html><head><style>p{color:red}</style><script>var a='</p>';</script>"
        b'<script type="application/ld+json">{"author":"A"}</script></head>'
        b"<body><!-- ad --><p>Text</p><svg><path d='M0'/></svg><noscript>x</noscript>"
        b"<p>More</p><script>unclosed"
    )
    assert strip_junk(html) == (
        b'<html><head><script type="application/ld+json">{"author":"A"}</script></head>'
        b"<body><p>Text</p><p>More</p>"
    )


def test_fetches_the_page_following_redirects(server: FeedServer, tmp_path: Path) -> None:
    html = page("tidal-barrier")
    server.route("/robots.txt", Reply(404))
    server.route("/story", Reply(body=html, headers={"Content-Type": "text/html"}))
    moved = server.route("/old", Reply(301, headers={"Location": "/story"}))
    paged = fetch(settings(tmp_path), raw(moved))
    assert paged.page is not None and paged.page_error is None
    assert paged.page.url == server.base + "/story"
    scripts = re.findall(r"<script[^>]*>", paged.page.html)
    assert scripts == ['<script type="application/ld+json">']  # analytics and widgets gone
    assert server.hits("/story")[0]["User-Agent"].startswith("newswire/")


def test_refusals_are_recorded_not_raised(server: FeedServer, tmp_path: Path) -> None:
    server.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n"))
    server.route("/private/a", Reply(body=b"<p>secret</p>", headers={"Content-Type": "text/html"}))
    server.route("/gone", Reply(410))
    server.route("/image", Reply(body=b"\x89PNG....", headers={"Content-Type": "image/png"}))
    server.route(
        "/huge",
        Reply(body=b"<p>" + b"x" * 300_000 + b"</p>", headers={"Content-Type": "text/html"}),
    )
    server.route("/slow", Reply(body=b"<p>" + b"y" * 5000, stall_after=100, stall_seconds=3))
    config = settings(tmp_path, page_max_bytes=200_000)
    paths = ("/private/a", "/gone", "/image", "/huge", "/slow")
    paged = fetch_all(config, [raw(server.base + path) for path in paths])
    reasons = {path: article.page_error for path, article in zip(paths, paged, strict=True)}
    assert reasons["/private/a"] == "robots.txt disallows the page"
    assert not server.hits("/private/a")
    assert reasons["/gone"] == "HTTP 410"
    assert reasons["/image"] == "not an HTML page (image/png)"
    assert "200000-byte cap" in (reasons["/huge"] or "")
    assert (reasons["/slow"] or "").startswith("fetch failed: ")
    assert len(server.hits("/robots.txt")) == 1  # cached per site


def test_robots_can_be_ignored_and_failures_disallow(server: FeedServer, tmp_path: Path) -> None:
    server.route("/robots.txt", Reply(503))
    server.route("/a", Reply(body=b"<p>page</p>", headers={"Content-Type": "text/html"}))
    assert fetch(settings(tmp_path), raw(server.base + "/a")).page_error == (
        "robots.txt disallows the page"
    )
    ignoring = settings(tmp_path, fulltext_robots=False)
    assert fetch(ignoring, raw(server.base + "/a")).page is not None


def test_private_addresses_are_refused(tmp_path: Path) -> None:
    closed = settings(tmp_path, fetch_allow_networks=[], fulltext_robots=False)
    paged = fetch(closed, raw("http://127.0.0.1:9/a"))
    assert paged.page is None and "fetch failed" in (paged.page_error or "")


ROBOTS_9309 = b"""User-agent: otherbot
Allow: /

User-agent: *
Disallow: /
Allow: /news/
Disallow: /news/*.pdf$
Allow: /about$
Disallow: /page
Allow: /page
"""


def test_robots_rules_follow_rfc_9309(server: FeedServer, tmp_path: Path) -> None:
    """Longest match wins, Allow wins a tie, ``*`` and ``$`` are patterns, groups by agent."""
    server.route("/robots.txt", Reply(body=ROBOTS_9309))
    expected = {
        "/news/a": True,  # Allow /news/ is longer than Disallow /
        "/news/report.pdf": False,  # /news/*.pdf$ is longer still
        "/news/report.pdf?page=2": True,  # $ ends the pattern
        "/about": True,
        "/about/team": False,  # /about$ matches /about only
        "/page": True,  # Allow and Disallow of equal length: Allow
        "/sport/a": False,
    }

    async def answers() -> dict[str, bool]:
        pages = PageFetcher(settings(tmp_path))
        try:
            assert pages.robots is not None
            return {path: await pages.robots.allowed(server.base + path) for path in expected}
        finally:
            await pages.close()

    assert asyncio.run(answers()) == expected
    assert len(server.hits("/robots.txt")) == 1
