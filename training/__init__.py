"""Training of newswire's learned components (``make train``), from corpora fetched as
``../shared/data/README.md`` describes; the corpora are never committed."""
