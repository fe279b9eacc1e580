"""Cross-article aliases: an acronym one article expands names the same entity elsewhere.

An article that merges "RSF" with "Rapid Support Forces" teaches the alias
``acronym:rsf -> org:rapid-support-forces``; a later article that only says "RSF" then
gets that id. Keys are ``"acronym:"`` and the acronym's lower-cased letters and digits
("RSF" and "R.S.F." give ``acronym:rsf``); values are entity ids. A later expansion of the
same acronym replaces the earlier one in the caller's table.

Only acronyms are learned. A surname joined to a full name ("Scholz" -> "Olaf Scholz")
is not: a surname names different people in different articles, while an acronym that an
article spells out is, within a news stream, nearly always the same organisation.
"""

from __future__ import annotations

from collections.abc import Mapping

from pipeline.records import Entity, TaggedArticle
from pipeline.stages.salience import ranked
from pipeline.stages.tag import LABELS, is_acronym

PREFIX = "acronym:"


def alias_key(acronym: str) -> str:
    """The table key of ``acronym``: "R.S.F." -> "acronym:rsf"."""
    return PREFIX + "".join(ch for ch in acronym.casefold() if ch.isalnum())


def learned_aliases(tagged: TaggedArticle) -> dict[str, str]:
    """Alias key -> entity id for each acronym the article merged with a longer name."""
    learned = {}
    for entity in tagged.entities:
        if entity.label == "PERSON" or is_acronym(entity.name):
            continue
        for form in {m.text for m in entity.mentions}:
            if is_acronym(form):
                learned[alias_key(form)] = entity.id
    return learned


def _relabelled(entity: Entity, target: str) -> Entity:
    """``entity`` under id ``target``, with the label the id starts with."""
    label = target.split(":", 1)[0].upper()
    return entity.model_copy(
        update={"id": target, "label": label if label in LABELS else entity.label}
    )


def _merged(same: list[Entity]) -> Entity:
    """Entities sharing one id as one: all mentions, the longest name."""
    mentions = sorted((m for e in same for m in e.mentions), key=lambda m: m.start)
    name = max((e.name for e in same), key=len)
    related = next((e.related for e in same if e.related), None)
    return same[0].model_copy(
        update={"name": name, "mentions": mentions, "count": len(mentions), "related": related}
    )


def apply_aliases(tagged: TaggedArticle, known: Mapping[str, str]) -> TaggedArticle:
    """``tagged`` with each entity named only by a known acronym under the known id (its
    name and mentions kept); an entity that then shares its id with another joins it."""
    by_id: dict[str, list[Entity]] = {}
    changed = False
    for entity in tagged.entities:
        target = known.get(alias_key(entity.name)) if is_acronym(entity.name) else None
        if target and target != entity.id:
            entity, changed = _relabelled(entity, target), True
        by_id.setdefault(entity.id, []).append(entity)
    if not changed:
        return tagged
    entities = [_merged(same) if len(same) > 1 else same[0] for same in by_id.values()]
    article = tagged.article
    return tagged.model_copy(
        update={"entities": ranked(entities, article.title, len(article.text))}
    )


__all__ = ["PREFIX", "alias_key", "apply_aliases", "learned_aliases"]
