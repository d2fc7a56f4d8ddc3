"""Qt item models: thin adapters over the plain results of worthit.analysis."""
