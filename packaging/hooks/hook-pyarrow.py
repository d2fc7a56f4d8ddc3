"""Replaces pyinstaller-hooks-contrib's hook for pyarrow, which collects every submodule,
every shared library (Flight alone is 31 MB) and the C++ headers.

Worthit only reads local Parquet files (worthit.sources.bill). pyarrow's Cython modules
import Python modules that the analysis cannot see, so the submodules are still collected,
less the unused ones the spec excludes; the shared libraries come in as dependencies of
the extension modules that are kept."""

from PyInstaller.utils.hooks import collect_submodules

#: Words in the names of pyarrow's modules that Worthit does not use.
UNUSED = ("flight", "s3fs", "gcsfs", "azurefs", "hdfs", "orc", "cuda", "gandiva",
          "substrait", "tests", "conftest", "interchange", "benchmark")


def _wanted(name: str) -> bool:
    part = [*name.split("."), ""][1]
    # collect_submodules also lists the shared libraries in pyarrow/ (libarrow_python*.so)
    # as modules; the ones needed come in as dependencies of the extension modules.
    if part.startswith(("libarrow", "libparquet")):
        return False
    return not any(word in part for word in UNUSED)


hiddenimports = collect_submodules("pyarrow", filter=_wanted)
