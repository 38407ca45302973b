"""Make ``import courtapp`` work when pytest runs from the repository root.

pytest runs with ``--import-mode=importlib``, which does not put test folders on ``sys.path``.
In an application's own repository the package would be installed (``pip install -e .``) and
this file would not be needed.
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
