"""Exports a manager takes into a review: a page's table to CSV or Excel
(:mod:`~worthit.export.tables`, from :mod:`worthit.pages`), the period's story to a
PowerPoint deck with native charts (:mod:`~worthit.export.deck`), with account, key and
resource ids masked on request (:mod:`~worthit.export.mask`). No Qt here: charts to PNG or
SVG are drawn by the window's own widgets, in ``worthit.ui``."""
