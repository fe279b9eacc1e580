"""The stages as pure, typed functions: no Faust, no Kafka client, no runtime.

``clean`` (HTML to clean text), ``body`` (article text from a page), ``fulltext`` (which items
need their page; the clean article of a page), ``language``, ``stories`` (near-duplicates),
``nlp`` (the model and the parse that travels between stages), ``tag`` with ``truecase``,
``entity_rules``, ``entity_lists``, ``annotators`` and ``salience`` (entities), ``aliases``,
``claims/`` (attributed statements), ``events`` (event assembly) and ``chain`` (the one
composition every runner uses).
"""
