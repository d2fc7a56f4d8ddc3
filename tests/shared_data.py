"""The real billing samples, ``../shared/data`` beside the project: the one place that
spells where they are, and what a test does when they are not there.

The samples are not copied into the project. A test that needs them asks for them here:

* the fixture ``shared_data`` gives the folder itself (registered in ``tests/conftest.py``);
* ``sample("focus", "focus-1.0-sample-aws-azure-oci.csv")`` (or ``sample("focus/…csv")``)
  gives one file or subfolder of it, called in the test's body.

Both give the path when it is there. When it is not (the folder, or the one file a test
needs), the test is skipped, with the reason ``../shared/data (the real billing samples) is
not beside the project``; but when the environment variable ``CI`` is true (``true``, ``1``,
``yes``, ``on``, any case) it fails instead, since CI has the samples and must not pass by
skipping the tests that read them.

Nothing here is evaluated at collection beyond the folder's path, so collecting the suite
never depends on the folder: parametrize a test over file *names* (relative parts) and
resolve them with ``sample`` inside the test.

``WORTHIT_SHARED_DATA``, when set, names another folder to use instead of
``../shared/data``. It exists to check the behaviour above without touching the real
(read-only, shared) folder: point it at a folder that does not exist and the tests that
need the samples skip, or fail under ``CI=true``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

#: ``shared/data`` in the folder that holds the project: ``../shared/data`` from its root.
DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: Where the samples are looked for: ``DEFAULT_ROOT`` unless ``WORTHIT_SHARED_DATA`` says.
ROOT = (Path(os.environ["WORTHIT_SHARED_DATA"]).expanduser().resolve()
        if os.environ.get("WORTHIT_SHARED_DATA") else DEFAULT_ROOT)

#: Why a test that needs the samples is skipped when they are absent (outside CI).
ABSENT = "../shared/data (the real billing samples) is not beside the project"
#: Why it fails instead under CI.
ABSENT_IN_CI = "../shared/data is not beside the project, and CI needs it"

_TRUE = frozenset({"1", "true", "yes", "on"})


def in_ci() -> bool:
    """Whether the environment variable ``CI`` is set to a true value."""
    return os.environ.get("CI", "").strip().lower() in _TRUE


def _absent(relative: str) -> NoReturn:
    """Skip the test, or fail it under CI: the samples (or ``relative`` in them) are not
    there."""
    if not ROOT.is_dir():
        skip, fail = ABSENT, f"{ABSENT_IN_CI} (looked for {ROOT})"
    else:  # the folder is there, without the file this test needs
        skip = f"../shared/data (the real billing samples) has no {relative}"
        fail = f"../shared/data has no {relative}, and CI needs it (looked in {ROOT})"
    if in_ci():
        pytest.fail(fail, pytrace=False)
    pytest.skip(skip)


def sample(*parts: str) -> Path:
    """The file or folder ``parts`` inside ``../shared/data`` (no parts: the folder itself).

    Call it in a test's body, or a helper the test calls: when the path is absent the
    test is skipped, or fails when ``CI`` is true."""
    path = ROOT.joinpath(*parts)
    if not path.exists():
        _absent(path.relative_to(ROOT).as_posix())
    return path


@pytest.fixture
def shared_data() -> Path:
    """The folder ``../shared/data``; the test is skipped (failed under ``CI``) without it.
    For a particular file in it, call :func:`sample` so its absence is handled alike."""
    return sample()
