"""Main article text and cheap metadata of a full HTML page (trafilatura, tuned for news).

``extract_body`` returns the body as paragraphs separated by blank lines, normalised like
every clean text (``pipeline.stages.clean.normalize_text``), and the page's metadata. Bad pages
(empty, binary, oversize, too many elements, too slow, no article) raise ``BadPage``.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from types import FrameType

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from pipeline.stages.clean import normalize_text

MAX_BYTES = 4 * 1024 * 1024
"""Largest page accepted (bytes of HTML); larger pages are refused, not cut."""
MAX_ELEMENTS = 30_000
"""Most elements accepted in a page: extraction time grows with the element count."""
TIMEOUT = 10.0
"""Default bound on the extraction time of one page, in seconds."""

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_LATIN = re.compile(r"cp125[02-8]|cp8[56]\d|cp437|latin|iso8859_(?:[1-49]|1[0-6])$|mac_(?!cyr|gre)")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}
_BLOCKS = frozenset({"p", "head", "item", "row", "quote", "code", "list", "table", "lb"})


class BadPage(ValueError):
    """A page the body extractor refuses; ``reason`` is a short machine-readable word."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


class _Expired(BaseException):
    """Raised by the alarm; a BaseException so extractor code cannot swallow it."""


@dataclass(frozen=True, slots=True)
class PageMeta:
    """Metadata the page declares about itself (None when it does not)."""

    url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: date | None = None
    language: str | None = None
    site_name: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    """The article text of a page and its metadata."""

    text: str
    meta: PageMeta


def decode_page(page: bytes, charset: str | None = None) -> str:
    """Text of ``page``: UTF-8 when valid, else the charset of the HTTP header or the page's
    ``<meta>``, else a detected one."""
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(page[:8192])
    for declared in (charset, meta.group(1).decode("ascii") if meta else None):
        try:
            if declared:
                return page.decode(declared, errors="replace")
        except LookupError:
            continue
    best = charset_normalizer.from_bytes(page[:65536]).best()
    guess = best.encoding if best else "cp1252"
    # Detection confuses the Latin code pages on mostly-ASCII pages: take the web's default.
    return page.decode("cp1252" if _LATIN.match(guess) else guess, errors="replace")


def _check_text(markup: str) -> None:
    """Refuse empty and binary input: NUL, control or replacement characters near the start."""
    if not markup.strip():
        raise BadPage("empty", "the page has no content")
    head = markup[:4096]
    odd = sum(ord(ch) in _CONTROL or ch == "\ufffd" for ch in head)
    if "\x00" in head or odd > len(head) // 20:
        raise BadPage("binary", "the page is not text")


def _parse(page: str | bytes) -> lxml.html.HtmlElement:
    """Parsed page, after the size, text and element-count checks."""
    if len(page) > MAX_BYTES:
        raise BadPage("too large", f"{len(page)} bytes > {MAX_BYTES}")
    if isinstance(page, bytes) and not page.startswith(_UTF16_BOMS):
        _check_text(page[:4096].decode("latin-1"))
    markup = page if isinstance(page, str) else decode_page(page)
    _check_text(markup)
    try:
        tree = lxml.html.document_fromstring(markup.encode("utf-8", "replace"), _PARSER)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise BadPage("unparsable", str(exc)) from exc
    count = sum(1 for _ in tree.iter())
    if count > MAX_ELEMENTS:
        raise BadPage("too many elements", f"{count} elements > {MAX_ELEMENTS}")
    return tree


#: Class names of pop-up cards (not of the link that opens them): "tooltip", "popover",
#: "hovercard", "rollover-people-block", "popup-content".
_POP_UP = re.compile(
    r"tooltip|popover|hovercard|(?:rollover|tooltip|popover|popup|hover)[\w-]*[-_]"
    r"(?:block|card|box|content|body)"
)


def _furniture(element: lxml.html.HtmlElement) -> bool:
    get = element.get
    if get("hidden") is not None or get("aria-hidden") == "true":
        return True
    if "display:none" in (get("style") or "").replace(" ", ""):
        return True
    return any(_POP_UP.fullmatch(name) for name in (get("class") or "").split())


def _drop_furniture(tree: lxml.html.HtmlElement) -> None:
    """Remove what the page hides and its pop-up cards, recognised by their markup (never by
    publisher), keeping the text that follows each."""
    body = tree.find("body")
    found = [] if body is None else [e for e in body.iter() if _furniture(e)]
    for element in found:
        if element.getparent() is not None:
            element.drop_tree()


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with SIGALRM, which only a process's main thread
    receives: every runner calls the clean step there (the worker's clean process, ``replay``,
    ``extract``), and a call from another thread fails rather than run without a limit.

    An alarm already set (e.g. pytest-timeout's) is re-armed with its remaining time after.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("body extraction must run in the main thread (its time limit)")

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    started = time.monotonic()
    handler = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Expired:
        raise BadPage("timeout", f"extraction took over {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, handler)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


def _drop_headline(body: lxml.etree._Element) -> None:
    """Remove the page's ``<h1>`` headline when it leads the body: it is the title, not text."""
    first = next(iter(body), None)
    if first is not None and first.tag == "head" and first.get("rend") == "h1":
        body.remove(first)


def _paragraphs(body: lxml.etree._Element) -> str:
    """Text of trafilatura's XML body: one paragraph per block, table cells joined by a space."""
    pieces: list[str] = []
    for event, element in lxml.etree.iterwalk(body, events=("start", "end")):
        separator = "\n\n" if element.tag in _BLOCKS else " " if element.tag == "cell" else ""
        text = element.text if event == "start" else element.tail
        pieces.extend((separator, text or ""))
    return "".join(pieces)


def _language(tree: lxml.html.HtmlElement) -> str | None:
    """Primary language subtag the page declares (``<html lang>``, else Content-Language)."""
    declared = tree.get("lang") or tree.get("xml:lang") or ""
    if not declared:
        metas = tree.xpath(
            "//meta[translate(@http-equiv,'CONTELAGU','contelagu')='content-language']/@content"
        )
        declared = str(metas[0]) if metas else ""
    primary = re.split(r"[-_,\s]", declared.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _meta(document: Document, language: str | None) -> PageMeta:
    authors = tuple(a.strip() for a in (document.author or "").split(";") if a.strip())
    try:
        published = date.fromisoformat(document.date) if document.date else None
    except ValueError:
        published = None
    return PageMeta(
        url=document.url or None,
        title=document.title or None,
        authors=authors,
        published=published,
        language=language,
        site_name=document.sitename or None,
    )


def extract_body(page: str | bytes, url: str | None = None, timeout: float = TIMEOUT) -> Body:
    """The main article text of an HTML page and its metadata; ``BadPage`` if there is none."""
    tree = _parse(page)
    language = _language(tree)
    _drop_furniture(tree)
    with _time_limit(timeout):
        document = trafilatura.bare_extraction(
            tree, url=url, favor_precision=True, include_comments=False, with_metadata=True
        )
    if not isinstance(document, Document) or document.body is None:
        raise BadPage("no article", "no main text found in the page")
    _drop_headline(document.body)
    text = normalize_text(_paragraphs(document.body))
    if not text:
        raise BadPage("no article", "no main text found in the page")
    return Body(text=text, meta=_meta(document, language))


__all__ = [
    "MAX_BYTES",
    "MAX_ELEMENTS",
    "TIMEOUT",
    "BadPage",
    "Body",
    "PageMeta",
    "decode_page",
    "extract_body",
]
