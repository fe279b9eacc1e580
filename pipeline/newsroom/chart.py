"""A bar chart of counts per day, as an SVG drawn on the server (no script, no other origin)."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT, GAP = 600, 120, 1
DAY = 86400
MOST_BARS = 90


def buckets(days: list[tuple[float, int]]) -> tuple[int, dict[int, int]]:
    """Days per bar (1, or more so that at most ``MOST_BARS`` bars span the days) and the
    count of each bar, by its number from the first day."""
    first, last = days[0][0], days[-1][0]
    span = int((last - first) // DAY) + 1
    size = -(-span // MOST_BARS)
    counts: dict[int, int] = {}
    for day, count in days:
        bar = int((day - first) // DAY) // size
        counts[bar] = counts.get(bar, 0) + count
    return size, counts


def day_bars(days: list[tuple[float, int]]) -> Markup:
    """An SVG bar chart of ``days`` ((day start, count), in order): a bar per day, or per
    few days over a long span; each bar titled with its dates and count."""
    if not days:
        return Markup("")
    first, last = days[0][0], days[-1][0]
    size, counts = buckets(days)
    bars_in_span = int((last - first) // DAY) // size + 1
    top = max(counts.values())
    width = WIDTH / bars_in_span
    bars = []
    for n, count in sorted(counts.items()):
        bar_start = first + n * size * DAY
        height = max(2.0, (HEIGHT - 20) * count / top)
        dates = f"{datetime.fromtimestamp(bar_start, UTC):%Y-%m-%d}"
        if size > 1:
            dates += f" to {datetime.fromtimestamp(bar_start + (size - 1) * DAY, UTC):%Y-%m-%d}"
        label = f"{dates}: {count}"
        bars.append(
            f'<rect x="{n * width:.1f}" y="{HEIGHT - 16 - height:.1f}" '
            f'width="{max(width - GAP, 1):.1f}" height="{height:.1f}"><title>{escape(label)}'
            "</title></rect>"
        )
    per = "day" if size == 1 else f"{size} days"
    start = f"{datetime.fromtimestamp(first, UTC):%Y-%m-%d}"
    end = f"{datetime.fromtimestamp(last, UTC):%Y-%m-%d}"
    return Markup(  # noqa: S704 - numbers and dates only; the labels are escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="articles per {per}, {start} to {end}, at most {top}">'
        + "".join(bars)
        + f'<text x="0" y="{HEIGHT - 2}">{start}</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 2}" text-anchor="end">{end}</text></svg>'
    )
