"""Item identity: which key names an article, and when a re-polled item is an edit.

An article id comes from the guid when the feed's guids are usable, else from the canonical
link, else from a hash of title, date and content. Every seen item remembers all three keys,
so switching a feed's rule never re-emits what was already seen.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.poller.parse import FeedItem

Rule = Literal["guid", "link", "hash"]
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "ga_")
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref_src"})
BAD_SHARE = 0.05


def canonical_link(url: str | None) -> str | None:
    """Scheme and host lower-cased, default port, fragment and tracking parameters removed."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_PARAMS
    ]
    netloc = parts.netloc.lower()
    for scheme, port in (("http", ":80"), ("https", ":443")):
        if parts.scheme.lower() == scheme and netloc.endswith(port):
            netloc = netloc[: -len(port)]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), ""))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def item_keys(item: FeedItem, feed_url: str) -> dict[Rule, str]:
    """Every identity key the item has, by rule."""
    keys: dict[Rule, str] = {}
    if item.guid:
        keys["guid"] = "g:" + item.guid
    link = canonical_link(item.link)
    if link:
        keys["link"] = "l:" + link
    date = item.published_at.isoformat() if item.published_at else ""
    content = item.content_html or item.summary_html
    keys["hash"] = "h:" + _digest(feed_url, item.title, date, content)[:32]
    return keys


def _usable(values: Sequence[str | None]) -> bool:
    """Present and unique for at least 95% of the items."""
    if not values:
        return True
    counts = Counter(v for v in values if v)
    bad = sum(1 for v in values if not v or counts[v] > 1)
    return bad / len(values) <= BAD_SHARE


def choose_rule(items: Sequence[FeedItem]) -> Rule:
    """guid when guids are usable, else link when links are, else hash (as FreshRSS does)."""
    if _usable([i.guid for i in items]):
        return "guid"
    if _usable([canonical_link(i.link) for i in items]):
        return "link"
    return "hash"


def primary_key(keys: dict[Rule, str], rule: Rule) -> str:
    """The key that names the article under ``rule``, falling back down the chain."""
    for candidate in (rule, "link", "hash"):
        if candidate in keys:
            return keys[candidate]
    return keys["hash"]


def article_id(key: str) -> str:
    return _digest(key)[:32]


def fingerprint(item: FeedItem) -> str:
    """Changes when the title or content of the item changes (an edit)."""
    return _digest(item.title, item.summary_html, item.content_html)[:16]
