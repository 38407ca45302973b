"""``python -m stalkrisk``: the same command line as the ``stalkrisk`` script."""

import sys

from stalkrisk.cli import main

if __name__ == "__main__":
    sys.exit(main())
