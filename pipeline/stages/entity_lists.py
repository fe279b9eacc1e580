"""Name lists for the entity rules, from maintained packages and short curated tables.

Countries come from pycountry (ISO 3166) and countryinfo (common names, alternative
spellings, capitals, provinces and demonyms). International organisations, which no
maintained package lists, are a short table here. Everything is built once per process,
on first use.
"""

from __future__ import annotations

import re
from functools import cache

import pycountry
from countryinfo import CountryInfo

# Widely used names that are in neither package's English name fields.
_COUNTRY_ALIASES = {
    "GB": ("Britain", "U.K.", "UK", "Great Britain"),
    "US": ("U.S.", "U.S.A.", "America", "United States"),
    "RU": ("Russia",),
    "KR": ("South Korea",),
    "KP": ("North Korea",),
    "CZ": ("Czech Republic",),
    "NL": ("Holland",),
    "AE": ("UAE", "U.A.E."),
}
# The nations of the United Kingdom (ISO 3166-2 codes), named as countries in the news.
_HOME_NATIONS = {
    "England": "GB-ENG",
    "Scotland": "GB-SCT",
    "Wales": "GB-WLS",
    "Northern Ireland": "GB-NIR",
}
# Common demonyms missing from countryinfo, which has one per country ("Saudi Arabian").
_DEMONYM_ALIASES = {
    "GB": ("Briton", "Britons", "Brits"),
    "GB-SCT": ("Scot", "Scots"),
    "SA": ("Saudi", "Saudis"),
    "TR": ("Turk", "Turks"),
    "PL": ("Pole", "Poles"),
    "ES": ("Spaniard", "Spaniards"),
    "DK": ("Dane", "Danes"),
    "SE": ("Swede", "Swedes"),
    "FI": ("Finn", "Finns"),
    "KZ": ("Kazakh", "Kazakhs"),
    "UZ": ("Uzbek", "Uzbeks"),
    "AR": ("Argentine", "Argentines", "Argentinian", "Argentinians"),
}
INTERNATIONAL_ORGS = (
    "United Nations|UN|U.N.",
    "UN Security Council|U.N. Security Council|Security Council",
    "UN General Assembly|U.N. General Assembly|General Assembly",
    "North Atlantic Treaty Organization|NATO",
    "European Union|EU",
    "European Commission",
    "European Parliament",
    "European Central Bank|ECB",
    "International Monetary Fund|IMF",
    "World Bank",
    "World Trade Organization|WTO",
    "World Health Organization|WHO",
    "Organization of the Petroleum Exporting Countries|OPEC",
    "Organisation for Economic Co-operation and Development|OECD",
    "Organization for Security and Cooperation in Europe|OSCE",
    "Association of Southeast Asian Nations|ASEAN",
    "African Union",
    "Arab League",
    "Group of Seven|G7",
    "Group of 20|G20",
    "International Atomic Energy Agency|IAEA",
    "International Criminal Court|ICC",
    "International Court of Justice|ICJ",
    "International Committee of the Red Cross|ICRC|Red Cross",
    "UNICEF",
    "UNESCO",
    "UN Refugee Agency|UNHCR",
    "World Food Programme|WFP",
    "Interpol",
    "Amnesty International",
    "Human Rights Watch",
    "Reporters Without Borders|RSF",
    "Medecins Sans Frontieres|Médecins Sans Frontières|Doctors Without Borders|MSF",
    "International Olympic Committee|IOC",
    "FIFA",
    "UEFA",
    "European Free Trade Association|EFTA",
    "Gulf Cooperation Council|GCC",
    "Shanghai Cooperation Organisation|SCO",
    "Council of Europe",
    "Bank for International Settlements|BIS",
    "Federal Reserve|Fed",
    "Reuters",
    "Associated Press|AP",
    "Agence France-Presse|AFP",
    "Interfax",
    "Xinhua",
    # News organisations often named alone before "said" or "reported", where a recogniser
    # trained on wire copy reads a lone name as a person's ("Axios reported").
    "Bloomberg",
    "Axios",
    "Politico",
    "Al Jazeera",
    "Kyodo",
    "Yonhap",
    "TASS",
)
_CODE = re.compile(r"[A-Z]{2,3}")


def _plural(demonym: str) -> str | None:
    """ "German" -> "Germans", "Israeli" -> "Israelis"; none for "Chinese", "British", "Swiss"."""
    if demonym.endswith(("ese", "sh", "ch", "ss", "s")):
        return None
    return demonym + "s"


@cache
def countries() -> dict[str, str]:
    """Country name or alias -> ISO 3166 alpha-2 code (names as written, codes excluded)."""
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for field in ("name", "common_name", "official_name"):
            if value := getattr(country, field, None):
                names[value] = country.alpha_2
    for info in CountryInfo.all().values():
        code = info.get("ISO", {}).get("alpha2")
        if code:
            for name in [info["name"], *info.get("altSpellings", [])]:
                if not _CODE.fullmatch(name):
                    names.setdefault(name, code)
    for code, aliases in _COUNTRY_ALIASES.items():
        names.update(dict.fromkeys(aliases, code))
    return names | _HOME_NATIONS


@cache
def _country_names() -> dict[str, str]:
    """ISO code -> the country's short English name ("GB" -> "United Kingdom")."""
    names = {code: name for name, code in _HOME_NATIONS.items()}
    for country in pycountry.countries:
        names[country.alpha_2] = getattr(country, "common_name", None) or country.name
    for info in CountryInfo.all().values():  # "Russia", "Palestine" for "Palestine, State of"
        code, name = info.get("ISO", {}).get("alpha2"), info["name"]
        alternative = names.get(code, "") in (info.get("altSpellings") or [])
        if code in names and "," not in name and (alternative or "," in names[code]):
            names[code] = name
    return names


def canonical_country(name: str) -> str | None:
    """The short English name of the country ``name`` denotes ("U.K." -> "United Kingdom")."""
    code = countries().get(name)
    return _country_names().get(code) if code else None


@cache
def places() -> dict[str, str]:
    """Capitals and first-level divisions (GPE) -> alpha-2 code of their country."""
    names: dict[str, str] = {}
    for info in CountryInfo.all().values():
        code = info.get("ISO", {}).get("alpha2")
        if code:
            capital = info.get("capital")
            for name in [capital, *info.get("provinces", [])]:
                if isinstance(name, str) and "(" not in name:
                    names.setdefault(name, code)
    return names


@cache
def demonyms() -> dict[str, str]:
    """Demonym ("German", "Germans") -> ISO code of its country; a demonym of several
    countries ("American", "Congolese") belongs to the most populous one."""
    found: dict[str, tuple[int, str]] = {}
    for info in CountryInfo.all().values():
        # A home nation ("Wales") by its ISO 3166-2 code, any other entry by alpha-2.
        code = _HOME_NATIONS.get(info["name"]) or info.get("ISO", {}).get("alpha2")
        population = int(info.get("population") or 0)
        for demonym in re.split(r"\s*[,/]\s*", info.get("demonym") or ""):
            for form in filter(None, (demonym, _plural(demonym))):
                if code in _country_names() and found.get(form, (-1, ""))[0] < population:
                    found[form] = (population, code)
    names = {form: code for form, (_, code) in found.items()}
    for code, aliases in _DEMONYM_ALIASES.items():
        names.update(dict.fromkeys(aliases, code))
    return names


def demonym_country(name: str) -> str | None:
    """The short English name of the country of demonym ``name`` ("Sudanese" -> "Sudan")."""
    code = demonyms().get(name)
    return _country_names().get(code) if code else None


@cache
def organisations() -> dict[str, str]:
    """Name or acronym of an international organisation -> its canonical (first) name."""
    return {alias: row.split("|")[0] for row in INTERNATIONAL_ORGS for alias in row.split("|")}


__all__ = [
    "INTERNATIONAL_ORGS",
    "canonical_country",
    "countries",
    "demonym_country",
    "demonyms",
    "organisations",
    "places",
]
