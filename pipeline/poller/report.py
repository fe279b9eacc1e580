"""``newswire feeds list``: one row per registered feed, for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pipeline.poller.state import FeedState
from pipeline.records import FeedConfig


def when_text(when: datetime | None, now: datetime) -> str:
    """How far ``when`` is from ``now``: "in 5m", "2.0h ago", "never"."""
    if when is None:
        return "never"
    seconds = (when - now).total_seconds()
    span = abs(seconds)
    text = (
        f"{span:.0f}s"
        if span < 120
        else f"{span / 60:.0f}m"
        if span < 7200
        else f"{span / 3600:.1f}h"
        if span < 172800
        else f"{span / 86400:.0f}d"
    )
    return f"in {text}" if seconds > 0 else f"{text} ago"


def feed_rows(
    registry: dict[str, FeedConfig], states: dict[str, FeedState]
) -> list[dict[str, Any]]:
    """Registry and state joined per feed; failing feeds first."""
    rows = []
    for url, config in registry.items():
        state = states.get(url) or FeedState(url=url)
        status = state.status if config.enabled else "disabled"
        rows.append(
            {
                "url": url,
                "title": config.title or state.feed_title,
                "status": status,
                "flagged": state.status in ("failing", "gone"),
                "last_success_at": state.last_success_at,
                "next_poll_at": state.next_poll_at if config.enabled else None,
                "error_count": state.error_count,
                "last_error": state.last_error,
                "items_per_hour": round(state.items_per_hour, 2) if state.items_per_hour else None,
                "moved_to": state.moved_to,
                "seen_items": len(state.seen),
                "fulltext": config.fulltext,
            }
        )
    rank = {"gone": 0, "failing": 1, "error": 2}
    return sorted(rows, key=lambda r: (rank.get(r["status"], 3), r["url"]))


def format_rows(rows: list[dict[str, Any]]) -> str:
    """A fixed-width table, with the last error under each failing feed."""
    now = datetime.now(UTC)
    header = f"{'STATUS':9} {'LAST OK':>9} {'NEXT':>9} {'ERR':>3} {'ITEMS/H':>7}  FEED"
    lines = [header]
    for r in rows:
        rate = f"{r['items_per_hour']:.1f}" if r["items_per_hour"] else "-"
        name = f"{r['title']} <{r['url']}>" if r["title"] else r["url"]
        name += " [fulltext]" if r["fulltext"] else ""
        flag = "!" if r["flagged"] else " "
        lines.append(
            f"{r['status']:8}{flag} {when_text(r['last_success_at'], now):>9} "
            f"{when_text(r['next_poll_at'], now) if r['next_poll_at'] else '-':>9} "
            f"{r['error_count']:>3} {rate:>7}  {name}"
        )
        if r["last_error"]:
            lines.append(f"{'':41}└ {r['last_error']}")
        if r["moved_to"]:
            lines.append(f"{'':41}└ moved permanently to {r['moved_to']}")
    lines.append(f"{len(rows)} feeds, {sum(r['flagged'] for r in rows)} flagged")
    return "\n".join(lines)
