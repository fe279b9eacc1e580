"""Rows of the store's tables, made from one event (pure: no database here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.records import Claim, Entity, Event


@dataclass(frozen=True)
class EventRow:
    event_id: str
    article_id: str
    revision: int
    story_id: str | None
    source: str
    url: str | None
    title: str
    language: str | None
    time: float
    """Published time, else fetch time (UNIX seconds): the order of search results."""
    text: str
    body: bytes
    """The event's JSON, as on ``news.events``."""


@dataclass(frozen=True)
class EntityRow:
    entity_id: str
    name: str
    label: str
    count: int
    salience: float


@dataclass(frozen=True)
class ClaimFields:
    """What the store keeps of a claim, and what it gives back."""

    claimant: str
    claimant_key: str
    claimant_name: str
    cue: str
    content: str
    stance: str
    kind: str
    hedged: bool
    anonymous: bool


@dataclass(frozen=True)
class ClaimRow(ClaimFields):
    index: int
    topics: tuple[str, ...]
    """Ids of the entities named inside the content: what two claims can disagree about."""


@dataclass(frozen=True)
class Rows:
    event: EventRow
    entities: list[EntityRow]
    claims: list[ClaimRow]


def event_time(event: Event) -> datetime:
    return event.article.published_at or event.article.fetched_at


def topics_of(claim: Claim, entities: list[Entity]) -> tuple[str, ...]:
    """The entities with a mention inside the claim's content (its pieces, when quoted)."""
    content = claim.content
    pieces = content.spans or [(content.start, content.end)]
    return tuple(
        entity.id
        for entity in entities
        if any(s <= m.start and m.end <= e for m in entity.mentions for s, e in pieces)
    )


def rows_of(event: Event, body: bytes) -> Rows:
    """The rows that store ``event`` (whose JSON is ``body``)."""
    article = event.article
    names = {entity.id: entity.name for entity in event.entities}
    claims = [
        ClaimRow(
            index=index,
            claimant=claim.claimant.text,
            claimant_key=claim.claimant_key,
            claimant_name=names.get(claim.claimant.entity_id or "", claim.claimant.text),
            cue=claim.cue.text,
            content=claim.content.text,
            stance=claim.stance,
            kind=claim.kind,
            hedged=claim.hedged,
            anonymous=claim.claimant.anonymous,
            topics=tuple(
                t for t in topics_of(claim, event.entities) if t != claim.claimant.entity_id
            ),
        )
        for index, claim in enumerate(event.claims)
    ]
    entities = [EntityRow(e.id, e.name, e.label, e.count, e.salience) for e in event.entities]
    row = EventRow(
        event_id=event.event_id,
        article_id=article.id,
        revision=article.revision,
        story_id=article.story_id,
        source=article.source,
        url=article.url,
        title=article.title,
        language=article.language,
        time=event_time(event).timestamp(),
        text=event.text,
        body=body,
    )
    return Rows(row, entities, claims)
