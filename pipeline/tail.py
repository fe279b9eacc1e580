"""Reading topics from a chosen start, filtering events, and printing them for people."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, get_args

import click
import orjson

from pipeline.kafka.reader import Message, Reader
from pipeline.records import ClaimKind

STANCES = ("assert", "deny", "noncommittal")
KINDS: tuple[str, ...] = get_args(ClaimKind)


def _fold(text: str | None) -> str:
    return (text or "").casefold()


@dataclass(frozen=True)
class EventFilter:
    """Which events (and which of their claims) to show; every given filter must match."""

    entity: str | None = None
    claimant: str | None = None
    stance: str | None = None
    source: str | None = None
    language: str | None = None
    kinds: tuple[str, ...] = ("statement",)

    @property
    def active(self) -> bool:
        return any((self.entity, self.claimant, self.stance, self.source, self.language))

    def claims(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """The claims that pass ``kinds``, ``claimant`` (text, entity id or name) and ``stance``."""
        names = {e["id"]: e["name"] for e in event["entities"]}
        wanted = _fold(self.claimant)

        def keep(claim: dict[str, Any]) -> bool:
            who = claim["claimant"]
            labels = (who["text"], who.get("entity_id"), names.get(who.get("entity_id") or ""))
            return (
                claim.get("kind", "statement") in self.kinds
                and (not wanted or any(wanted in _fold(label) for label in labels))
                and (not self.stance or claim["stance"] == self.stance)
            )

        return [claim for claim in event["claims"] if keep(claim)]

    def matches(self, event: dict[str, Any]) -> bool:
        article = event["article"]
        language = _fold(article.get("language"))
        wanted = _fold(self.language)
        entity = _fold(self.entity)
        ids = {_fold(e["id"]) for e in event["entities"]} | {
            _fold(e["name"]) for e in event["entities"]
        }
        return (
            (not entity or entity in ids)
            and (not self.source or _fold(self.source) in _fold(article["source"]))
            and (not wanted or language == wanted or language.startswith(wanted + "-"))
            and (not (self.claimant or self.stance) or bool(self.claims(event)))
        )


def as_event(value: bytes | None) -> dict[str, Any] | None:
    """The message as an event, or None when it is not one (another topic's message)."""
    try:
        data = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and "event_id" in data and "claims" in data else None


@dataclass(frozen=True)
class View:
    """How to print messages: as JSON (the bare value, or with ``meta``: key, partition,
    offset, timestamp and headers too), else as text, ``styled`` or plain, with every claim
    or the first few."""

    as_json: bool = False
    meta: bool = False
    styled: bool = False
    all_claims: bool = False


def render(record: Message, chosen: EventFilter, view: View) -> str | None:
    """The text to print for one message, or None when the filters leave it out.

    Filters apply to events only; with any filter given, other messages are left out.
    """
    value = record.value or b""
    event = as_event(value)
    if (event is None and chosen.active) or (event is not None and not chosen.matches(event)):
        return None
    if view.as_json:
        return orjson.dumps(_with_meta(record, event)).decode() if view.meta else value.decode()
    head = f"{_where(record)}\n" if view.meta else ""
    if event is None:
        return head + value.decode("utf-8", errors="replace")
    limit = None if view.all_claims else 5
    return head + format_event(event, chosen.claims(event), limit, view.styled) + "\n"


def _where(record: Message) -> str:
    stamp = datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(timespec="milliseconds")
    key = (record.key or b"").decode("utf-8", errors="replace")
    return f"# {record.topic}/{record.partition}/{record.offset} {stamp} key={key}"


def _with_meta(record: Message, event: dict[str, Any] | None) -> dict[str, Any]:
    value: Any = event
    if value is None:
        try:
            value = orjson.loads(record.value or b"null")
        except orjson.JSONDecodeError:
            value = (record.value or b"").decode("utf-8", errors="replace")
    return {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": None if record.key is None else record.key.decode("utf-8", errors="replace"),
        "headers": {name: raw.decode("utf-8", errors="replace") for name, raw in record.headers},
        "value": value,
    }


async def tail_topic(
    reader: Reader,
    chosen: EventFilter,
    view: View,
    until_idle: float | None,
    echo: Callable[[str], None] = click.echo,
) -> None:
    """Print the messages ``reader`` reads (started at the chosen position) as they arrive."""
    try:
        async for record in reader.records(until_idle):
            line = render(record, chosen, view)
            if line is not None:
                echo(line)
    finally:
        await reader.stop()


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_BREAK = re.compile(r"(?<=[.!?])([\"”’)]*)\s+|\n+")
_STYLES: dict[str, dict[str, Any]] = {
    "claimant": {"fg": "cyan", "bold": True},
    "cue": {"fg": "yellow", "bold": True},
    "content": {"fg": "green"},
}
CONTEXT_CHARS = 80


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the sentence(s) around ``start:end``, at most CONTEXT_CHARS either side."""
    left = 0
    for match in _BREAK.finditer(text, 0, start):
        left = match.end()
    after = _BREAK.search(text, end)
    if after is None:
        right = len(text)
    else:  # keep closing quotes with their sentence
        right = after.end(1) if after.group(1) is not None else after.start()
    return max(left, start - CONTEXT_CHARS), min(right, end + CONTEXT_CHARS)


def highlight(text: str, claim: dict[str, Any]) -> str:
    """The claim's sentence with claimant, cue and content styled (``click.style``)."""
    content = claim["content"]
    spans = content.get("spans") or [(content["start"], content["end"])]
    parts = [("content", start, end) for start, end in spans]
    parts += [("cue", claim["cue"]["start"], claim["cue"]["end"])]
    parts += [("claimant", claim["claimant"]["start"], claim["claimant"]["end"])]
    first, last = min(p[1] for p in parts), max(p[2] for p in parts)
    left, right = _sentence(text, first, last)
    marks: list[str | None] = [None] * (right - left)
    for role, start, end in parts:  # later roles win where spans overlap
        for i in range(max(start, left), min(end, right)):
            marks[i - left] = role
    pieces = []
    at = left
    for kind, run in groupby(marks):
        size = len(list(run))
        chunk = text[at : at + size].replace("\n", " ")
        pieces.append(click.style(chunk, **_STYLES[kind]) if kind else chunk)
        at += size
    prefix = "…" if left > 0 and text[left - 1] not in "\n " else ""
    suffix = "…" if right < len(text) and text[right] not in "\n " else ""
    return prefix + "".join(pieces) + suffix


def format_event(
    event: dict[str, Any],
    claims: list[dict[str, Any]] | None = None,
    limit: int | None = 5,
    styled: bool = True,
) -> str:
    """A few readable lines: the article, its main entities and its claims (``limit`` of them;
    None: all), each in its sentence with its parts styled, or plainly as claimant → cue →
    content."""
    article = event["article"]
    shown = event["claims"] if claims is None else claims
    when = article.get("published_at") or article.get("fetched_at") or ""
    title = _short(article["title"] or "(untitled)", 90)
    title = click.style(title, bold=True) if styled else title
    lines = [f"{when[:16].replace('T', ' ')} [{article['source']}] {title}"]
    entities = event["entities"]
    if entities:
        top = sorted(entities, key=lambda e: -e["count"])[:6]
        names = ", ".join(f"{e['name']} ({e['label']})" for e in top)
        more = f" +{len(entities) - len(top)}" if len(entities) > len(top) else ""
        lines.append(f"    entities: {names}{more}")
    for claim in shown if limit is None else shown[:limit]:
        kind = claim.get("kind", "statement")
        flags = [*([kind] if kind != "statement" else []), claim["stance"], claim["quote"]]
        flags += ["hedged"] if claim.get("hedged") else []
        body = highlight(event["text"], claim) if styled else _parts(claim)
        lines.append(f"    [{', '.join(flags)}] {body}")
    if limit is not None and len(shown) > limit:
        lines.append(f"    … {len(shown) - limit} more claims (--all-claims shows them)")
    return "\n".join(lines)


def _parts(claim: dict[str, Any]) -> str:
    """Who, the cue and what, for output without styles."""
    what = _short(claim["content"]["text"], 160) or "(nothing said)"
    return f"{claim['claimant']['text']} → {claim['cue']['text']} → {what}"
