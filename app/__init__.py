"""HelpRealm: a self-hosted support ticket system for small teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("helprealm")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+src"
