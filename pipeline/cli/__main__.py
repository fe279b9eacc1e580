"""``python -m pipeline.cli``: the ``newswire`` command."""

from pipeline.cli.main import main

main()
