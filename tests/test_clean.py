"""Clean stage: HTML to text, normalisation and RawArticle -> CleanArticle."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from agents.clean import EmptyArticle, clean_article, html_to_text, normalize_text
from pipeline.records import RawArticle

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ODD_CHARACTERS = "\u00a0\u2009\u202f\u200b\u200d\ufeff\u2018\u2019\u201c\u201d\u2026"


def raw(**fields: Any) -> RawArticle:
    defaults: dict[str, Any] = {"id": "a1", "feed_url": "https://feeds.example.org/world.xml"}
    return RawArticle(fetched_at=NOW, **(defaults | fields))


def feed_items(shared_data: Path) -> list[RawArticle]:
    items = []
    for path in sorted((shared_data / "feeds" / "news").glob("*"))[::3]:  # 47 of 139 feeds
        feed = feedparser.parse(path.read_bytes())
        for i, entry in enumerate(feed.entries):
            content = entry.get("content") or [{}]
            items.append(
                raw(
                    id=f"{path.name}#{i}",
                    feed_title=feed.feed.get("title"),
                    link=entry.get("link"),
                    title=entry.get("title", ""),
                    summary_html=entry.get("summary", ""),
                    content_html=content[0].get("value", ""),
                    language=feed.feed.get("language"),
                )
            )
    return items


@pytest.fixture(scope="module")
def ground_truth(shared_data: Path) -> dict[str, dict[str, str]]:
    path = shared_data / "article-html" / "ground-truth-dev.json"
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- html_to_text ---------------------------------------------------------------------------


@pytest.mark.parametrize("markup", ["", "   \n ", "<!-- only a comment -->", "<br><br/>"])
def test_html_to_text_empty(markup: str) -> None:
    assert html_to_text(markup) == ""


def test_html_to_text_blocks_become_paragraphs() -> None:
    markup = (
        "<h2>Title</h2><p>First  line<br>second\n line</p><ul><li>one</li><li>two</li></ul>"
        "<blockquote>quoted</blockquote><div>last <b>bold</b>ly</div>"
    )
    assert html_to_text(markup) == (
        "Title\n\nFirst line\n\nsecond line\n\none\n\ntwo\n\nquoted\n\nlast boldly"
    )


def test_html_to_text_drops_junk_and_decodes_entities() -> None:
    markup = (
        "<p>Caf&eacute; &amp; bar&#8217;s&nbsp;menu</p><script>var x = 1;</script>"
        "<style>p{color:red}</style><figure><img src='a.jpg'><figcaption>Photo: AP</figcaption>"
        "</figure><noscript>enable JS</noscript><iframe src='x'></iframe><p>End</p>"
    )
    assert html_to_text(markup) == "Café & bar\u2019s menu\n\nEnd"


def test_html_to_text_broken_markup() -> None:
    markup = "<div><p>unclosed <b>bold<li>item<table><tr><td>a</td><td>b</td></tr></table>tail"
    assert html_to_text(markup) == "unclosed bold\n\nitem\n\na b\n\ntail"


def test_html_to_text_plain_text_keeps_paragraphs() -> None:
    assert (
        html_to_text("AT&amp;T said 2 < 3.\n\n  Next   para\n") == "AT&T said 2 < 3.\n\nNext para"
    )


def test_html_to_text_page_with_encoding_declaration() -> None:
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?><html><head><title>Site</title>'
        '<meta charset="iso-8859-1"></head><body><nav>Home</nav><h1>Héadline</h1>'
        "<p>Body</p></body></html>"
    )
    assert html_to_text(page) == "Héadline\n\nBody"


def test_html_to_text_real_pages_contain_article_body(
    shared_data: Path, ground_truth: dict[str, dict[str, str]]
) -> None:
    found = 0
    for key, truth in ground_truth.items():
        page = gzip.decompress(
            (shared_data / "article-html" / "dev" / f"{key}.html.gz").read_bytes()
        )
        text = normalize_text(html_to_text(page.decode("utf-8", "replace")))
        assert "<script" not in text and "\n\n\n" not in text
        found += max(normalize_text(truth["articleBody"]).split("\n\n"), key=len) in text
    assert found >= 0.8 * len(ground_truth)


# --- normalize_text ---------------------------------------------------------------------------


def test_normalize_text_repairs_mojibake_and_quotes() -> None:
    assert normalize_text("â€œHelloâ€\x9d, donâ€™t caf\u00c3\u00a9") == '"Hello", don\'t café'


def test_normalize_text_typography() -> None:
    text = (
        "\u201cYes,\u201d he said\u00a0\u2014 it\u2019s 5\u20137,\u2009\u2212 2\u2026"
        " zero\u200bwidth"
    )
    assert normalize_text(text) == '"Yes," he said \u2014 it\'s 5\u20137, - 2... zerowidth'


def test_normalize_text_nfc_and_paragraphs() -> None:
    text = "  Cafe\u0301 one\nline \r\n\r\n\n\n  second\tpara  \n"
    assert normalize_text(text) == "Caf\u00e9 one line\n\nsecond para"


def test_normalize_text_is_idempotent_on_real_bodies(
    ground_truth: dict[str, dict[str, str]],
) -> None:
    for truth in ground_truth.values():
        once = normalize_text(truth["articleBody"])
        assert normalize_text(once) == once
        assert not set(ODD_CHARACTERS) & set(once)
        assert all(p == p.strip() and "  " not in p for p in once.split("\n\n"))


# --- clean_article ----------------------------------------------------------------------------


def test_clean_article_fields() -> None:
    article = clean_article(
        raw(
            link="https://example.org/a",
            title="  Scholz&#8217;s <b>plan</b>\n for 2025 ",
            content_html="<p>Olaf Scholz said&nbsp;so.</p>",
            language="en-US",
            revision=3,
        )
    )
    assert article.title == "Scholz's plan for 2025"
    assert article.text == "Olaf Scholz said so."
    assert (article.url, article.language, article.revision) == ("https://example.org/a", "en", 3)
    assert article.source == "feeds.example.org"
    assert article.fetched_at == NOW


@pytest.mark.parametrize(
    ("declared", "expected"), [("EN_gb", "en"), ("de", "de"), ("", None), ("english", None)]
)
def test_clean_article_language(declared: str, expected: str | None) -> None:
    assert clean_article(raw(title="t", language=declared)).language == expected


def test_clean_article_summary_merge_rules() -> None:
    content = "<p>The first paragraph of the story.</p><p>The second one.</p>"
    same = clean_article(
        raw(summary_html="The first paragraph of the story.", content_html=content)
    )
    assert same.text == "The first paragraph of the story.\n\nThe second one."
    cut = clean_article(
        raw(summary_html="The first paragraph of the sto [...]", content_html=content)
    )
    assert cut.text == same.text
    extra = clean_article(raw(summary_html="<p>A standfirst.</p>", content_html=content))
    assert extra.text == "A standfirst.\n\n" + same.text
    only_summary = clean_article(raw(summary_html="<p>Just this.</p>", content_html="<img src=x>"))
    assert only_summary.text == "Just this."


def test_clean_article_empty() -> None:
    with pytest.raises(EmptyArticle):
        clean_article(raw(title=" <br> ", summary_html="<script>x()</script>"))
    assert issubclass(EmptyArticle, ValueError)


def test_clean_article_real_feed_items(shared_data: Path) -> None:
    items = feed_items(shared_data)
    assert len(items) > 1500
    cleaned = 0
    for item in items:
        try:
            article = clean_article(item)
        except EmptyArticle:
            continue
        cleaned += 1
        assert "\n" not in article.title and "<p>" not in article.title + article.text
        assert not set(ODD_CHARACTERS) & set(article.title + article.text)
        assert article.text == article.text.strip() and "\n\n\n" not in article.text
        assert article.source and (article.language is None or article.language.isalpha())
    assert cleaned >= 0.99 * len(items)
