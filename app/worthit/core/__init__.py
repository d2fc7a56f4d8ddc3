"""Pure domain: FOCUS columns, periods, errors. No Qt, no I/O."""
