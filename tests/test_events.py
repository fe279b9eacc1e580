"""Event assembly: deterministic ids, the contract's fields, and the model loader's errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from spacy.language import Language

from pipeline.records import CleanArticle, ModelInfo, PipelineInfo
from pipeline.stages.events import assemble_event, build_event, event_id
from pipeline.stages.nlp import ModelNotInstalled, load_model
from pipeline.stages.tag import tag_articles

TEXT = (
    "Pakistan's foreign ministry on Tuesday denied that its troops had crossed the border. "
    "A senior official told Reuters the talks would resume next week."
)


def article(text: str = TEXT, article_id: str = "a1") -> CleanArticle:
    return CleanArticle(
        id=article_id,
        url="https://example.org/a1",
        title="Ministry denies incursion",
        source="Example",
        feed_url="feed.xml",
        published_at=None,
        fetched_at=datetime.now(UTC),
        language="en",
        text=text,
    )


def test_event_id_depends_on_article_content_and_pipeline_only() -> None:
    pipeline = PipelineInfo(version="1.0", model=ModelInfo(name="m", version="1"))
    first = article()
    again = first.model_copy(update={"fetched_at": datetime(2020, 1, 1, tzinfo=UTC)})
    assert event_id(first, pipeline) == event_id(again, pipeline)
    assert event_id(article(TEXT + " More."), pipeline) != event_id(first, pipeline)
    assert event_id(article(article_id="a2"), pipeline) != event_id(first, pipeline)
    newer = pipeline.model_copy(update={"version": "1.1"})
    assert event_id(first, newer) != event_id(first, pipeline)


def test_finish_builds_the_event_from_the_shared_parse(nlp: Language) -> None:
    [tagged] = tag_articles(nlp, [article()])
    event = build_event(tagged, "9.9.9")
    assert event.article.id == "a1"
    assert event.text == TEXT
    assert event.pipeline.version == "9.9.9"
    assert event.pipeline.model == tagged.model
    assert [c.stance for c in event.claims][:1] == ["deny"]
    assert event == assemble_event(tagged, event.claims, "9.9.9")


def test_missing_model_names_the_package_to_install() -> None:
    with pytest.raises(ModelNotInstalled, match="pip install no-such-model"):
        load_model("no-such-model")
