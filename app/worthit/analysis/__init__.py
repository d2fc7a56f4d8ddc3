"""Pure analysis over the cache: every number a page shows, testable without a window."""
