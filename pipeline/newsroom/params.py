"""A search from a URL's query string: the same filters for the pages and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.store.query import STANCES, Search

PAGE_SIZE = 20
FILTERS = (
    "q",
    "entity",
    "claimant",
    "stance",
    "hedged",
    "anonymous",
    "source",
    "language",
    "story",
    "since",
    "until",
)


class BadQuery(ValueError):
    """A query parameter that cannot be understood; the message names it."""


@dataclass(frozen=True)
class Asked:
    """A search and the page asked for."""

    search: Search
    page: int


def _time(name: str, text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"{name}: {text!r} is not an ISO 8601 date or time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _flag(name: str, text: str) -> bool | None:
    if text in ("", "any"):
        return None
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise BadQuery(f"{name}: expected true or false, got {text!r}")


def page_number(query: Mapping[str, str]) -> int:
    """``page`` of the query string, counting from 1 (1 when absent or not a number)."""
    text = query.get("page", "")
    return max(1, int(text)) if text.isdigit() else 1


def search_of(query: Mapping[str, str], page_size: int = PAGE_SIZE) -> Asked:
    """The search a query string asks for (``q`` is the text, ``page`` counts from 1)."""
    get = {name: query.get(name, "").strip() for name in (*FILTERS, "page")}
    if get["stance"] and get["stance"] not in STANCES:
        raise BadQuery(f"stance: expected one of {', '.join(STANCES)}, got {get['stance']!r}")
    page = page_number(query)
    search = Search(
        text=get["q"],
        entity=get["entity"] or None,
        claimant=get["claimant"] or None,
        stance=get["stance"] or None,
        hedged=_flag("hedged", get["hedged"]),
        anonymous=_flag("anonymous", get["anonymous"]),
        source=get["source"] or None,
        language=get["language"] or None,
        story=get["story"] or None,
        since=_time("since", get["since"]) if get["since"] else None,
        until=_time("until", get["until"]) if get["until"] else None,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return Asked(search, page)
