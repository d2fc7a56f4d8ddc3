"""A cheaper answer to the question PySide6 asks of every module imported after it.

Once ``PySide6.QtCore`` is imported, shiboken's import hook calls
``shibokensupport.feature._mod_uses_pyside(module)`` after each import (PYSIDE-2029,
for ``from __feature__ import snake_case``): it reads the module's source with
``inspect.getsource`` to look for "PySide6". That goes through ``linecache`` (decoding,
splitting into lines and keeping every line in memory) and costs about 0.1 s when pandas
and its 700 modules are first imported after Qt, as Worthit does after the first paint
(napari#8584 measures the same tax). :func:`install` gives the same answer from the
file's bytes, falling back to shiboken's own check for anything that is not a plain
``.py`` file.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import PySide6.QtCore  # noqa: F401 - loads shibokensupport.feature, patched below


def _uses_pyside(module: ModuleType, original: Any) -> bool:
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return bool(original(module))
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return bool(original(module))


def install() -> bool:
    """Replace shiboken's source scan by :func:`_uses_pyside` (once; a no-op if this
    PySide6 has no such hook). True when the cheaper scan is in place."""
    feature = sys.modules.get("shibokensupport.feature")
    original = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or original is None:
        return False
    if getattr(original, "worthit_scan", False):
        return True

    def scan(module: ModuleType) -> bool:
        return _uses_pyside(module, original)

    scan.worthit_scan = True  # type: ignore[attr-defined]
    feature._mod_uses_pyside = scan  # type: ignore[attr-defined]  # noqa: SLF001 - the hook worked around
    return True
