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
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import ftfy
import lxml.etree
import lxml.html

from pipeline.records import CleanArticle, RawArticle
from pipeline.stages.language import detect_language

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


# A dateline: a place in capitals (", Region"; ", date"; "(Agency)") then a dash, or a one-word
# place and a colon ("ISLAMABAD:"; several capitalised words and a colon are usually a byline),
# or any place followed by "(Agency)", at the very start of the text.
_CAPS_PLACE = r"[A-Z][A-Z.'\-]+(?: [A-Z][A-Z.'\-]+){0,3}"
_CAPS_WORD = r"[A-Z][A-Z.'\-]+"
_REGION = r"(?:, [A-Z][A-Za-z.'\-]*(?: [A-Z][A-Za-z.'\-]*){0,2})?"
_DATE = r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?)?"
_AGENCY = (  # "(AP)", "(Reuters)", "/PRNewswire/"
    r"(?:\((?:[A-Z][A-Za-z]*[A-Z]|Reuters|Bloomberg|Xinhua|Kyodo|Yonhap|Interfax|Anadolu)"
    r"(?: [A-Z][\w.]*){0,2}\)|/[A-Z][\w-]{1,30}/)"
)
_DASH = r"(?:\s*[—–]|\s+--?|--)"
_DATELINE = re.compile(
    rf"(?:(?P<caps>{_CAPS_PLACE}{_REGION}{_DATE}(?: {_AGENCY})?){_DASH}"
    rf"|(?P<colon>{_CAPS_WORD}{_REGION}):"
    rf"|(?:[A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){{0,3}}{_REGION} )?{_AGENCY}{_DASH}?)"
    rf"\s*(?=[\"'(\[]?[A-Z0-9])"
)
_CAPS_ALONE = re.compile(rf"{_CAPS_PLACE}{_REGION}\.?")
_NOT_PLACES = frozenset(
    "BREAKING UPDATE UPDATED EXCLUSIVE WATCH LIVE VIDEO PHOTOS OPINION ANALYSIS EDITOR'S NOTE "
    "NOTE COMMENT REVIEW AD Q A DEAR FILE WARNING ALERT PICTURED SPONSORED PROMOTED".split()
)
# Trailing credit paragraphs: sources, reporting/editing credits, copyright notices, where
# the piece was first published.
_CREDIT = re.compile(
    r"\(?(?i:sources?|credits?|photos?|images?)\s*:.*"
    r"|\(?(?i:reporting|additional reporting|writing|editing|compiled|text|photos?|images?) by\b.*"
    r"|(?i:copyright|\(c\)|©)\s*(?:©|\(c\)|\d{4}|[A-Z]).*|(?i:all rights reserved).*"
    r"|.*\b(?i:contributed (?:reporting )?to this (?:report|story|article))\.?\)?"
    r"|(?i:(?:first |originally )?published (?:in|on|by) )[A-Z][\w.&'-]*(?: [A-Z][\w.&'-]*){0,5}"
    r"(?:,? [^.]*\d{4})?\.?"
    r"|(?i:this (?:article|story|report) (?:was )?(?:first |originally )?"
    r"(?:appeared|published))\b.*"
)
# Paragraphs that are page furniture, not article text (checked on short paragraphs only).
_BOILERPLATE = re.compile(
    r"(?:advertisements?|sponsored(?: content)?|ad|(?:story|article) continues below.*"
    r"|continue reading.*|(?:read|see|show|load) more\b.*|(?:also read|read also|see also)\b.*"
    r"|\d* ?comments?|share(?: this| on)?\b.*|tweet|email|print|click here\b.*"
    r"|(?:related|recommended|trending|most (?:read|popular)|don'?t miss|more from)\b.*"
    r"|you (?:may|might) (?:also )?like\b.*|also on [\w-]+\.\w+\b.*"
    r"|(?:follow|like) (?:us|\w+(?: \w+){0,5}) on (?:twitter|facebook|instagram|linkedin)\b.*"
    r"|like this (?:story|article)\b.*|tell us what you think\b.*"
    r"|.*\b(?:sign up|subscribe)\b.*\bnewsletters?\b.*|get the latest\b.*\binbox\b.*"
    r"|.*\bclick here\b.*|.*\[(\w+)\b[^\]]*\].*\[/\1\].*)",
    re.IGNORECASE,
)
# Markers after which a run of headline-like paragraphs is a list of links.
_LINK_LIST = re.compile(
    r"(?:related(?: \w+){0,2}|recommended(?: for you)?|read more|see (?:more|also)"
    r"|more (?:from|on) \S+(?: \S+)?|don'?t miss|most (?:read|popular)(?: \w+){0,3}"
    r"|trending(?: now)?|you (?:may|might) (?:also )?like)\W*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:;\"']$")
_TITLE_SEPARATOR = re.compile(r" (?:\||-|—|–|::|•) ")
_BOILERPLATE_MAX_WORDS = 40
_WORD = re.compile(r"\w+(?:['\-]\w+)*")


class EmptyArticle(ValueError):
    """The article has neither a title nor any text."""


@dataclass(frozen=True, slots=True)
class CleanText:
    """A clean text with what cleaning took out of it."""

    text: str
    dateline: str | None = None
    credits: list[str] = field(default_factory=list)
    word_count: int = 0


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


def _is_boilerplate(paragraph: str) -> bool:
    short = len(paragraph.split()) <= _BOILERPLATE_MAX_WORDS
    return short and _BOILERPLATE.fullmatch(paragraph) is not None


def _is_headline(paragraph: str) -> bool:
    """A short line without closing punctuation: a link title rather than a sentence."""
    return len(paragraph.split()) <= 20 and not _SENTENCE_END.search(paragraph)


def drop_boilerplate(text: str) -> str:
    """``text`` without furniture paragraphs ("Advertisement", "Read more: ...", "Share this
    article", "Follow us on ...") and without the headline links after a "Related" marker."""
    kept: list[str] = []
    in_links = False
    for paragraph in text.split("\n\n") if text else []:
        if _LINK_LIST.fullmatch(paragraph) and _is_headline(paragraph):
            in_links = True
        elif in_links and _is_headline(paragraph):
            continue
        else:
            in_links = False
        if not _is_boilerplate(paragraph):
            kept.append(paragraph)
    return "\n\n".join(kept)


def _not_place(caps: str) -> bool:
    return caps.split(" ")[0].rstrip(".,") in _NOT_PLACES


def split_dateline(text: str) -> tuple[str | None, str]:
    """The leading dateline ("NAIROBI, Kenya —", "WASHINGTON (Reuters) -", a place in
    capitals alone before the first sentence) and the text without it."""
    first, _, rest = text.partition("\n\n")
    if rest and _CAPS_ALONE.fullmatch(first) and not _not_place(first):
        return first.rstrip("."), rest
    match = _DATELINE.match(first)
    if match is None or _not_place(match["caps"] or match["colon"] or ""):
        return None, text
    return re.sub(rf"(?:{_DASH}|:)\s*$", "", match.group()).strip(), text[match.end() :]


def split_credits(text: str) -> tuple[list[str], str]:
    """Trailing credit paragraphs ("Source: ...", "(Reporting by ...; Editing by ...)",
    "Copyright ...", "© ...") in text order, and the text without them."""
    paragraphs = text.split("\n\n") if text else []
    end = len(paragraphs)
    while (
        end > 1
        and len(paragraphs[end - 1].split()) <= 60
        and _CREDIT.fullmatch(paragraphs[end - 1])
    ):
        end -= 1
    return paragraphs[end:], "\n\n".join(paragraphs[:end])


def word_count(text: str) -> int:
    """Number of words (letters or digits, with inner apostrophes and hyphens) in ``text``."""
    return len(_WORD.findall(text))


def clean_text(text: str) -> CleanText:
    """Normalised ``text`` without boilerplate, leading dateline and trailing credits."""
    body = drop_boilerplate(normalize_text(text))
    credits, body = split_credits(body)
    dateline, body = split_dateline(body)
    return CleanText(text=body, dateline=dateline, credits=credits, word_count=word_count(body))


def _title_keys(source: str) -> set[str]:
    return ({_key(source)} | {_key(part) for part in _TITLE_SEPARATOR.split(source)}) - {""}


def _is_site_name(segment: str, separator: str, source: str) -> bool:
    """Whether a trailing title segment names the site: it matches ``source``, or is short
    after " | " (after a dash, a short segment is often a speaker: "... - MPs")."""
    key = _key(segment)
    if key and (key in _title_keys(source) or (len(key) >= 4 and key in _key(source))):
        return True
    return separator == "|" and 0 < len(segment.split()) <= 4


def clean_title(title: str, source: str) -> str:
    """Title as one clean line, without site-name suffixes ("... - BBC News", "... | Reuters")."""
    title = " ".join(normalize_text(title).split())
    for _ in range(2):  # "Headline | Section | Site"
        separators = list(_TITLE_SEPARATOR.finditer(title))
        if not separators:
            break
        last = separators[-1]
        head, segment = title[: last.start()], title[last.end() :]
        if len(head.split()) < 3 or not _is_site_name(segment, last.group().strip(), source):
            break
        title = head
    return title


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


def article_source(raw: RawArticle) -> str:
    """The publisher's name: the feed title, else the feed's host."""
    title = " ".join(_clean(raw.feed_title or "").split())
    return title or urlsplit(raw.feed_url).hostname or raw.feed_url


def clean_article(raw: RawArticle) -> CleanArticle:
    """Clean one feed item; the summary leads the content when it is not part of it."""
    source = article_source(raw)
    title = clean_title(html_to_text(raw.title), source)
    body = clean_text(_merge_summary(_clean(raw.summary_html), _clean(raw.content_html)))
    if not title and not body.text:
        raise EmptyArticle(f"article {raw.id!r} has neither title nor text")
    return CleanArticle(
        id=raw.id,
        url=raw.link,
        title=title,
        source=source,
        feed_url=raw.feed_url,
        published_at=raw.published_at,
        fetched_at=raw.fetched_at,
        language=detect_language(f"{title}\n\n{body.text}", raw.language),
        revision=raw.revision,
        dateline=body.dateline,
        credits=body.credits,
        authors=raw.authors,
        word_count=body.word_count,
        text=body.text,
    )


__all__ = [
    "CleanText",
    "EmptyArticle",
    "article_source",
    "clean_article",
    "clean_text",
    "clean_title",
    "drop_boilerplate",
    "html_to_text",
    "normalize_text",
    "split_credits",
    "split_dateline",
    "word_count",
]
