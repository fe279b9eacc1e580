"""Claims stage: attributed statements from real and constructed sentences."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from agents.claims import extract_claims
from agents.nlp import doc_from_parse, parse_from_doc
from pipeline.records import Claim, Entity, Mention


def entities_of(doc: Doc) -> list[Entity]:
    """Entities built from the model's NER, the way the tag stage hands them over."""
    by_key: dict[str, tuple[str, str, list[Mention]]] = {}
    for ent in doc.ents:
        key = f"{ent.label_.lower()}:{ent.text.lower()}"
        mention = Mention(start=ent.start_char, end=ent.end_char, text=ent.text)
        by_key.setdefault(key, (ent.label_, ent.text, []))[2].append(mention)
    return [
        Entity(id=key, name=name, label=label, count=len(ms), mentions=ms)
        for key, (label, name, ms) in by_key.items()
    ]


def claims_of(nlp: Language, text: str) -> list[Claim]:
    doc = nlp(text)
    return extract_claims(doc, entities_of(doc))


def only(nlp: Language, text: str) -> Claim:
    claims = claims_of(nlp, text)
    assert len(claims) == 1, claims
    return claims[0]


def assert_offsets(text: str, claim: Claim) -> None:
    for span in (claim.claimant, claim.cue, claim.content):
        assert text[span.start : span.end] == span.text
    for s, e in claim.content.spans:
        assert claim.content.start <= s < e <= claim.content.end
    if claim.content.text:
        assert claim.content.spans
        assert claim.content.spans[0][0] == claim.content.start
        assert claim.content.spans[-1][1] == claim.content.end


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
    assert (c.cue.text, c.cue.lemma) == ("added", "add")
    assert c.content.text == "We will not give up."
    assert c.quote == "direct"


def test_attribution_inside_quote(nlp: Language) -> None:
    text = "“We will win,” she said, “and soon.”"
    c = only(nlp, text)
    assert_offsets(text, c)
    assert c.claimant.text == "she"
    assert not c.claimant.anonymous
    assert [text[s:e] for s, e in c.content.spans] == ["We will win", "and soon."]
    assert c.content.text == "We will win,” she said, “and soon."
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


def test_refused_to_confirm_or_deny(nlp: Language) -> None:
    c = only(nlp, "The company refused to confirm or deny the report.")
    assert c.cue.lemma == "refuse"
    assert c.content.text == "to confirm or deny the report"
    assert c.stance == "noncommittal"


def test_would_not_say_whether(nlp: Language) -> None:
    c = only(nlp, "The company would not say whether it had been contacted.")
    assert c.cue.text == "say"
    assert c.content.text == "whether it had been contacted"
    assert c.stance == "noncommittal"


def test_would_not_say_without_complement_has_empty_content(nlp: Language) -> None:
    text = "The ministry would not say."
    c = only(nlp, text)
    assert c.stance == "noncommittal"
    assert (c.content.text, c.content.spans) == ("", [])
    assert c.content.start == c.content.end == c.cue.end


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


def nlp_free_vocab() -> object:
    from spacy.vocab import Vocab

    return Vocab()


# ------------------------------------------------------------------ not claims


@pytest.mark.parametrize(
    "text",
    [
        "He thinks the plan will fail.",
        "She believes that the economy will recover.",
        "The union wants to strike and hopes to win.",
        "The bill was said to be unpopular.",
        "He did not accuse anyone.",
        "They refused to leave the building.",
        "The company announced.",
    ],
)
def test_beliefs_intentions_and_non_statements(nlp: Language, text: str) -> None:
    assert claims_of(nlp, text) == []


def test_other_cues(nlp: Language) -> None:
    c = only(nlp, "He accused Russia of meddling in the election.")
    assert c.content.text == "Russia of meddling in the election"
    c = only(nlp, "The central bank warned of a recession.")
    assert c.content.text == "of a recession"
    c = only(nlp, "The analyst pointed out that sales had fallen.")
    assert (c.cue.text, c.cue.lemma) == ("pointed out", "point out")
    c = only(nlp, "Critics called the plan a disaster.")
    assert c.content.text == "the plan a disaster"


# ------------------------------------------------------------------ round trip, real text

ARTICLE = (
    "“We will win,” she said, “and soon.” The ministry denied that troops had crossed the "
    "border, according to a statement.\n\n"
    "German Chancellor Olaf Scholz said on Tuesday that Germany would send tanks. "
    "A spokesperson for the NYAG declined to comment. Officials, speaking on condition of "
    'anonymity, said the deal might collapse. "It was hard," Lopez said. He did not deny the '
    "report, and the minister added: “Nothing has changed.”\n\n"
    "According to Reuters, the company could cut 500 jobs."
)


def test_round_trip_through_parse_gives_same_claims(nlp: Language) -> None:
    doc = nlp(ARTICLE)
    ents = entities_of(doc)
    original = extract_claims(doc, ents)
    rebuilt = extract_claims(doc_from_parse(parse_from_doc(doc)), ents)
    assert len(original) >= 8
    assert rebuilt == original
    assert [c.model_dump() for c in rebuilt] == [c.model_dump() for c in original]
    for c in original:
        assert_offsets(ARTICLE, c)
        assert Claim.from_json(c.to_json()) == c


def test_real_articles_round_trip_and_offsets(nlp: Language, shared_data: Path) -> None:
    bodies = json.loads((shared_data / "article-html" / "ground-truth-dev.json").read_text())
    texts = [v["articleBody"] for _, v in sorted(bodies.items())][:12]
    total = 0
    for text in texts:
        doc = nlp(text)
        ents = entities_of(doc)
        claims = extract_claims(doc, ents)
        assert extract_claims(doc_from_parse(parse_from_doc(doc)), ents) == claims
        for c in claims:
            assert_offsets(text, c)
        total += len(claims)
    assert total > 20


def test_linear_speed(nlp: Language) -> None:
    doc = doc_from_parse(parse_from_doc(nlp(ARTICLE)))
    big = Doc.from_docs([doc] * 40)
    assert big is not None
    t0 = time.perf_counter()
    claims = extract_claims(big, [])
    elapsed = time.perf_counter() - t0
    assert len(claims) >= 40 * 8
    assert len(big) / elapsed > 5000  # tokens per second, with a wide margin
