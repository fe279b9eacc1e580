"""The ``newswire`` command line: thin commands over the runners (``main`` is the entry)."""
