"""Everything Qt: the main window, pages, widgets, item models and workers."""
