"""Body extraction from full HTML pages: quality on real pages, metadata, bad input."""

from __future__ import annotations

import gzip
import json
import random
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from pipeline.stages.body import MAX_BYTES, MAX_ELEMENTS, BadPage, extract_body
from pipeline.stages.clean import clean_text

# Real dev pages from six publishers (agency copy, BBC, AP, NBC, a local paper, a syndicated AP
# "The Latest") and one with link lists and promos inside the article (express.co.uk).
PAGES = ("359fee22", "70cb2d5b", "82b6d780", "5a822960", "264dc3ae", "5caf91b8", "624fcd90")
WORD = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    words = WORD.findall(text)
    return Counter(tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3)))


def f1(truth: str, prediction: str) -> float:
    """Word 4-gram F1, the metric of ``shared/tools/score_body.py`` for one document."""
    gold, pred = shingles(truth), shingles(prediction)
    overlap = sum((gold & pred).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def page(shared_data: Path, prefix: str) -> tuple[bytes, dict[str, str]]:
    folder = shared_data / "article-html"
    truth = json.loads((folder / "ground-truth-dev.json").read_text(encoding="utf-8"))
    (key,) = (k for k in truth if k.startswith(prefix))
    return gzip.decompress((folder / "dev" / f"{key}.html.gz").read_bytes()), truth[key]


def test_f1_floor_on_real_pages(shared_data: Path) -> None:
    scores = []
    for prefix in PAGES:
        html, truth = page(shared_data, prefix)
        text = clean_text(extract_body(html).text).text
        assert "\n\n\n" not in text and "<" not in text
        scores.append(f1(truth["articleBody"], text))
    assert min(scores) >= 0.85, scores
    assert sum(scores) / len(scores) >= 0.95, scores


def test_paragraphs_headline_and_metadata(shared_data: Path) -> None:
    html, truth = page(shared_data, "70cb2d5b")
    body = extract_body(html.decode("utf-8"))
    paragraphs = body.text.split("\n\n")
    assert len(paragraphs) > 10 and all(p == " ".join(p.split()) for p in paragraphs)
    assert paragraphs[0].startswith("A row involving Taylor Swift")  # the <h1> is not text
    assert body.meta.url == truth["url"]
    assert body.meta.title == "Taylor Swift's AMA row seems to be over"
    assert (body.meta.published, body.meta.language) == (date(2019, 11, 19), "en")
    assert body.meta.site_name == "BBC News"


def test_authors(shared_data: Path) -> None:
    meta = extract_body(page(shared_data, "82b6d780")[0]).meta
    assert meta.authors[:2] == ("LISA MASCARO", "MARY CLARE JALONICK")


def article(paragraph: str, head: str = "") -> str:
    return (
        f"<html{head}><body><article><p>{paragraph}</p><p>{paragraph}</p></article></body></html>"
    )


SENTENCE = "Le café était très fermé à Zürich aujourd'hui, disait le maire de la ville. " * 3


@pytest.mark.parametrize(
    "page_bytes",
    [
        article(SENTENCE).encode("cp1252"),  # no declaration: the web's Latin default
        article(SENTENCE, ' lang="fr"')
        .replace("<body>", '<meta charset="latin-1"><body>')
        .encode("latin-1"),
        article(SENTENCE).encode("utf-8"),
        article(SENTENCE.encode("utf-8").decode("cp1252")).encode("utf-8"),  # mojibake
    ],
)
def test_charsets_and_mojibake(page_bytes: bytes) -> None:
    assert extract_body(page_bytes).text.split("\n\n")[0] == SENTENCE.strip()


def test_pop_up_cards_and_hidden_content_stay_out_of_the_text() -> None:
    card = (
        '<span class="rollover-people"><a href="/people/ada-lovelace">Ada Lovelace</a>'
        '<span class="rollover-people-block"><a href="/x">Senators call for a new budget</a>'
        "</span></span>"
    )
    hidden = '<div style="display: none">Subscribe to our daily briefing today.</div>'
    body = (
        f"<p>The committee heard from {card} on Tuesday about the engine plans and costs.</p>"
        f"{hidden}<p>{SENTENCE}</p><p aria-hidden='true'>Share on social media now.</p>"
    )
    text = extract_body(f"<html><body><article>{body}</article></body></html>").text
    assert "The committee heard from Ada Lovelace on Tuesday about the engine plans" in text
    assert "Senators" not in text and "Subscribe" not in text and "Share on" not in text


def test_declared_language() -> None:
    assert extract_body(article(SENTENCE, ' lang="fr-CH"')).meta.language == "fr"
    assert extract_body(article(SENTENCE, ' lang="français"')).meta.language is None


@pytest.mark.parametrize(
    ("page_input", "reason"),
    [
        ("", "empty"),
        (b" \n\t ", "empty"),
        (random.Random(4).randbytes(20_000), "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 100, "binary"),
        ("<p>" + "x" * MAX_BYTES, "too large"),
        ("<html><body>" + "<b>a</b>" * (MAX_ELEMENTS + 1), "too many elements"),
        ("<html><body><script>var a = 1;</script></body></html>", "no article"),
    ],
)
def test_bad_pages_raise_quickly(page_input: str | bytes, reason: str) -> None:
    started = time.monotonic()
    with pytest.raises(BadPage) as caught:
        extract_body(page_input)
    assert caught.value.reason == reason and isinstance(caught.value, ValueError)
    assert time.monotonic() - started < 2


def test_deeply_nested_page_does_not_hang() -> None:
    nested = "<html><body>" + "<div>" * 100_000 + f"<p>{SENTENCE}</p>" + "</div>" * 100_000
    started = time.monotonic()
    try:
        extract_body(nested)
    except BadPage as exc:
        assert exc.reason == "no article"
    assert time.monotonic() - started < 3


def test_timeout_bounds_extraction() -> None:
    paragraphs = "<p>One sentence of the article, repeated to make a slow page.</p>" * 25_000
    started = time.monotonic()
    with pytest.raises(BadPage, match="timeout"):
        extract_body(f"<html><body><article>{paragraphs}</article></body></html>", timeout=0.2)
    assert time.monotonic() - started < 1.5


def test_timeout_keeps_an_outer_alarm() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        extract_body(article(SENTENCE))
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.5
        time.sleep(0.6)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_extraction_off_the_main_thread_fails_rather_than_run_without_a_limit() -> None:
    with ThreadPoolExecutor(1) as pool, pytest.raises(RuntimeError, match="main thread"):
        pool.submit(extract_body, article(SENTENCE)).result()
