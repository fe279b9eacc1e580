"""Salience: how central each entity is to its article, from three plain signals.

    salience = 0.4 * log(1 + count) / log(1 + the article's highest count)
             + 0.3 * (1 - first_offset / text length)
             + 0.3 * in_title

An entity named often, early and in the title scores near 1. It is in the title when one
of its mention forms (or, for a person, the last word of the name: "Scholz") appears
there as whole words; case counts except in an all-caps title.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from pipeline.records import Entity

FREQUENCY, EARLINESS, TITLE = 0.4, 0.3, 0.3
_WORD = re.compile(r"\w+")


def _phrase(text: str, fold: bool) -> str:
    """``text`` as space-separated words, padded: " Olaf Scholz s "."""
    words = _WORD.findall(text.casefold() if fold else text)
    return f" {' '.join(words)} " if words else ""


def title_forms(entity: Entity) -> set[str]:
    """The forms of ``entity`` that count when found in a title."""
    forms = {m.text for m in entity.mentions} | {entity.name}
    words = entity.name.split()
    if entity.label == "PERSON" and len(words) > 1:
        forms.add(words[-1])
    return forms


def in_title(entity: Entity, title: str) -> bool:
    """Whether ``title`` names ``entity`` (whole words; any case in an all-caps title)."""
    fold = title.isupper()
    padded = _phrase(title, fold)
    return any((p := _phrase(f, fold)) and p in padded for f in title_forms(entity))


def salience(count: int, top_count: int, first_offset: int, length: int, titled: bool) -> float:
    """The formula above, rounded to 4 decimals."""
    frequency = math.log1p(count) / math.log1p(top_count) if top_count else 0.0
    earliness = 1 - first_offset / length if length else 0.0
    return round(FREQUENCY * frequency + EARLINESS * earliness + TITLE * titled, 4)


def _first(entity: Entity) -> int:
    return min((m.start for m in entity.mentions), default=entity.first_offset)


def ranked(entities: Sequence[Entity], title: str, length: int) -> list[Entity]:
    """``entities`` with ``first_offset``, ``in_title`` and ``salience`` set, most salient
    first (ties in first-mention order); ``length`` is that of the article text."""
    top = max((e.count for e in entities), default=0)
    scored = []
    for entity in sorted(entities, key=_first):
        first = _first(entity)
        titled = in_title(entity, title)
        score = salience(entity.count, top, first, max(length, first), titled)
        update = {"first_offset": first, "in_title": titled, "salience": score}
        scored.append(entity.model_copy(update=update))
    return sorted(scored, key=lambda e: -e.salience)


__all__ = ["EARLINESS", "FREQUENCY", "TITLE", "in_title", "ranked", "salience", "title_forms"]
