"""Small statistics helpers: percentiles, latency summaries, and spreads over rounds."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies in seconds, rounded to milliseconds."""
    return {f"p{q}_s": round(percentile(seconds, q), 3) for q in (50, 95, 99)} | {
        "max_s": round(max(seconds, default=0.0), 3)
    }


def rate(count: float, seconds: float) -> float:
    """``count`` per second, rounded; 0.0 when no time passed."""
    return round(count / seconds, 2) if seconds > 0 else 0.0


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum of ``values`` (at least one)."""
    return {"median": round(statistics.median(values), 4), "min": min(values), "max": max(values)}


def summarise(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Every number of ``records`` (nested dicts of one shape, one per round) as its spread over
    the records that have it; lists and strings are left out."""
    summary: dict[str, Any] = {}
    for key in dict.fromkeys(key for record in records for key in record):
        values = [record[key] for record in records if key in record]
        if all(isinstance(value, dict) for value in values):
            summary[key] = summarise(values)
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            summary[key] = spread(values)
    return summary


def ratio(value: float | None, base: float) -> float | None:
    """``value`` over ``base``, rounded; None when either is missing."""
    return round(value / base, 3) if value is not None and base else None
