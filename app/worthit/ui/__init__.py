"""Everything Qt: the main window, pages, widgets, item models and workers.

Importing this package makes PySide6's per-import source scan cheap first
(:mod:`worthit.ui.feature_scan`): every module imported after Qt pays it."""

from worthit.ui.feature_scan import install

install()
