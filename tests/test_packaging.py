"""The wheel carries resources/ and icons/, and an installed Worthit finds them inside
the package; a source checkout finds the repository's own folders."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import worthit
from worthit.paths import icons_dir, resources_dir

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(out), str(REPO)],
        check=True,
    )  # fmt: skip
    (built,) = out.glob("worthit-*.whl")
    return built


@pytest.mark.slow
def test_the_wheel_carries_resources_and_icons(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("resources", "icons"):
        in_repo = sorted(
            p.relative_to(REPO).as_posix() for p in (REPO / folder).rglob("*") if p.is_file()
        )
        assert in_repo, f"{folder}/ in the repository holds no files"
        in_wheel = sorted(
            n.removeprefix("worthit/") for n in names if n.startswith(f"worthit/{folder}/")
        )
        assert in_wheel == in_repo
    assert not [n for n in names if n.startswith(("tests/", "bench/", "app/"))]


@pytest.mark.slow
def test_an_installed_worthit_finds_resources_inside_the_package(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import sys, worthit, worthit.paths as p\n"
        "print(worthit.__file__); print(p.resources_dir()); print(p.icons_dir())\n"
        "print(worthit.__version__); print(repr(sys.path))\n"
    )
    # -S skips site-packages (and with it the editable install's path to app/); -s the user
    # site. PYTHONPATH is the only way in, as if the wheel were installed there.
    env = {"PYTHONPATH": str(site), "PATH": os.environ.get("PATH", "")}
    if "SYSTEMROOT" in os.environ:  # Windows cannot start Python without it
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    result = subprocess.run(
        [sys.executable, "-S", "-s", "-c", script],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module, resources, icons, version, path = result.stdout.splitlines()
    assert str(REPO / "app") not in path
    assert Path(module).is_relative_to(site)
    assert Path(resources) == site / "worthit" / "resources"
    assert Path(icons) == site / "worthit" / "icons"
    # The build read the version from the package: the wheel's metadata says the same.
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(name).decode() for name in archive.namelist()
                        if name.endswith(".dist-info/METADATA"))
    assert f"\nVersion: {version}\n" in metadata


def test_a_source_checkout_uses_the_repositorys_folders() -> None:
    # The test command runs against the editable install of this checkout.
    assert Path(worthit.__file__).resolve().is_relative_to(REPO / "app")
    assert resources_dir() == REPO / "resources"
    assert icons_dir() == REPO / "icons"
