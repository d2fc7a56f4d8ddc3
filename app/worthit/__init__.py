"""Worthit: a desktop cost explorer that answers "was our AI spend worth it?"."""

#: The one place the version is written: the build reads it from here (pyproject.toml's
#: [tool.hatch.version]), and the app imports it as a constant at start.
__version__ = "0.1.0"

APP_NAME = "Worthit"
