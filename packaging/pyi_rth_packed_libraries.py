"""PyInstaller runtime hook (Linux bundle): load the libraries the bundle keeps packed.

packaging/shrink_linux.py stores a few large shared libraries compressed (``.xz`` or
``.zz`` beside where the library would be) and lists them in ``packed-libraries.json``:

- ``modules``: Python extension modules, each with the libraries it needs first. A packed
  one is unpacked on its first import (DuckDB's 69 MB, for instance, only when a Parquet
  or large file is imported); one left on disk that needs a packed library (numpy's core
  needs OpenBLAS) only has that library loaded before it.
- ``libraries``: plain shared libraries, loaded when a module that needs them is.

A library is unpacked into memory (a memfd, as UPX does) and loaded from
``/proc/self/fd/N``; glibc then resolves other libraries' DT_NEEDED entries to it by its
soname. Where that fails (no /proc, a kernel that refuses executable memfds) it is
written to a private temporary folder, loaded and deleted. The file descriptors stay
open for the life of the process, so no other library can ever be given the same path.

Without the manifest (macOS, Windows, a bundle built without packing) this does nothing.
"""


def _install_packed_libraries() -> None:
    import ctypes
    import importlib.machinery
    import json
    import os
    import shutil
    import sys
    import tempfile

    base = getattr(sys, "_MEIPASS", None)
    manifest = os.path.join(base or "", "packed-libraries.json")
    if not base or not os.path.isfile(manifest):
        return
    with open(manifest, encoding="utf-8") as file:
        listed = json.load(file)
    libraries: dict = listed.get("libraries", {})
    modules: dict = listed.get("modules", {})
    loaded: dict = {}  # bundle path -> ctypes handle (kept: never unloaded)

    def unpacked(packed: str) -> bytes:
        with open(os.path.join(base, packed), "rb") as file:
            data = file.read()
        if packed.endswith(".xz"):
            import lzma

            return lzma.decompress(data)
        import zlib

        return zlib.decompress(data)

    def places(name: str, data: bytes):
        """Paths the unpacked library can be loaded from, best first."""
        try:
            fd = os.memfd_create(name, os.MFD_CLOEXEC)
        except (AttributeError, OSError):
            pass
        else:
            with open(fd, "wb", closefd=False) as file:
                file.write(data)
            yield f"/proc/self/fd/{fd}"  # the descriptor stays open (see above)
        folder = tempfile.mkdtemp(prefix="worthit-lib-")
        try:
            path = os.path.join(folder, name)
            with open(path, "wb") as file:
                file.write(data)
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def need(paths: list) -> None:
        for path in paths:
            if path in loaded:
                continue
            entry = libraries.get(path)
            if entry is None:  # on disk: load it by its own path, so its RUNPATH holds
                loaded[path] = ctypes.CDLL(os.path.join(base, path))
                continue
            need(entry.get("needs", []))
            data, error = unpacked(entry["packed"]), None
            for place in places(os.path.basename(path), data):
                try:
                    loaded[path] = ctypes.CDLL(place)
                    break
                except OSError as exc:
                    error = exc
            else:
                raise ImportError(f"cannot load the packed library {path}: {error}")

    class PackedExtensionLoader(importlib.machinery.ExtensionFileLoader):
        def __init__(self, fullname: str, entry: dict) -> None:
            self.entry = entry
            super().__init__(fullname, os.path.join(base, entry["file"]))

        def create_module(self, spec):
            need(self.entry.get("needs", []))
            name = os.path.basename(self.entry["file"])
            error = None
            for place in places(name, unpacked(self.entry["packed"])):
                self.path = spec.origin = place
                try:
                    return super().create_module(spec)
                except ImportError as exc:
                    error = exc
            raise ImportError(f"cannot load the packed module {spec.name}: {error}",
                              name=spec.name)

        def exec_module(self, module) -> None:
            super().exec_module(module)
            # Where the module would be on disk, for any code that looks beside it.
            module.__file__ = os.path.join(base, self.entry["file"])

    class PackedLibraryFinder:
        """Before the usual finders: packed modules, and the packed libraries that
        modules on disk need."""

        @classmethod
        def find_spec(cls, fullname, path=None, target=None):
            entry = modules.get(fullname)
            if entry is None:
                return None
            if not entry.get("packed"):
                need(entry.get("needs", []))
                return None  # the module itself is on disk: the usual finders load it
            loader = PackedExtensionLoader(fullname, entry)
            return importlib.machinery.ModuleSpec(fullname, loader, origin=loader.path)

        @classmethod
        def invalidate_caches(cls) -> None:
            pass

    sys.meta_path.insert(0, PackedLibraryFinder)


_install_packed_libraries()
del _install_packed_libraries
