"""Stored events as the templates show them."""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.records import claimant_key
from pipeline.store.query import Search

SNIPPET_CHARS = 280


def claim_view(claim: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A claim with its claimant's key (for its page) and display name."""
    who = claim["claimant"]
    return {
        **claim,
        "key": claimant_key(who.get("entity_id"), who["text"]),
        "who": who["text"],
        "who_name": names.get(who.get("entity_id") or "", ""),
    }


def wanted(claim: dict[str, Any], search: Search) -> bool:
    """Whether a claim (as ``claim_view`` makes it) passes the search's claim filters."""
    who = search.claimant.casefold() if search.claimant else ""
    return (
        (
            not who
            or who == claim["key"]
            or who in claim["who"].casefold()
            or who in claim["who_name"].casefold()
        )
        and (not search.stance or claim["stance"] == search.stance)
        and (search.hedged is None or claim.get("hedged", False) == search.hedged)
        and (search.anonymous is None or claim["claimant"]["anonymous"] == search.anonymous)
    )


def event_view(body: bytes, search: Search | None = None) -> dict[str, Any]:
    """An event's JSON as a dict for the templates: its statements (with ``search``, those that
    pass its claim filters), keyed for links; a snippet of its text."""
    event = orjson.loads(body)
    names = {e["id"]: e["name"] for e in event["entities"]}
    claims = [
        claim_view(c, names) for c in event["claims"] if c.get("kind", "statement") == "statement"
    ]
    if search is not None:
        claims = [c for c in claims if wanted(c, search)]
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
        "filtered": search is not None and search.filters_claims,
        "snippet": snippet,
        "story": article.get("story_id") or article["id"],
    }
