"""A workspace is a folder holding one cache. Which one: ``--workspace DIR``, else the
``WORTHIT_HOME`` environment variable, else the demo workspace under the platform's user
data folder, generated on first use. Any other new workspace starts empty (:func:`ensure`).

Its :func:`identity` names its keys in the system keyring (:mod:`worthit.secrets`)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from worthit.core.errors import UserError
from worthit.store.cache import CACHE_FILE, Cache, new_id
from worthit.store.meta import claim_meta
from worthit.store.sources import all_sources, holds_demo

ENV_HOME = "WORTHIT_HOME"
DEMO_FOLDER = "demo"
#: The meta entry that holds the workspace's id.
IDENTITY_KEY = "workspace.id"
#: The file under the user config folder listing the workspaces opened last (folders only).
RECENT_FILE = "recent-workspaces.json"
RECENT_LIMIT = 8


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


def config_root() -> Path:
    """The user's config folder for Worthit (settings only, never secrets)."""
    from platformdirs import user_config_path

    return user_config_path("Worthit", appauthor=False)


def recent() -> list[Workspace]:
    """The workspaces opened last, newest first; folders that no longer hold a cache are
    left out. An unreadable list is an empty one."""
    try:
        folders = json.loads((config_root() / RECENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(folders, list):
        return []
    found = [Workspace(Path(f)) for f in folders if isinstance(f, str)]
    return [w for w in found if w.exists()][:RECENT_LIMIT]


def remember(workspace: Workspace) -> None:
    """Put ``workspace`` first in the recent list (missing ones are dropped). Best effort:
    a read-only config folder costs the list, not the switch."""
    kept = [workspace] + [w for w in recent() if w.folder != workspace.folder]
    path = config_root() / RECENT_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps([str(w.folder) for w in kept[:RECENT_LIMIT]],
                                        indent=1), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass


def resolve(folder: str | os.PathLike[str] | None = None) -> Workspace:
    """The workspace the user asked for, or the default one."""
    if folder:
        return Workspace(Path(folder).expanduser().resolve())
    env = os.environ.get(ENV_HOME)
    if env:
        return Workspace(Path(env).expanduser().resolve())
    return Workspace(default_root() / DEMO_FOLDER)


def is_default_demo(workspace: Workspace) -> bool:
    """The demo's own folder (under the user data folder): the one place Worthit makes the
    demo on first use. (A folder of another name is not: the user data folder is not
    looked up, nor platformdirs imported, for it.)"""
    return workspace.folder.name == DEMO_FOLDER and workspace.folder == default_root() / DEMO_FOLDER


def is_demo(cache: Cache) -> bool:
    """Whether the cache holds the generated demo (its charges are not anybody's bills)."""
    return holds_demo(cache)


def ensure(workspace: Workspace, *, create: bool = False) -> Workspace:
    """The workspace, ready to use. The demo is made only in its own folder (first use);
    any other folder without a cache becomes an EMPTY workspace when ``create`` (a command
    that adds something to it), and is refused otherwise: a typo in ``--workspace`` must not
    report invented figures, and a manager's bills never mix with demo money."""
    if workspace.folder.exists() and not workspace.folder.is_dir():
        raise UserError(f"{workspace.folder} is a file, not a workspace folder")
    if workspace.exists():
        return workspace
    if is_default_demo(workspace):
        from worthit.demo.generator import generate_demo

        generate_demo(workspace)
        return workspace
    if not create:
        raise UserError(
            f"no workspace at {workspace.folder}: import a bill into it (`worthit import "
            f"FILE --workspace {workspace.folder}`), add a source, or make the demo there "
            f"(`worthit demo --workspace {workspace.folder}`)")
    workspace.folder.mkdir(parents=True, exist_ok=True)
    Cache.open(workspace.cache_path).close()
    return workspace


def identity(cache: Cache) -> str:
    """The workspace's id, the first part of the names of its keys in the keyring.

    Made (random) the first time a key is stored or read, and kept in the cache's ``meta``
    table: the folder can move, the keys stay its own. At that moment the keys Worthit
    kept before workspaces had ids are copied for the sources the workspace holds then
    (:func:`worthit.secrets.adopt`); the id is kept only once that has worked, so a
    locked keyring costs no key: the next attempt copies them."""
    found = cache.get_meta(IDENTITY_KEY)
    if found:
        return found
    from worthit import secrets
    from worthit.store.alerts import WEBHOOK_KEY, WEBHOOK_KEYRING_NAME

    made = new_id()
    names = [str(row["name"]) for row in all_sources(cache)]
    if cache.get_meta(WEBHOOK_KEY) == "1":
        names.append(WEBHOOK_KEYRING_NAME)
    copied = secrets.adopt(names, workspace=made)
    kept = claim_meta(cache, IDENTITY_KEY, made)
    if kept != made:  # another process gave the workspace its id meanwhile
        secrets.forget(copied, workspace=made)
    return kept
