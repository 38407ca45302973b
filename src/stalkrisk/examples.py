"""The bundled example cases: clearly fictional cases used by the demo, the docs and the tests.

The same files are in the repository's ``examples/cases/`` folder; a test keeps the two copies
identical.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from stalkrisk.schemas import Case

__all__ = ["example_ids", "load_example", "load_examples"]


def _folder() -> resources.abc.Traversable:
    return resources.files("stalkrisk") / "_data" / "cases"


def example_ids() -> list[str]:
    """Return the case ids of the bundled examples, in order.

    Examples
    --------
    >>> example_ids()[:2]
    ['EX-01', 'EX-02']
    """
    return [c.case_id for c in load_examples()]


@cache
def _examples() -> tuple[Case, ...]:
    files = sorted(
        (f for f in _folder().iterdir() if f.name.endswith(".json")), key=lambda f: f.name
    )
    return tuple(Case.model_validate_json(f.read_text(encoding="utf-8")) for f in files)


def load_examples() -> list[Case]:
    """Return every bundled example case, validated, in file-name order.

    The files are read once per process; cases are immutable, so they are shared.
    """
    return list(_examples())


def load_example(case_id: str) -> Case:
    """Return the bundled example case with id ``case_id``.

    Examples
    --------
    >>> load_example("EX-01").synthetic
    True
    """
    for case in _examples():
        if case.case_id == case_id:
            return case
    raise LookupError(f"no bundled example has the case id {case_id!r}; see example_ids()")
