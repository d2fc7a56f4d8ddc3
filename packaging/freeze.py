"""Build the one-folder bundle with PyInstaller and smoke-test it: the same on Linux, macOS
and Windows (the installer recipes and the CI workflow call it).

    python packaging/freeze.py                 # build dist/Worthit (and Worthit.app), test it
    python packaging/freeze.py --no-build      # test the bundle already in dist/

Run it with the Python that has the project and PyInstaller installed (build_linux.sh
makes such a venv). It prints the bundle's size, its cold start and the frozen
``--self-test`` report, and exits non-zero when the build or the self-test fails, or when
the frozen app writes anything unexpected to stderr (qutebrowser's smoke test does the
same). The goals, printed beside the figures and never asserted: 200 MB unpacked, 3 s to
the first page drawn.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INFO = runpy.run_path(str(HERE / "build_info.py"))
REPO: Path = INFO["REPO"]
PROJECT = INFO["project"]()
SIZE_GOAL_MB = 200
START_GOAL_S = 3.0


def build(dist: Path, work: Path) -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(HERE / "worthit.spec")],
        check=True, cwd=REPO,
    )  # fmt: skip
    return time.perf_counter() - began


def bundle_folder(dist: Path) -> Path:
    """What gets shipped: the .app on macOS, else the one-folder bundle."""
    if sys.platform == "darwin":
        return dist / f"{PROJECT.display_name}.app"
    return dist / PROJECT.display_name


def program(dist: Path) -> Path:
    """The frozen program that prints: worthit-cli.exe on Windows (Worthit.exe is windowed)."""
    if sys.platform == "win32":
        return dist / PROJECT.display_name / f"{PROJECT.name}-cli.exe"
    if sys.platform == "darwin":
        return bundle_folder(dist) / "Contents" / "MacOS" / PROJECT.executable
    return dist / PROJECT.display_name / PROJECT.executable


def size_mb(folder: Path) -> float:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def environment(home: Path) -> dict[str, str]:
    """The frozen app's environment: on Linux its HOME and XDG folders are temporary, so
    the smoke test leaves nothing in the user's folders. (macOS and Windows keep theirs:
    the keychain and the Credential Locker belong to the real user; the CI runners are
    thrown away.) Offscreen where there is no display."""
    env = dict(os.environ)
    if sys.platform.startswith("linux"):
        env["HOME"] = str(home)
        for name, sub in (("XDG_DATA_HOME", "data"), ("XDG_STATE_HOME", "state"),
                          ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache")):
            env[name] = str(home / sub)
        if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("WORTHIT_HOME", None)
    return env


def drop_file_cache() -> bool:
    """Empty Linux's page cache (root only), so the first start reads from disk."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n", encoding="ascii")
    except OSError:
        return False
    return True


def timed(command: list[str],
          env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                          timeout=600)
    return time.perf_counter() - began, done


def self_test(exe: Path, env: dict[str, str]) -> tuple[int, str, dict[str, float]]:
    """Run ``exe --self-test``, echoing its report; its exit status, its stderr, and when
    (seconds after launch) Qt was up, the first page was drawn and it ended."""
    marks: dict[str, float] = {}
    began = time.perf_counter()
    with subprocess.Popen([str(exe), "--self-test"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, encoding="utf-8",
                          errors="replace") as process:
        assert process.stdout is not None and process.stderr is not None
        for line in process.stdout:
            at = time.perf_counter() - began
            print(f"  [{at:5.1f} s] {line.rstrip()}", flush=True)
            words = line.split()
            if words[1:2] == ["app"]:
                marks["Qt up"] = at
            if words[1:2] == ["page"] and "first page drawn" not in marks:
                marks["first page drawn"] = at
        err = process.stderr.read()
        code = process.wait(timeout=600)
    marks["self-test"] = time.perf_counter() - began
    return code, err, marks


def smoke_test(dist: Path) -> int:
    exe = program(dist)
    folder = bundle_folder(dist)
    if not exe.is_file():
        print(f"freeze: no program at {exe}", file=sys.stderr)
        return 1
    mb = size_mb(folder)
    print(f"\nBundle: {folder} ({mb:,.0f} MB unpacked; goal {SIZE_GOAL_MB} MB"
          f"{'' if mb <= SIZE_GOAL_MB else ', over'})", flush=True)
    failures = []
    with tempfile.TemporaryDirectory(prefix="worthit-smoke-") as tmp:
        home = Path(tmp)
        env = environment(home)
        seconds, done = timed([str(exe), "--version"], env)
        expected = f"worthit {PROJECT.version}"
        if done.returncode != 0 or done.stdout.strip() != expected:
            failures.append(f"--version printed {done.stdout.strip()!r} (wanted {expected!r}), "
                            f"exit {done.returncode}: {done.stderr.strip()}")

        # Cold start: a first launch that opens a workspace and draws its first page.
        workspace = home / "workspace"
        _, made = timed([str(exe), "--workspace", str(workspace), "demo"], env)
        if made.returncode != 0:
            failures.append(f"demo failed: {made.stderr.strip()}")
        cold = drop_file_cache()
        first, shot = timed([str(exe), "--workspace", str(workspace), "screenshot", "overview",
                             "--out", str(home / "overview.png")], env)
        again, _ = timed([str(exe), "--workspace", str(workspace), "screenshot", "overview",
                          "--out", str(home / "overview.png")], env)
        if shot.returncode != 0:
            failures.append(f"screenshot failed: {shot.stderr.strip()}")
        how = "file cache dropped first" if cold else "files just written, so the OS cache is warm"
        print(f"Start to the first page drawn: {first:.2f} s cold ({how}), {again:.2f} s warm; "
              f"goal {START_GOAL_S:.0f} s. --version alone: {seconds:.2f} s.", flush=True)

        print(f"\n{exe.name} --self-test", flush=True)
        code, err, marks = self_test(exe, env)
        print("Self-test timeline: " + ", ".join(f"{k} at {v:.1f} s" for k, v in marks.items()))
        if code != 0:
            failures.append(f"the frozen self-test exited with {code}")
        if err.strip():
            failures.append(f"the frozen self-test wrote to stderr:\n{err.rstrip()}")
        log = home / "state" / "Worthit" / "log" / "worthit.log"
        if sys.platform.startswith("linux") and not log.is_file():
            failures.append(f"the frozen app wrote no log file at {log}")
    for failure in failures:
        print(f"freeze: FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="test the bundle in --dist")
    parser.add_argument("--dist", type=Path, default=REPO / "dist")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    if not args.no_build:
        for stale in (bundle_folder(args.dist), args.dist / PROJECT.display_name):
            shutil.rmtree(stale, ignore_errors=True)
        print(f"Building {PROJECT.display_name} {PROJECT.version} with PyInstaller...",
              flush=True)
        print(f"PyInstaller took {build(args.dist, args.work):.0f} s.", flush=True)
    return smoke_test(args.dist)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
