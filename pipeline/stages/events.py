"""The sink's event assembly: one structured, deterministic event per article."""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping, Sequence

from pipeline.records import (
    SCHEMA_VERSION,
    Claim,
    ClaimMessage,
    CleanArticle,
    Event,
    EventArticle,
    PipelineInfo,
    TaggedArticle,
)
from pipeline.stages.aliases import apply_aliases, learned_aliases
from pipeline.stages.claims import extract_claims
from pipeline.stages.nlp import doc_from_parse
from pipeline.stages.places import locate


def content_hash(article: CleanArticle) -> str:
    """Hash of what the enrichment reads: title and clean text."""
    digest = hashlib.sha256()
    digest.update(article.title.encode())
    digest.update(b"\0")
    digest.update(article.text.encode())
    return digest.hexdigest()


def event_id(article: CleanArticle, pipeline: PipelineInfo) -> str:
    """Same article, same content, same pipeline and model: same id (for de-duplication)."""
    parts = (
        article.id,
        content_hash(article),
        pipeline.version,
        pipeline.model.name,
        pipeline.model.version,
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def assemble_event(tagged: TaggedArticle, claims: Sequence[Claim], version: str) -> Event:
    """Build the event of ``tagged`` with its ``claims``; ``version`` is the package version.
    Place entities get their ``geo`` and the article its ``place`` (``pipeline.stages.places``)."""
    article = tagged.article
    pipeline = PipelineInfo(version=version, model=tagged.model)
    entities, place = locate(tagged.entities, article.text, article.dateline)
    metadata = article.model_dump(exclude={"text", "feed_url"})
    return Event(
        schema_version=SCHEMA_VERSION,
        event_id=event_id(article, pipeline),
        article=EventArticle.model_validate({**metadata, "place": place}),
        text=article.text,
        entities=entities,
        claims=list(claims),
        pipeline=pipeline,
        skipped=list(tagged.skipped),
    )


def build_event(
    tagged: TaggedArticle, version: str, aliases: MutableMapping[str, str] | None = None
) -> Event:
    """The claims stage: entity aliases, claims over the shared parse, then the event.

    With ``aliases`` (``pipeline.stages.aliases``: acronym key -> entity id, from earlier
    articles), an entity named only by a known acronym takes the known id, and the acronyms
    this article expands are recorded for later ones.
    """
    if aliases is not None:
        tagged = apply_aliases(tagged, aliases)
        for key, entity_id in learned_aliases(tagged).items():
            if aliases.get(key) != entity_id:
                aliases[key] = entity_id
    skip = any(s.stage == "claims" for s in tagged.skipped)
    claims = [] if skip else extract_claims(doc_from_parse(tagged.parse), tagged.entities)
    return assemble_event(tagged, claims, version)


def claim_messages(event: Event) -> list[ClaimMessage]:
    """One message per claim of ``event``, for the claims topic."""
    article = event.article
    messages = []
    for index, claim in enumerate(event.claims):
        start = min(claim.claimant.start, claim.cue.start, claim.content.start)
        end = max(claim.claimant.end, claim.cue.end, claim.content.end)
        messages.append(
            ClaimMessage(
                claimant_key=claim.claimant_key,
                event_id=event.event_id,
                article_id=article.id,
                index=index,
                source=article.source,
                url=article.url,
                published_at=article.published_at,
                claim=claim,
                context=event.text[start:end],
            )
        )
    return messages
