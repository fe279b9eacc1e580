"""Stored claims and the store's questions about claimants and entities, as plain data."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pipeline.store.base import ClaimHit, Store


def claim_dict(hit: ClaimHit) -> dict[str, Any]:
    """A stored claim as the pages and the API show it."""
    return {
        **asdict(hit),
        "when": f"{datetime.fromtimestamp(hit.ts, UTC):%Y-%m-%d %H:%M}",
    }


async def about(store: Store, key: str) -> dict[str, Any]:
    """What the store knows of a claimant or entity ``key``: its names, articles per day,
    its claims, the claims whose content names it, its disagreements."""
    names, days, by, on, pairs = await asyncio.gather(
        asyncio.to_thread(store.entity_names, key),
        asyncio.to_thread(store.timeline, key),
        asyncio.to_thread(store.claims_of, key),
        asyncio.to_thread(store.claims_about, key),
        asyncio.to_thread(store.disagreements, key),
    )
    return {
        "names": names,
        "timeline": days,
        "claims": [claim_dict(c) for c in by],
        "about": [claim_dict(c) for c in on],
        "disagreements": [(claim_dict(a), claim_dict(b)) for a, b in pairs],
    }
