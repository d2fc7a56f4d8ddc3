"""The installers' inputs: the icon files decode at every size their containers list and
match the SVG master; the PyInstaller spec takes the name and version from pyproject.toml
and does the right thing on each platform; the Inno Setup script, the macOS recipe and
the CI workflow agree with them.

Building the bundle itself is packaging/build_linux.sh, which .ci/run runs after the tests
(it takes a few minutes: see the README's "Installers")."""

from __future__ import annotations

import ast
import re
import runpy
import shutil
import struct
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest
import yaml
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage, QImageReader
from pytestqt.qtbot import QtBot

REPO = Path(__file__).resolve().parent.parent
ICONS = REPO / "icons"
PACKAGING = REPO / "packaging"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
ICNS_SIZES = {"icp4": 16, "icp5": 32, "icp6": 64, "ic07": 128, "ic08": 256, "ic09": 512,
              "ic10": 1024, "ic11": 32, "ic12": 64, "ic13": 256, "ic14": 512}


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def source_version() -> str:
    """The version as written in the package (hatch builds from it), read by Python itself."""
    tree = ast.parse((REPO / "app" / "worthit" / "__init__.py").read_text(encoding="utf-8"))
    return next(node.value.value for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "__version__" for t in node.targets)
                and isinstance(node.value, ast.Constant))


# -- icons -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", PNG_SIZES)
def test_each_png_size_decodes_with_a_transparent_corner(qtbot: QtBot, size: int) -> None:
    image = QImage(str(ICONS / f"worthit-{size}.png"))
    assert image.size() == QSize(size, size)
    assert image.hasAlphaChannel()
    assert image.pixelColor(0, 0).alpha() == 0  # the rounded corner
    assert image.pixelColor(size // 2, size // 8).alpha() == 255  # the tile


def test_the_ico_lists_16_to_256_and_windows_reads_each(qtbot: QtBot) -> None:
    data = (ICONS / "worthit.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, len(ICO_SIZES))
    listed = []
    for i in range(count):
        width, height, _, _, planes, bits, length, offset = struct.unpack_from(
            "<BBBBHHII", data, 6 + 16 * i)
        size = width or 256
        assert (width, planes, bits) == (height, 1, 32)
        blob = data[offset:offset + length]
        assert len(blob) == length
        if size == 256:  # PNG-compressed, as Windows Vista and later read it
            assert blob.startswith(b"\x89PNG")
        else:  # a BITMAPINFOHEADER of twice the height (image and mask)
            assert struct.unpack_from("<Iii", blob) == (40, size, 2 * size)
        listed.append(size)
    assert listed == list(ICO_SIZES)
    reader = QImageReader(str(ICONS / "worthit.ico"))
    decoded = []
    for i in range(reader.imageCount()):
        reader.jumpToImage(i)
        image = reader.read()
        decoded.append(image.width())
        # The DIBs keep their alpha: a transparent corner, an opaque middle.
        assert image.pixelColor(0, 0).alpha() == 0
        assert image.pixelColor(image.width() // 2, image.height() // 2).alpha() == 255
    assert decoded == list(ICO_SIZES)


def test_the_icns_holds_pngs_of_each_listed_size(qtbot: QtBot) -> None:
    data = (ICONS / "worthit.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack_from(">I", data, 4)[0] == len(data)
    found, offset = {}, 8
    while offset < len(data):
        kind, length = data[offset:offset + 4].decode("ascii"), struct.unpack_from(
            ">I", data, offset + 4)[0]
        image = QImage.fromData(data[offset + 8:offset + length], "PNG")
        found[kind] = image.width() if image.width() == image.height() else None
        offset += length
    assert found == ICNS_SIZES


def test_the_generated_icons_are_up_to_date_with_the_svg(qtbot: QtBot) -> None:
    """After editing icons/worthit.svg, run packaging/make_icons.py."""
    make_icons = runpy.run_path(str(PACKAGING / "make_icons.py"))
    for size in (32, 256):
        fresh = QImage.fromData(make_icons["render"](ICONS / "worthit.svg", size), "PNG")
        kept = QImage(str(ICONS / f"worthit-{size}.png"))
        different = sum(
            _far(fresh.pixelColor(x, y), kept.pixelColor(x, y))
            for x in range(size) for y in range(size))
        assert different <= size * size // 100, f"worthit-{size}.png is stale"


def _far(a: QColor, b: QColor) -> bool:
    return max(abs(a.red() - b.red()), abs(a.green() - b.green()), abs(a.blue() - b.blue()),
               abs(a.alpha() - b.alpha())) > 8


def test_the_window_uses_the_icon_at_every_size(qtbot: QtBot) -> None:
    from worthit.ui.app import application
    from worthit.ui.icon import app_icon

    sizes = {s.width() for s in app_icon().availableSizes()}
    assert sizes == set(PNG_SIZES)
    assert application().windowIcon().availableSizes() == app_icon().availableSizes()


# -- the PyInstaller spec ----------------------------------------------------------------


class Recorder:
    """Stands in for PyInstaller's Analysis, PYZ, EXE, COLLECT and BUNDLE."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        #: The spec's globals once it has run.
        self.namespace: dict[str, Any] = {}

    def __call__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, args, kwargs))
            made = types.SimpleNamespace(args=args, kwargs=kwargs, binaries=[], datas=[],
                                         pure=[], scripts=[])
            if name == "Analysis":
                made.binaries = [("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/x", "BINARY"),
                                 ("PySide6/Qt/plugins/platforms/libqxcb.so", "/x", "BINARY"),
                                 ("libgtk-3.so.0", "/x", "BINARY")]
                made.datas = [(name, "/x", "DATA") for name in ANALYSED_DATAS]
            return made
        return record

    def named(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]


def run_spec(monkeypatch: pytest.MonkeyPatch, platform: str) -> Recorder:
    """Execute packaging/worthit.spec as PyInstaller would on ``platform``, with its API
    recorded instead of run."""
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_entry_point = lambda group: ([], [f"{group}.backend"])  # type: ignore[attr-defined]
    hooks.collect_submodules = lambda name: [name]  # type: ignore[attr-defined]
    hooks.copy_metadata = lambda name: [  # type: ignore[attr-defined]
        (f"/site-packages/{name}.dist-info", f"{name}.dist-info")]
    versioninfo = types.ModuleType("PyInstaller.utils.win32.versioninfo")
    for name in ("FixedFileInfo", "StringFileInfo", "StringStruct", "StringTable",
                 "VarFileInfo", "VarStruct", "VSVersionInfo"):
        setattr(versioninfo, name, lambda *a, _n=name, **k: (_n, a, k))
    for name, module in (("PyInstaller", types.ModuleType("PyInstaller")),
                         ("PyInstaller.utils", types.ModuleType("PyInstaller.utils")),
                         ("PyInstaller.utils.hooks", hooks),
                         ("PyInstaller.utils.win32", types.ModuleType("x")),
                         ("PyInstaller.utils.win32.versioninfo", versioninfo)):
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setattr(sys, "platform", platform)
    recorder = Recorder()
    names = {n: recorder(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    spec = PACKAGING / "worthit.spec"
    code = compile(spec.read_text(encoding="utf-8"), str(spec), "exec")
    recorder.namespace = {"SPECPATH": str(PACKAGING), "__file__": str(spec),
                          "workpath": str(REPO / "build" / "spec-test"), **names}
    exec(code, recorder.namespace)
    return recorder


#: Data files as PyInstaller's hooks collect them (Windows writes backslashes).
ANALYSED_DATAS = (
    "botocore/data/endpoints.json", "botocore/data/partitions.json",
    "botocore/data/_retry.json", "botocore/data/sdk-default-configuration.json",
    "botocore/data/ce/2017-10-25/service-2.json.gz",
    "botocore/data/s3/2006-03-01/endpoint-rule-set-1.json.gz",
    "botocore/data/sso-oidc/2019-06-10/service-2.json.gz",
    "botocore/data/dynamodb/2012-08-10/service-2.json.gz",
    "botocore\\data\\iot\\2015-05-28\\service-2.json.gz",
    "boto3/data/s3/2006-03-01/resources-1.json",
    "PySide6/Qt/plugins/imageformats/libqsvg.so",
    "PySide6/Qt/plugins/imageformats/libqjpeg.so",
)


def test_the_spec_reads_name_and_version_from_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    project = pyproject()
    spec = run_spec(monkeypatch, "linux")
    (_, collect), = spec.named("COLLECT")
    assert collect["name"] == "Worthit"
    (_, exe), = spec.named("EXE")
    assert exe["name"] == project["name"] == "worthit"
    assert exe["console"] is True
    (args, analysis), = spec.named("Analysis")
    assert Path(args[0][0]).is_file()  # the launcher
    targets = {target for _, target in analysis["datas"]}
    assert {"worthit/resources", "worthit/icons", "worthit.dist-info",
            "genai-prices.dist-info"} <= targets
    for source, target in analysis["datas"][:2]:
        assert Path(source).is_dir() and (REPO / target.removeprefix("worthit/")).is_dir()
    assert {"PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "keyring.backends.backend"} <= set(
        analysis["hiddenimports"])
    excluded = set(analysis["excludes"])
    assert {"pyqtgraph.opengl", "OpenGL", "tkinter", "pytest", "hypothesis", "moto",
            "IPython", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtNetwork"} <= excluded
    assert not {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg",
                "PySide6.QtOpenGL", "boto3", "botocore"} & excluded
    # Unused platform plugins and the libraries only they need are dropped after analysis.
    (collect_args, _), = spec.named("COLLECT")
    binaries = collect_args[1]
    assert [name for name, *_ in binaries] == ["PySide6/Qt/plugins/platforms/libqxcb.so"]
    # botocore keeps the models of the services Worthit calls and what it needs to load
    # any; boto3's resource definitions and unused image formats go.
    assert [name for name, *_ in collect_args[2]] == [
        "botocore/data/endpoints.json", "botocore/data/partitions.json",
        "botocore/data/_retry.json", "botocore/data/sdk-default-configuration.json",
        "botocore/data/ce/2017-10-25/service-2.json.gz",
        "botocore/data/s3/2006-03-01/endpoint-rule-set-1.json.gz",
        "botocore/data/sso-oidc/2019-06-10/service-2.json.gz",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
    ]
    assert "pyarrow" in excluded  # DuckDB reads Parquet


#: Calls that make an AWS client from a service name: boto3's ``client``, botocore's
#: ``create_client``, worthit.sources.aws.Api and the connectors' ``api`` helpers.
CLIENT_MAKER = re.compile(r"(?i)^_?(api|client|create_client|client_creator)$")


def aws_services_named(package: Path) -> dict[str, str]:
    """Each AWS service name ``package`` passes to a client maker (as a string, a constant
    or a loop over strings), with the first place it does so."""
    found: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        # What a name can stand for: a module constant, or a loop over a tuple of strings.
        values: dict[str, set[str]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        values.setdefault(target.id, set()).add(node.value.value)
            if (isinstance(node, ast.For | ast.comprehension)
                    and isinstance(node.target, ast.Name)
                    and isinstance(node.iter, ast.Tuple | ast.List | ast.Set)):
                values.setdefault(node.target.id, set()).update(
                    e.value for e in node.iter.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else \
                getattr(callee, "id", "")
            if not CLIENT_MAKER.match(name):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                services = {first.value}
            else:
                services = values.get(first.id, set()) if isinstance(first, ast.Name) else set()
            for service in services:
                found.setdefault(service, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_the_bundle_keeps_the_model_of_every_aws_service_worthit_calls(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A new AWS connector must add its service to the spec's AWS_SERVICES: without the
    model the frozen app cannot make the client (it runs from source)."""
    kept = set(run_spec(monkeypatch, "linux").namespace["AWS_SERVICES"])
    named = aws_services_named(REPO / "app" / "worthit")
    assert {"ce", "s3"} <= set(named)  # the search does find the connectors' clients
    missing = {service: where for service, where in named.items() if service not in kept}
    assert not missing, f"add these to AWS_SERVICES in packaging/worthit.spec: {missing}"


def test_the_bundle_keeps_the_services_botocores_credential_providers_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile with a role, SSO or ``aws login`` makes botocore call STS, SSO, SSO-OIDC
    or Sign-In before any of Worthit's requests."""
    import botocore
    from botocore.loaders import create_loader

    kept = set(run_spec(monkeypatch, "linux").namespace["AWS_SERVICES"])
    source = "".join((Path(botocore.__file__).parent / name).read_text(encoding="utf-8")
                     for name in ("credentials.py", "tokens.py", "utils.py"))
    called = set(re.findall(r"_client_creator\(\s*['\"]([\w-]+)['\"]", source)) | set(
        re.findall(r"create_nested_client\(\s*[\w.]+,\s*['\"]([\w-]+)['\"]", source))
    assert {"sts", "sso", "sso-oidc"} <= called
    assert called <= kept, f"add to AWS_SERVICES in packaging/worthit.spec: {called - kept}"
    # Each one kept is a service botocore has a model for (a misspelt one would be lost).
    assert kept <= set(create_loader().list_available_services("service-2"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("strip") is None,
                    reason="strips ELF files with binutils")
def test_on_linux_the_interpreters_own_libraries_lose_their_debug_information(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import _json

    import yaml._yaml

    spec = run_spec(monkeypatch, "linux").namespace
    spec["workpath"] = str(tmp_path)  # PyInstaller's build folder
    own, wheel = Path(_json.__file__), Path(yaml._yaml.__file__)
    assert Path(sys.base_prefix).resolve() in own.resolve().parents
    name = f"python3.11/lib-dynload/{own.name}"
    entries = [(name, str(own), "EXTENSION"), (f"yaml/{wheel.name}", str(wheel), "EXTENSION")]
    (stripped, kept) = spec["_without_debug_info"](entries)
    assert stripped == (name, str(tmp_path / "without-debug-info" / name), "EXTENSION")
    copy = Path(stripped[1])
    assert copy.read_bytes()[:4] == b"\x7fELF" and b".debug_info" not in copy.read_bytes()
    assert copy.stat().st_size <= own.stat().st_size
    assert kept == entries[1]  # a wheel's library stays as auditwheel left it


LINUX_TOOLS = ("readelf", "as", "ld", "icupkg")


def shrink_linux() -> dict[str, Any]:
    return runpy.run_path(str(PACKAGING / "shrink_linux.py"))


#: Run in a fresh interpreter (the test process has PySide6's ICU loaded already): the
#: ICU calls Qt makes (QCollator, QStringConverter, QTimeZone, QLocale::toUpper).
ICU_CHECK = """
import ctypes, sys
folder, v = sys.argv[1], sys.argv[2]
uc = ctypes.CDLL(f"{folder}/libicuuc.so.{v}")
i18n = ctypes.CDLL(f"{folder}/libicui18n.so.{v}")
P = ctypes.c_void_p
def f(lib, name, restype=ctypes.c_int, *args):
    fn = getattr(lib, f"{name}_{v}")
    fn.restype, fn.argtypes = restype, list(args) or None
    return fn
def u16(text):
    return ctypes.create_string_buffer((text + "\\0").encode("utf-16-le"))
err = ctypes.c_int(0)
def check(what):
    if err.value > 0:
        sys.exit(f"{what}: ICU error {err.value}")
for loc in (b"", b"en_US", b"de_DE", b"sv_SE", b"zh_CN"):
    f(i18n, "ucol_close", None, P)(f(i18n, "ucol_open", P)(loc, ctypes.byref(err)))
    check(f"ucol_open({loc})")
for name in (b"UTF-8", b"ISO-8859-1", b"windows-1252", b"ISO-8859-5", b"KOI8-R"):
    f(uc, "ucnv_close", None, P)(f(uc, "ucnv_open", P)(name, ctypes.byref(err)))
    check(f"ucnv_open({name})")
cal = f(i18n, "ucal_open", P)(u16("Europe/Berlin"), -1, b"en_US", 0, ctypes.byref(err))
check("ucal_open")
out = (ctypes.c_uint16 * 100)()
n = f(i18n, "ucal_getTimeZoneDisplayName", ctypes.c_int, P, ctypes.c_int, ctypes.c_char_p,
      P, ctypes.c_int, P)(cal, 0, b"en_US", out, 100, ctypes.byref(err))
check("ucal_getTimeZoneDisplayName")
print(bytes(out)[: 2 * n].decode("utf-16-le"))
n = f(uc, "u_strToUpper")(out, 100, u16("istanbul"), -1, b"tr_TR", ctypes.byref(err))
check("u_strToUpper")
print(bytes(out)[: 2 * n].decode("utf-16-le"))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux")
                    or any(shutil.which(tool) is None for tool in LINUX_TOOLS),
                    reason="filters ICU data with icu-devtools and binutils on Linux")
def test_the_filtered_icu_data_still_serves_what_qt_asks_of_icu(tmp_path: Path) -> None:
    import subprocess

    import PySide6

    qt_lib = Path(PySide6.__file__).parent / "Qt" / "lib"
    (original,) = qt_lib.glob("libicudata.so.*")
    version = original.name.rsplit(".", 1)[1]
    made = shrink_linux()["filter_icu_data"](original, tmp_path / "work")
    assert made.name == original.name
    assert made.stat().st_size < original.stat().st_size / 4  # 32 MB -> about 5
    for folder in (qt_lib, tmp_path / "filtered"):
        if folder != qt_lib:  # ICU's own libraries beside the filtered data
            folder.mkdir()
            shutil.copy2(made, folder)
            for name in ("libicuuc", "libicui18n"):
                shutil.copy2(qt_lib / f"{name}.so.{version}", folder)
        done = subprocess.run([sys.executable, "-c", ICU_CHECK, str(folder), version],
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split("\n")[:2] == ["Central European Standard Time", "İSTANBUL"]


def lay_out(entries: list[tuple[str, str, str]], bundle: Path) -> None:
    """Copy TOC entries where PyInstaller's COLLECT would put them."""
    for name, source, _ in entries:
        (bundle / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, bundle / name)


#: Run in a fresh interpreter as the frozen app would: the runtime hook, then imports.
FROZEN = """
import os, runpy, sys
sys._MEIPASS = sys.argv[1]
if sys.argv[2] == "no-memfd":
    def refuse(*args):
        raise OSError("memfd_create refused")
    os.memfd_create = refuse
runpy.run_path(sys.argv[3])
exec(sys.argv[4])
print(open("/proc/self/maps").read())
"""


def run_frozen(bundle: Path, code: str, memfd: bool = True) -> str:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", FROZEN, str(bundle), "memfd" if memfd else "no-memfd",
         str(PACKAGING / "pyi_rth_packed_libraries.py"), code],
        capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("readelf") is None,
                    reason="packs ELF libraries on Linux")
@pytest.mark.parametrize("memfd", [True, False], ids=["memfd", "temporary file"])
def test_a_packed_extension_module_is_unpacked_on_its_first_import(
        tmp_path: Path, memfd: bool) -> None:
    import yaml._yaml

    wheel = Path(yaml._yaml.__file__)
    name = f"yaml/{wheel.name}"
    binaries, datas = shrink_linux()["packed"](
        [(name, str(wheel), "EXTENSION")], [], tmp_path / "work", {"yaml/_yaml.*.so": "xz"})
    assert binaries == []
    assert sorted(entry[0] for entry in datas) == ["packed-libraries.json", name + ".xz"]
    lay_out(datas, tmp_path / "bundle")
    maps = run_frozen(tmp_path / "bundle", "import yaml, yaml._yaml as m; print(m.__file__); "
                      "assert yaml.load('a: [1]', Loader=yaml.CLoader) == {'a': [1]}", memfd)
    assert maps.splitlines()[0] == str(tmp_path / "bundle" / name)
    assert str(wheel) not in maps  # the wheel's file was never loaded
    assert ("memfd:_yaml" if memfd else "/worthit-lib-") in maps


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("readelf") is None,
                    reason="packs ELF libraries on Linux")
def test_a_packed_library_is_loaded_before_the_module_that_needs_it(tmp_path: Path) -> None:
    import numpy

    site = Path(numpy.__file__).parent.parent
    (core,) = (site / "numpy" / "_core").glob("_multiarray_umath.*.so")
    libs = sorted((site / "numpy.libs").iterdir())
    (blas,) = (lib for lib in libs if "openblas" in lib.name)
    binaries = [(str(core.relative_to(site)), str(core), "EXTENSION"),
                *((f"numpy.libs/{lib.name}", str(lib), "BINARY") for lib in libs)]
    kept, datas = shrink_linux()["packed"](binaries, [], tmp_path / "work",
                                          {"numpy.libs/libscipy_openblas*.so": "zlib"})
    assert [entry[0] for entry in kept] == [entry[0] for entry in binaries
                                           if entry[1] != str(blas)]
    lay_out([*datas, *(entry for entry in kept if entry[2] == "BINARY")], tmp_path / "bundle")
    maps = run_frozen(tmp_path / "bundle",
                      "import numpy; assert numpy.linalg.inv(numpy.eye(2))[1, 1] == 1")
    assert f"memfd:{blas.name}" in maps
    assert str(blas) not in maps  # numpy's core took the unpacked copy, by its soname


def test_on_macos_the_spec_makes_an_app_with_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    version = source_version()
    spec = run_spec(monkeypatch, "darwin")
    (_, bundle), = spec.named("BUNDLE")
    assert bundle["name"] == "Worthit.app"
    assert bundle["version"] == bundle["info_plist"]["CFBundleShortVersionString"] == version
    assert bundle["icon"].endswith("worthit.icns") and Path(bundle["icon"]).is_file()
    (_, exe), = spec.named("EXE")
    assert exe["name"] == "Worthit"
    assert exe["console"] is False  # an .app; run from a terminal it still prints there


def test_on_windows_the_spec_makes_a_windowed_and_a_console_exe(
        monkeypatch: pytest.MonkeyPatch) -> None:
    version = source_version()
    spec = run_spec(monkeypatch, "win32")
    exes = {kwargs["name"]: kwargs for _, kwargs in spec.named("EXE")}
    assert exes["Worthit"]["console"] is False
    assert exes["worthit-cli"]["console"] is True
    assert exes["Worthit"]["icon"].endswith("worthit.ico")
    kind, _, info = exes["Worthit"]["version"]
    assert kind == "VSVersionInfo"
    strings = repr(info["kids"])
    assert f"'ProductVersion', '{version}'" in strings
    assert not spec.named("BUNDLE")


def test_build_info_names_the_installers_after_the_version() -> None:
    info = runpy.run_path(str(PACKAGING / "build_info.py"))
    project = info["project"]()
    version = source_version()
    assert (project.name, project.version) == (pyproject()["name"], version)
    assert project.windows_setup() == f"Worthit-Setup-{version}.exe"
    assert project.linux_archive("x86_64") == f"Worthit-{version}-linux-x86_64.tar.gz"
    assert project.macos_dmg("arm64") == f"Worthit-{version}-macos-arm64.dmg"
    assert info["Project"]("w", "1.2.3rc1", "", "").windows_version_tuple() == (1, 2, 3, 0)


# -- the recipes and the workflow --------------------------------------------------------


def test_the_inno_setup_script_takes_the_version_from_outside() -> None:
    iss = (PACKAGING / "windows" / "worthit.iss").read_text(encoding="utf-8")
    assert "OutputBaseFilename=Worthit-Setup-{#AppVersion}" in iss
    assert source_version() not in iss  # passed as /DAppVersion=..., never written here
    icon = next(line.split("=", 1)[1] for line in iss.splitlines()
                if line.startswith("SetupIconFile="))
    assert (PACKAGING / "windows" / icon.replace("\\", "/")).resolve() == ICONS / "worthit.ico"
    # It packs the whole one-folder bundle that the spec's COLLECT names "Worthit".
    assert '#define Bundle "..\\..\\dist\\Worthit"' in iss
    assert 'Source: "{#Bundle}\\*"' in iss


def test_the_workflow_builds_and_self_tests_on_three_systems() -> None:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "installers.yml").read_text(
        encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    assert set(matrix["os"]) == {"windows-latest", "macos-latest", "ubuntu-latest"}
    steps = yaml.safe_dump(job["steps"]).replace("\\", "/")  # PowerShell paths
    assert "python-version: '3.11'" in steps
    assert "--self-test" in steps
    assert "actions/upload-artifact" in steps
    for script in ("packaging/build_linux.sh", "packaging/macos/build_dmg.sh",
                   "packaging/windows/worthit.iss", "packaging/freeze.py"):
        assert script in steps
        assert (REPO / script).is_file()


# -- the About box -----------------------------------------------------------------------


def test_the_about_box_shows_version_licence_and_where_things_are(
        qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from worthit import __version__, logs
    from worthit.ui.about import AboutDialog
    from worthit.workspace import Workspace, default_root

    dialog = AboutDialog(Workspace(tmp_path / "<b>ws</b>"))
    qtbot.addWidget(dialog)
    labels = dialog.findChildren(QLabel)
    texts = [label.text() for label in labels]
    assert "Worthit" in texts
    assert f"Version {__version__}" in texts
    assert f"Released under the {pyproject()['license']} licence." in texts
    for path in (tmp_path / "<b>ws</b>", default_root(), logs.log_file()):
        assert str(path) in texts
    # A path is shown as it is, never as markup.
    (shown,) = [label for label in labels if label.text() == str(tmp_path / "<b>ws</b>")]
    assert shown.textFormat() == Qt.TextFormat.PlainText
    assert not dialog.windowIcon().isNull()


def test_open_log_folder_makes_and_opens_it(qtbot: QtBot, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices, QGuiApplication

    from worthit import logs
    from worthit.ui import about

    opened: list[QUrl] = []
    monkeypatch.setattr(logs, "log_dir", lambda: tmp_path / "logs")
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    dialog = about.AboutDialog()
    qtbot.addWidget(dialog)
    dialog.open_log.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "logs"))]
    assert (tmp_path / "logs").is_dir() and dialog.opened_log_folder is True
    about.AboutDialog.copy_details(dialog)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(f"Worthit {source_version()} ")
    assert f"Log file: {tmp_path / 'logs' / 'worthit.log'}" in copied


def test_help_about_opens_the_about_box(qtbot: QtBot, writable: Any) -> None:
    from worthit.ui.about import AboutDialog
    from worthit.ui.main_window import MainWindow

    window = MainWindow(writable)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.current_page.loaded, timeout=60_000):
        window.show()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    (about,) = [a for a in menus["Help"].actions() if a.text() == "&About Worthit"]
    about.trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(AboutDialog)))
    for dialog in window.findChildren(AboutDialog):
        dialog.close()
