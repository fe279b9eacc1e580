"""When to poll a feed next: adaptive, clamped, jittered, honouring caches and backoff."""

from __future__ import annotations

import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class Schedule:
    default: float = 900.0
    minimum: float = 300.0
    maximum: float = 86400.0
    jitter: float = 0.1


def cache_seconds(cache_control: str | None, expires: str | None, now: datetime) -> float | None:
    """Freshness the server asked for: ``Cache-Control: max-age``, else ``Expires``."""
    if cache_control and (match := MAX_AGE.search(cache_control)):
        return float(match.group(1))
    if expires:
        try:
            when = email.utils.parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - now).total_seconds(), 0.0)
    return None


def _jitter(url: str, polls: int, spread: float) -> float:
    """A repeatable fraction in [0, spread) per feed and poll, so feeds don't align."""
    digest = hashlib.sha256(f"{url}\0{polls}".encode()).digest()
    return spread * int.from_bytes(digest[:4], "big") / 2**32


def interval(
    schedule: Schedule,
    url: str,
    polls: int,
    override: float | None,
    items_per_hour: float | None,
    floor: float | None,
) -> float:
    """Seconds until the next poll of a healthy feed.

    The feed's own override, else one new item per poll from its observed rate, else the
    default; clamped to [minimum, maximum]; never shorter than ``floor`` (ttl, cache headers).
    """
    if override:
        base = override
    elif items_per_hour:
        base = 3600.0 / items_per_hour
    else:
        base = schedule.default
    base = min(max(base, schedule.minimum), schedule.maximum)
    if floor:
        base = max(base, min(floor, schedule.maximum))
    return base * (1 + _jitter(url, polls, schedule.jitter))


def backoff(schedule: Schedule, errors: int, retry_after: float | None) -> float:
    """Seconds to wait after ``errors`` consecutive failures (Retry-After wins if longer)."""
    wait = min(schedule.default * 2 ** max(errors - 1, 0), schedule.maximum)
    if retry_after is not None:
        wait = max(wait, min(retry_after, schedule.maximum))
    return wait
