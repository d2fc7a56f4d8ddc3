"""The frozen program's entry point: the same ``main`` as the ``worthit`` command."""

import sys

from worthit.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
