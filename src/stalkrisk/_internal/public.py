"""Public names report where users import them from, not the private module that defines them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["DEFINED_IN", "export"]

#: ``id(object) -> module``: where each object that :func:`export` renamed is defined, so
#: tools that look for an object in its defining module (the test suite's doctest finder)
#: still find it there.
DEFINED_IN: dict[int, str] = {}


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


def export(module: str, names: Iterable[str], namespace: Mapping[str, Any]) -> None:
    """Set ``__module__`` of the classes and functions ``module`` exports from private modules.

    So ``repr``, tracebacks, documentation and ``help()`` name ``stalkrisk.batch.BatchRow``,
    not ``stalkrisk.batch._rows.BatchRow`` (as httpx does). Called once by each public module
    that re-exports names, at import; a name already public elsewhere is left alone.
    Constants and type aliases are not touched.

    Examples
    --------
    >>> from stalkrisk.batch import BatchRow
    >>> BatchRow.__module__
    'stalkrisk.batch'
    """
    for name in names:
        obj = namespace[name]
        current = getattr(obj, "__module__", None)
        routine = isinstance(obj, type) or callable(obj)
        if routine and isinstance(current, str) and _private(current) and not _private(module):
            DEFINED_IN[id(obj)] = current
            obj.__module__ = module
