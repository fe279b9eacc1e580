"""Claims stage: stance, hedging and claimant anonymity on real and constructed sentences."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from pipeline.records import Entity, Mention
from pipeline.stages.claims import extract_claims
from tests.support.claims import assert_offsets, claims_of, only

# ------------------------------------------------------------------ stance


def test_denied_any_wrongdoing(nlp: Language) -> None:
    c = only(nlp, "The former minister denied any wrongdoing.")
    assert c.content.text == "any wrongdoing"
    assert c.stance == "deny"


def test_rejected_claim_and_rejected_bill(nlp: Language) -> None:
    c = only(nlp, "The Kremlin rejected the allegations as baseless.")
    assert c.stance == "deny"
    # Rejecting a bill is a vote, not a statement.
    assert claims_of(nlp, "The Senate rejected the bill on Tuesday.") == []


def test_called_it_false_is_a_denial(nlp: Language) -> None:
    c = only(nlp, "The company said the report was false.")
    assert c.stance == "deny"
    c = only(nlp, "She said that was not the case.")
    assert c.stance == "deny"


def test_declined_to_comment(nlp: Language) -> None:
    # From the article-extraction benchmark (Reuters on WeWork).
    text = "A spokesperson for the NYAG declined to comment."
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "A spokesperson for the NYAG"
    assert c.claimant.anonymous
    assert (c.cue.text, c.cue.lemma) == ("declined", "decline")
    assert c.content.text == "to comment"
    assert c.stance == "noncommittal"


def test_neither_nor_subject_is_a_denial(nlp: Language) -> None:
    text = "A spokeswoman says neither the nominee nor her campaign helped the model."
    assert only(nlp, text).stance == "deny"
    text = "A spokeswoman says both the nominee and her campaign helped the model."
    assert only(nlp, text).stance == "assert"


def test_refused_to_confirm_or_deny(nlp: Language) -> None:
    c = only(nlp, "The company refused to confirm or deny the report.")
    assert c.cue.lemma == "refuse"
    assert c.content.text == "to confirm or deny the report"
    assert c.stance == "noncommittal"


def test_would_not_say_whether(nlp: Language) -> None:
    c = only(nlp, "The company would not say whether it had been contacted.")
    assert (c.cue.text, c.cue.lemma) == ("would not say", "say")  # the verb group
    assert c.content.text == "whether it had been contacted"
    assert c.stance == "noncommittal"


def test_would_not_say_without_complement_shows_the_withheld_act(nlp: Language) -> None:
    text = "The ministry would not say."
    c = only(nlp, text)
    assert c.stance == "noncommittal"
    assert (c.content.text, c.content.spans) == ("would not say", [(c.cue.start, c.cue.end)])


def test_did_not_confirm_and_did_not_respond(nlp: Language) -> None:
    assert only(nlp, "The army did not confirm the report.").stance == "noncommittal"
    c = only(nlp, "The Trump campaign did not immediately respond to requests for comment.")
    assert c.stance == "noncommittal"
    assert c.claimant.text == "The Trump campaign"


def test_did_not_deny_is_not_a_denial(nlp: Language) -> None:
    c = only(nlp, "The minister did not deny the report.")
    assert c.stance == "noncommittal"


def test_neither_confirmed_nor_denied(nlp: Language) -> None:
    c = only(nlp, "She neither confirmed nor denied the report.")
    assert c.stance == "noncommittal"
    assert c.content.text == "the report"


def test_said_he_could_not_comment(nlp: Language) -> None:
    c = only(nlp, "The state’s campaign chairman said he cannot comment on the letter.")
    assert c.stance == "noncommittal"


def test_negative_content_is_assertion(nlp: Language) -> None:
    c = only(nlp, "Cruz said he would not run for president.")
    assert c.stance == "assert"
    assert not c.hedged


def test_quoted_not_is_not_a_negated_cue(nlp: Language) -> None:
    c = only(nlp, "“Probably not,” Ms. Moore said.")
    assert c.stance == "assert"
    assert c.hedged


# ------------------------------------------------------------------ hedging


@pytest.mark.parametrize(
    ("text", "hedged"),
    [
        ("Analysts said the bank may raise rates in June.", True),
        ("Officials said the fire was likely caused by a faulty cable.", True),
        ("The agency estimated that 300 people had died.", True),
        ("Experts suggested that prices might rise.", True),
        ("The agency said that 300 people had died.", False),
        ("He said the company, which could face fines, will appeal.", False),
        ('"My name may not be on the ballot, but our progress is," Obama said.', False),
        ("His lawyer said his client was ready to appear behind closed doors.", False),
        ("Aides said that his support appeared steady.", True),
    ],
)
def test_hedging(nlp: Language, text: str, hedged: bool) -> None:
    assert only(nlp, text).hedged is hedged


# ------------------------------------------------------------------ claimants


@pytest.mark.parametrize(
    ("text", "claimant", "anonymous"),
    [
        ("A senior EU official said the talks had stalled.", "A senior EU official", True),
        ("Sources said the talks had stalled.", "Sources", True),
        (
            "A person familiar with the talks said they had stalled.",
            "A person familiar with the talks",
            True,
        ),
        ("Another source said the talks had stalled.", "Another source", True),
        ("The source added that the talks had stalled.", "The source", True),
        ("The minister said the talks had stalled.", "The minister", False),
        ("She said the talks had stalled.", "She", False),
        ("Emmanuel Macron said the talks had stalled.", "Emmanuel Macron", False),
        (
            "White House spokesman Sean Spicer said the talks had stalled.",
            "White House spokesman Sean Spicer",
            False,
        ),
    ],
)
def test_claimant_anonymity(nlp: Language, text: str, claimant: str, anonymous: bool) -> None:
    c = only(nlp, text)
    assert c.claimant.text == claimant
    assert c.claimant.anonymous is anonymous


def test_entity_prefers_mention_on_the_head() -> None:
    # Built without a model: the extractor needs no NER on the doc.
    words = ["A", "spokesman", "for", "Siemens", "said", "profits", "rose", "."]
    doc = Doc(
        nlp_free_vocab(),
        words=words,
        spaces=[True, True, True, True, True, True, False, False],
        pos=["DET", "NOUN", "ADP", "PROPN", "VERB", "NOUN", "VERB", "PUNCT"],
        tags=["DT", "NN", "IN", "NNP", "VBD", "NNS", "VBD", "."],
        deps=["det", "nsubj", "prep", "pobj", "ROOT", "nsubj", "ccomp", "punct"],
        heads=[1, 4, 1, 2, 4, 6, 4, 4],
        lemmas=["a", "spokesman", "for", "Siemens", "say", "profit", "rise", "."],
    )
    start = doc.text.index("Siemens")
    siemens = Entity(
        id="org:siemens",
        name="Siemens",
        label="ORG",
        count=1,
        mentions=[Mention(start=start, end=start + 7, text="Siemens")],
    )
    [c] = extract_claims(doc, [siemens])
    assert c.claimant.text == "A spokesman for Siemens"
    assert c.claimant.entity_id == "org:siemens"  # the affiliation, no mention on the head
    assert c.claimant.anonymous  # the spokesman himself is unnamed


def nlp_free_vocab() -> Vocab:
    return Vocab()


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("“That is not true,” the spokesman said.", "deny"),
        ("“It is a lie,” she said.", "deny"),
        ("“It is true,” she said.", "assert"),
    ],
)
def test_direct_quote_that_rebuts_is_a_denial(nlp: Language, text: str, stance: str) -> None:
    assert only(nlp, text).stance == stance


@pytest.mark.parametrize(
    ("text", "anonymous"),
    [
        ("Republicans said the plan would fail.", True),
        ("Some Democrats said the plan would fail.", True),
        ("The Democrats said the plan would fail.", False),
    ],
)
def test_unnamed_members_of_a_group(nlp: Language, text: str, anonymous: bool) -> None:
    assert only(nlp, text).claimant.anonymous is anonymous


@pytest.mark.parametrize(
    ("text", "cue", "content"),
    [
        ("Trump disagreed with the assessment.", "disagreed with", "the assessment"),
        (
            "The campaign rejected Trump's comments about the judge.",
            "rejected",
            "Trump's comments about the judge",
        ),
    ],
)
def test_rebuttals_are_denials(nlp: Language, text: str, cue: str, content: str) -> None:
    c = only(nlp, text)
    assert (c.cue.text, c.content.text, c.stance) == (cue, content, "deny")


def test_quoted_reply_opening_with_no_is_a_denial(nlp: Language) -> None:
    c = only(nlp, "“No, you’re not going to be able to do it,” Trump said.")
    assert (c.stance, c.quote) == ("deny", "direct")


@pytest.mark.parametrize(
    "text",
    [
        # Mail Online feed.
        "The Government has declined to say how many ex-translators who risked their lives "
        "beside UK troops were airlifted.",
        # Constructed: curly "n’t" negates like "n't"; a cue under "refused to" is withheld.
        "The company isn’t saying whether it will appeal the ruling.",
        "The senator pointedly refused to endorse the nominee.",
    ],
)
def test_withholding_is_noncommittal(nlp: Language, text: str) -> None:
    assert only(nlp, text).stance == "noncommittal"


def test_a_cue_under_appear_is_hedged(nlp: Language) -> None:
    c = only(nlp, "The ministry has appeared to acknowledge that the plan failed.")
    assert (c.cue.text, c.hedged) == ("has appeared to acknowledge", True)


@pytest.mark.parametrize(
    ("text", "cue", "stance"),
    [
        ('The president said the controversy was a "manufactured" issue.', "said", "deny"),
        ("The senator mocked the complaint in a speech.", "mocked", "deny"),
        ("The senator mocked the governor in a speech.", "mocked", "assert"),
        ("The fact-checkers ruled that the statement was accurate.", "ruled", "assert"),
    ],
)
def test_dismissals_deny_only_propositions(nlp: Language, text: str, cue: str, stance: str) -> None:
    [c] = [c for c in claims_of(nlp, text) if c.cue.text == cue]
    assert c.stance == stance


def test_a_negated_cue_that_withholds_nothing_stays_an_assertion(nlp: Language) -> None:
    defended = only(nlp, "The governor did not defend the plan.")
    assert (defended.cue.text, defended.content.text, defended.stance) == (
        "did not defend",
        "the plan",
        "assert",
    )
    assert only(nlp, "He did not deny the report.").stance == "noncommittal"
