"""Worthit: a desktop cost explorer that answers "was our AI spend worth it?"."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("worthit")
except PackageNotFoundError:  # running from a source checkout that was never installed
    __version__ = "0.0.0+source"

APP_NAME = "Worthit"
