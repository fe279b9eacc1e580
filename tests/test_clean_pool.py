"""The clean process: results in order with their failures; it outlives a dead process."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.clean_pool import CLEAN_PROCESS, Cleaned, CleanPool, clean_items
from pipeline.records import PagedArticle, RawArticle
from pipeline.stages.chain import CleanRules
from tests.support.pages import paged, slow_page

NOW = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
TEXT = (
    "<p>The European Central Bank left its main interest rate unchanged on Thursday, and its "
    "president told reporters that inflation would ease through the coming year, while several "
    "members of the governing council said they were ready to act again if prices rose.</p>"
)


def raw(n: int, summary: str) -> bytes:
    return RawArticle(
        id=f"feed:{n}",
        feed_url="https://example.org/feed.xml",
        link=f"https://example.org/{n}",
        title=f"Item {n}",
        summary_html=summary,
        fetched_at=NOW,
    ).to_json()


def test_each_item_is_cleaned_in_order_and_a_failure_stays_with_its_item() -> None:
    items = [(raw(1, TEXT), False), (b"not json", False), (raw(3, "<p>Short.</p>"), False)]
    results = clean_items(items, CleanRules())
    assert [r.article.id if r.article else None for r in results] == ["feed:1", None, "feed:3"]
    assert results[0].article is not None and "European Central Bank" in results[0].article.text
    assert results[0].error is None and results[0].seconds > 0
    assert results[1].error is not None and results[1].error.type == "JSONDecodeError"


def test_a_short_raw_item_waits_for_its_page_which_is_cleaned_from_news_pages() -> None:
    short = raw(1, "<p>A short teaser.</p>")
    page = PagedArticle.model_validate(
        RawArticle.from_json(short).model_dump() | {"page_error": "HTTP 404"}
    ).to_json()
    waiting, paged = clean_items([(short, False), (page, True)], CleanRules(fulltext_min_chars=800))
    assert waiting.article is None and waiting.error is None
    assert paged.error is None and paged.article is not None
    assert (paged.article.id, paged.article.text) == ("feed:1", "A short teaser.")
    assert paged.article.fulltext_error == "HTTP 404"


@pytest.mark.timeout(120)
def test_a_killed_clean_process_fails_its_batch_and_the_process_is_renewed() -> None:
    pool = CleanPool(CleanRules())

    async def go() -> tuple[str, list[Cleaned], list[Cleaned]]:
        name = await pool.processes.run(Path("/proc/self/comm").read_text)
        pid = await pool.processes.run(os.getpid)
        os.kill(pid, signal.SIGKILL)
        broken = await pool.clean([(raw(1, TEXT), False), (raw(2, TEXT), False)])
        after = await pool.clean([(raw(3, TEXT), False)])
        return name, broken, after

    try:
        name, broken, after = asyncio.run(go())
    finally:
        pool.close()
    assert name.strip() == CLEAN_PROCESS
    assert [r.error.type if r.error else None for r in broken] == ["BrokenProcessPool"] * 2
    assert after[0].article is not None and after[0].article.id == "feed:3"


@pytest.mark.timeout(120)
def test_the_body_time_limit_holds_in_the_clean_process() -> None:
    pool = CleanPool(CleanRules(body_timeout=0.2))
    try:
        [result] = asyncio.run(pool.clean([(paged("slow", slow_page()).to_json(), True)]))
    finally:
        pool.close()
    assert result.article is not None and result.article.text == "A short teaser."
    assert result.article.fulltext_error == "page: timeout: extraction took over 0.2 s"
