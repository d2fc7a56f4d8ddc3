"""``python -m worthit`` and the ``worthit`` command: the app, and its verbs."""

from __future__ import annotations

import sys

#: The status of a command whose reader went away (``worthit report ... | head``): a
#: shell's 128 + SIGPIPE, as if the pipe had ended it.
BROKEN_PIPE = 141


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args:  # the window: no verb's parser is built first (their imports cost
            from worthit.ui.app import start  # 0.2 s before the first paint)

            return start(None)
        from worthit.cli import main as cli_main

        return cli_main(args)
    except BrokenPipeError:
        # The reader stopped reading: nothing to say. Point stdout at nothing, so the flush
        # at exit does not fail a second time with a traceback.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE


def gui_main() -> int:
    return main([])


if __name__ == "__main__":
    sys.exit(main())
