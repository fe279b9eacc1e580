"""A feed's resume state, and the pure step from one fetch to the next state and new items."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from pipeline.poller.fetch import FetchResult, retry_after_seconds
from pipeline.poller.identity import (
    Rule,
    article_id,
    canonical_link,
    choose_rule,
    fingerprint,
    item_keys,
    primary_key,
)
from pipeline.poller.parse import FeedItem, ParsedFeed
from pipeline.poller.schedule import Schedule, backoff, cache_seconds, interval
from pipeline.records import FeedConfig, RawArticle, Record

Status = Literal["new", "ok", "error", "failing", "gone"]


class SeenItem(Record):
    """An emitted item: its article id, revision, content fingerprint and identity keys."""

    id: str
    revision: int
    fingerprint: str
    keys: list[str]


class FeedState(Record):
    """What a poller needs to resume a feed (a Faust table value, keyed by feed URL)."""

    url: str
    status: Status = "new"
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    rule: Rule = "guid"
    polls: int = 0
    next_poll_at: datetime | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_new_item_at: datetime | None = None
    error_count: int = 0
    last_error: str | None = None
    http_status: int | None = None
    moved_to: str | None = None
    items_per_hour: float | None = None
    feed_title: str | None = None
    seen: list[SeenItem] = Field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """The outcome of one poll: the next state, the articles to emit, and a log line if any."""

    state: FeedState
    articles: list[RawArticle]
    message: str | None = None


def due(state: FeedState | None, now: datetime, refresh: datetime | None = None) -> bool:
    """Never polled, or its time has come, or a ``refresh`` was asked for since it was last
    polled (a feed that answered 410 Gone is polled only when asked)."""
    if state is None or state.next_poll_at is None:
        return True
    if refresh is not None and (state.last_polled_at is None or state.last_polled_at < refresh):
        return True
    return state.status != "gone" and state.next_poll_at <= now


def _body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def failed(
    state: FeedState,
    error: str,
    now: datetime,
    schedule: Schedule,
    flag_after: int,
    result: FetchResult | None = None,
) -> Step:
    """A failed poll: count it, back off (honouring Retry-After), flag after ``flag_after``."""
    errors = state.error_count + 1
    retry = retry_after_seconds(result.retry_after, now) if result else None
    gone = result is not None and result.status == 410
    status: Status = "gone" if gone else "failing" if errors >= flag_after else "error"
    new = state.model_copy(
        update={
            "status": status,
            "polls": state.polls + 1,
            "error_count": errors,
            "last_error": error,
            "last_polled_at": now,
            "http_status": result.status if result else None,
            "next_poll_at": now + timedelta(seconds=backoff(schedule, errors, retry)),
        }
    )
    changed = status != state.status or error != state.last_error
    return Step(new, [], f"{state.url}: {error}" if changed else None)


def _rate(state: FeedState, new_items: int, now: datetime) -> float | None:
    """Exponentially weighted new items per hour since the last successful poll."""
    if state.last_success_at is None:
        return state.items_per_hour
    hours = max((now - state.last_success_at).total_seconds() / 3600, 1 / 60)
    observed = new_items / hours
    old = state.items_per_hour
    return observed if old is None else 0.7 * old + 0.3 * observed


def _article(
    item: FeedItem,
    ident: str,
    revision: int,
    feed: ParsedFeed,
    config: FeedConfig,
    result: FetchResult,
    now: datetime,
) -> RawArticle:
    return RawArticle(
        id=ident,
        feed_url=config.url,
        feed_title=config.title or feed.title,
        guid=item.guid,
        link=item.link,
        canonical_link=canonical_link(item.link),
        title=item.title,
        summary_html=item.summary_html,
        content_html=item.content_html,
        published_at=item.published_at,
        updated_at=item.updated_at,
        authors=item.authors,
        language=item.language,
        enclosures=item.enclosures,
        fetched_at=now,
        http_status=result.status,
        revision=revision,
        fulltext=config.fulltext,
    )


def _match(seen: list[SeenItem], keys: dict[Rule, str], rule: Rule) -> SeenItem | None:
    """The seen item with the key that names this item under ``rule``."""
    key = primary_key(keys, rule)
    return next((s for s in reversed(seen) if key in s.keys), None)


def _with_keys(item: SeenItem, keys: dict[Rule, str]) -> SeenItem:
    """Remember the item's current keys too (a guid whose link changed keeps both links)."""
    merged = set(keys.values()) | {k for k in item.keys if not k.startswith("h:")}
    return item if merged == set(item.keys) else item.model_copy(update={"keys": sorted(merged)})


def diff(
    state: FeedState,
    config: FeedConfig,
    feed: ParsedFeed,
    result: FetchResult,
    now: datetime,
    seen_limit: int,
) -> tuple[list[RawArticle], list[SeenItem], Rule]:
    """New and edited items of ``feed`` against what ``state`` has seen, and the new memory."""
    rule = choose_rule(feed.items)
    seen = list(state.seen)
    index = {key: item for item in seen for key in item.keys}
    articles, current = [], []
    for item in feed.items:
        keys = item_keys(item, config.url)
        known = index.get(primary_key(keys, rule))
        mark = fingerprint(item)
        if known is None:
            known = SeenItem(
                id=article_id(primary_key(keys, rule)),
                revision=1,
                fingerprint=mark,
                keys=sorted(set(keys.values())),
            )
            articles.append(_article(item, known.id, 1, feed, config, result, now))
        elif known.fingerprint != mark:
            known = known.model_copy(update={"revision": known.revision + 1, "fingerprint": mark})
            articles.append(_article(item, known.id, known.revision, feed, config, result, now))
        known = _with_keys(known, keys)
        for key in keys.values():
            index[key] = known
        current.append(known)
    current_ids = {s.id for s in current}
    older = [s for s in seen if s.id not in current_ids]
    unique_current = list({s.id: s for s in current}.values())
    return articles, (older + unique_current)[-seen_limit:], rule


def feed_articles(feed: ParsedFeed, url: str, now: datetime) -> list[RawArticle]:
    """Every item of ``feed`` as a first-seen article (no registry, no state)."""
    config = FeedConfig(url=url, added_at=now)
    result = FetchResult(status=200, url=url)
    return diff(FeedState(url=url), config, feed, result, now, len(feed.items) + 1)[0]


def succeeded(
    state: FeedState,
    config: FeedConfig,
    result: FetchResult,
    feed: ParsedFeed | None,
    now: datetime,
    schedule: Schedule,
    seen_limit: int,
) -> Step:
    """A 200 (``feed`` parsed) or a 304 (``feed`` None): emit what is new, plan the next poll."""
    articles: list[RawArticle] = []
    update: dict[str, object] = {
        "etag": result.etag or state.etag,
        "last_modified": result.last_modified or state.last_modified,
    }
    if feed is not None:
        articles, seen, rule = diff(state, config, feed, result, now, seen_limit)
        update |= {
            "seen": seen,
            "rule": rule,
            "body_hash": _body_hash(result.body),
            "feed_title": feed.title,
            "items_per_hour": _rate(state, len(articles), now),
        }
        if articles:
            update["last_new_item_at"] = now
    floor = max(
        filter(
            None,
            [
                feed.ttl_seconds if feed else None,
                cache_seconds(result.cache_control, result.expires, now),
            ],
        ),
        default=None,
    )
    rate = update.get("items_per_hour", state.items_per_hour)
    wait = interval(schedule, config.url, state.polls, config.interval, rate, floor)  # type: ignore[arg-type]
    update |= {
        "status": "ok",
        "polls": state.polls + 1,
        "error_count": 0,
        "last_error": None,
        "last_polled_at": now,
        "last_success_at": now,
        "http_status": result.status,
        "moved_to": result.moved_to or state.moved_to,
        "next_poll_at": now + timedelta(seconds=wait),
    }
    message = f"{state.url}: recovered" if state.status in ("error", "failing") else None
    if feed is not None and feed.warning and state.status != "ok":
        message = f"{state.url}: {feed.warning}"
    return Step(state.model_copy(update=update), articles, message)


def unchanged_body(state: FeedState, result: FetchResult) -> bool:
    """A 200 whose body is byte-identical to the last one needs no parsing either."""
    return result.status == 200 and state.body_hash == _body_hash(result.body)
