"""A learned screen over finished verb claims: a logistic regression over what a claim is
made of (its cue's lemma and the cue detector's probability, kind, stance, quotation, the
lengths of its parts, a pronoun claimant, content before the cue, a cue inside the content
of an earlier cue of its sentence), trained on PolNeAR (``make train``; model card in
``models/SCREEN.md``). It drops the claims the rules build where PolNeAR marks no
attribution ("the footage showed", "what he called a war", "those seeking entrance")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, TypeGuard

from spacy.tokens import Token

from pipeline.records import Claim
from pipeline.stages.claims.cues import is_cue
from pipeline.stages.claims.linear import shipped
from pipeline.stages.claims.stance import cue_negated

MODEL = Path(__file__).with_name("models") / "screen.json"
_PRONOUNS = frozenset({"he", "she", "it", "they", "i", "we", "you", "which", "who", "that"})
_LENGTHS = (0, 1, 2, 4, 8, 16, 32)


def _bucket(n: int) -> str:
    return next((str(b) for b in _LENGTHS if n <= b), "more")


class Candidate(NamedTuple):
    """A claim before the screen, with its cue verb (None for "according to" and nouns) and
    the cue detector's probability of that verb."""

    claim: Claim
    verb: Token | None = None
    probability: float = 0.0


def features(claim: Claim, verb: Token, probability: float, nested: bool) -> list[str]:
    """The features of ``claim`` of cue verb ``verb`` of detector ``probability``;
    ``nested``: its cue lies inside the content of an earlier cue (``nested_flags``)."""
    claimant = claim.claimant.text.lower()
    found = [
        f"lemma={claim.cue.lemma}",
        f"kind={claim.kind}",
        f"stance={claim.stance}",
        f"quote={claim.quote}",
        f"claimant={_bucket(len(claimant.split()))}",
        f"content={_bucket(len(claim.content.text.split()))}",
        f"cue={_bucket(len(claim.cue.text.split()))}",
        f"tag={verb.tag_}",
        f"dep={verb.dep_}",
        f"head={verb.head.dep_}",
    ]
    if claimant in _PRONOUNS:
        found.append(f"pronoun={claimant}")
    flags = (
        ("hedged", claim.hedged),
        ("anonymous", claim.claimant.anonymous),
        ("entity", claim.claimant.entity_id is not None),
        ("via", claim.claimant.via is not None),
        ("before", claim.content.start < claim.cue.start),
        ("nested", nested),
        ("listed", is_cue(verb)),
    )
    found.extend(name for name, on in flags if on)
    found.append(f"p={min(int(probability * 10), 9)}")
    return found


def nested_flags(found: Sequence[Candidate]) -> list[bool]:
    """For each of ``found``: its cue lies inside the content of a cue before it in its
    sentence ("condemned what he called a breach"); not of a cue after it ("X urged Y, said a
    statement") nor of one in an earlier sentence."""
    flags = []
    for c, verb, _ in found:
        outer = [
            o.claim.cue.start
            for o in found
            if o.claim.cue.start < c.cue.start
            and o.claim.content.start <= c.cue.start
            and c.cue.start < o.claim.content.end
        ]
        start = verb.sent.start_char if outer and verb is not None else c.cue.start
        flags.append(any(start <= s for s in outer))
    return flags


def score(claim: Claim, verb: Token, probability: float, nested: bool) -> float:
    """The screen's score of ``claim`` (the log-odds that it is one; arguments as for
    ``features``)."""
    return shipped(MODEL).score(features(claim, verb, probability, nested))


def judged(verb: Token | None) -> TypeGuard[Token]:
    """The screen judges the claim of cue ``verb``: a verb, not negated (what a negated cue
    reports, "did not say", "does not want", the stance rules decide)."""
    return verb is not None and not cue_negated(verb)


def screened(found: Sequence[Candidate]) -> list[Claim]:
    """The claims of ``found`` the screen keeps: those it does not judge, and the others
    from the model's threshold up."""
    logit = _logit(shipped(MODEL).threshold)
    nested = nested_flags(found)
    return [
        claim
        for (claim, verb, probability), inside in zip(found, nested, strict=True)
        if not judged(verb) or score(claim, verb, probability, inside) >= logit
    ]


def _logit(p: float) -> float:
    """The log-odds of threshold ``p`` (-inf at 0: every claim kept)."""
    return math.log(p / (1.0 - p)) if p > 0.0 else -math.inf
