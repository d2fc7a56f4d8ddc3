"""Make the Linux bundle smaller: run by packaging/worthit.spec on Linux, after analysis.

1. **ICU data, filtered** (:func:`with_filtered_icu_data`). Qt links ICU, whose data
   library (``libicudata.so.NN``, one symbol ``icudtNN_dat``) carries every locale,
   converter, break-iterator dictionary and transliterator: 32 MB. Qt calls only
   collation (QCollator, locale-aware sorting), converters (QStringConverter), time-zone
   names and case mapping. ICU's ``icupkg`` (Debian's icu-devtools) removes the other
   items from a copy of the data, and binutils' ``as`` and ``ld`` wrap it in a library
   with the same soname and symbol. :data:`ICU_KEEP` says what stays and why. Without
   the tools the library is collected as it is, and the build says so.

2. **Packed libraries** (:func:`packed`). Large shared libraries are stored compressed
   and unpacked into memory when first needed, by packaging/pyi_rth_packed_libraries.py
   (the way UPX works; UPX itself is not in Debian 12). The spec names them; each must
   be an extension module, or a library only extension modules and other packed
   libraries need.

Both leave the bundle's Python code and every other file untouched; the frozen
``--self-test`` loads each library involved (Qt with ICU, DuckDB, numpy with OpenBLAS,
lxml, Pillow, PyYAML, cryptography).
"""

from __future__ import annotations

import fnmatch
import importlib.machinery
import json
import lzma
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path, PurePosixPath

#: What the filtered ICU data keeps (regular expressions on the item names that
#: ``icupkg -l`` lists); every other item goes. Qt 6 uses its own CLDR tables for locale
#: formats, its own Unicode tables for text boundaries and normalization, and its own
#: UTF and Latin-1 codecs, so most of ICU's data is never read.
ICU_KEEP = (
    # The root locale and English: the fallback chain of every resource lookup, and the
    # index and string pool each tree needs.
    r"(root|en|en_[^/]*|res_index|pool)\.res",
    # Data that ucol_open, ucal_open and locale handling read whatever the locale:
    # likely subtags, aliases, keyword types, the calendar preferences, numbering systems.
    r"(supplementalData|likelySubtags|metadata|keyTypeData|icuver|icustd"
    r"|numberingSystems)\.res",
    # Time zones (ucal_open, ucal_getCanonicalTimeZoneID, QTimeZone's display names,
    # which fall back to English or GMT offsets in other languages).
    r"(zoneinfo64|metaZones|timezoneTypes|windowsZones)\.res",
    r"zone/(root|en|en_[^/]*|res_index|pool|tzdbNames)\.res",
    # Collation, every language: QCollator and locale-aware sorting (file dialogs sort
    # names with it) keep each language's order. 3 MB; the largest part kept.
    r"coll/.*",
    # Normalization and Unicode properties not compiled into libicuuc.
    r"[^/]*\.nrm", r"(uprops|ucase|ubidi|pnames)\.icu",
    # Converters: the alias table (every ucnv_open looks names up in it) and the
    # single-byte Windows, ISO 8859 and KOI8 tables. UTF-8/16/32, Latin-1 and ASCII need
    # no table; the multi-byte East Asian and EBCDIC tables (4.5 MB) go.
    r"cnvalias\.icu",
    r"(ibm-(534[6-9]|535[0-4]|944[7-9]|91[2-6]|92[013]|1089|9005|5012|813|878|1168)_[^/]*"
    r"|iso-8859_\d+-\d+|windows-874-2000)\.cnv",
)
#: Dropped: other locales' data (Qt formats with its own), break iterators and their
#: dictionaries (cjdict alone is 2 MB), currencies, units, language and region names,
#: transliterators, spell-out rules, character names, confusables, StringPrep profiles.


def _run(*command: str | Path) -> str:
    return subprocess.run([str(part) for part in command], check=True, capture_output=True,
                          text=True).stdout


def _symbol(library: Path, name: str) -> tuple[int, int]:
    """The file offset and size of a dynamic symbol (readelf, from binutils)."""
    for line in _run("readelf", "--dyn-syms", "-W", library).splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[7] == name and fields[6] != "UND":
            value, size = int(fields[1], 16), int(fields[2], 0)
            break
    else:
        raise RuntimeError(f"{library} does not define {name}")
    for line in _run("readelf", "-l", "-W", library).splitlines():
        fields = line.split()
        if fields[:1] == ["LOAD"]:
            offset, vaddr, filesize = int(fields[1], 16), int(fields[2], 16), int(fields[4], 16)
            if vaddr <= value and value + size <= vaddr + filesize:
                return value - vaddr + offset, size
    raise RuntimeError(f"{name} is not in a loaded segment of {library}")


def filter_icu_data(library: Path, work: Path) -> Path:
    """A copy of ICU's data library that keeps only :data:`ICU_KEEP`. Raises
    (subprocess.CalledProcessError, RuntimeError, OSError) when it cannot be made."""
    version = re.fullmatch(r"libicudata\.so\.(\d+)", library.name)
    if version is None:
        raise RuntimeError(f"not an ICU data library: {library}")
    package = f"icudt{version[1]}l"  # l: little-endian, ASCII (what x86-64 and ARM load)
    symbol = f"icudt{version[1]}_dat"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    offset, size = _symbol(library, symbol)
    with library.open("rb") as file:
        file.seek(offset)
        (work / f"{package}.dat").write_bytes(file.read(size))
    items = _run("icupkg", "-l", work / f"{package}.dat").split()
    keep = re.compile("|".join(f"(?:{pattern})" for pattern in ICU_KEEP))
    removed = [item for item in items if not keep.fullmatch(item)]
    if len(removed) == len(items) or not any(item == "root.res" for item in items):
        raise RuntimeError(f"unexpected ICU data in {library}: {len(items)} items")
    (work / "remove.txt").write_text("\n".join(removed) + "\n", encoding="ascii")
    (work / "out").mkdir()
    _run("icupkg", "-r", work / "remove.txt", work / f"{package}.dat",
         work / "out" / f"{package}.dat")
    kept = _run("icupkg", "-l", work / "out" / f"{package}.dat").split()
    if len(kept) != len(items) - len(removed):
        raise RuntimeError(f"icupkg kept {len(kept)} items, not {len(items) - len(removed)}")
    # ICU wants its data 16-byte aligned; the symbol is all libicuuc looks for.
    (work / "icudata.s").write_text(
        f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
        f"{symbol}:\n\t.incbin \"out/{package}.dat\"\n\t.size {symbol}, . - {symbol}\n"
        "\t.section .note.GNU-stack,\"\",@progbits\n", encoding="ascii")
    subprocess.run(["as", "-o", "icudata.o", "icudata.s"], cwd=work, check=True,
                   capture_output=True)
    made = work / library.name
    subprocess.run(["ld", "-shared", "-soname", library.name, "-z", "noexecstack", "-o",
                    made.name, "icudata.o"], cwd=work, check=True, capture_output=True)
    _symbol(made, symbol)  # defined, where a loader finds it
    return made


def _icu_data(source: Path, work: Path) -> Path:
    """The filtered copy of ``source``, or ``source`` itself saying why not."""
    size = source.stat().st_size / 1e6
    missing = [tool for tool in ("icupkg", "readelf", "as", "ld") if shutil.which(tool) is None]
    if missing:
        print(f"shrink_linux: ICU data kept whole ({size:.1f} MB): no {', '.join(missing)}"
              " (Debian: icu-devtools, binutils)")
        return source
    try:
        made = filter_icu_data(source, work / "icu-data")
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        print(f"shrink_linux: ICU data kept whole ({size:.1f} MB): filtering failed: {detail}")
        return source
    print(f"shrink_linux: ICU data filtered: {size:.1f} MB -> {made.stat().st_size / 1e6:.1f} MB")
    return made


def with_filtered_icu_data(binaries: list, work: Path) -> list:
    """``binaries`` with ICU's data library replaced by a filtered copy, when ICU's and
    binutils' tools are there to make one (else unchanged, saying why)."""
    return [
        (name, str(_icu_data(Path(source), work)), kind)
        if kind == "BINARY" and Path(source).is_file()
        and re.fullmatch(r"libicudata\.so\.\d+", PurePosixPath(name.replace("\\", "/")).name)
        else (name, source, kind)
        for name, source, kind in binaries
    ]


# -- packed libraries ------------------------------------------------------------------


def _needed(library: str) -> list[str]:
    """A shared library's DT_NEEDED names (readelf, from binutils)."""
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^]]+)\]",
                      _run("readelf", "-d", "-W", library))


def _soname(library: str) -> str | None:
    found = re.search(r"\(SONAME\)\s+Library soname: \[([^]]+)\]",
                      _run("readelf", "-d", "-W", library))
    return found[1] if found else None


def _module_name(path: str) -> str | None:
    for suffix in sorted(importlib.machinery.EXTENSION_SUFFIXES, key=len, reverse=True):
        if path.endswith(suffix):
            return path[: -len(suffix)].replace("/", ".")
    return None


def packed(binaries: list, datas: list, work: Path,
           patterns: dict[str, str]) -> tuple[list, list]:
    """``binaries`` and ``datas`` with the libraries matching ``patterns`` (bundle path
    pattern -> "xz" or "zlib") stored compressed, and the manifest the runtime hook reads.
    A library that a library left on disk needs stays too (the hook loads packed ones
    before the modules that need them, not before every library), as does one whose
    soname is not its file name, and everything when binutils' readelf is missing."""
    if not patterns or shutil.which("readelf") is None:
        return binaries, datas
    norm = [(name.replace("\\", "/"), source, kind) for name, source, kind in binaries]
    chosen = {name: method for name, _, kind in norm if kind in {"BINARY", "EXTENSION"}
              for pattern, method in patterns.items() if fnmatch.fnmatchcase(name, pattern)}
    if not chosen:
        return binaries, datas
    # Where each library name the bundle holds is (by file name, and symlinks' names).
    by_name: dict[str, str] = {}
    for name, _, kind in norm:
        if kind in {"BINARY", "EXTENSION"}:
            by_name.setdefault(PurePosixPath(name).name, name)
    for name, target, kind in (*norm, *((n.replace("\\", "/"), s, k) for n, s, k in datas)):
        if kind == "SYMLINK":
            real = os.path.normpath(PurePosixPath(name).parent / target)
            if real in by_name.values():
                by_name.setdefault(PurePosixPath(name).name, real)
    needs = {name: [by_name[n] for n in _needed(source) if n in by_name]
             for name, source, kind in norm if kind in {"BINARY", "EXTENSION"}}
    modules = {name: _module_name(name) for name, _, kind in norm if kind == "EXTENSION"}
    sources = {name: source for name, source, _ in norm}
    for name in list(chosen):
        # glibc hands a packed library to those that need it by its soname.
        if name not in modules and _soname(sources[name]) != PurePosixPath(name).name:
            print(f"shrink_linux: {name} not packed: its soname is not its file name")
            del chosen[name]
    # A library on disk loads what it needs itself, from disk: what it needs stays there
    # (until nothing changes: a library that stays may need others).
    changed = True
    while changed:
        changed = False
        for name, wanted in needs.items():
            if not modules.get(name) and name not in chosen:
                for library in set(wanted) & set(chosen):
                    print(f"shrink_linux: {library} not packed: {name} needs it")
                    del chosen[library]
                    changed = True
    manifest: dict[str, dict] = {"libraries": {}, "modules": {}}
    kept, added, saved = [], [], 0
    for name, source, kind in norm:
        method = chosen.get(name)
        module = modules.get(name)
        if method is None:
            kept.append((name, source, kind))
            if module and set(needs.get(name, ())) & set(chosen):
                manifest["modules"][module] = {"file": name, "needs": needs[name]}
            continue
        data = Path(source).read_bytes()
        suffix = ".xz" if method == "xz" else ".zz"
        squeezed = lzma.compress(data, preset=9) if method == "xz" else zlib.compress(data, 9)
        target = work / "packed" / (name + suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(squeezed)
        added.append((name + suffix, str(target), "DATA"))
        saved += len(data) - len(squeezed)
        entry = {"packed": name + suffix, "needs": needs[name]}
        if module:
            manifest["modules"][module] = {"file": name, **entry}
        else:
            manifest["libraries"][name] = entry
        print(f"shrink_linux: packed {name} ({method}): {len(data) / 1e6:.1f} MB -> "
              f"{len(squeezed) / 1e6:.1f} MB")
    listing = work / "packed" / "packed-libraries.json"
    listing.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    added.append(("packed-libraries.json", str(listing), "DATA"))
    print(f"shrink_linux: packing saved {saved / 1e6:.1f} MB")

    def points_to_packed(entry: tuple) -> bool:
        name, target, kind = entry[0].replace("\\", "/"), entry[1], entry[2]
        return kind == "SYMLINK" and \
            os.path.normpath(PurePosixPath(name).parent / target) in chosen
    return ([entry for entry in kept if not points_to_packed(entry)],
            [entry for entry in datas if not points_to_packed(entry)] + added)
