"""``python -m worthit`` and the ``worthit`` command: the app, and its verbs."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from worthit.cli import main as cli_main

    return cli_main(sys.argv[1:] if argv is None else argv)


def gui_main() -> int:
    return main([])


if __name__ == "__main__":
    sys.exit(main())
