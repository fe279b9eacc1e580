"""Claims stage: which statements are found, with their claimant, cue and content spans."""

from __future__ import annotations

import pytest
from spacy.language import Language

from tests.support.claims import assert_offsets, checked_claims, claims_of, only

# ------------------------------------------------------------------ indirect speech


def test_denied_that_clause(nlp: Language) -> None:
    text = "The ministry denied that troops had crossed the border."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "The ministry"
    assert (c.cue.text, c.cue.lemma) == ("denied", "deny")
    assert c.content.text == "that troops had crossed the border"
    assert c.content.spans == [(c.content.start, c.content.end)]
    assert (c.stance, c.quote, c.hedged) == ("deny", "indirect", False)


def test_told_reuters_that(nlp: Language) -> None:
    text = "Officials told Reuters that the talks might collapse."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Officials"
    assert c.claimant.anonymous
    assert c.cue.lemma == "tell"
    assert c.content.text == "that the talks might collapse"
    assert c.hedged
    assert c.stance == "assert"


def test_named_claimant_linked_to_entity(nlp: Language) -> None:
    text = "German Chancellor Olaf Scholz said on Tuesday that Germany would send tanks."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "German Chancellor Olaf Scholz"
    assert c.claimant.entity_id is not None
    assert c.claimant.entity_id.endswith(":olaf scholz")
    assert not c.claimant.anonymous
    assert c.content.text == "that Germany would send tanks"
    assert not c.hedged


def test_said_in_a_statement(nlp: Language) -> None:
    text = "The company said in a statement it would cut 500 jobs."
    c = only(nlp, text)
    assert c.claimant.text == "The company"
    assert c.content.text == "it would cut 500 jobs"
    assert c.quote == "indirect"


def test_reporting_clause_after_content(nlp: Language) -> None:
    # Real feed item (CNN RSS snapshot).
    text = (
        "Violent protests continued across Kashmir Wednesday, as the death toll from the past "
        "two days of demonstrations rose to 20, a senior police official said."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "a senior police official"
    assert c.claimant.anonymous
    assert c.content.text.startswith("Violent protests continued across Kashmir Wednesday")
    assert c.content.text.endswith("rose to 20")


def test_parenthetical_reporting_clause_is_discontinuous(nlp: Language) -> None:
    text = "Disney’s tech teams isolated the problem, Mayer said, and fixed it."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Mayer"
    assert [text[s:e] for s, e in c.content.spans] == [
        "Disney’s tech teams isolated the problem",
        "and fixed it",
    ]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        (  # the clause's verb lies inside a quotation
            "His new nonprofit, he says, will “mobilize experts” to come up with the answers.",
            ["His new nonprofit", "will “mobilize experts” to come up with the answers"],
        ),
        (  # the parse lost the clause's verb (it reads "accompanied" as an adjective)
            "The photos, Mr. Dube said, accompanied messages posted overnight.",
            ["The photos", "accompanied messages posted overnight"],
        ),
    ],
)
def test_reporting_clause_between_commas(nlp: Language, text: str, spans: list[str]) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert [text[s:e] for s, e in c.content.spans] == spans


def test_called_with_a_quoted_name(nlp: Language) -> None:
    text = "The union called the new rota “unworkable” and “unsafe” at a meeting on Friday."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text) == ("The union", "called")
    assert c.content.text == "the new rota “unworkable” and “unsafe”"


@pytest.mark.parametrize(
    "text",
    ["She called a “snap” election for June.", "He called reporters to a “briefing” on Monday."],
)
def test_called_with_quoted_words_that_name_nothing(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_attribution_with_adjunct_real_sentence(nlp: Language) -> None:
    # From the article-extraction benchmark (Reuters on WeWork).
    text = (
        "Next steps to shape the company’s future will be divulged in an all-company meeting "
        "on Friday, Claure said in the email."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Claure"
    assert c.content.text.startswith("Next steps to shape")
    assert c.content.text.endswith("meeting on Friday")


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        (
            "Prices will rise next year, said chief executive John Smith in a letter to staff.",
            "chief executive John Smith",
        ),
        (
            "Prices will rise next year, said the company's chief executive, John Smith, in a "
            "letter to staff.",
            "the company's chief executive, John Smith",
        ),
    ],
)
def test_inverted_attribution(nlp: Language, text: str, claimant: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == claimant
    assert not c.claimant.anonymous
    assert c.content.text == "Prices will rise next year"


def test_participle_inherits_subject(nlp: Language) -> None:
    text = "The ministry issued a statement saying troops had not crossed the border."
    c = only(nlp, text)
    assert c.claimant.text == "The ministry"
    assert c.cue.text == "saying"
    assert c.content.text == "troops had not crossed the border"
    assert c.stance == "assert"  # a negative content is still an assertion


def test_relative_pronoun_subject_resolves_to_antecedent(nlp: Language) -> None:
    text = "The report was written by Lagarde, who said rates would rise."
    claims = [c for c in claims_of(nlp, text) if c.cue.text == "said"]
    assert len(claims) == 1
    assert claims[0].claimant.text == "Lagarde"
    assert claims[0].content.text == "rates would rise"


# ------------------------------------------------------------------ direct quotes


def test_quote_then_attribution_straight_quotes(nlp: Language) -> None:
    # From the article-extraction benchmark (AP tennis report).
    text = '"It was a difficult situation for us," Lopez said.'
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Lopez"
    assert c.content.text == "It was a difficult situation for us"
    assert c.quote == "direct"
    assert c.stance == "assert"


def test_quote_then_inverted_attribution_curly(nlp: Language) -> None:
    text = "“Inflation will come down next year,” said Lagarde."
    c = only(nlp, text)
    assert c.claimant.text == "Lagarde"
    assert c.content.text == "Inflation will come down next year"
    assert c.quote == "direct"


def test_attribution_before_quote(nlp: Language) -> None:
    text = "The minister added: “We will not give up.”"
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "The minister"
    assert (c.cue.text, c.cue.lemma) == ("added:", "add")  # a glued colon joins the cue
    assert c.content.text == "We will not give up."
    assert c.quote == "direct"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        (
            "The senator is once again questioning whether the plan works.",
            "is once again questioning",
        ),
        (
            "The company almost immediately disclosed that it had been hacked.",
            "almost immediately disclosed",
        ),
        ("She’s claiming that the vote was rigged.", "’s claiming"),
    ],
)
def test_verb_group_takes_short_adverbs_and_contractions(
    nlp: Language, text: str, cue: str
) -> None:
    assert only(nlp, text).cue.text == cue


def test_attribution_inside_quote(nlp: Language) -> None:
    text = "“We will win,” she said, “and soon.”"
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "she"
    assert not c.claimant.anonymous
    assert [text[s:e] for s, e in c.content.spans] == ["We will win", "and soon."]
    assert c.content.text == "We will win, and soon."
    assert c.quote == "direct"


def test_quote_continues_in_next_sentence(nlp: Language) -> None:
    text = "“This is in their heads,” Caddell said. “It is one of the things worrying them.”"
    c = only(nlp, text)
    assert [text[s:e] for s, e in c.content.spans] == [
        "This is in their heads",
        "It is one of the things worrying them.",
    ]


def test_two_quotes_two_claimants(nlp: Language) -> None:
    text = "“We are ready,” the general said. “We are not,” the minister replied."
    claims = claims_of(nlp, text)
    assert [(c.claimant.text, c.content.text) for c in claims] == [
        ("the general", "We are ready"),
        ("the minister", "We are not"),
    ]


def test_quote_inside_indirect_speech_is_indirect(nlp: Language) -> None:
    text = (
        "A company spokesperson said in an email that “we have received an inquiry from the "
        "office of the New York State Attorney General and are cooperating in the matter.”"
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "A company spokesperson"
    assert c.claimant.anonymous
    assert c.content.text.startswith("that “we have received an inquiry")
    assert c.quote == "indirect"


def test_unbalanced_quote_does_not_derail_later_paragraphs(nlp: Language) -> None:
    text = (
        "He said “we will win the vote.\n\n"
        "The ministry denied that troops had crossed the border.\n\n"
        "“Nothing has changed,” a senior EU official said."
    )
    claims = claims_of(nlp, text)
    for c in claims:
        assert_offsets(text, c)
    by_cue = {c.cue.text: c for c in claims}
    assert by_cue["denied"].content.text == "that troops had crossed the border"
    assert by_cue["denied"].stance == "deny"
    official = [c for c in claims if c.claimant.text == "a senior EU official"]
    assert len(official) == 1
    assert official[0].content.text == "Nothing has changed"
    assert official[0].claimant.anonymous
    first = [c for c in claims if c.claimant.text == "He"]
    assert first and first[0].content.text == "we will win the vote."


@pytest.mark.parametrize(
    "text",
    ['"', "“", "”", "“He said", 'said "', '"" said he', "He said: “", "“”", "\n\n“\n”"],
)
def test_degenerate_quotes_do_not_crash(nlp: Language, text: str) -> None:
    for c in claims_of(nlp, text):
        assert_offsets(text, c)


def test_cue_inside_quotation_is_not_a_claim(nlp: Language) -> None:
    text = "“My aides told me that it was over,” the senator said."
    c = only(nlp, text)
    assert c.claimant.text == "the senator"
    assert c.cue.text == "said"


# ------------------------------------------------------------------ according to


def test_according_to_after_clause_real_sentence(nlp: Language) -> None:
    # From the article-extraction benchmark (Reuters on WeWork).
    text = (
        "WeWork’s 2025 bond has weakened sharply in the past week, hitting 16.057% on Monday, "
        "according to data from MarketAxess."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.cue.text, c.cue.lemma) == ("according to", "according to")
    assert c.claimant.text == "data from MarketAxess"
    assert c.content.text == (
        "WeWork’s 2025 bond has weakened sharply in the past week, hitting 16.057% on Monday"
    )


def test_according_to_first_anonymous(nlp: Language) -> None:
    text = "According to a person familiar with the talks, the deal could collapse."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.cue.text == "According to"
    assert c.claimant.text == "a person familiar with the talks"
    assert c.claimant.anonymous
    assert c.content.text == "the deal could collapse"
    assert c.hedged


def test_according_to_named_source(nlp: Language) -> None:
    text = "The car gets 90 miles per gallon, according to Toyota."
    c = only(nlp, text)
    assert c.claimant.text == "Toyota"
    assert not c.claimant.anonymous
    assert c.claimant.entity_id is not None


def test_according_to_on_a_verb_of_reporting(nlp: Language) -> None:
    text = "The paper reports that turnout rose, according to state officials."
    c = [c for c in claims_of(nlp, text) if c.cue.text == "according to"]
    assert [x.claimant.text for x in c] == ["state officials"]


# ------------------------------------------------------------------ not claims


@pytest.mark.parametrize(
    "text",
    [
        "The bill was said to be unpopular.",
        "He did not accuse anyone.",
        "They refused to leave the building.",
        "The company announced.",
    ],
)
def test_non_statements(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_other_cues(nlp: Language) -> None:
    c = only(nlp, "He accused Russia of meddling in the election.")
    assert c.content.text == "Russia of meddling in the election"
    c = only(nlp, "The central bank warned of a recession.")
    assert (c.cue.text, c.content.text) == ("warned of", "a recession")
    c = only(nlp, "The analyst pointed out that sales had fallen.")
    assert (c.cue.text, c.cue.lemma) == ("pointed out", "point out")
    c = only(nlp, "Critics called the plan a disaster.")
    assert c.content.text == "the plan a disaster"


# ------------------------------------------------------------------ cue spans: the verb group


@pytest.mark.parametrize(
    ("text", "cue", "lemma"),
    [
        # PolNeAR annotates the verb group: auxiliaries, negation and adverbs before the verb.
        ("Sanders has also said that the system is rigged.", "has also said", "say"),
        (
            "The Trump campaign did not immediately respond to requests for comment.",
            "did not immediately respond to",
            "respond to",
        ),
        ("He went on to say that the system is rigged.", "went on to say", "say"),
        ("The senator called for an investigation into the leak.", "called for", "call for"),
        (
            "The company said in a statement that it would cut 500 jobs.",
            "said in a statement",
            "say",
        ),
        ("The minister said: “Nothing has changed.”", "said:", "say"),
    ],
)
def test_cue_is_the_verb_group(nlp: Language, text: str, cue: str, lemma: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.cue.text, c.cue.lemma) == (cue, lemma)


# ------------------------------------------------------------------ more constructions


def test_coordinated_cue_with_its_own_complement_is_its_own_claim(nlp: Language) -> None:
    # PolNeAR train (AP): one claimant, two cues, two contents.
    text = (
        "Graham called both Trump and Clinton “crazy” and said the Republican party is bound "
        "to lose to Clinton."
    )
    claims = claims_of(nlp, text)
    said = [c for c in claims if c.cue.text == "said"]
    assert len(said) == 1
    assert said[0].claimant.text == "Graham"
    assert said[0].content.text == "the Republican party is bound to lose to Clinton"


def test_as_reported_clause(nlp: Language) -> None:
    text = (
        "As The Washington Post reported, Sanders would need to win 55 percent of the "
        "remaining delegates."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text) == ("The Washington Post", "reported")
    assert c.content.text == "Sanders would need to win 55 percent of the remaining delegates"
    c = only(nlp, "The deficit will grow, as the budget office noted on Tuesday.")
    assert c.content.text == "The deficit will grow"


def test_fronted_poll_is_a_source(nlp: Language) -> None:
    text = "In a CNN poll released Monday, 50 percent of respondents chose Clinton."
    c = only(nlp, text)
    assert (c.cue.text, c.cue.lemma) == ("In", "in")
    assert c.claimant.text == "a CNN poll released Monday"
    assert c.content.text == "50 percent of respondents chose Clinton"
    assert claims_of(nlp, "Clinton stays well ahead of Sanders in the latest poll.") == []


def test_headline_colon_cue(nlp: Language) -> None:
    # PolNeAR train titles.
    text = "Graham: Trump’s Rhetoric Is Destroying the Party’s Chance to Win.\n\nThe race goes on."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text) == ("Graham", ":")
    assert c.content.text == "Trump’s Rhetoric Is Destroying the Party’s Chance to Win"
    # Below the title only a quotation makes "Name:" a cue; places and section heads never do.
    assert claims_of(nlp, "The caucus.\n\nIowa: Tim Albrecht, Brad Anderson, Rob Barron.") == []
    assert claims_of(nlp, "Follow us on Twitter: @newswire is our account.") == []


def test_quoted_transcript_turns(nlp: Language) -> None:
    # A transcript quoted paragraph by paragraph: each turn opens with a quotation mark.
    text = (
        "Partial transcript as follows:\n\n"
        '"HOST: Let us begin with the budget talks in the capital this week.\n\n'
        '"GOVERNOR: The budget will be balanced by the end of the year.\n\n'
        '"HOST: And what about the new bridge over the river?\n\n'
        '"GOVERNOR: We will build it, and it will open next spring.\n'
    )
    found = checked_claims(nlp, text)
    assert [c.claimant.text for c in found] == ["HOST", "GOVERNOR", "HOST", "GOVERNOR"]
    assert found[1].content.text == "The budget will be balanced by the end of the year"
    # Fewer than three labelled lines make no transcript.
    assert claims_of(nlp, '"NOTE: The budget will be balanced by the end of the year.') == []


def test_continued_with_a_quotation(nlp: Language) -> None:
    text = "Scarborough continued: “Is he really so stupid that he thinks voters are not offended?”"
    c = only(nlp, text)
    assert (c.cue.text, c.quote) == ("continued:", "direct")
    assert claims_of(nlp, "Prices continued to rise in March.") == []


def test_passive_cue_with_an_agent_reports_its_subject(nlp: Language) -> None:
    text = "The budget shortfall was first reported by the Boston Globe."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text) == ("the Boston Globe", "was first reported")
    assert c.content.text == "The budget shortfall"
    # A relative pronoun is no content.
    assert claims_of(nlp, "The plan, which was reported by the Globe, failed.") == []


@pytest.mark.parametrize(
    ("text", "content"),
    [
        (
            "Clinton praised the president’s executive actions on guns.",
            "the president’s executive actions on guns",
        ),
        ("The senator denounced the decision as a betrayal.", "the decision as a betrayal"),
        ("Polls show Trump leading in New Hampshire.", "Trump leading in New Hampshire"),
    ],
)
def test_object_contents(nlp: Language, text: str, content: str) -> None:
    assert only(nlp, text).content.text == content


def test_claimant_never_reaches_into_the_quotation(nlp: Language) -> None:
    # PolNeAR train: the parse attaches the quoted clause to the name.
    text = (
        "“That’s a legitimate concern, because they’re very passionate,” Sarandon, 69, told "
        "MSNBC Monday."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Sarandon, 69"
    assert c.content.text == "That’s a legitimate concern, because they’re very passionate"
    assert c.quote == "direct"


def test_quote_then_a_bare_attribution_sentence(nlp: Language) -> None:
    text = "“I hope you are able to find the emails that are missing.” Trump said."
    c = only(nlp, text)
    assert c.claimant.text == "Trump"
    assert c.content.text == "I hope you are able to find the emails that are missing."


@pytest.mark.parametrize(
    ("text", "cue", "content"),
    [
        # PolNeAR train: the that-clause hung on the adjunct's noun by the parse.
        (
            "Sanders said following a vote in 2001 that he had very serious concerns.",
            "said",
            "that he had very serious concerns",
        ),
        # "for" parsed as the mark of the complement clause.
        (
            "Clinton is calling for the United States to step up military efforts.",
            "is calling for",
            "the United States to step up military efforts",
        ),
    ],
)
def test_complements_the_parse_misplaces(nlp: Language, text: str, cue: str, content: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.cue.text, c.content.text) == (cue, content)


def test_nominal_cue_with_speaker_and_that_clause(nlp: Language) -> None:
    text = "Trump's claim that Mexico will pay for the wall is false."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.cue.lemma) == ("Trump", "claim", "claim")
    assert c.content.text == "that Mexico will pay for the wall"
    # No speaker, or a noun that is no speech act: no claim.
    assert claims_of(nlp, "The idea that he would win was absurd.") == []
    assert claims_of(nlp, "The claim that he would win was absurd.") == []


def test_signed_quotation_dash_cue(nlp: Language) -> None:
    # Article page (Slate on John M. Ford): a quotation signed after a dash.
    text = (
        "“Had he taken The Dragon Waiting and written a sequence of five books based in that "
        "world, with that power, he would’ve been George R.R. Martin.” — Neil Gaiman\n\n"
        "But the novels were only the beginning."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.quote) == ("Neil Gaiman", "—", "direct")
    assert c.content.text.startswith("Had he taken The Dragon Waiting")
    assert c.content.text.endswith("George R.R. Martin.")
    # A dash before a clause is no signature (The Week feed).
    text = (
        "“This is not a case of life imitating art” – Robbie has been married to producer Tom "
        "Ackerley since 2016, and they had their first child in 2024."
    )
    assert [c.cue.text for c in claims_of(nlp, text)] == []


def test_dash_signature_after_a_no_break_space(nlp: Language) -> None:
    # Reader comments signed "― Name" with a no-break space, the next one on the same line.
    text = (
        "“The plan will not survive the winter.”\u00a0―\u00a0Maria L. Ortega\n"
        "“Maybe the mayor will listen this time.” ―\u00a0Tom Reyes “We waited long enough.”"
        " ― Ana Ruiz.\n"
    )
    found = checked_claims(nlp, text)
    assert [c.claimant.text for c in found] == ["Maria L. Ortega", "Tom Reyes", "Ana Ruiz"]
    assert [c.hedged for c in found] == [False, True, False]  # "Maybe" hedges


def test_the_later_of_two_subjects_is_the_speaker(nlp: Language) -> None:
    # The parse takes the quotation's last noun phrase for a second subject of "said".
    text = "“The campaign is in panic mode. Full panic mode,” said Jane Roe, a local organizer."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "Jane Roe, a local organizer"
    assert c.content.text == "The campaign is in panic mode. Full panic mode"


def test_typewriter_quotation_marks(nlp: Language) -> None:
    # Time feed sentence, typed with the LDC/NYT typewriter marks ('' ... '').
    text = (
        "''It’s almost like the genie’s out of the bottle with the internet,'' Wells said on CNN."
    )
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.quote) == ("Wells", "direct")
    assert c.content.text == "It’s almost like the genie’s out of the bottle with the internet"


@pytest.mark.parametrize(
    ("text", "cue", "content"),
    [
        (  # Guardian feed: the parse hangs the clause on "clear"
            "There’s often little, if any coordination between Whitehall and town halls – "
            "pooling resources and expertise to develop a national flood management plan, for "
            "instance – because the government has made clear it doesn’t like planning.",
            "has made clear",
            "it doesn’t like planning",
        ),
        (  # Time feed
            "Republican state lawmakers across the country have expressed concern with the "
            "executive order, and have signaled their intention to uphold state AI laws.",
            "have expressed concern with",
            "the executive order",
        ),
    ],
)
def test_light_verb_cues(nlp: Language, text: str, cue: str, content: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.cue.text, c.content.text) == (cue, content)


def test_pointed_to(nlp: Language) -> None:
    # Time feed.
    text = (
        "Responding to the question of whether AI can make us better humans, Kay "
        "Firth-Butterfield, CEO of the Good Tech Advisory, pointed to ways we can make AI a "
        "better tool for humans."
    )
    c = [c for c in claims_of(nlp, text) if c.cue.lemma == "point to"][0]
    assert_offsets(text, c)
    assert (c.cue.text, c.content.text) == (
        "pointed to",
        "ways we can make AI a better tool for humans",
    )
    assert c.claimant.text == "Kay Firth-Butterfield, CEO of the Good Tech Advisory"


# ------------------------------------------------------------------ quotation marks glued to words


def test_a_closing_mark_typeset_as_an_opener_after_punctuation(nlp: Language) -> None:
    # Real feed item (rss-parser test feed in ../shared), cut: the second quotation opens with
    # "”" glued to the full stop before it.
    text = (
        "“Similarly, Bank is all poised to increase the turnover in the next 3 years”,  he "
        "asserted.”While encashing the growth opportunities, equal importance be given to "
        "quality. Growth should not be at the cost of quality”, he cautioned."
    )
    claims = claims_of(nlp, text)
    assert [c.cue.text for c in claims] == ["asserted", "cautioned"]
    for c in claims:
        assert_offsets(text, c)
    assert claims[1].content.text.startswith("While encashing the growth opportunities")
    assert claims[1].content.text.endswith("at the cost of quality")


def test_quotation_marks_glued_to_words_are_tokens_of_their_own(nlp: Language) -> None:
    """The model's tokenizer keeps "paranoia,”Clinton" and "said,“Look" as one token, which
    hides the cue from the parse."""
    assert [t.text for t in nlp.tokenizer("paranoia,”Clinton said,“Look")] == [
        "paranoia",
        ",",
        "”",
        "Clinton",
        "said",
        ",",
        "“",
        "Look",
    ]
    text = "Ryan said,“Look, anti-Semitic images, they’ve got no place in a campaign.”"
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.quote) == ("Ryan", "said", "direct")
    assert c.content.text == "Look, anti-Semitic images, they’ve got no place in a campaign."


# ------------------------------------------------------------------ colon after a name


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Pollsters agree - Carl Bialik: “The biggest lesson was a simple one.”", "Carl Bialik"),
        (
            "The timing does not surprise Republican pollster Daron Shaw: “Lesser-known "
            "candidates often surge late.”",
            "Republican pollster Daron Shaw",
        ),
    ],
)
def test_a_name_ending_a_clause_introduces_the_quotation_after_its_colon(
    nlp: Language, text: str, claimant: str
) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.quote) == (claimant, ":", "direct")
    assert c.content.text.endswith(".") and c.content.start == text.index("“") + 1


def test_a_place_before_a_colon_is_no_claimant(nlp: Language) -> None:
    text = "We flew on to New York: “a city that never sleeps”, the brochure promised."
    assert all(c.cue.text != ":" for c in claims_of(nlp, text))


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The senator said repeatedly that the bill would fail.", "said repeatedly"),
        ("He tweeted back that the report was wrong.", "tweeted back"),
        ("She said so.", "said"),  # "so" is the content
    ],
)
def test_an_adverb_right_after_the_cue_verb_joins_it(nlp: Language, text: str, cue: str) -> None:
    assert only(nlp, text).cue.text == cue


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("The senator likened the rules to a wildfire.", "the rules to a wildfire"),
        ("She asked him about his taxes.", "him about his taxes"),
        ("The mayor hailed the plan as a triumph.", "the plan as a triumph"),
    ],
)
def test_an_object_content_takes_what_the_cue_says_of_it(
    nlp: Language, text: str, content: str
) -> None:
    assert only(nlp, text).content.text == content


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("The senator went on to discuss the latest polls.", "went on to discuss"),
        ("The mayor came to talk about the budget.", "came to talk about"),
    ],
)
def test_an_infinitive_cue_takes_the_verb_it_completes(nlp: Language, text: str, cue: str) -> None:
    assert only(nlp, text).cue.text == cue
