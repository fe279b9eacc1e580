"""Claims stage: kinds of attribution, what is no attribution, and content that is the
statement itself (joined quotations, resolved relative pronouns, cited sources)."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.stages.claims.finder import verb_claims
from pipeline.stages.claims.learned import cue_probability, thresholds
from pipeline.stages.claims.screen import judged, nested_flags
from tests.support.claims import assert_offsets, claims_of, entities_of, only


@pytest.mark.parametrize(
    ("text", "kind", "content"),
    [
        ("Officials believe the strike was Israeli.", "belief", "the strike was Israeli"),
        ("She fears a recession is coming.", "belief", "a recession is coming"),
        ("Tehran wants sanctions lifted.", "intention", "sanctions lifted"),
        ("The company plans to cut 500 jobs.", "intention", "to cut 500 jobs"),
        ("The ministry said the border was closed.", "statement", "the border was closed"),
    ],
)
def test_each_claim_has_its_kind(nlp: Language, text: str, kind: str, content: str) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.kind, c.content.text, c.stance) == (kind, content, "assert")


@pytest.mark.parametrize(
    "text",
    [
        "The United States and China could agree on a deal.",  # a possibility
        "He threatened to kill the hostages.",  # an act
        "We respond to every request.",  # a reaction
        "No one has shown symptoms.",  # nobody
        "The minister refuted Islamophobia.",  # no proposition refuted
    ],
)
def test_what_is_no_attribution_is_no_claim(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_a_threat_that_states_something_stays_a_claim(nlp: Language) -> None:
    c = only(nlp, "He threatened that the hostages would be killed.")
    assert c.content.text == "that the hostages would be killed"


def test_a_quotation_split_by_its_attribution_reads_as_one_statement(nlp: Language) -> None:
    text = '"We need to go faster," Starmer said, "and we have to deliver."'
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.content.text == "We need to go faster, and we have to deliver."
    assert [text[s:e] for s, e in c.content.spans] == [
        "We need to go faster",
        "and we have to deliver.",
    ]
    assert (c.content.start, c.content.end) == (c.content.spans[0][0], c.content.spans[-1][1])


def test_which_is_resolved_to_what_it_stands_for(nlp: Language) -> None:
    text = "Israel struck the site, which Tehran denies."
    c = only(nlp, text)
    assert (c.claimant.text, c.stance, c.content.text) == (
        "Tehran",
        "deny",
        "Israel struck the site",
    )


def test_citing_names_a_source_not_content(nlp: Language) -> None:
    reported = only(nlp, "The agency said the talks had failed, citing two officials.")
    assert reported.claimant.via == "two officials"
    assert reported.content.text == "the talks had failed"
    alone = only(nlp, "The outbreak has killed 12 people, citing the regional health commission.")
    assert alone.claimant.text == "the regional health commission"
    assert (alone.cue.text, alone.content.text) == ("citing", "The outbreak has killed 12 people")


def test_citing_a_reason_is_a_claim_of_the_reporter(nlp: Language) -> None:
    text = "The senator said the reforms had worked, citing the release of political prisoners."
    said, cited = claims_of(nlp, text)
    assert (said.content.text, said.claimant.via) == ("the reforms had worked", None)
    assert (cited.claimant.text, cited.cue.text, cited.content.text) == (
        "The senator",
        "citing",
        "the release of political prisoners",
    )


def test_ruled_out_is_a_denial_and_refuted_an_accusation_too(nlp: Language) -> None:
    ruled = only(nlp, "The president ruled out any involvement in the attack.")
    assert (ruled.cue.text, ruled.stance) == ("ruled out", "deny")
    refuted = only(nlp, "The minister refuted the accusation that he lied.")
    assert refuted.stance == "deny"


def test_the_learned_detector_finds_cues_the_word_lists_do_not_name(nlp: Language) -> None:
    text = "The senator echoed the warning that rates would rise."
    c = only(nlp, text)
    assert (c.claimant.text, c.cue.text) == ("The senator", "echoed")
    assert c.content.text == "the warning that rates would rise"
    doc = nlp("The senator echoed the warning and walked to the car.")
    threshold, veto = thresholds()
    assert 0.0 < veto < threshold < 1.0
    assert cue_probability(doc[2]) >= threshold  # echoed
    assert cue_probability(doc[6]) < veto  # walked


@pytest.mark.parametrize(
    ("text", "cue", "content"),
    [
        ("The governor has railed against the new tax.", "has railed against", "the new tax"),
        ("The senator doubled down on his attacks.", "doubled down on", "his attacks"),
        ("The union pushed for higher wages.", "pushed for", "higher wages"),
    ],
)
def test_a_preposition_that_opens_the_content_joins_the_cue(
    nlp: Language, text: str, cue: str, content: str
) -> None:
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.cue.text, c.content.text) == (cue, content)


def test_a_learned_cue_keeps_an_object_with_a_cue_noun_participle_or_relative_clause(
    nlp: Language,
) -> None:
    text = "The mayor pronounced her support for the plan, which she said would save money."
    pronounced = [c for c in claims_of(nlp, text) if c.cue.text == "pronounced"]
    assert len(pronounced) == 1
    assert pronounced[0].claimant.text == "The mayor"
    assert pronounced[0].content.text.startswith("her support for the plan")
    opposed = only(nlp, "Both candidates have opposed the new trade deal known as the pact.")
    assert opposed.content.text == "the new trade deal known as the pact"
    issued = claims_of(nlp, "The ministry issued a statement saying the border was closed.")
    assert [c.cue.text for c in issued] == ["saying"]


def test_a_negated_belief_or_intention_is_still_one(nlp: Language) -> None:
    wants = only(nlp, "The bank does not want to raise rates.")
    assert (wants.kind, wants.cue.text, wants.content.text) == (
        "intention",
        "does not want",
        "to raise rates",
    )
    believes = only(nlp, "They don't believe the report is accurate.")
    assert (believes.kind, believes.cue.text) == ("belief", "don't believe")


def test_a_learned_cue_takes_an_adjacent_quotation(nlp: Language) -> None:
    text = '"We will win," the candidate riffed.'
    c = only(nlp, text)
    assert_offsets(text, c)
    assert (c.claimant.text, c.cue.text, c.content.text, c.quote) == (
        "the candidate",
        "riffed",
        "We will win",
        "direct",
    )


def test_a_listed_cue_the_detector_is_fairly_sure_of_takes_its_object(nlp: Language) -> None:
    text = "The union blamed the budget cuts."
    assert cue_probability(nlp(text)[2]) < 0.8  # below the passive agent's bar
    c = only(nlp, text)
    assert (c.claimant.text, c.cue.text, c.content.text) == (
        "The union",
        "blamed",
        "the budget cuts",
    )
    assert claims_of(nlp, "He did not blame anyone.") == []  # negated, it says nothing


def test_so_is_the_content_of_any_cue(nlp: Language) -> None:
    c = only(nlp, "He doesn't think so.")
    assert (c.kind, c.cue.text, c.content.text) == ("belief", "doesn't think", "so")


def test_a_passive_learned_cue_reports_its_subject_when_the_detector_is_fairly_sure(
    nlp: Language,
) -> None:
    text = "The warning was echoed by the central bank."
    assert 0.6 <= cue_probability(nlp(text)[3]) < 0.8
    c = only(nlp, text)
    assert (c.claimant.text, c.cue.text, c.content.text) == (
        "the central bank",
        "was echoed",
        "The warning",
    )


def test_citing_before_the_report_leaves_its_content_whole(nlp: Language) -> None:
    said = only(nlp, "Citing two officials, the agency said the talks had failed.")
    assert (said.content.text, said.claimant.via) == ("the talks had failed", "two officials")


@pytest.mark.parametrize(
    ("text", "dropped", "kept"),
    [
        # a record showing something, inside a report
        ("The footage showed the officer firing twice, the police chief said.", "showed", "said"),
        # "what he called": a naming inside another claim's content
        (
            "Senator Smith condemned what he called a reckless breach of the rules.",
            "called",
            "condemned",
        ),
        ("The mayor said the video shows that the officer fired first.", "shows", "said"),
    ],
)
def test_the_learned_screen_drops_claims_polnear_marks_no_attribution(
    nlp: Language, text: str, dropped: str, kept: str
) -> None:
    doc = nlp(text)
    built = [c.claim.cue.text for c in verb_claims(doc, entities_of(doc))]
    assert dropped in built and kept in built  # the rules build both
    assert [c.cue.text for c in claims_of(nlp, text)] == [kept]


def test_the_learned_screen_keeps_what_it_is_sure_of_and_leaves_negated_cues_alone(
    nlp: Language,
) -> None:
    found = only(nlp, "The report found that the officer had fired first.")
    assert (found.cue.text, found.content.text) == ("found", "that the officer had fired first")
    doc = nlp("She did not say whether she would run.")
    (said,) = verb_claims(doc, entities_of(doc))
    assert not judged(said.verb) and not judged(None)  # the stance rules decide negated cues
    assert claims_of(nlp, doc.text) == [said.claim]


def test_a_claim_is_nested_in_the_content_of_a_cue_before_it_in_its_sentence(
    nlp: Language,
) -> None:
    doc = nlp("Senator Smith condemned what he called a reckless breach of the rules.")
    assert nested_flags(verb_claims(doc, entities_of(doc))) == [False, True]
    # a cue after it ("..., said a statement") or in another sentence does not nest it
    doc = nlp("The ministry urged citizens to stay calm, said a statement issued by the embassy.")
    assert nested_flags(verb_claims(doc, entities_of(doc))) == [False, False]
