"""newswire: everything but the Faust worker.

``records`` (the message models, a leaf) and ``settings``; ``stages`` (the stage functions,
free of Faust and Kafka clients, and the one chain that composes them); ``kafka`` (the
embedded broker, topics, readers and the producer); ``poller`` and ``pages`` (feeds and
article pages, no NLP); the runners ``replay``, ``redrive``, ``extract`` and ``tail``;
``supervisor`` (newswire's child processes); and ``cli`` on top (the commands, ``demo`` among
them). The Faust apps are in the ``agents`` package.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newswire")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"
