"""Places on the map: GeoNames places of GPE/LOC entities, chosen by the article's context."""

from __future__ import annotations

import re

import orjson

from pipeline.records import Entity, Geo, Mention
from pipeline.stages.places import locate
from tests.support.cli import newswire_process
from tests.support.feeds import BUNDLED
from tests.support.schemas import VALIDATORS


def entity(text: str, name: str, label: str = "GPE") -> Entity:
    """``name`` as an entity of ``text``, with a mention at each whole-word occurrence."""
    found = [m.span() for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)]
    assert found, name
    mentions = [Mention(start=start, end=end, text=name) for start, end in found]
    slug = re.sub(r"\W+", "-", name.lower())
    return Entity(id=f"{label.lower()}:{slug}", name=name, label=label, count=len(found),
                  mentions=mentions, first_offset=found[0][0])  # fmt: skip


def geos(text: str, *names: str, dateline: str | None = None) -> dict[str, Geo | None]:
    """The geo of each of ``names`` in ``text`` ("Europe/LOC" for another label)."""
    ents = [entity(text, *name.split("/")) for name in names]
    located, _ = locate(ents, text, dateline)
    return {e.name: e.geo for e in located}


def where(geo: Geo | None) -> tuple[str, str | None, str] | None:
    return (geo.name, geo.country, geo.kind) if geo else None


def test_countries_get_their_iso_codes_and_geonames_ids() -> None:
    text = "Talks between Britain, the U.S. and Pakistan resumed. The UK said little."
    found = geos(text, "Britain", "U.S.", "Pakistan", "UK")
    assert where(found["Britain"]) == ("United Kingdom", "GB", "country")
    assert found["Britain"] == found["UK"]
    assert found["UK"] is not None and found["UK"].id == 2635167
    assert where(found["U.S."]) == ("United States", "US", "country")
    assert where(found["Pakistan"]) == ("Pakistan", "PK", "country")
    pakistan = found["Pakistan"]
    assert pakistan is not None and 23 < pakistan.latitude < 37 and 60 < pakistan.longitude < 78


def test_a_capital_a_state_and_a_continent() -> None:
    text = "Officials in Nairobi met envoys from Texas and Europe."
    found = geos(text, "Nairobi", "Texas", "Europe/LOC")
    assert where(found["Nairobi"]) == ("Nairobi", "KE", "city")
    assert where(found["Texas"]) == ("Texas", "US", "admin1")
    assert where(found["Europe"]) == ("Europe", None, "continent")


def test_a_country_named_in_the_article_chooses_among_namesakes() -> None:
    texan = "Paris police said the fair drew crowds. Texas officials praised Texas farmers."
    assert where(geos(texan, "Paris", "Texas")["Paris"]) == ("Paris", "US", "city")
    french = "Paris police said the fair drew crowds, France's interior ministry said."
    assert where(geos(french, "Paris", "France")["Paris"]) == ("Paris", "FR", "city")
    alone = "Paris police said the fair drew crowds."
    assert where(geos(alone, "Paris")["Paris"]) == ("Paris", "FR", "city")


def test_birmingham_with_alabama_or_england_or_the_uk() -> None:
    us = "Voters in Birmingham queued for hours, Alabama officials said."
    assert where(geos(us, "Birmingham", "Alabama")["Birmingham"]) == ("Birmingham", "US", "city")
    for country in ("England", "UK"):
        uk = f"Voters in Birmingham queued for hours, {country} officials said."
        found = geos(uk, "Birmingham", country)["Birmingham"]
        assert where(found) == ("Birmingham", "GB", "city")


def test_a_qualifier_after_the_name_decides() -> None:
    text = (
        "She grew up in Paris, Texas, and in Birmingham, Ala., before moving to Washington state."
    )
    found = geos(text, "Paris", "Birmingham", "Washington")
    assert where(found["Paris"]) == ("Paris", "US", "city")
    assert where(found["Birmingham"]) == ("Birmingham", "US", "city")
    assert where(found["Washington"]) == ("Washington", "US", "admin1")
    assert where(geos("Senators met in Washington.", "Washington")["Washington"]) == (
        "Washington",
        "US",
        "city",
    )


def test_the_dateline_wins_and_is_the_article_place() -> None:
    text = "Birmingham's mayor said the UK rail plan would help the city."
    ents = [entity(text, "Birmingham"), entity(text, "UK")]
    located, place = locate(ents, text, "BIRMINGHAM, Ala. (AP)")
    assert where(located[0].geo) == ("Birmingham", "US", "city")
    assert place == located[0].geo
    _, place = locate([], "No places named here.", "KARACHI")
    assert where(place) == ("Karachi", "PK", "city")


def test_the_article_place_is_the_most_salient_resolved_place() -> None:
    text = "Flooding hit Lagos on Monday. The Middle East was calm and Nigeria sent aid."
    ents = [entity(text, "Middle East", "LOC"), entity(text, "Lagos"), entity(text, "Nigeria")]
    located, place = locate(ents, text, None)
    assert located[0].geo is None
    assert where(place) == ("Lagos", "NG", "city") == where(located[1].geo)
    assert locate([], "Nothing here.", None) == ([], None)


def test_no_guess_when_the_article_does_not_say_which() -> None:
    text = "Springfield and Hyderabad reported shortages, and Georgia too."
    found = geos(text, "Springfield", "Hyderabad", "Georgia")
    assert found == {"Springfield": None, "Hyderabad": None, "Georgia": None}
    pakistani = geos("Hyderabad and Karachi, Pakistan.", "Hyderabad", "Karachi", "Pakistan")
    assert where(pakistani["Hyderabad"]) == ("Hyderabad", "PK", "city")


def test_names_that_are_no_single_place_get_no_geo() -> None:
    text = "The West and the Middle East watched Dawn and the Gulf. Ontario, Canada, voted."
    found = geos(text, "West/LOC", "Middle East/LOC", "Dawn", "Gulf/LOC", "Ontario", "Canada")
    assert where(found["Canada"]) == ("Canada", "CA", "country")
    del found["Canada"]
    assert set(found.values()) == {None}  # Ontario: a province the data has no point for


def test_other_labels_get_no_geo() -> None:
    text = "Paris Hilton spoke to Reuters in London."
    ents = [entity(text, "Paris Hilton", "PERSON"), entity(text, "London")]
    located, _ = locate(ents, text, None)
    assert located[0].geo is None
    assert where(located[1].geo) == ("London", "GB", "city")


def test_extract_gives_places_geo_and_the_article_its_place() -> None:
    """End to end on a bundled feed: AP datelines, states, cities; every event valid."""
    result = newswire_process("extract", str(BUNDLED / "talkingpointsmemo.xml"))
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    for event in events:
        VALIDATORS["events"].validate(event)
    located = {
        (e["name"], e["geo"]["name"], e["geo"]["country"])
        for event in events
        for e in event["entities"]
        if e["geo"]
    }
    assert ("New Jersey", "New Jersey", "US") in located
    assert any(name in ("US", "U.S.", "United States") and cc == "US" for name, _, cc in located)
    places = {e["article"]["dateline"]: e["article"]["place"] for e in events}
    chicago = places["CHICAGO (AP)"]
    assert chicago is not None and (chicago["name"], chicago["kind"]) == ("Chicago", "city")
    assert places["NEWARK, N.J. (AP)"]["name"] == "Newark"
    assert all(e["geo"] is None for ev in events for e in ev["entities"] if e["label"] == "PERSON")
