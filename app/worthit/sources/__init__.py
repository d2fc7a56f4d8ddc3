"""Importers: each reads one kind of billing file into FOCUS-shaped charge rows."""
