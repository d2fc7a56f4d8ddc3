"""PySide6's per-import check, made cheap (:mod:`worthit.ui.feature_scan`), gives the
answer shiboken's own gives for every module."""

from __future__ import annotations

import sys

import pyqtgraph  # noqa: F401 - many modules to check, some of them naming PySide6

from worthit.ui import feature_scan


def test_the_scan_answers_as_shibokens_own() -> None:
    feature = sys.modules["shibokensupport.feature"]
    scan = feature._mod_uses_pyside
    assert getattr(scan, "worthit_scan", False), "importing worthit.ui installs it"
    original = scan.__closure__[0].cell_contents  # the function it replaced
    assert not getattr(original, "worthit_scan", False)
    modules = [m for m in list(sys.modules.values())
               if isinstance(getattr(m, "__file__", None), str)]
    answers = {m.__name__: scan(m) for m in modules}
    assert answers == {m.__name__: original(m) for m in modules}
    assert answers["worthit.ui.feature_scan"] and not answers["json"]
    assert any(answers.values()) and not all(answers.values())
    assert feature_scan.install(), "a second install keeps the scan in place"
    assert feature._mod_uses_pyside is scan
