"""A bar chart of counts per day, as an SVG drawn on the server (no script, no other origin)."""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

WIDTH, HEIGHT, GAP = 600, 120, 1


def day_bars(days: list[tuple[float, int]]) -> Markup:
    """An SVG with one bar per day from the first to the last of ``days`` ((day start, count);
    days without a count are gaps), each titled with its date and count."""
    if not days:
        return Markup("")
    first, last = days[0][0], days[-1][0]
    count_of = dict(days)
    span = int((last - first) // 86400) + 1
    top = max(count for _, count in days)
    width = WIDTH / span
    bars = []
    for n in range(span):
        day = first + n * 86400
        count = count_of.get(day, 0)
        if not count:
            continue
        height = max(2.0, (HEIGHT - 20) * count / top)
        label = f"{datetime.fromtimestamp(day, UTC):%Y-%m-%d}: {count}"
        bars.append(
            f'<rect x="{n * width:.1f}" y="{HEIGHT - 16 - height:.1f}" '
            f'width="{max(width - GAP, 1):.1f}" height="{height:.1f}"><title>{escape(label)}'
            "</title></rect>"
        )
    start = f"{datetime.fromtimestamp(first, UTC):%Y-%m-%d}"
    end = f"{datetime.fromtimestamp(last, UTC):%Y-%m-%d}"
    return Markup(  # noqa: S704 - numbers and dates only; the labels are escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="articles per day, {start} to {end}, at most {top}">'
        + "".join(bars)
        + f'<text x="0" y="{HEIGHT - 2}">{start}</text>'
        f'<text x="{WIDTH}" y="{HEIGHT - 2}" text-anchor="end">{end}</text></svg>'
    )
