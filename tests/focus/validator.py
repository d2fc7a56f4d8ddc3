"""Runs the FinOps Foundation's focus-validator (via .ci/focus-validator) from tests.

The validator needs Python 3.12 and lives in its own venv (.ci/.focus-venv), which the
script makes on first use; ValidatorUnavailable says it could not (no 3.12 here), so a test
can skip with that reason. The result keeps the rules the script counts as failed, with the
validator's own messages.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "focus-validator"
VENV = ROOT / ".ci" / ".focus-venv"

#: The script's exit codes (see .ci/focus-validator).
PASSED, FAILED, ERROR, NO_PYTHON = 0, 1, 2, 3

_FAILED_LINE = re.compile(r"^FAILED (\S+): (.*)$", re.MULTILINE)


class ValidatorUnavailable(RuntimeError):
    """No Python 3.12 on this machine, so no focus-validator venv can be made."""


@dataclass(frozen=True)
class ValidationResult:
    """What the validator said about one file."""

    passed: bool
    failed: dict[str, str] = field(default_factory=dict)  # rule id -> message
    report: str = ""


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if done.returncode == NO_PYTHON:
        raise ValidatorUnavailable(done.stderr.strip() or "no Python 3.12 for focus-validator")
    if done.returncode not in (PASSED, FAILED):
        raise RuntimeError(
            f"{SCRIPT} {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def ensure_validator() -> None:
    """Make (or check) the validator's venv; the first time installs the lock (a minute)."""
    _run(["--setup"], timeout=1800)


def validate(csv_path: Path) -> ValidationResult:
    """Validate one CSV against the bundled FOCUS 1.2 rules."""
    done = _run([str(csv_path)], timeout=600)
    failed = dict(_FAILED_LINE.findall(done.stdout))
    if done.returncode == FAILED and not failed:
        raise RuntimeError(f"focus-validator failed without naming a rule:\n{done.stdout}")
    return ValidationResult(done.returncode == PASSED, failed, done.stdout)


def bundled_model() -> dict[str, Any]:
    """The validator's bundled FOCUS 1.2 Requirements Model (its rules), as JSON."""
    ensure_validator()
    paths = sorted(VENV.glob("lib/python3.*/site-packages/focus_validator/rules/model-1.2*.json"))
    if not paths:
        raise RuntimeError(f"no bundled model-1.2*.json under {VENV}")
    model: dict[str, Any] = json.loads(paths[-1].read_text(encoding="utf-8"))
    return model
