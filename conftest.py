"""Doctest collection for the package: each docstring is run once, from the module defining it.

``stalkrisk._internal.public.export`` sets ``__module__`` of public names defined in private
modules to the public module (``stalkrisk.batch.BatchRow``). The standard doctest finder
would then run a function's doctests in the public module (without the private module's
imports, which the examples may use) and skip a class's methods there (their globals are the
private module's); this finder looks for each object in the module that defines it, as it
did before the rename.
"""

from __future__ import annotations

import doctest
from types import ModuleType
from typing import Any

from stalkrisk._internal.public import DEFINED_IN

_from_module = doctest.DocTestFinder._from_module  # type: ignore[attr-defined]


def _defined_in(self: doctest.DocTestFinder, module: ModuleType | None, obj: Any) -> bool:
    if module is not None and id(obj) in DEFINED_IN:
        return DEFINED_IN[id(obj)] == module.__name__
    return bool(_from_module(self, module, obj))


doctest.DocTestFinder._from_module = _defined_in  # type: ignore[attr-defined]
