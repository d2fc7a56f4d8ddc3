"""Writing an export file whole or not at all: into a temporary file beside the target,
renamed over it only once complete, so a failed export never leaves half a file (or
clobbers the previous one)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from worthit.core.errors import UserError


def check_target(path: Path, suffixes: tuple[str, ...]) -> Path:
    """``path`` if its suffix is one of ``suffixes`` and its folder exists; else a
    :class:`UserError` that says which."""
    if path.suffix.lower() not in suffixes:
        raise UserError(f"{path}: the file name must end in {' or '.join(suffixes)}.")
    if not path.parent.is_dir():
        raise UserError(f"{path}: the folder {path.parent} does not exist.")
    return path


@contextlib.contextmanager
def atomic(path: Path) -> Iterator[Path]:
    """A temporary path to write to; it replaces ``path`` when the block ends without an
    exception and is removed when it does not."""
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix,
                                    dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)  # mkstemp makes it private; an export is a document
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
