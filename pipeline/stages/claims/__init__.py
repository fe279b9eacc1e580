"""Claims stage: attributed statements (who said what) from a parsed article.

``extract_claims`` is a pure function of a spaCy ``Doc`` that carries tags, POS, lemmas, a
dependency parse and sentence boundaries (in production rebuilt without a model by
``pipeline.stages.nlp.doc_from_parse``) and of the article's entities. It needs no NER and
no model.

Modules: ``lexicon`` (word lists), ``quotes`` (quotation marks and their pairing, straight,
curly and typewriter ``''``), ``spans`` (token ranges to trimmed character spans), ``cues``
(reporting verbs and the cue's verb group), ``light`` ("expressed concern", "made the case"),
``claimants`` (who: subject inheritance, entity linking, anonymity, affiliation), ``media``
(``via``: "told Reuters", "in a statement"), ``content`` (what: complements, objects,
interrupted clauses), ``stance`` (assert/deny/noncommittal, hedging), ``according``
("according to X", "in a poll"), ``headlines`` ("Name: ..." colon cues, transcript turns),
``signatures`` (“...” ― Name), ``nominal`` ("Trump's claim that ..."), ``referents``
(pronouns and descriptions to earlier claimants and entities), ``learned`` (the cue
detector), ``screen`` (a learned judge of finished verb claims), ``linear`` (the logistic
regression model file both read) and ``finder`` (the one pass over the tokens).

Span conventions (character offsets into ``doc.text``, end-exclusive, and
``doc.text[start:end] == text`` for every span):

* ``claimant``: the whole subject noun phrase, without trailing punctuation; for a relative
  pronoun, its antecedent phrase. ``entity_id`` is the entity it names, else, for a pronoun
  or a definite description, the one it refers back to; ``affiliation`` (anonymous sources
  only) and ``via`` are stated in the sentence, never guessed.
* ``cue``: the reporting verb's group as PolNeAR marks it: auxiliaries, negation and adverbs
  before it ("has also said", "would not say"), a particle or a selected preposition after it
  ("pointed out", "called for"), "in a statement", a light verb's noun ("expressed concern
  about", "made it clear"), a glued colon ("said:"); ``according to`` is the two words, a
  headline cue the colon, a signed quotation's cue the dash. ``lemma`` is the verb's lemma
  with its particle or preposition (``"say"``, ``"point out"``, ``"call for"``).
* ``content``: a quotation without its marks and a trailing comma; a clause with its
  complementiser or infinitival ``to``. ``spans`` lists the pieces (several when the content
  is discontinuous; ``start``/``end``/``text`` then cover the first to the last piece,
  interruption included). A noncommittal claim without complement ("would not say") has
  empty content at the cue's end and ``spans == []``.
"""

from pipeline.stages.claims.finder import extract_claims

__all__ = ["extract_claims"]
