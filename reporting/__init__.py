"""riskreport: monthly systemic-risk reports on crypto derivatives and crypto lending."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("riskreport")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
