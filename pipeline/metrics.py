"""Prometheus metrics and the health/readiness/metrics pages of the worker and the poller."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

STAGE_MESSAGES = Counter(
    "newswire_stage_messages_total", "Messages a stage finished, by outcome.", ["stage", "outcome"]
)
STAGE_SECONDS = Histogram(
    "newswire_stage_seconds",
    "Processing time per message.",
    ["stage"],
    buckets=(0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PAGES = Counter("newswire_pages_total", "Article pages fetched, by result.", ["result"])
DEAD_LETTERS = Counter("newswire_deadletters_total", "Messages sent to dead letters.", ["stage"])
CONSUMER_LAG = Gauge(
    "newswire_consumer_lag",
    "Messages of each assigned partition not yet committed by this worker (end offset - its last "
    "commit): read and in flight count, so a partition stuck mid-stream stays above zero.",
    ["topic", "partition"],
)
FEED_POLLS = Counter("newswire_feed_polls_total", "Feed polls, by result.", ["result"])
ITEMS_EMITTED = Counter("newswire_items_emitted_total", "Items polled onto raw.", ["kind"])
FEEDS = Gauge("newswire_feeds", "Feeds this poller owns, by status.", ["status"])
