"""What every packaging recipe needs to know, read from ``pyproject.toml``: the app's name,
version and description, and the names of the files each installer produces.

The PyInstaller spec, ``freeze.py``, the shell recipes and the CI workflow all ask here, so
the version is written in one place (``__version__`` in ``app/worthit/__init__.py``, the
file ``[tool.hatch.version]`` names). From a shell:

    python packaging/build_info.py version        # 0.1.0
    python packaging/build_info.py linux-archive  # Worthit-0.1.0-linux-x86_64.tar.gz

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import platform
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = REPO / "pyproject.toml"

#: The name people see: the window, the .app, the Start menu, the installer.
DISPLAY_NAME = "Worthit"
BUNDLE_ID = "app.worthit.Worthit"
#: Inno Setup's AppId: keeps upgrades and the uninstaller tied to one installation.
WINDOWS_APP_ID = "{6B0F3C52-8E0C-4E8B-9C3B-2D5F0B7A1E41}"
PUBLISHER = "Worthit"


@dataclass(frozen=True)
class Project:
    name: str  # the distribution name, "worthit"
    version: str
    description: str
    license: str

    @property
    def display_name(self) -> str:
        return DISPLAY_NAME

    @property
    def executable(self) -> str:
        """The frozen program inside the one-folder bundle (Worthit.exe on Windows)."""
        return DISPLAY_NAME if sys.platform in {"win32", "darwin"} else self.name

    def linux_archive(self, machine: str | None = None) -> str:
        return f"{DISPLAY_NAME}-{self.version}-linux-{machine or platform.machine()}.tar.gz"

    def windows_setup(self) -> str:
        return f"{DISPLAY_NAME}-Setup-{self.version}.exe"

    def macos_dmg(self, machine: str | None = None) -> str:
        return f"{DISPLAY_NAME}-{self.version}-macos-{machine or platform.machine()}.dmg"

    def windows_version_tuple(self) -> tuple[int, int, int, int]:
        """The version as Windows' four numbers ("1.2.3rc1" gives (1, 2, 3, 0))."""
        found = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?", self.version)
        if found is None:
            raise ValueError(f"version {self.version!r} does not start with a number")
        major, minor, micro, build = (int(part or 0) for part in found.groups())
        return major, minor, micro, build


def project(pyproject: Path = PYPROJECT) -> Project:
    """The ``[project]`` table of ``pyproject``, its version read where hatch reads it."""
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    table = document["project"]
    licence = table.get("license", "")
    if isinstance(licence, dict):  # the older form, license = {text = "..."}
        licence = licence.get("text", "")
    version = table.get("version") or _version_in(
        pyproject.parent / document["tool"]["hatch"]["version"]["path"])
    return Project(table["name"], version, table.get("description", ""), licence)


def _version_in(source: Path) -> str:
    """The ``__version__ = "..."`` line of ``source``, as hatch's version source reads it."""
    found = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""",
                      source.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise ValueError(f"{source} has no __version__ = \"...\" line")
    return found.group(1)


def main(argv: list[str]) -> int:
    info = project()
    answers = {
        "name": info.name,
        "display-name": info.display_name,
        "version": info.version,
        "executable": info.executable,
        "linux-archive": info.linux_archive(),
        "windows-setup": info.windows_setup(),
        "macos-dmg": info.macos_dmg(),
    }
    if len(argv) != 1 or argv[0] not in answers:
        print(f"usage: build_info.py {{{'|'.join(answers)}}}", file=sys.stderr)
        return 2
    print(answers[argv[0]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
