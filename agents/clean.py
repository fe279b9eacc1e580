"""Clean stage: feed HTML to normalised plain text (``RawArticle`` -> ``CleanArticle``).

Text conventions (every downstream offset indexes this text):

* paragraphs are separated by one blank line (``"\\n\\n"``); inside a paragraph all
  whitespace is a single space; no leading or trailing whitespace;
* quotes are straight ASCII: curly and low-9 quotes and primes become ``"`` and ``'``,
  and the ellipsis character becomes ``...`` (simplest for downstream regexes);
* dashes keep their meaning: em dash ``—`` and en dash ``–`` stay as they are (the figure
  dash becomes ``–``, the horizontal bar ``—``), the Unicode hyphens and minus sign become
  ``-``; the spacing around dashes is left as the publisher wrote it.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import ftfy
import lxml.etree
import lxml.html

from pipeline.records import CleanArticle, RawArticle

# Elements whose whole subtree is junk for article text.
_DROP = frozenset(
    "script style noscript iframe template svg canvas object embed video audio picture "
    "figure figcaption form button select textarea head title nav aside footer".split()
)
# Elements that start and end a paragraph.
_BLOCKS = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote tr table thead tbody "
    "section article header main pre hr address center".split()
)
_CELLS = frozenset({"td", "th"})
_TAG = re.compile(r"<[a-zA-Z!/?]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)

_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007", " "),
        **dict.fromkeys("\u2008\u2009\u200a\u202f\u205f\u3000", " "),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"),  # zero-width, soft hyphen
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2212", "-"),
        "\u2012": "\u2013",
        "\u2015": "\u2014",
        "\u2026": "...",
    }
)
_ELLIPSIS_TAIL = re.compile(r"(?:\s*(?:\.{3}|\[\.\.\.\]|\(\.\.\.\)))+\s*$")


class EmptyArticle(ValueError):
    """The article has neither a title nor any text."""


def _paragraphs(text: str) -> str:
    """Blank-line separated paragraphs with whitespace collapsed inside each."""
    paragraphs = (" ".join(block.split()) for block in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def _pieces(root: lxml.html.HtmlElement) -> list[str]:
    """Text nodes of ``root`` in document order, with "\\n\\n" around block elements."""
    pieces: list[str] = []
    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        separator = "\n\n" if tag in _BLOCKS else " " if tag in _CELLS | _DROP else ""
        if event == "end":
            pieces.extend((separator, element.tail or ""))
        elif tag in _DROP:
            walker.skip_subtree()
        else:
            pieces.extend((separator, element.text or ""))
    return pieces


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment or page: paragraphs separated by blank lines.

    Input without any tag is taken as plain text (entities decoded, blank lines kept).
    """
    if not _TAG.search(markup):
        return _paragraphs(html.unescape(markup))
    try:
        root = lxml.html.document_fromstring(markup.encode("utf-8", "replace"), _PARSER)
    except lxml.etree.ParserError:  # nothing but whitespace or comments
        return ""
    return _paragraphs("".join(_pieces(root)))


def normalize_text(text: str) -> str:
    """Repair mojibake (ftfy), NFC, and apply the typography conventions of this module."""
    fixed = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=True)
    return _paragraphs(fixed.translate(_TYPOGRAPHY))


def _clean(markup: str) -> str:
    return normalize_text(html_to_text(markup))


def _key(text: str) -> str:
    """Comparison key: lowercase letters and digits only."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _merge_summary(summary: str, content: str) -> str:
    """The content, led by the summary when it adds text the content does not have."""
    if not content or not summary:
        return content or summary
    summary_key = _key(_ELLIPSIS_TAIL.sub("", summary))
    if summary_key in _key(content):  # also covers a summary truncated mid-word
        return content
    return f"{summary}\n\n{content}"


def _language(tag: str | None) -> str | None:
    primary = re.split(r"[-_]", (tag or "").strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _source(raw: RawArticle) -> str:
    title = " ".join(_clean(raw.feed_title or "").split())
    return title or urlsplit(raw.feed_url).hostname or raw.feed_url


def clean_article(raw: RawArticle) -> CleanArticle:
    """Clean one feed item; the summary leads the content when it is not part of it."""
    title = " ".join(_clean(raw.title).split())
    text = _merge_summary(_clean(raw.summary_html), _clean(raw.content_html))
    if not title and not text:
        raise EmptyArticle(f"article {raw.id!r} has neither title nor text")
    return CleanArticle(
        id=raw.id,
        url=raw.link,
        title=title,
        source=_source(raw),
        feed_url=raw.feed_url,
        published_at=raw.published_at,
        fetched_at=raw.fetched_at,
        language=_language(raw.language),
        revision=raw.revision,
        text=text,
    )


__all__ = ["EmptyArticle", "clean_article", "html_to_text", "normalize_text"]
