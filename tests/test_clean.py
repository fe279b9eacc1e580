"""Clean stage: HTML to text, normalisation and RawArticle -> CleanArticle."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import ftfy.bad_codecs  # noqa: F401  (registers "sloppy-windows-1252")
import pytest

from pipeline.records import RawArticle
from pipeline.stages.clean import (
    EmptyArticle,
    clean_article,
    clean_text,
    clean_title,
    drop_boilerplate,
    html_to_text,
    normalize_text,
    split_credits,
    split_dateline,
)

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


def feed_entry(shared_data: Path, name: str, needle: str) -> dict[str, str]:
    """The first entry of feed ``name`` whose title or content contains ``needle``."""
    feed = feedparser.parse((shared_data / "feeds" / "news" / name).read_bytes())
    for entry in feed.entries:
        content = (entry.get("content") or [{}])[0].get("value", "") or entry.get("summary", "")
        if needle in entry.get("title", "") + content:
            return {"title": entry.title, "text": content, "source": feed.feed.get("title", "")}
    raise LookupError(needle)


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


# --- datelines, credits, boilerplate -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "dateline", "rest"),
    [
        ("NAIROBI, Kenya \u2014 The rains came.", "NAIROBI, Kenya", "The rains came."),
        ("WASHINGTON (Reuters) - Scientists said.", "WASHINGTON (Reuters)", "Scientists said."),
        ("HAYWARD, Calif. (AP) \u2014 The Latest.", "HAYWARD, Calif. (AP)", "The Latest."),
        ("BERLIN, Feb 17 (Reuters) - More than 80.", "BERLIN, Feb 17 (Reuters)", "More than 80."),
        (
            "NEW YORK, Nov. 18, 2019 /PRNewswire/ -- Acme",
            "NEW YORK, Nov. 18, 2019 /PRNewswire/",
            "Acme",
        ),
        ("ISLAMABAD: Pakistan's deficit grew.", "ISLAMABAD", "Pakistan's deficit grew."),
        ("Washington (CNN)The president said.", "Washington (CNN)", "The president said."),
        ("LONDON\n\nThe first sentence.", "LONDON", "The first sentence."),
        ("GUY ADAMS: The dairy company said.", None, "GUY ADAMS: The dairy company said."),
        ("BREAKING: Something happened.", None, "BREAKING: Something happened."),
        ("COVID-19 vaccines are not guaranteed.", None, "COVID-19 vaccines are not guaranteed."),
        ("FILE - In this May 6 photo, a man.", None, "FILE - In this May 6 photo, a man."),
        ("Thomas Cook (India) - Ltd said.", None, "Thomas Cook (India) - Ltd said."),
        (
            "The US \u2014 and others \u2014 agreed.",
            None,
            "The US \u2014 and others \u2014 agreed.",
        ),
        ("", None, ""),
    ],
)
def test_split_dateline(text: str, dateline: str | None, rest: str) -> None:
    assert split_dateline(text) == (dateline, rest)


def test_split_dateline_on_real_bodies(ground_truth: dict[str, dict[str, str]]) -> None:
    found = {}
    for key, truth in ground_truth.items():
        dateline, rest = split_dateline(normalize_text(truth["articleBody"]))
        if dateline:
            found[key[:8]] = dateline
            assert rest[0].isupper() and len(dateline) < 40
    assert found["359fee22"] == "WASHINGTON (Reuters)"
    assert found["264dc3ae"] == "BUFFALO, N.Y."
    assert found["5caf91b8"] == "HAYWARD, Calif. (AP)"
    assert found["776a1c04"] == "SIOUX FALLS, S.D."
    assert found["5a822960"] == "VIENNA"
    assert len(found) >= 12


def test_split_dateline_on_real_feed_items(shared_data: Path) -> None:
    ap = feed_entry(shared_data, "danmactough+node-feedparser__test__feeds__tpm.atom", "(AP)")
    dateline, rest = split_dateline(normalize_text(html_to_text(ap["text"])))
    assert dateline is not None and dateline.endswith("(AP)") and not rest.startswith("\u2014")
    colon = feed_entry(
        shared_data,
        "kagisearch+fastfeedparser__benchmark_data__ce5f942d1cd40fc0",
        "ISLAMABAD: Pakistan",
    )
    assert split_dateline(normalize_text(html_to_text(colon["text"])))[0] == "ISLAMABAD"


def test_split_credits() -> None:
    text = (
        "Body one.\n\nSources said talks would resume.\n\n"
        "(Reporting by Jane Doe in London; Editing by John Roe)\n\n"
        "Copyright 2019 The Associated Press. All rights reserved."
    )
    credits, rest = split_credits(text)
    assert credits == [
        "(Reporting by Jane Doe in London; Editing by John Roe)",
        "Copyright 2019 The Associated Press. All rights reserved.",
    ]
    assert rest == "Body one.\n\nSources said talks would resume."
    assert split_credits("Source: AP") == ([], "Source: AP")  # never the whole text
    assert split_credits("A.\n\nCopyright holders objected.")[0] == []
    assert split_credits("A.\n\nAP writer Jo Li contributed to this report.")[0] != []


def test_shortcodes_and_click_here_prompts_are_furniture() -> None:
    text = (
        'Body one.\n\n[button link="https://example.org/review"] Send us a review[/button]'
        "\n\nGet the magazine every month. Click here for more information.\n\nBody two."
    )
    assert drop_boilerplate(text) == "Body one.\n\nBody two."


@pytest.mark.parametrize(
    "footer",
    [
        "Published in The Daily Star, December 5th, 2026",
        "First published on Example News, 4 March 2025.",
        "This article originally appeared in The Conversation.",
    ],
)
def test_publisher_footers_are_credits_not_text(footer: str) -> None:
    credits, rest = split_credits(f"The minister spoke.\n\n{footer}")
    assert (credits, rest) == ([footer], "The minister spoke.")
    assert split_credits("A.\n\nPublished in 2019, the report found fraud.")[0] == []


def test_split_credits_on_real_bodies(ground_truth: dict[str, dict[str, str]]) -> None:
    credits = {
        key[:8]: split_credits(normalize_text(truth["articleBody"]))[0]
        for key, truth in ground_truth.items()
    }
    assert credits["359fee22"] == ["(Reporting by Will Dunham; Editing by Tom Brown)", "© Reuters"]
    assert credits["4219d096"] == ["© Regan"]
    assert sum(map(bool, credits.values())) <= 5  # the other bodies end with article text


def test_drop_boilerplate() -> None:
    text = (
        "Advertisement\n\nFirst paragraph.\n\nRead more: Another story\n\n"
        "Share this article\n\nFollow us on Twitter.\n\nSecond paragraph on sharing.\n\n"
        "Related stories\n\nHeadline one\n\nHeadline two\n\nA sentence again."
    )
    assert drop_boilerplate(text) == (
        "First paragraph.\n\nSecond paragraph on sharing.\n\nA sentence again."
    )
    long = "Read more about this in the long paragraph that follows, " * 8
    assert drop_boilerplate(long.strip()) == long.strip()


def test_drop_boilerplate_on_real_feed_item(shared_data: Path) -> None:
    item = feed_entry(
        shared_data, "kagisearch+fastfeedparser__benchmark_data__5da3b20f957be51d", "Read More:"
    )
    text = normalize_text(html_to_text(item["text"]))
    kept = drop_boilerplate(text)
    assert "Read More:" in text and "Read More:" not in kept.replace("Read more:", "Read More:")
    assert len(kept) > 0.8 * len(text)


def test_normalize_text_repairs_mojibake_of_real_bodies(
    ground_truth: dict[str, dict[str, str]],
) -> None:
    repaired = 0
    for truth in list(ground_truth.values())[:30]:
        body = truth["articleBody"]
        broken = body.encode("utf-8").decode("sloppy-windows-1252")  # UTF-8 read as Windows-1252
        if broken != body:
            assert normalize_text(broken) == normalize_text(body)
            repaired += 1
    assert repaired >= 10


def test_clean_text_extras() -> None:
    body = clean_text(
        "WASHINGTON (Reuters) - The U.S. Senate\u2019s vote passed.\n\nAdvertisement\n\n"
        "It was close.\n\n(Reporting by Jo Li; Editing by Al Ng)"
    )
    assert body.text == "The U.S. Senate's vote passed.\n\nIt was close."
    assert (body.dateline, body.credits) == (
        "WASHINGTON (Reuters)",
        ["(Reporting by Jo Li; Editing by Al Ng)"],
    )
    assert body.word_count == 9  # The U S Senate's vote passed It was close


# --- titles -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "source", "expected"),
    [
        (
            "Taylor Swift's AMA row is over - BBC News",
            "BBC News - Home",
            "Taylor Swift's AMA row is over",
        ),
        (
            "Stocks fall on trade fears | Reuters",
            "Reuters: World News",
            "Stocks fall on trade fears",
        ),
        (
            "Oil prices rise again \u2014 The Guardian",
            "World | The Guardian",
            "Oil prices rise again",
        ),
        ("Markets rally today | Business | Acme Times", "Acme", "Markets rally today"),
        (
            "Poorest 'will pay price' of merger - MPs",
            "BBC News - Home",
            "Poorest 'will pay price' of merger - MPs",
        ),
        ("Review | Hamlet", "X", "Review | Hamlet"),
        ("Syria \u2013 in pictures", "The Guardian", "Syria \u2013 in pictures"),
        ("  Caf\u00c3\u00a9 \u201cnews\u201d  ", "", 'Café "news"'),
    ],
)
def test_clean_title(title: str, source: str, expected: str) -> None:
    assert clean_title(title, source) == expected


def test_clean_title_on_real_feed_titles(shared_data: Path) -> None:
    guardian = feed_entry(
        shared_data, "AyushYadav+news_twitter_analysis__theguardian_rssfeed.xml", "| Owen Jones"
    )
    assert clean_title(guardian["title"], guardian["source"]) == (
        "Junior doctors are striking for us all \u2013 to save the NHS and to make a stand"
    )
    bbc = feed_entry(
        shared_data, "gesab001+headlines__bbc__2020-07-18T0735_95e0929d.xml", "aid department"
    )
    assert clean_title(bbc["title"], bbc["source"]).endswith(" - MPs")  # a speaker, not a site


def test_clean_article_uses_clean_text_and_title() -> None:
    article = clean_article(
        raw(
            feed_title="Example News",
            title="Rain in Kenya | Example News",
            content_html="<p>NAIROBI, Kenya \u2014 It rained.</p><p>Advertisement</p>"
            "<p>\u00a9 Example News 2024</p>",
        )
    )
    assert (article.title, article.text) == ("Rain in Kenya", "It rained.")
