"""The CSV column convention: a case as flat cells, and flat cells as a case's data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from stalkrisk._internal import documents, intake
from stalkrisk.batch._limits import CSV_CELL_JSON, CSV_CONFLICT
from stalkrisk.schemas import Case

#: Every field name of the case schema: a column or key outside it is never repeated in errors.
CASE_KEYS: Final = intake.CASE_KEYS

# --- the CSV convention ---------------------------------------------------------------------


def flatten_case(case: Case | Mapping[str, Any]) -> dict[str, str]:
    """Flatten a case into CSV cells, following the column convention of ``docs/batch.md``.

    Nested fields become dotted columns (``episode.threats.to_kill``); lists become a JSON
    string in one cell (``history.convictions``); a field that is not given becomes an empty
    cell. :func:`unflatten_row` is the inverse.

    Examples
    --------
    >>> from stalkrisk import Case
    >>> case = Case(case_id="C-1", assessment_date="2024-05-01", perpetrator={"age": 40},
    ...             history={"convictions": []})
    >>> cells = flatten_case(case)
    >>> cells["perpetrator.age"], cells["history.convictions"], cells["history.conviction_count"]
    ('40', '[]', '')
    >>> from stalkrisk.batch import TEXT_CELLS
    >>> Case.model_validate(unflatten_row(cells), context=TEXT_CELLS) == case
    True
    """
    data = case.model_dump(mode="json") if isinstance(case, Case) else dict(case)
    cells: dict[str, str] = {}
    _flatten(data, "", cells)
    return cells


def _flatten(data: Mapping[str, Any], prefix: str, cells: dict[str, str]) -> None:
    for key, value in data.items():
        column = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, f"{column}.", cells)
        elif value is None:
            cells[column] = ""
        elif isinstance(value, str):
            cells[column] = value
        else:  # numbers, booleans and lists are written as JSON
            cells[column] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def unflatten_row(cells: Mapping[str, str]) -> dict[str, Any]:
    """Build a case's nested data from CSV cells named by the column convention.

    An empty cell is a field not given. A cell whose first character (after spaces) is ``[``
    or ``{`` is read as JSON; every other cell is text, which the schema converts (numbers,
    dates, ``true``/``false``) when the data are validated with ``context=TEXT_CELLS``:
    ``Case.model_validate(unflatten_row(cells), context=TEXT_CELLS)``. (In JSON, a number
    in quotes is refused.)

    Raises
    ------
    ValueError
        If a JSON cell is not valid JSON, or two columns set the same field.

    Examples
    --------
    >>> unflatten_row({"case_id": "C-1", "perpetrator.age": "40", "perpetrator.sex": "",
    ...                "history.convictions": '[{"offence": "stalking", "age": 30}]'})
    {'case_id': 'C-1', 'perpetrator': {'age': '40'}, 'history': {'convictions': [{'offence': 'stalking', 'age': 30}]}}
    """  # noqa: E501 - a doctest's output is one line
    return nest_cells(cells)


def shown_column(column: str) -> str:
    """Return a column name as errors show it: a part that is not a case field becomes ``?``.

    A header is the file's own text, and an unknown column's name may be personal data.

    Examples
    --------
    >>> shown_column("perpetrator.age"), shown_column("perpetrator.Jane Doe")
    ('perpetrator.age', 'perpetrator.?')
    """
    return documents.dotted_path(column.split("."), CASE_KEYS)


class CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = shown_column(column)
        self.message = message


def cell_value(column: str, cell: str) -> Any:
    """Return a cell's value: its text, or the JSON it holds when it starts with [ or {."""
    if cell.lstrip()[:1] not in ("[", "{"):
        return cell
    try:
        return documents.parse_json(cell, one_line=True, last=False, known_keys=CASE_KEYS)
    except documents.DocumentError as exc:
        raise CellError(column, CSV_CELL_JSON.format(reason=exc.message)) from None


def nest_cells(cells: Mapping[str, str]) -> dict[str, Any]:
    """Nest cells named by field paths into a case's data; raise :class:`CellError`."""
    data: dict[str, Any] = {}
    owner: dict[tuple[str, ...], str] = {}  # which column set each path
    for column, cell in cells.items():
        if cell is None or not cell.strip():
            continue
        value = cell_value(column, cell)
        path = tuple(column.split("."))
        node = data
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict) or path[: depth + 1] in owner:
                other = owner.get(path[: depth + 1], column)
                raise CellError(
                    column,
                    CSV_CONFLICT.format(column=shown_column(column), other=shown_column(other)),
                )
            node = child
        if path[-1] in node:
            prefix = ".".join(path) + "."
            other = owner.get(path) or next(c for c in owner.values() if c.startswith(prefix))
            raise CellError(
                column, CSV_CONFLICT.format(column=shown_column(column), other=shown_column(other))
            )
        node[path[-1]] = value
        owner[path] = column
    return data
