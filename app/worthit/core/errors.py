"""Error types. A :class:`UserError` carries a message a manager can act on; anything else
is a bug and is reported as one."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix: a bad file, a bad date, a missing workspace. The command
    line says it on stderr and exits with :attr:`EXIT`."""

    EXIT = 2


class BadInput(UserError):
    """Input that Worthit refuses, with where it was found.

    The message names the file, line and column (or the API and its answer). A column is
    a header name in tabular files and a character position (from 1) in text ones."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        self.file, self.line, self.column = file, line, column
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                (f"column {column}" if isinstance(column, int) else f"column {column!r}")
                if column is not None else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class CacheBusy(UserError):
    """Another process holds the cache's write lock: worth trying again later. The command
    line exits with :attr:`EXIT` (EX_TEMPFAIL), not 2, so a scheduler can tell "try again"
    from "refused" and from an alerts check's "breached" (1)."""

    EXIT = 75


class Cancelled(Exception):
    """The user cancelled a long task; whatever it was writing was rolled back."""
