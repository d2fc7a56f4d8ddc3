#!/usr/bin/env bash
# Build Worthit's Linux bundle from a clean clone and prove that it starts:
#
#   packaging/build_linux.sh
#
# 1. a venv (build/packaging-venv; WORTHIT_BUILD_VENV picks another) with this checkout
#    and PyInstaller (the project's `packaging` extra);
# 2. packaging/freeze.py: PyInstaller's one-folder bundle in dist/Worthit, its size, its
#    cold start and its --self-test (a failed self-test fails this script);
# 3. dist/Worthit-<version>-linux-<machine>.tar.gz, with install-desktop-entry.sh inside
#    for a menu entry and icon.
#
# Needs Python 3.11+ with venv, and binutils (PyInstaller calls objdump and objcopy;
# packaging/shrink_linux.py readelf, as and ld); as root on Debian or Ubuntu it installs
# what is missing with apt-get, and icu-devtools too (icupkg filters Qt's 32 MB of ICU
# data down to what Qt uses; without it the bundle is 27 MB larger, and says so).
set -euo pipefail

started=$SECONDS
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off

apt_install() {
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
        echo "build_linux.sh: please install: $*" >&2
        exit 1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

python=""
for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        python=$candidate
        break
    fi
done
if [ -z "$python" ]; then
    echo "build_linux.sh: Worthit needs Python 3.11 or newer on PATH." >&2
    exit 1
fi
if ! command -v objdump >/dev/null || ! command -v objcopy >/dev/null \
    || ! command -v readelf >/dev/null || ! command -v as >/dev/null \
    || ! command -v ld >/dev/null; then
    apt_install binutils
fi
if ! command -v icupkg >/dev/null; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        apt_install icu-devtools
    else
        echo "build_linux.sh: no icupkg (Debian: icu-devtools): Qt's ICU data stays whole" >&2
    fi
fi

venv=${WORTHIT_BUILD_VENV:-build/packaging-venv}
if [ ! -x "$venv/bin/python" ]; then
    echo "== Creating $venv"
    if ! "$python" -m venv "$venv"; then
        rm -rf "$venv"
        apt_install python3-venv
        "$python" -m venv "$venv"
    fi
fi
echo "== Installing packaging/requirements.lock and this checkout into $venv"
# The locked versions and hashes (bash .ci/lock refreshes them), then this checkout built
# by the locked hatchling, even when its version number has not changed since the last build.
"$venv/bin/python" -m pip install -q --require-hashes -r packaging/requirements.lock
"$venv/bin/python" -m pip install -q --no-deps --no-build-isolation --force-reinstall .
"$venv/bin/python" -m PyInstaller --version | sed 's/^/PyInstaller /'

echo "== Building and smoke-testing the bundle"
"$venv/bin/python" packaging/freeze.py --dist dist --work build/pyinstaller

echo "== Archiving"
cp packaging/linux/install-desktop-entry.sh dist/Worthit/
archive=dist/$("$venv/bin/python" packaging/build_info.py linux-archive)
tar -C dist --sort=name --owner=0 --group=0 --numeric-owner -czf "$archive" Worthit
echo "$archive: $(( $(stat -c %s "$archive") / 1000000 )) MB"
echo "== build_linux.sh: done in $((SECONDS - started)) s"
