"""The sink's event assembly: one structured, deterministic event per article."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from agents.claims import extract_claims
from agents.nlp import doc_from_parse
from pipeline.records import (
    SCHEMA_VERSION,
    Claim,
    CleanArticle,
    Event,
    EventArticle,
    PipelineInfo,
    TaggedArticle,
)


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
    """Build the event of ``tagged`` with its ``claims``; ``version`` is the package version."""
    article = tagged.article
    pipeline = PipelineInfo(version=version, model=tagged.model)
    return Event(
        schema_version=SCHEMA_VERSION,
        event_id=event_id(article, pipeline),
        article=EventArticle.model_validate(article.model_dump(exclude={"text", "feed_url"})),
        text=article.text,
        entities=list(tagged.entities),
        claims=list(claims),
        pipeline=pipeline,
        skipped=list(tagged.skipped),
    )


def finish(tagged: TaggedArticle, version: str) -> Event:
    """Claims over the shared parse, then the event: the last stage of the pipeline."""
    skip = any(s.stage == "claims" for s in tagged.skipped)
    claims = [] if skip else extract_claims(doc_from_parse(tagged.parse), tagged.entities)
    return assemble_event(tagged, claims, version)
