"""What a search asks for, and the SQL that answers it (``?`` placeholders; the PostgreSQL
store turns them into ``%s``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

STANCES = ("assert", "deny", "noncommittal")


@dataclass(frozen=True)
class Search:
    """A search of stored events; every given filter must match. Claim filters (claimant,
    stance, hedged, anonymous) must all match one and the same claim."""

    text: str = ""
    entity: str | None = None
    claimant: str | None = None
    stance: str | None = None
    hedged: bool | None = None
    anonymous: bool | None = None
    source: str | None = None
    language: str | None = None
    story: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 20
    offset: int = 0

    @property
    def filters_claims(self) -> bool:
        """Whether any claim filter is given."""
        return any(
            (self.claimant, self.stance, self.hedged is not None, self.anonymous is not None)
        )


def fts5_query(text: str) -> str:
    """``text`` as an FTS5 query that means "every word", whatever punctuation it holds."""
    return " ".join(f'"{word}"' for word in re.findall(r"\w+", text))


def _contains(text: str) -> str:
    """A LIKE pattern for ``text`` anywhere, ``\\`` escaping its wildcards."""
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def where(search: Search, text_match: str) -> tuple[str, list[object]]:
    """The WHERE clause (over ``events e``) and its parameters; ``text_match`` is the
    database's full-text condition with one placeholder."""
    clauses: list[str] = []
    params: list[object] = []
    if search.text.strip():
        clauses.append(text_match)
        params.append(search.text)
    if search.entity:
        clauses.append(
            "EXISTS (SELECT 1 FROM entities n WHERE n.event = e.id"
            " AND (n.entity_id = ? OR lower(n.name) = ?))"
        )
        params += [search.entity, search.entity.casefold()]
    claim: list[str] = []
    if search.claimant:
        claim.append(
            "(c.claimant_key = ? OR lower(c.claimant_name) LIKE ? ESCAPE '\\'"
            " OR lower(c.claimant) LIKE ? ESCAPE '\\')"
        )
        params += [search.claimant, _contains(search.claimant), _contains(search.claimant)]
    if search.stance:
        claim.append("c.stance = ?")
        params.append(search.stance)
    for column, wanted in (("hedged", search.hedged), ("anonymous", search.anonymous)):
        if wanted is not None:
            claim.append(f"c.{column} = ?")
            params.append(wanted)
    if claim:
        clauses.append(
            "EXISTS (SELECT 1 FROM claims c WHERE c.event = e.id AND " + " AND ".join(claim) + ")"
        )
    if search.source:
        clauses.append("lower(e.source) LIKE ? ESCAPE '\\'")
        params.append(_contains(search.source))
    if search.language:
        language = search.language.casefold()
        clauses.append("(lower(e.language) = ? OR lower(e.language) LIKE ?)")
        params += [language, language.replace("_", "-") + "-%"]
    if search.story:
        clauses.append("(e.story_id = ? OR e.article_id = ?)")
        params += [search.story, search.story]
    if search.since:
        clauses.append("e.ts >= ?")
        params.append(search.since.timestamp())
    if search.until:
        clauses.append("e.ts < ?")
        params.append(search.until.timestamp())
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params
