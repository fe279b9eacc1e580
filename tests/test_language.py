"""Language detection on real feeds, and English-only stages saying that they skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from spacy.language import Language

from pipeline.poller.parse import parse_document
from pipeline.poller.state import feed_articles
from pipeline.stages.clean import clean_article
from pipeline.stages.events import build_event
from pipeline.stages.language import detect_language, primary_subtag
from pipeline.stages.tag import tag_articles

LE_MONDE = "spacecowboy+Feeder__app__src__androidTest__resources__com__nononsenseapps__feeder"
FEEDS = {
    "fr": LE_MONDE + "__model__rss_lemonde.xml",
    "ru": "jocmp+capyreader__rssparser__src__test__resources__feed-test-ru.xml",
    "pt": "rbren+rss-parser__test__input__encoding.rss",
    "de": "miniflux+v2__internal__reader__parser__testdata__encoding_ISO-8859-1.xml",
    "en": "kagisearch+fastfeedparser__benchmark_data__ce5f942d1cd40fc0",
}


def cleaned(shared_data: Path, name: str) -> list:  # type: ignore[type-arg]
    data = (shared_data / "feeds/news" / name).read_bytes()
    raws = feed_articles(parse_document(data), name, datetime.now(UTC))
    return [clean_article(raw.model_copy(update={"language": None})) for raw in raws]


@pytest.mark.parametrize("language", sorted(FEEDS))
def test_language_of_real_feed_items(shared_data: Path, language: str) -> None:
    articles = [a for a in cleaned(shared_data, FEEDS[language]) if len(a.text) >= 100]
    assert len(articles) >= 5
    right = sum(a.language == language for a in articles)
    assert right / len(articles) >= 0.9, [a.language for a in articles]


def test_short_text_keeps_the_declared_language() -> None:
    assert detect_language("Scholz says no.", "en-GB") == "en"
    assert detect_language("Scholz says no.") is None
    assert primary_subtag("english") is None and primary_subtag("pt_BR") == "pt"


def test_english_only_stages_skip_other_languages(shared_data: Path, nlp: Language) -> None:
    french = next(a for a in cleaned(shared_data, FEEDS["fr"]) if a.language == "fr")
    english = next(a for a in cleaned(shared_data, FEEDS["en"]) if a.language == "en")
    tagged_fr, tagged_en = tag_articles(nlp, [french, english])
    event = build_event(tagged_fr, "test")
    assert event.entities == [] and event.claims == []
    assert {s.stage for s in event.skipped} == {"tag", "claims"}
    assert "'fr'" in event.skipped[0].reason
    assert tagged_en.entities and tagged_en.skipped == []
