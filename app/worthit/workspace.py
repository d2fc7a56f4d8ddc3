"""A workspace is a folder holding one cache. Which one: ``--workspace DIR``, else the
``WORTHIT_HOME`` environment variable, else the demo workspace under the platform's user
data folder, generated on first use."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from worthit.store.cache import CACHE_FILE, Cache

ENV_HOME = "WORTHIT_HOME"
DEMO_FOLDER = "demo"


@dataclass(frozen=True, slots=True)
class Workspace:
    folder: Path

    @property
    def cache_path(self) -> Path:
        return self.folder / CACHE_FILE

    @property
    def name(self) -> str:
        return self.folder.name

    def exists(self) -> bool:
        return self.cache_path.is_file()

    def open(self) -> Cache:
        """A new connection to this workspace's cache (one per thread)."""
        return Cache.open(self.cache_path)


def default_root() -> Path:
    from platformdirs import user_data_path

    return user_data_path("Worthit", appauthor=False)


def resolve(folder: str | os.PathLike[str] | None = None) -> Workspace:
    """The workspace the user asked for, or the default one."""
    if folder:
        return Workspace(Path(folder).expanduser().resolve())
    env = os.environ.get(ENV_HOME)
    if env:
        return Workspace(Path(env).expanduser().resolve())
    return Workspace(default_root() / DEMO_FOLDER)


def ensure(workspace: Workspace) -> Workspace:
    """Make sure the workspace has a cache; an empty folder becomes the demo workspace."""
    if not workspace.exists():
        from worthit.demo.generator import generate_demo

        generate_demo(workspace)
    return workspace
