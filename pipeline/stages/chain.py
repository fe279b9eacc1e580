"""The one composition of the stages: clean -> (story) -> tag -> claims and event assembly.

Every runner uses it. The worker runs each step on its input topic's message in an agent of
its own (``clean_message`` in the clean process, ``tag_messages`` in an NLP process,
``claims_message`` on the loop); ``replay``, ``extract`` and the bench's bare run call
``Chain``, which runs the same steps over a batch in one process and passes records between
them without encoding. A message a step cannot process becomes a ``Failure`` naming the step
and carrying its input, which the runner dead-letters; so does a result over the message-size
limit.

What depends on earlier articles belongs to the runner: the story index (the worker's global
table, an ``extract`` run's own index, none for ``replay``) and the entity aliases (the
worker's table, a copy of it for ``replay``, an ``extract`` run's own map).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeAlias, TypeVar, Union

from spacy.language import Language

from pipeline import __version__
from pipeline.deadletters import check_size, error_info
from pipeline.records import (
    CleanArticle,
    ErrorInfo,
    Event,
    PagedArticle,
    RawArticle,
    Record,
    TaggedArticle,
)
from pipeline.settings import Settings
from pipeline.stages.body import TIMEOUT
from pipeline.stages.clean import clean_article
from pipeline.stages.events import build_event, claim_messages
from pipeline.stages.fulltext import clean_paged, needs_page
from pipeline.stages.stories import WINDOW, StoryIndex, assign_story
from pipeline.stages.tag import tag_articles

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class CleanRules:
    """How the clean step treats feed items: ``fulltext_min_chars`` is the full-text threshold
    (None when pages are not fetched); ``body_timeout`` bounds one page's body extraction."""

    fulltext_min_chars: int | None = None
    body_timeout: float = TIMEOUT

    @classmethod
    def from_settings(cls, settings: Settings) -> CleanRules:
        min_chars = settings.fulltext_min_chars if settings.fulltext else None
        return cls(min_chars, settings.body_timeout)


@dataclass(frozen=True)
class Failure:
    """A message the ``stage`` step could not process: dead-lettered with ``payload``, the
    step's input as its topic carries it."""

    stage: str
    error: ErrorInfo
    payload: bytes


@dataclass(frozen=True)
class Published:
    """What the claims step sends: the event (keyed by article id, with headers) and one
    message per claim (keyed by claimant)."""

    event: Event
    value: bytes
    headers: dict[str, bytes]
    claims: list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class RawMessage:
    """A value of ``news.raw``, or of ``news.pages`` when ``paged``."""

    value: bytes
    paged: bool = False


def clean_raw(raw: RawArticle, rules: CleanRules) -> CleanArticle | None:
    """The clean article of a feed item or of its fetched page; None for an item that waits
    for its page (it needs one and full text is on)."""
    if isinstance(raw, PagedArticle):
        return clean_paged(raw, rules.body_timeout)
    if rules.fulltext_min_chars is not None and needs_page(raw, rules.fulltext_min_chars):
        return None
    return clean_article(raw)


def clean_message(value: bytes, paged: bool, rules: CleanRules) -> CleanArticle | None:
    """``clean_raw`` of a ``news.raw`` or (``paged``) ``news.pages`` value."""
    raw = PagedArticle.from_json(value) if paged else RawArticle.from_json(value)
    return clean_raw(raw, rules)


def with_story(
    article: CleanArticle, index: StoryIndex, now: datetime, window: timedelta = WINDOW
) -> CleanArticle:
    """``article`` with the story it belongs to among those ``index`` has seen."""
    story = assign_story(article.id, article.text, now, index, window)
    update = {"story_id": story.story_id, "duplicate_of": story.duplicate_of}
    return article.model_copy(update=update)


def tag_isolated(
    nlp: Language, articles: Sequence[CleanArticle]
) -> list[TaggedArticle | Exception]:
    """``tag_articles`` in one pass; when that fails, one by one, so a poison article fails
    alone."""
    try:
        return list(tag_articles(nlp, articles))
    except Exception:  # noqa: BLE001 - isolate the poison article
        results: list[TaggedArticle | Exception] = []
        for article in articles:
            try:
                results.extend(tag_articles(nlp, [article]))
            except Exception as exc:  # noqa: BLE001 - reported per article
                results.append(exc)
        return results


def tag_messages(nlp: Language, values: Sequence[bytes]) -> list[bytes | ErrorInfo]:
    """The ``news.tagged`` value of each ``news.clean`` value, or why it has none."""
    results: list[bytes | ErrorInfo] = []
    decoded: list[tuple[int, CleanArticle]] = []
    for i, value in enumerate(values):
        try:
            decoded.append((i, CleanArticle.from_json(value)))
            results.append(b"")
        except Exception as exc:  # noqa: BLE001 - reported per message
            results.append(error_info(exc))
    tagged = tag_isolated(nlp, [article for _, article in decoded])
    for (i, _), result in zip(decoded, tagged, strict=True):
        results[i] = error_info(result) if isinstance(result, Exception) else result.to_json()
    return results


def event_headers(event: Event) -> dict[str, bytes]:
    """The headers of an event message, for routing without decoding it."""
    return {
        "content-type": b"application/json",
        "schema-version": str(event.schema_version).encode(),
        "event-id": event.event_id.encode(),
        "article-id": event.article.id.encode(),
    }


def publish(
    tagged: TaggedArticle, aliases: MutableMapping[str, str] | None, version: str = __version__
) -> Published:
    """Claims over the shared parse and the event, encoded with its headers and claims."""
    event = build_event(tagged, version, aliases)
    claims = [(m.claimant_key.encode(), m.to_json()) for m in claim_messages(event)]
    return Published(event, event.to_json(), event_headers(event), claims)


def claims_message(
    value: bytes, aliases: MutableMapping[str, str] | None, version: str = __version__
) -> Published:
    """``publish`` of a ``news.tagged`` value."""
    return publish(TaggedArticle.from_json(value), aliases, version)


def decode_clean(values: Sequence[bytes]) -> list[CleanArticle | Failure]:
    """``news.clean`` values as articles for ``Chain.tag``; a value that is not one fails in
    the tag step, as it would in the worker."""
    articles: list[CleanArticle | Failure] = []
    for value in values:
        try:
            articles.append(CleanArticle.from_json(value))
        except Exception as exc:  # noqa: BLE001 - dead-lettered
            articles.append(Failure("tag", error_info(exc), value))
    return articles


Slot: TypeAlias = Union[T, Failure, None]  # noqa: UP007 - a generic alias needs Union
"""One item's place in a batch: its record, or how it failed, or None (waits for its page)."""


def _each(items: Sequence[Slot[T]], step: Callable[[T], Slot[R]]) -> list[Slot[R]]:
    return [item if item is None or isinstance(item, Failure) else step(item) for item in items]


class Chain:
    """The steps over a batch in one process, records passed between them as they are.

    ``max_bytes`` checks each step's encoded result against the message-size limit, as the
    worker's topics do (None: no check, as in the bench's bare run); ``stories`` assigns each
    clean article its story between clean and tag; ``aliases`` is read and extended by the
    claims step.
    """

    def __init__(
        self,
        nlp: Language,
        rules: CleanRules = CleanRules(),  # noqa: B008 - frozen
        *,
        max_bytes: int | None = None,
        stories: StoryIndex | None = None,
        aliases: MutableMapping[str, str] | None = None,
        version: str = __version__,
    ) -> None:
        self.nlp = nlp
        self.rules = rules
        self.max_bytes = max_bytes
        self.stories = stories
        self.aliases = aliases
        self.version = version

    def run(self, items: Sequence[RawMessage | RawArticle | CleanArticle]) -> list[Slot[Published]]:
        """Every step, in order; one result per item."""
        return self.publish(self.tag(self.clean(items)))

    def clean(
        self, items: Sequence[RawMessage | RawArticle | CleanArticle]
    ) -> list[Slot[CleanArticle]]:
        """Clean messages and feed items (a clean article passes as it is), with their story."""
        now = datetime.now(UTC)
        results: list[Slot[CleanArticle]] = []
        for item in items:
            try:
                article = self._clean_one(item)
                if article is not None and self.stories is not None:
                    article = with_story(article, self.stories, now)
                if article is not None:
                    self._check_size(article)
            except Exception as exc:  # noqa: BLE001 - dead-lettered
                payload = item.value if isinstance(item, RawMessage) else item.to_json()
                results.append(Failure("clean", error_info(exc), payload))
                continue
            results.append(article)
        return results

    def _clean_one(self, item: RawMessage | RawArticle | CleanArticle) -> CleanArticle | None:
        if isinstance(item, RawMessage):
            return clean_message(item.value, item.paged, self.rules)
        if isinstance(item, RawArticle):
            return clean_raw(item, self.rules)
        return item

    def _check_size(self, record: Record) -> None:
        if self.max_bytes is not None:
            check_size(record.to_json(), self.max_bytes)

    def tag(self, items: Sequence[Slot[CleanArticle]]) -> list[Slot[TaggedArticle]]:
        """Entities and parse of every clean article, in one pass."""
        articles = [item for item in items if isinstance(item, CleanArticle)]
        tagged = iter(tag_isolated(self.nlp, articles))

        def step(article: CleanArticle) -> Slot[TaggedArticle]:
            try:
                result = next(tagged)
                if isinstance(result, Exception):
                    raise result
                self._check_size(result)
            except Exception as exc:  # noqa: BLE001 - dead-lettered
                return Failure("tag", error_info(exc), article.to_json())
            return result

        return _each(items, step)

    def publish(self, items: Sequence[Slot[TaggedArticle]]) -> list[Slot[Published]]:
        """Claims and the event of every tagged article."""

        def step(tagged: TaggedArticle) -> Slot[Published]:
            try:
                published = publish(tagged, self.aliases, self.version)
                if self.max_bytes is not None:
                    check_size(published.value, self.max_bytes)
            except Exception as exc:  # noqa: BLE001 - dead-lettered
                return Failure("claims", error_info(exc), tagged.to_json())
            return published

        return _each(items, step)
