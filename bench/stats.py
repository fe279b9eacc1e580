"""Small statistics helpers: percentiles and latency summaries."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
