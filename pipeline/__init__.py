"""newswire runtime: settings, broker, topics, records, the Faust app, pollers and the CLI."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newswire")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"
