"""Places on the map: the GeoNames place each GPE or LOC entity names, when the article makes
it clear (places from ``pipeline.stages.gazetteer``), and the article's main place.

Every place with the entity's name is a candidate, scored in powers of ten:

    score = log10(population)
          + 2      a national capital by its name (news names capitals for their governments)
          - 2      found only by an alternate name ("Kiev" for Kyiv; alternate names are noisy)
          + 1 + s  its country is named elsewhere in the article (a country, a place in it, a
                   demonym: "Pakistani"), s being its share of the article's mentions of
                   countries; + 2 when the dateline is in it
          + 3      its US state or UK nation is named elsewhere ("Texas", "England") or holds
                   the dateline's place
          + 5      the text qualifies it ("Paris, Texas", "Newark, N.J.", "Washington state")
                   or it is the dateline's place

The best candidate is taken when it leads the next by at least 1 and, for a city, scores at
least 5 (a city of 100,000 named alone, a smaller one in a country the article names); else
the entity gets no geo. The share keeps a country that a story names in passing (the US in
talks held in Geneva) from carrying its small namesakes. A city named like the country or US
state it lies in is that area ("Singapore", "New York"); a province the data lacks ("Ontario")
competes with namesake cities abroad and, when it wins, leaves the entity without geo.

The places named elsewhere come from a first pass that resolves each entity on its own
qualifiers and the article's demonyms; the dateline is resolved with them, then every entity
again with all that the other entities and the dateline name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from pipeline.records import Entity, Geo
from pipeline.stages.entity_lists import demonyms
from pipeline.stages.gazetteer import Place, gazetteer, key

CAPITAL, ALIAS, COUNTRY, SHARE, DIVISION, QUALIFIED = 2.0, 2.0, 1.0, 1.0, 3.0, 5.0
MARGIN, CITY_FLOOR = 1.0, 5.0
PLACE_LABELS = frozenset({"GPE", "LOC"})
_QUALIFIER = re.compile(r", ?([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2})")
_STATE_AFTER = re.compile(r" state\b", re.IGNORECASE)
_STATE_BEFORE = re.compile(r"\bstate of $", re.IGNORECASE)
_AGENCY = re.compile(r"\s*(?:\([^)]*\)|/[^/]*/)")  # "(AP)", "/PRNewswire/" in datelines


@dataclass(frozen=True, slots=True)
class _Name:
    """What one name may denote: candidates (with whether by alias), qualifying areas, and
    whether it is called a state ("Washington state", "the state of Georgia")."""

    candidates: tuple[tuple[Place, bool], ...]
    qualifiers: tuple[Place, ...] = ()
    state: bool = False


class _Context:
    """What the rest of the article names: mentions per country ("PK") and division
    ("US-TX") code, and the dateline's place."""

    def __init__(self, codes: Counter[str], dateline: Place | None = None) -> None:
        self.codes = codes
        self.dateline = dateline
        self.countries = sum(n for code, n in codes.items() if "-" not in code)

    def bonus(self, place: Place) -> float:
        """COUNTRY, plus SHARE x its share of the article's country mentions, when its
        country is named (both in full when it holds the dateline); DIVISION when its
        division is named or holds the dateline."""
        home, country, division = self.dateline, place.country, place.admin1
        if country is None:
            return 0.0
        if home is not None and home.country == country:
            bonus = COUNTRY + SHARE
        elif self.codes[country]:
            bonus = COUNTRY + SHARE * self.codes[country] / self.countries
        else:
            bonus = 0.0
        if division is not None and (
            self.codes[division] or (home is not None and home.admin1 == division)
        ):
            bonus += DIVISION
        return bonus


def _inside(place: Place, area: Place) -> bool:
    """Whether ``place`` is country, state or province ``area`` or lies in it (in a province
    without data: in its country)."""
    if area.kind == "admin1":
        return place.admin1 == area.admin1
    return place.country == area.country


def _candidates(name: str) -> tuple[tuple[Place, bool], ...]:
    """The places called ``name``, less a city inside a namesake area and a province where a
    place of its country has the name ("Berlin" the city)."""
    index = gazetteer()
    found = [(p, False) for p in index.names.get(key(name), ())]
    found += [(p, True) for p in index.aliases.get(key(name), ())]
    areas = [p for p, _ in found if p.kind in ("country", "admin1")]
    countries = {p.country for p, _ in found if p.kind != "province"}
    return tuple(
        (place, alias)
        for place, alias in found
        if not (place.kind == "city" and any(_inside(place, area) for area in areas))
        and not (place.kind == "province" and place.country in countries)
    )


def _areas(text: str) -> tuple[Place, ...]:
    """The countries, states and provinces ``text`` names ("Texas", "N.J.", "England")."""
    index = gazetteer()
    return index.areas.get(text) or index.areas.get(key(text), ())


def _qualifier(text: str, end: int) -> tuple[Place, ...]:
    """The areas a qualifier after a mention names: ", Texas", ", N.J.", ", Alabama's"."""
    match = _QUALIFIER.match(text, end)
    words = match[1].split() if match else []
    for count in range(len(words), 0, -1):
        if found := _areas(re.sub(r"['’]s?$", "", " ".join(words[:count]))):
            return found
    return ()


def _name(entity: Entity, text: str) -> _Name:
    head, _, tail = entity.name.partition(",")  # "Paris, Texas" tagged as one name
    qualifiers = list(_areas(tail.strip())) if tail.strip() else []
    state = False
    for mention in entity.mentions:
        qualifiers += _qualifier(text, mention.end)
        before = _STATE_BEFORE.search(text, max(0, mention.start - 12), mention.start)
        state = state or bool(_STATE_AFTER.match(text, mention.end) or before)
    return _Name(_candidates(head), tuple(qualifiers), state)


def _score(place: Place, alias: bool, name: _Name, context: _Context) -> float:
    score = place.prior + (-ALIAS if alias else CAPITAL * place.capital) + context.bonus(place)
    qualified = any(_inside(place, area) for area in name.qualifiers)
    if qualified or place is context.dateline or (name.state and place.kind == "admin1"):
        score += QUALIFIED
    return score


def _resolve(name: _Name, context: _Context) -> Place | None:
    """The best candidate when it is clearly best; None otherwise."""
    scored = sorted(
        ((_score(place, alias, name, context), place) for place, alias in name.candidates),
        key=lambda pair: -pair[0],
    )
    if not scored or (len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN):
        return None
    best, place = scored[0]
    return None if place.kind == "city" and best < CITY_FLOOR else place


def _codes(place: Place | None, division: bool) -> set[str]:
    """The country code of ``place`` and, with ``division``, its state's or nation's."""
    if place is None or place.country is None:
        return set()
    return {place.country, place.admin1} if division and place.admin1 else {place.country}


def _demonym_codes(entities: Iterable[Entity]) -> Counter[str]:
    """Mentions of the countries (and UK nations: "Scots") of the article's demonyms."""
    codes: Counter[str] = Counter()
    for entity in entities:
        if entity.label == "NORP" and (code := demonyms().get(entity.name)):
            codes.update(dict.fromkeys({code, code.split("-")[0]}, entity.count))
    return codes


def _dateline_place(dateline: str | None, codes: Counter[str]) -> Place | None:
    """The place of a dateline: "NEWARK, N.J. (AP)", "KARACHI", "LONDON, March 3"."""
    if not dateline:
        return None
    head, _, region = _AGENCY.sub("", dateline).partition(",")
    qualifiers = _areas(region.strip()) if region.strip() else ()
    return _resolve(_Name(_candidates(head), qualifiers), _Context(codes))


@cache
def _geo(place: Place) -> Geo | None:
    """The record of ``place``; None for a province without data."""
    if place.id is None or place.kind == "province":
        return None
    return Geo.model_validate(place, from_attributes=True)


def locate(
    entities: Sequence[Entity], text: str, dateline: str | None
) -> tuple[list[Entity], Geo | None]:
    """``entities`` with ``geo`` set where a GPE or LOC clearly names a place, and the
    article's main place: the dateline's, else the first (most salient) entity's geo."""
    names = {i: _name(e, text) for i, e in enumerate(entities) if e.label in PLACE_LABELS}
    demonym_codes = _demonym_codes(entities)
    own: dict[int, Counter[str]] = {}
    for i, name in names.items():  # a state or nation names its code, a city its country only
        place = _resolve(name, _Context(demonym_codes))
        codes = _codes(place, division=place is not None and place.kind == "admin1")
        own[i] = Counter(dict.fromkeys(codes, entities[i].count))
    named = sum(own.values(), demonym_codes)
    home = _dateline_place(dateline, named)
    located = []
    for i, entity in enumerate(entities):
        place = _resolve(names[i], _Context(named - own[i], home)) if i in names else None
        found = _geo(place) if place else None
        located.append(entity.model_copy(update={"geo": found}) if found else entity)
    main = _geo(home) if home else None
    return located, main or next((e.geo for e in located if e.geo), None)


__all__ = ["locate"]
