"""Stored events as the templates show them."""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.records import Claim

SNIPPET_CHARS = 280


def claim_view(claim: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A claim with its claimant's key (for its page) and display name."""
    key = Claim.model_validate(claim).claimant_key
    who = claim["claimant"]
    return {
        **claim,
        "key": key,
        "who": who["text"],
        "who_name": names.get(who.get("entity_id") or "", ""),
    }


def event_view(body: bytes, kinds: tuple[str, ...] = ("statement",)) -> dict[str, Any]:
    """An event's JSON as a dict for the templates: its claims of ``kinds`` (statements unless
    asked), keyed for links; a snippet of its text."""
    event = orjson.loads(body)
    names = {e["id"]: e["name"] for e in event["entities"]}
    claims = [claim_view(c, names) for c in event["claims"] if c.get("kind", "statement") in kinds]
    text = event["text"]
    snippet = text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…" if len(text) > SNIPPET_CHARS else text
    article = event["article"]
    return {
        "event_id": event["event_id"],
        "article": article,
        "when": (article.get("published_at") or article["fetched_at"])[:16].replace("T", " "),
        "entities": event["entities"][:8],
        "claims": claims,
        "other_claims": len(event["claims"]) - len(claims),
        "snippet": snippet,
        "story": article.get("story_id") or article["id"],
    }
