"""Word lists of the claims stage: reporting verbs, stance, hedging and anonymity markers."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Mental states reported as beliefs (kind "belief"): "officials believe the strike was ...".
BELIEF_VERBS = _words(
    """
    think believe feel know suspect fear doubt expect worry assume reckon suppose guess
    realize realise anticipate imagine presume
    """
)
#: Aims reported as intentions (kind "intention"): "Tehran wants sanctions lifted".
INTENTION_VERBS = _words("want plan intend hope seek aim wish")
#: Beliefs and intentions whose object noun phrase is their content ("fears a recession").
ATTITUDE_OBJECT_VERBS = _words("fear doubt expect suspect anticipate want plan seek wish")

#: Reporting verbs whose content is a clause or a quotation (by lemma).
SPEECH_VERBS = _words(
    """
    say tell add state announce declare claim assert insist maintain argue contend allege
    warn caution estimate predict forecast acknowledge admit concede confirm report note
    explain write tweet post comment remark reply respond answer testify reiterate stress
    emphasize emphasise suggest propose recommend urge promise pledge vow threaten complain
    charge accuse blame recall reveal disclose indicate signal mention assure counter retort
    observe conclude agree inform notify hint joke quip boast brag lament concur demand
    speculate deny reject dismiss refute dispute rebut contest repudiate show find
    describe criticize criticise decline refuse guarantee concur insist advise call cite
    ask exclaim shout yell scream chant proclaim tout muse interject recount continue
    praise blast slam denounce condemn decry mock lambast rebuke ridicule applaud hail laud
    contradict debunk rebuff disagree
    talk speak refer express voice question defend discuss repeat reaffirm portray thank
    endorse reference
    """
)
#: Cues that report speech only with an adjacent quotation ("continued: “...”") or a
#: that-clause ("continued that ..."), never with another complement ("continued to grow").
QUOTE_ONLY_VERBS = _words("continue")

#: Nouns of speech that take a that-clause ("Trump's claim that ...").
SPEECH_NOUNS = _words(
    """
    claim statement assertion allegation warning promise pledge denial admission announcement
    remark comment suggestion insistence argument accusation charge testimony prediction
    contention acknowledgment acknowledgement assurance vow
    """
)

#: Phrasal reporting verbs: lemma -> the particle it needs ("pointed out that ...").
PHRASAL_CUES: dict[str, str] = {"point": "out", "spell": "out", "push": "back", "rule": "out"}
#: Prepositions that make a phrasal verb a cue without its particle ("pointed to").
PHRASAL_PREPS: dict[str, frozenset[str]] = {"point": _words("to")}

#: Prepositions a cue selects, annotated as part of the cue ("called for", "responded to").
CUE_PREPS: dict[str, frozenset[str]] = {
    "call": _words("for on"),
    "push": _words("on against"),
    "disagree": _words("with"),
    "respond": _words("to"),
    "reply": _words("to"),
    "point": _words("to"),
    "warn": _words("of about against"),
    "comment": _words("on"),
    "complain": _words("about of"),
    "ask": _words("for"),
    "talk": _words("about of"),
    "speak": _words("about of"),
    "refer": _words("to"),
}
#: Prepositions that join any cue whose content is their object, as PolNeAR marks them
#: ("called for", "railed against", "doubled down on"); not "in", "to", "as", "by", which
#: as often open an adjunct ("said in Ohio") or a naming ("described as").
TOPIC_PREPS = _words("for on about against with at over upon like of")
#: "said in a statement": the medium joins the cue.
STATEMENT_NOUNS = _words("statement")
#: Media of a statement: "in a statement", "in an interview", "in a post on X".
MEDIUM_NOUNS = _words(
    """
    statement interview post tweet letter email e-mail op-ed editorial column blog podcast
    video message memo briefing release broadcast speech address filing text essay
    """
)
#: Platforms named as a medium: "wrote on X".
PLATFORMS = _words("X Twitter Facebook Instagram YouTube TikTok Telegram LinkedIn Threads Bluesky")
#: Nouns that make the name they describe an outlet: "the German tabloid Bild".
OUTLET_NOUNS = _words(
    "newspaper tabloid paper daily weekly magazine broadcaster network channel station "
    "outlet website platform agency"
)
#: Words that make a name a news outlet: "told Reuters", "said on Fox News".
OUTLET_WORDS = _words(
    """
    News Times Post Journal Press Herald Tribune Telegraph Guardian Gazette Daily Magazine Radio
    TV Television Network Broadcasting Reuters Bloomberg AFP AP CNN BBC NPR MSNBC CNBC NBC ABC
    CBS PBS Politico Axios Fox Breitbart HuffPost Vox Jazeera TIME
    """
)

#: One-word contents of a cue: "said so", "said no", "does not think so".
ANSWER_WORDS = _words("so yes no otherwise")

#: Cues that may take an object noun phrase as content ("denied any wrongdoing").
NP_OBJECT_VERBS = _words(
    """
    deny refute rebut repudiate confirm acknowledge admit announce concede predict forecast
    estimate reveal disclose report promise pledge vow urge demand recommend propose
    guarantee reiterate allege mention cite
    criticize criticise praise blast slam denounce condemn decry mock lambast rebuke ridicule
    applaud hail laud note tout tweet post claim recall warn stress emphasize emphasise
    recount lament explain suggest show ask
    express voice question defend discuss repeat reaffirm endorse say reference rule
    """
)

#: Cues whose object is only content when it denotes a proposition ("rejected the claim").
PROPOSITION_OBJECT_VERBS = _words("reject dismiss dispute contest refute rebut")
PROPOSITION_NOUNS = _words(
    """
    claim allegation accusation charge report suggestion idea notion criticism assertion
    story account speculation rumor rumour characterization characterisation premise complaint
    assessment conclusion finding theory narrative statement comment remark portrayal
    depiction interpretation version argument contention insinuation implication
    """
)

#: Cues taking "OBJECT PREPOSITION ..." as content: "accused Russia of meddling".
OBJECT_PREP_VERBS: dict[str, frozenset[str]] = {
    "accuse": frozenset({"of"}),
    "blame": frozenset({"for", "on"}),
    "describe": frozenset({"as"}),
    "criticize": frozenset({"for"}),
    "criticise": frozenset({"for"}),
    "charge": frozenset({"with"}),
    "portray": frozenset({"as"}),
    "thank": frozenset({"for"}),
}
#: Cues taking a prepositional phrase as content: "warned of a recession".
PREP_CONTENT_VERBS: dict[str, frozenset[str]] = {
    "warn": frozenset({"of", "about", "against"}),
    "complain": frozenset({"of", "about"}),
    "caution": frozenset({"against", "about"}),
    "respond": frozenset({"to"}),
    "comment": frozenset({"on"}),
    "disagree": frozenset({"with"}),
    "push": frozenset({"on", "against"}),
    "point": frozenset({"to"}),
    "ask": frozenset({"for"}),
    "talk": frozenset({"about", "of"}),
    "speak": frozenset({"about", "of"}),
    "refer": frozenset({"to"}),
}

#: Light verbs whose bare object noun joins the cue: "expressed concern that ...".
LIGHT_VERBS = _words("express voice")
#: Nouns that make "make" a cue: "made the case that", "made comments about".
MADE_NOUNS = _words(
    """
    case point argument comment remark reference statement appeal claim promise pledge
    accusation allegation announcement prediction plea
    """
)

#: Cues that report speech only through their preposition ("spoke about", not "spoke").
PREP_ONLY_VERBS = _words("talk speak refer")

#: Rebuttals ("push" is a cue only as "pushed back").
DENY_VERBS = _words(
    "deny reject dismiss refute dispute rebut contest repudiate contradict debunk rebuff "
    "disagree push question rule"
)
#: Modals that make a cue a possibility, not a statement: "the two sides could agree".
POSSIBILITY_MODALS = _words("could might may")
#: Cues that report an act, not a statement, when an infinitive follows: "threatened to kill".
ACT_INFINITIVE_VERBS = _words("threaten")
#: Cues that report a reaction, not a statement, when only their object follows: "we respond
#: to every request" (negated they withhold a comment and stay claims).
RESPONSE_VERBS = _words("respond reply")
#: Claimants that say nobody said anything: "no one has shown symptoms".
NOBODY_WORDS = _words("no nobody none neither")
#: "declined/refused to X": X withholds a position -> noncommittal.
WITHHOLD_VERBS = _words("decline refuse")
WITHHELD_ACTS = _words(
    """
    comment confirm deny say discuss answer elaborate specify disclose respond reveal identify
    provide give detail address speculate release name explain divulge share mention supply
    suggest
    """
)
#: Negated in a content clause, these withhold a position: "said he could not comment".
CONTENT_WITHHELD = _words("comment confirm deny say discuss speculate elaborate disclose know")
#: Heads whose catenative complement is withheld: "refused to endorse", "avoids condemning".
EVASION_HEADS = _words("decline refuse avoid")
#: Cues that only count when negated: "did not return calls seeking comment".
NEGATED_ONLY_VERBS: dict[str, frozenset[str]] = {
    "return": _words("call message request email e-mail inquiry text"),
}

#: Heads through which a catenative complement inherits its subject ("went on to say");
#: intentions and expectations are left out ("wants to say" is no claim).
NON_CLAIM_CATENATIVES = _words(
    "want hope plan intend try expect like need seek wish aim prepare love hate"
)

HEDGE_CUES = _words("estimate speculate hint")
#: Cues that hedge only a clause ("suggested that X may": hedged; "suggested a plan": a proposal).
HEDGE_CLAUSE_CUES = _words("suggest predict")
#: Predicates that reject a proposition ("said the report was false") or, negated, deny it
#: ("said that was not true / not the case").
FALSITY_PREDICATES = _words(
    "false untrue baseless inaccurate incorrect unfounded groundless fabricated bogus wrong "
    "ridiculous absurd nonsense lie fabrication falsehood manufactured phony fake made-up"
)
#: Cues that deny when their object is a proposition ("mocked the complaint") and merely
#: report an attack otherwise ("mocked the senator").
DISMISSIVE_VERBS = _words("mock deride ridicule scoff lampoon")
TRUTH_PREDICATES = _words("true accurate correct case")
HEDGE_WORDS = _words(
    """
    may might could likely unlikely possibly possible probably perhaps maybe apparently
    presumably seemingly potentially conceivably reportedly allegedly uncertain unclear
    """
)
HEDGE_MODALS = _words("may might could")
HEDGE_LEMMAS = _words("appear seem suggest estimate")
OPINION_LEMMAS = _words("think believe guess suppose suspect")

#: Sources of record that speak for themselves ("Poll: ...", "in a CNN poll, ...").
RECORD_NOUNS = _words("poll survey study report newspaper paper analysis memo ad")
POLL_NOUNS = _words("poll survey")

#: Nouns naming a source that stays unnamed whatever its determiner ("the source").
ANONYMOUS_HEADS = _words("source insider aide person people individual")
ANONYMITY_MARKERS = _words(
    "familiar anonymity anonymous unnamed unidentified authorized authorised"
)
#: Nouns of people and bodies that "citing" names as a source ("citing two officials"), not
#: as the reason it gives ("citing the release of prisoners").
CITED_SOURCE_NOUNS = _words(
    """
    official analyst expert spokesman spokeswoman spokesperson witness lawmaker diplomat
    investigator researcher scientist authority resident observer economist commission
    """
)
#: Prepositions naming the body an unnamed source speaks for: "an official at the Pentagon".
AFFILIATION_PREPS = _words("for at with of in from")
#: Heads that a possessive pronoun does not make anonymous ("his campaign" is named).
COLLECTIVE_HEADS = _words("campaign office team")
DEFINITE_DETS = _words("the this that these those")
#: Quantifiers that leave a group's members unnamed ("some Republicans").
GROUP_QUANTIFIERS = _words("some many several most other few top senior leading prominent")
NAMED_LABELS = _words("PERSON ORG GPE NORP FAC PRODUCT")
#: Referents of "it" (an organisation, a country) and of "they" (also a group of people).
ORG_LABELS = _words("ORG GPE")
GROUP_LABELS = _words("ORG NORP")
#: Descriptions of an organisation: "the company", "the group", "the agency".
ORG_NOUNS = _words(
    """
    company firm group label business corporation agency ministry department organization
    organisation network newspaper broadcaster bank union committee campaign party council
    government administration office court board institute foundation charity association
    """
)
#: Abbreviated titles before a name, as the noun a description uses ("Sen. Warren": "the senator").
TITLE_ABBREVIATIONS: dict[str, str] = {
    "sen.": "senator",
    "rep.": "representative",
    "gov.": "governor",
    "gen.": "general",
    "lt.": "lieutenant",
    "col.": "colonel",
    "sgt.": "sergeant",
    "atty.": "attorney",
    "supt.": "superintendent",
    "pres.": "president",
    "sec.": "secretary",
}

SUBJECT_DEPS = _words("nsubj csubj")
PASSIVE_SUBJECT_DEPS = _words("nsubjpass csubjpass")
CLAUSE_DEPS = ("ccomp", "xcomp")
NEGATORS = _words("not n't n’t never neither nt")
#: Prepositions after an inverted name that introduce the verb's adjunct ("said X in a letter").
ADJUNCT_PREPS = _words("in on during via after before to with")
