"""Where Worthit finds its read-only files (``resources/``, ``icons/``).

In a source checkout they sit at the top of the repository; in an installed wheel they
travel inside the package (see ``[tool.hatch...force-include]`` in ``pyproject.toml``)."""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"Worthit's {name}/ folder is missing (looked in {_PACKAGE / name} and "
        f"{_PACKAGE.parent.parent / name}); the installation is incomplete."
    )


def resources_dir() -> Path:
    return _data_dir("resources")


def icons_dir() -> Path:
    return _data_dir("icons")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
