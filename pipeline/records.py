"""Message models of every topic; the JSON Schemas in ``schemas/`` are generated from them.

Records are frozen pydantic models, serialised with orjson. Stage functions in
``pipeline/stages/`` take and return these records and never touch Kafka.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Record(BaseModel):
    """Base of every message: immutable; unknown keys from newer producers are ignored."""

    model_config = ConfigDict(
        frozen=True, extra="ignore", json_schema_serialization_defaults_required=True
    )

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        return cls.model_validate(orjson.loads(data))


class FeedConfig(Record):
    """A registered feed (topic ``news.feeds``, keyed by URL; a null value removes it)."""

    url: str
    title: str | None = None
    interval: float | None = Field(
        default=None, gt=0, description="Seconds between polls; null means adaptive."
    )
    enabled: bool = True
    fulltext: bool = Field(
        default=False, description="Fetch every item's page, however long the feed's text."
    )
    added_at: datetime
    refresh_requested_at: datetime | None = Field(
        default=None, description="Poll now (``feeds refresh``), if not polled since."
    )


class Enclosure(Record):
    url: str
    type: str | None = None
    length: int | None = None


class RawArticle(Record):
    """A feed item as polled (topic ``news.raw``)."""

    id: str = Field(description="Stable article id; also the message key.")
    feed_url: str
    feed_title: str | None = None
    guid: str | None = None
    link: str | None = None
    canonical_link: str | None = Field(
        default=None, description="The link with tracking parameters and fragment removed."
    )
    title: str = ""
    summary_html: str = ""
    content_html: str = ""
    published_at: datetime | None = None
    updated_at: datetime | None = None
    authors: list[str] = Field(default_factory=list)
    language: str | None = Field(default=None, description="Language declared by the feed.")
    enclosures: list[Enclosure] = Field(default_factory=list)
    fetched_at: datetime
    http_status: int | None = Field(default=None, description="HTTP status of the feed fetch.")
    revision: int = Field(default=1, ge=1, description="1, then +1 for each edit of the item.")
    fulltext: bool = Field(default=False, description="The feed asks for the page of every item.")


class Page(Record):
    """An article's web page as fetched."""

    url: str = Field(description="Final URL, after redirects.")
    status: int
    content_type: str | None = None
    html: str = Field(description="The page's HTML (scripts and styles removed), decoded.")
    fetched_at: datetime


class PagedArticle(RawArticle):
    """A raw article with its fetched page, or why it has none (topic ``news.pages``)."""

    page: Page | None = None
    page_error: str | None = Field(
        default=None, description="Why the page is missing: robots.txt, HTTP status, timeout..."
    )


class ArticleMeta(Record):
    """An article's metadata, on the clean and tagged topics and in events."""

    id: str
    url: str | None
    title: str
    source: str = Field(description="Publisher: the feed title, else the feed host.")
    published_at: datetime | None
    fetched_at: datetime
    language: str | None
    revision: int = 1
    dateline: str | None = Field(default=None, description="A leading dateline, cut from text.")
    credits: list[str] = Field(default_factory=list, description="Trailing credit lines.")
    authors: list[str] = Field(default_factory=list)
    word_count: int = 0
    canonical_url: str | None = Field(default=None, description="The page's canonical URL.")
    text_source: Literal["feed", "page"] = Field(
        default="feed", description="Whether `text` comes from the feed or the fetched page."
    )
    fulltext_error: str | None = Field(
        default=None, description="Why the page's text was wanted but not used."
    )
    duplicate_of: str | None = Field(
        default=None,
        description="Id of the first article seen with (nearly) the same text; depends on what "
        "the pipeline saw before, so a replay may assign it differently.",
    )
    story_id: str | None = Field(
        default=None,
        description="Shared by all copies of one story (syndicated or re-polled): the first "
        "copy's article id. Like duplicate_of, it depends on what was seen before.",
    )


class Geo(Record):
    """Where a place is: a GeoNames place (geonames.org, CC BY 4.0)."""

    id: int = Field(description="GeoNames id: https://www.geonames.org/<id>.")
    name: str = Field(description="GeoNames' name of the place: 'Kyiv' for 'Kiev'.")
    kind: Literal["continent", "country", "admin1", "city"] = Field(
        description="'admin1' is a first-level division: a US state or a nation of the UK."
    )
    country: str | None = Field(description="ISO 3166-1 alpha-2 code; null for a continent.")
    latitude: float = Field(description="A city's point; for an area, a representative point.")
    longitude: float


class EventArticle(ArticleMeta):
    """An article's metadata, as events publish it."""

    place: Geo | None = Field(
        default=None,
        description="The article's main place: the dateline's, else the geo of its most salient "
        "entity that has one; null when none is known.",
    )


class CleanArticle(ArticleMeta):
    """Plain text and metadata of one article (topic ``news.clean``)."""

    feed_url: str
    text: str = Field(description="Clean text; every character offset downstream indexes into it.")


class Mention(Record):
    start: int
    end: int
    text: str


class Entity(Record):
    """One entity of an article with all its mentions; lists of entities are ordered by
    descending ``salience`` (ties: first mention first)."""

    id: str = Field(description="Stable id: normalised label and name, e.g. 'gpe:germany'.")
    name: str = Field(description="Canonical name: the longest proper form in the article.")
    label: str = Field(description="spaCy/OntoNotes label: PERSON, ORG, GPE, NORP, ...")
    count: int
    mentions: list[Mention]
    first_offset: int = Field(
        default=0, ge=0, description="Character offset of the first mention in the text."
    )
    in_title: bool = Field(default=False, description="Whether the article title names it.")
    salience: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="0.4 x log(1 + count) / log(1 + the article's highest count)"
        " + 0.3 x (1 - first_offset / text length) + 0.3 if in_title.",
    )
    related: str | None = Field(
        default=None,
        description="For a NORP demonym ('Sudanese'), the id of its country ('gpe:sudan').",
    )
    geo: Geo | None = Field(
        default=None,
        description="For a GPE or LOC, the place it names when that is clear from the article "
        "(set in events, not on the tagged topic); null when unknown or ambiguous.",
    )


class Parse(Record):
    """Token-level annotations of ``text``, enough to rebuild the spaCy Doc without a model."""

    words: list[str]
    spaces: list[bool]
    lemmas: list[str]
    pos: list[str]
    tags: list[str]
    deps: list[str]
    heads: list[int] = Field(description="Absolute token index of each token's head.")
    sent_starts: list[bool]


class ModelInfo(Record):
    name: str
    version: str


class Skip(Record):
    """A stage that did not run on an article, and why."""

    stage: str
    reason: str


class TaggedArticle(Record):
    """An article with its entities and its parse (topic ``news.tagged``)."""

    article: CleanArticle
    entities: list[Entity]
    parse: Parse
    model: ModelInfo
    skipped: list[Skip] = Field(default_factory=list)


class TextSpan(Record):
    text: str
    start: int
    end: int


class Claimant(TextSpan):
    entity_id: str | None = Field(
        default=None,
        description="The entity the claimant is or refers to: a name in the phrase, else the "
        "earlier person or organisation a pronoun or description ('the senator') points back to.",
    )
    anonymous: bool = False
    affiliation: str | None = Field(
        default=None,
        description="For an anonymous claimant, the body it speaks for when stated: "
        "'a Treasury official' -> 'Treasury'; null for 'a person familiar with the talks'.",
    )
    via: str | None = Field(
        default=None,
        description="The medium when stated: 'told Reuters' -> 'Reuters', 'in a statement' -> "
        "'statement', 'wrote on X' -> 'X', 'in an interview with CNN' -> 'CNN'; or the source "
        "a report cites: 'reported, citing two officials' -> 'two officials'.",
    )


class Cue(TextSpan):
    lemma: str


class Content(TextSpan):
    """What was said: the statement itself (the pieces of a quotation split by its
    attribution joined; ``start``/``end`` span them all); for a noncommittal claim with no
    topic ("she would not say"), the withheld act."""

    spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="[start, end] pieces when the content is discontinuous.",
    )


ClaimKind = Literal["statement", "belief", "intention"]


class Claim(Record):
    claimant: Claimant
    cue: Cue
    content: Content
    stance: Literal["assert", "deny", "noncommittal"] = Field(
        description="Position taken on the content; beliefs and intentions always 'assert'."
    )
    quote: Literal["direct", "indirect"]
    hedged: bool = False
    kind: ClaimKind = Field(
        default="statement",
        description="statement: said, told, denied, declined to comment ...; belief: thinks,"
        " believes, expects, fears ...; intention: wants, plans, seeks, intends ...",
    )

    @property
    def claimant_key(self) -> str:
        """The claimant's key (``claimant_key``)."""
        return claimant_key(self.claimant.entity_id, self.claimant.text)


def claimant_key(entity_id: str | None, text: str) -> str:
    """A claimant's entity id, else a stable key for an unnamed or unlinked claimant:
    ``anonymous:`` and the words of its text ('anonymous:a-senior-official')."""
    if entity_id:
        return entity_id
    return "anonymous:" + "-".join(re.findall(r"[a-z0-9]+", text.lower()))


class PipelineInfo(Record):
    version: str
    model: ModelInfo


class Event(Record):
    """One structured event per article (topic ``news.events``): the public contract."""

    schema_version: int = SCHEMA_VERSION
    event_id: str = Field(
        description="Deterministic: article id + content hash + pipeline version."
    )
    article: EventArticle
    text: str
    entities: list[Entity]
    claims: list[Claim]
    pipeline: PipelineInfo
    skipped: list[Skip] = Field(
        default_factory=list, description="Stages that did not run (e.g. unsupported language)."
    )


class ClaimMessage(Record):
    """One claim of one event (topic ``news.claims``, keyed by ``claimant_key``)."""

    claimant_key: str = Field(
        description="The claimant's entity id, else 'anonymous:<normalised claimant text>'."
    )
    event_id: str
    article_id: str
    index: int = Field(description="Position of the claim in the event's claims.")
    source: str
    url: str | None
    published_at: datetime | None
    claim: Claim
    context: str = Field(description="The text from the first to the last of the claim's spans.")


class ErrorInfo(Record):
    type: str
    message: str


class SourceRef(Record):
    topic: str
    partition: int
    offset: int


class DeadLetter(Record):
    """A message a stage could not process (topic ``news.deadletter``)."""

    stage: str
    error: ErrorInfo
    payload: str = Field(description="The original message value (UTF-8, invalid bytes replaced).")
    payload_truncated: bool = Field(
        description="True when payload was cut; the original stays at `source`."
    )
    payload_bytes: int
    key: str | None
    source: SourceRef | None = Field(description="Where the message was read; null for the poller.")
    failed_at: datetime
    repeat_of: SourceRef | None = Field(
        default=None,
        description="The dead letter this message was redriven from, when it failed again.",
    )


TOPIC_RECORDS: dict[str, type[Record]] = {
    "feeds": FeedConfig,
    "raw": RawArticle,
    "pages": PagedArticle,
    "clean": CleanArticle,
    "tagged": TaggedArticle,
    "events": Event,
    "claims": ClaimMessage,
    "deadletter": DeadLetter,
}
