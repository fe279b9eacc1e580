"""Claimants: the medium (``via``), the affiliation of unnamed sources and resolution of
pronouns and descriptions to earlier claimants and entities.

Every text is real: feed items of ../shared/data/feeds/news and article pages of
../shared/data/article-html (excerpts, paragraphs kept).
"""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.records import Claim
from tests.support.claims import assert_offsets, claims_of, only, tagged_claims


def _by_cue(claims: list[Claim], cue: str, nth: int = 0) -> Claim:
    return [c for c in claims if c.cue.text == cue][nth]


# ------------------------------------------------------------------ via


@pytest.mark.parametrize(
    ("text", "claimant", "via"),
    [
        (  # The Guardian feed
            "Russia could grant asylum to Bashar al-Assad if he is forced to leave Syria, "
            "Vladimir Putin suggested in an interview with the German tabloid Bild.",
            "Vladimir Putin",
            "Bild",
        ),
        (  # Time feed
            "“It’s almost like the genie’s out of the bottle with the internet,” Wells said "
            "on CNN.",
            "Wells",
            "CNN",
        ),
        (  # Time feed
            "While Grokipedia is dwarfed by Wikipedia’s more than 7 million English-language "
            "articles, Musk said in a post on his social media platform X that Grokipedia will "
            "exceed Wikipedia by several orders of magnitude in breadth, depth, and accuracy.",
            "Musk",
            "X",
        ),
        (  # Dawn feed (a Reuters report)
            "The US military is preparing for the possibility of a sustained military campaign "
            "if the talks do not succeed, US officials have told Reuters.",
            "US officials",
            "Reuters",
        ),
        (  # article page (VentureBeat, Reuters copy)
            "Next steps to shape the company’s future will be divulged in an all-company "
            "meeting on Friday, Claure said in the email.",
            "Claure",
            "email",
        ),
        (  # CNN feed
            "Harry and Meghan, the Duke and Duchess of Sussex, are suing over paparazzi "
            "photographs of their toddler son, Archie, their lawyer said in a statement.",
            "their lawyer",
            "statement",
        ),
        (  # BBC article page
            "Then, last week, Taylor Swift posted on Twitter accusing Big Machine of trying to "
            "stop her performing tracks from her first six albums at the AMAs.",
            "Taylor Swift",
            "Twitter",
        ),
    ],
)
def test_via_is_the_stated_medium(nlp: Language, text: str, claimant: str, via: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.claimant.via) == (claimant, via)


def test_via_is_null_when_no_medium_is_stated(nlp: Language) -> None:
    # CBS News article page.
    text = (
        "Volker said he had no knowledge of any efforts to urge Ukraine to investigate Joe "
        "and Hunter Biden."
    )
    assert only(nlp, text).claimant.via is None


def test_adjunct_medium_after_an_inverted_subject_is_not_the_claimant(nlp: Language) -> None:
    # Time feed: "in a statement to TIME" belongs to the verb, not to "Whitmer's office".
    text = (
        "“It’s going to open one way or another, and the Governor looks forward to attending "
        "the ribbon cutting,” said Whitmer’s office in a statement to TIME."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Whitmer’s office"
    assert c.claimant.via == "TIME"


# ------------------------------------------------------------------ affiliation


@pytest.mark.parametrize(
    ("text", "claimant", "affiliation"),
    [
        (  # Time feed
            "Halfway through the speech, a senior Western European official told TIME: “We "
            "can’t react to everything he says.”",
            "a senior Western European official",
            "Western European",
        ),
        (  # Time feed
            "“Our members are currently engaging with the eSafety Commissioner to understand "
            "and apply this guidance,” a spokesman for the Digital Industry Group (DIGI) told "
            "TIME in a statement.",
            "a spokesman for the Digital Industry Group (DIGI)",
            "Digital Industry Group",
        ),
        (  # article page (Reuters on WeWork)
            "A spokesperson for the NYAG declined to comment.",
            "A spokesperson for the NYAG",
            "NYAG",
        ),
        (  # CNN feed
            "Questions about the US coronavirus death count have taken hold inside the White "
            "House, officials familiar with the matter say.",
            "officials familiar with the matter",
            None,
        ),
    ],
)
def test_affiliation_of_unnamed_sources(
    nlp: Language, text: str, claimant: str, affiliation: str | None
) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == claimant
    assert c.claimant.anonymous
    assert c.claimant.affiliation == affiliation


def test_named_claimants_have_no_affiliation(nlp: Language) -> None:
    # Time feed.
    text = "“Time is running out,” says Anthony Aguirre, the FLI’s executive director."
    c = only(nlp, text)
    assert not c.claimant.anonymous
    assert c.claimant.affiliation is None


# ------------------------------------------------------------------ pronouns


def test_he_resolves_to_the_previous_claimant(nlp: Language) -> None:
    # Article page (VentureBeat, Reuters copy): the tagger calls "Claure" an ORG; the pronoun
    # still takes the name that spoke last.
    text = (
        "Next steps to shape the company’s future will be divulged in an all-company meeting "
        "on Friday, Claure said in the email.\n\n"
        "He said WeWork needs a more efficient and more customer-centric organization to grow."
    )
    claims = claims_of(nlp, text)
    assert [c.claimant.text for c in claims] == ["Claure", "He"]
    assert claims[0].claimant.entity_id is not None
    assert claims[1].claimant.entity_id == claims[0].claimant.entity_id
    assert claims[1].claimant.via is None


def test_he_prefers_the_subject_of_the_previous_sentence(nlp: Language) -> None:
    # CBS News article page: Morrison, not Trump or Zelensky, and not Volker who spoke before.
    text = (
        "Volker said he had no knowledge of any efforts to urge Ukraine to investigate Joe and "
        "Hunter Biden.\n\n"
        "Morrison was the third witness testifying Tuesday who listened in on President "
        "Trump's July 25 call with Ukrainian President Volodymyr Zelensky. He said he wasn't "
        "concerned about the content of the call."
    )
    he = _by_cue(claims_of(nlp, text), "said", 1)
    assert he.claimant.text == "He"
    assert he.claimant.entity_id is not None
    assert he.claimant.entity_id.endswith("morrison")


def test_she_resolves_to_the_named_teacher(nlp: Language) -> None:
    # AP article page (Indiana teachers' rally).
    text = (
        "High school math teacher Angela Cooper said she and more than 40 fellow teachers from "
        "the Gibson Southern schools near Evansville left about 4:30 a.m. for the rally. She "
        "said a top worry is low pay causing many new teachers to leave for other jobs."
    )
    first, second = claims_of(nlp, text)
    assert second.claimant.text == "She"
    assert second.claimant.entity_id == first.claimant.entity_id
    assert first.claimant.entity_id is not None


def test_pronoun_stays_unresolved_when_its_antecedent_is_no_entity(nlp: Language) -> None:
    # BBC article page: the tagger misses "Braun"; "He" must not become Taylor Swift.
    text = (
        "Braun has worked with the likes of Kanye West and Kim Kardashian - both of whom "
        "Taylor Swift has had feuds with in the past.\n\n"
        "He has consistently denied being unfair to her."
    )
    c = only(nlp, text)
    assert (c.claimant.text, c.stance) == ("He", "deny")
    assert c.claimant.entity_id is None


def test_mentions_inside_the_claim_are_no_referents(nlp: Language) -> None:
    # Time feed: "he" inside the quotation is not the claimant's referent, and the official
    # stays unnamed.
    text = (
        "Halfway through the speech, a senior Western European official told TIME: “We can’t "
        "react to everything he says.”"
    )
    [c] = tagged_claims(nlp, text)
    assert c.claimant.entity_id is None
    assert c.claimant.anonymous


# ------------------------------------------------------------------ descriptions


def test_description_resolves_to_the_titled_person(nlp: Language) -> None:
    # AP article page: "the governor" is "Gov. Eric Holcomb", named two paragraphs earlier.
    text = (
        "Republican Gov. Eric Holcomb and leaders of the GOP-dominated Legislature have avoided "
        "direct criticism of teachers or school districts for the closings.\n\n"
        "Teachers didn’t see Holcomb at the Statehouse on Tuesday.\n\n"
        "The governor said he was waiting for a teacher pay commission he appointed in "
        "February to make recommendations on increasing salaries by the end of 2020."
    )
    c = next(c for c in claims_of(nlp, text) if c.cue.text == "said")
    assert_offsets(text, c)
    assert c.claimant.text == "The governor"
    assert c.claimant.entity_id is not None
    assert c.claimant.entity_id.endswith("holcomb")
    assert not c.claimant.anonymous


def test_description_resolves_to_the_organisation_it_names(nlp: Language) -> None:
    # Time feed: "the ministry" is the Defense Ministry.
    text = (
        "Germany’s Defense Ministry said it was dispatching a reconnaissance team of 13 "
        "military personnel to Greenland for an exploration mission from January 15 to 17. The "
        "goal, the ministry said, was to assess possible contributions to regional security."
    )
    first, second = claims_of(nlp, text)
    assert second.claimant.text == "the ministry"
    assert second.claimant.entity_id == first.claimant.entity_id is not None


def test_organisation_description_resolves_to_the_organisation_that_spoke(
    nlp: Language,
) -> None:
    # Dawn feed: "the agency" is Suparco, the commission quoted in the previous sentence.
    text = (
        "Last week, the Space and Upper Atmosphere Research Commission (Suparco) said that the "
        "first day of Ramazan in Pakistan “likely to fall” on February 19 (Thursday). However, "
        "the agency said the final announcement regarding the beginning of the Islamic holy "
        "month will be made later."
    )
    first, second = claims_of(nlp, text)
    assert second.claimant.text == "the agency"
    assert second.claimant.entity_id == first.claimant.entity_id is not None


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        (
            "An attorney for Jane Roe, Mark Doe, said the filing was late.",
            "An attorney for Jane Roe, Mark Doe",
        ),
        ("A Daily Planet analysis shows that rents rose by a third.", "A Daily Planet analysis"),
        (
            "Other unions, including the Teamsters, said they would back the deal.",
            "Other unions, including the Teamsters",
        ),
    ],
)
def test_named_records_members_and_appositions_are_not_anonymous(
    nlp: Language, text: str, claimant: str
) -> None:
    c = only(nlp, text)
    assert c.claimant.text == claimant
    assert not c.claimant.anonymous


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        (
            "The senator spoke at a gathering of conservatives to urge Congress to act on "
            "clean energy.",
            "to urge",
        ),
        ("The mayor flew to Ohio to warn that the plant would close.", "to warn"),
    ],
)
def test_purpose_clause_inherits_the_subject(nlp: Language, text: str, cue: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.cue.text == cue
    assert c.claimant.text.split()[0] == "The"


@pytest.mark.parametrize(
    ("text", "claimant", "cue"),
    [
        (
            "His advisers were quick to point out that he had placed second.",
            "His advisers",
            "were quick to point out",
        ),
        (
            "Voters are more likely to say that the economy is weak.",
            "Voters",
            "are more likely to say",
        ),
    ],
)
def test_an_adjective_passes_its_subject_to_its_infinitive(
    nlp: Language, text: str, claimant: str, cue: str
) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text) == (claimant, cue)


def test_an_expletive_it_is_no_claimant(nlp: Language) -> None:
    assert claims_of(nlp, "It is worth noting that the plan failed.") == []


def test_a_participle_with_a_by_agent_has_the_agent_as_claimant(nlp: Language) -> None:
    text = "Asked by reporters whether he would run again, the mayor smiled."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.content.text) == (
        "reporters",
        "Asked",
        "whether he would run again",
    )


def test_saying_after_an_adverbial_preposition_inherits_the_subject(nlp: Language) -> None:
    text = "The governor refuses to discuss the seat, aside from saying he wants a diverse team."
    saying = [c for c in claims_of(nlp, text) if c.cue.text == "saying"]
    assert [(c.claimant.text, c.content.text) for c in saying] == [
        ("The governor", "he wants a diverse team")
    ]


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("The senator forced the banker to admit that the bank had failed.", "the banker"),
        ("The scandal has led the journalist to fear a new crisis.", "the journalist"),
    ],
)
def test_the_object_of_a_verb_is_the_claimant_of_its_infinitive(
    nlp: Language, text: str, claimant: str
) -> None:
    assert only(nlp, text).claimant.text == claimant


def test_a_participle_after_the_reported_clause_belongs_to_the_reporter(nlp: Language) -> None:
    text = "The senator said he did not believe the report, arguing that the data were old."
    arguing = [c for c in claims_of(nlp, text) if c.cue.text == "arguing"]
    assert [(c.claimant.text, c.content.text) for c in arguing] == [
        ("The senator", "that the data were old")
    ]
