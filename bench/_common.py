"""What the benchmarks share: the ``--repeat`` option, a fresh demo workspace, running a
child Python with its own wall time and peak memory, and printing medians and tables."""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib.util
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser described by the script's docstring, with ``--repeat``."""
    root = argparse.ArgumentParser(description=doc,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    root.add_argument("--repeat", type=int, default=3, metavar="N",
                      help="runs per measurement (default 3); the median is reported")
    return root


@dataclass(frozen=True, slots=True)
class Child:
    stdout: str
    spawned_at: float  # time.time() just before the spawn, to compare with the child's clock
    seconds: float  # wall time from spawn to exit, seen by the parent
    max_rss_mb: float  # the child's own peak resident set (ru_maxrss)


def compile_worthit() -> None:
    """Byte-compile the worthit package in place (written even under
    PYTHONDONTWRITEBYTECODE), so a child starts from .pyc files as an installed Worthit
    does: otherwise an editable install compiles every changed module from source in
    each process, about 50 ms before anything of ours runs."""
    spec = importlib.util.find_spec("worthit")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def run_python(code_or_args: Sequence[str], env: dict[str, str] | None = None) -> Child:
    """Run ``python ARGS`` in a fresh process; raise with its stderr if it fails.

    ``os.wait4`` gives this child's own rusage; RUSAGE_CHILDREN would report the largest
    of all children so far."""
    # stderr goes to a file so a chatty child cannot fill a pipe while stdout is read.
    with tempfile.TemporaryFile("w+") as errors:
        spawned_at, began = time.time(), time.perf_counter()
        process = subprocess.Popen([sys.executable, *code_or_args], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        stdout = process.stdout.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
        process.stdout.close()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"child failed ({process.returncode}):\n{errors.read()}")
    return Child(stdout, spawned_at, seconds, usage.ru_maxrss / 1024)  # KiB on Linux


def count_rows(cache: Path, table: str) -> int:
    """The rows of one table of a cache file, counted over a read-only connection of the
    benchmark's own (the app has no reason to count most of them)."""
    with contextlib.closing(sqlite3.connect(f"file:{cache}?mode=ro", uri=True)) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def generate_demo(folder: Path, scale: str = "small") -> Child:
    """Write the demo workspace into ``folder`` the way a user would: ``worthit demo``."""
    return run_python(["-m", "worthit", "--workspace", str(folder), "demo", "--scale", scale])


def summary(runs: Sequence[float], unit: str = "s", digits: int = 3) -> str:
    """``median X s (runs: a, b, c)``."""
    every = ", ".join(f"{run:.{digits}f}" for run in runs)
    return f"median {statistics.median(runs):.{digits}f} {unit} (runs: {every})"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in cells[1:]) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(c.rjust(w) if n else c.ljust(w)
                               for c, w, n in zip(row, widths, numeric, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("s%"))
    except ValueError:
        return False
    return True


def add_scale_options(root: argparse.ArgumentParser) -> None:
    """``--scale small|large|both`` and ``--workspace DIR`` (reused for the last scale)."""
    root.add_argument("--scale", choices=("small", "large", "both"), default="both",
                      help="which demo workspace(s) to measure (default both)")
    root.add_argument("--workspace", type=Path, metavar="DIR",
                      help="a workspace to reuse for the large demo (the small one with "
                           "--scale small); generated there if missing")


@contextlib.contextmanager
def demo_workspaces(args: argparse.Namespace) -> Iterator[list[tuple[str, Path]]]:
    """(scale, folder) for each asked scale: ``--workspace`` for the last one, temporary
    folders (removed afterwards) for the others; a demo is generated where missing."""
    scales = ("small", "large") if args.scale == "both" else (args.scale,)
    with tempfile.TemporaryDirectory(prefix="worthit-bench-") as temporary:
        found = []
        for scale in scales:
            reuse = args.workspace if scale == scales[-1] else None
            folder = reuse or Path(temporary) / scale
            if not (folder / "worthit.sqlite").is_file():
                print(f"\nGenerating the {scale} demo into {folder} …", flush=True)
                child = generate_demo(folder, scale)
                print(f"(took {child.seconds:.1f} s)", flush=True)
            found.append((scale, folder))
        yield found
