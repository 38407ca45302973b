"""Reading outcome data for fitting and evaluation: JSONL cases, or a CSV table of numbers."""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from stalkrisk._internal import documents, intake
from stalkrisk.schemas import Case

__all__ = [
    "BAD_LABEL",
    "BAD_OUTCOME",
    "MISSING_LABEL",
    "MISSING_OUTCOME",
    "NO_COLUMN",
    "NO_FIELD",
    "Dataset",
    "read_dataset",
]

_TRUE = {"1", "true", "yes"}
_FALSE = {"0", "false", "no"}

#: One problem for the whole file: no JSONL record has the field (outcome or group). The
#: fields there are are not listed: a key outside the case schema may be personal data.
NO_FIELD: Final = (
    "no field {name} in any record; name the field beside each case that holds it (the "
    "records' other fields are not listed, since a key may be personal data)"
)
#: One problem for the whole file: the CSV header has no such column (outcome or group).
NO_COLUMN: Final = "no column {name} (columns: {names})"
#: A record without the outcome, when other records have it.
MISSING_OUTCOME: Final = "{name}: missing; every record needs the outcome (0/1 or true/false)"
#: A record whose outcome is not 0/1 or true/false.
BAD_OUTCOME: Final = "{name}: the outcome must be 0/1 or true/false"
#: A record without a group label: null or blank, or absent when other records have the field.
MISSING_LABEL: Final = (
    "{name}: no group label; every record needs one for the audit (write e.g. 'unknown' "
    "where it is not known)"
)
#: A group label that is not text or a number.
BAD_LABEL: Final = "{name}: a group label must be text or a number"

#: How many field or column names a problem lists.
_NAMES_SHOWN: Final = 20
#: How many distinct field names a JSONL file is searched for (to list them).
#: A field or column name is listed only if it looks like a name, so that a value (a CSV
#: without a header, a JSONL record with the case's contents as keys) is never echoed.
_SHOWABLE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_CASE_FIELDS: Final = frozenset(Case.model_fields) | {"case"}
_ABSENT: Final = object()


def _name(text: str) -> str:
    """Quote a field name given by the caller, cut short if long."""
    return repr(text if len(text) <= 64 else text[:64] + "...")


def _names(names: Iterable[str], *, unlisted: bool = False) -> str:
    """List names for a message: only name-like ones, at most ``_NAMES_SHOWN``.

    ``unlisted``: there are names besides ``names`` (too many to keep).
    """
    every = list(names)
    shown = [n for n in every if _SHOWABLE.fullmatch(n)]
    parts = shown[:_NAMES_SHOWN]
    more = len(every) - len(parts)
    if not parts:
        return "none that is a plain name" if more or unlisted else "none"
    text = ", ".join(parts)
    if unlisted:
        return f"{text} and more"
    return f"{text} and {more} more" if more else text


@dataclass
class Dataset:
    """Outcome data: cases (from JSONL) or a numeric table (from CSV), outcomes and groups.

    ``problems`` lists every record that could not be read, as ``(where, message)``; callers
    decide what to do with them (fitting refuses to go on; nothing is dropped silently).
    """

    y: NDArray[np.int64]
    cases: list[Case] | None = None
    X: NDArray[np.float64] | None = None
    feature_names: list[str] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _outcome(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


def _label(value: Any) -> str | None:
    """Return a JSONL group label as text; ``None`` if missing or blank.

    Raises ``TypeError`` for a value that is not text or a number.
    """
    if value is _ABSENT or value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    raise TypeError


def _take_outcome_and_labels(
    record: dict[str, Any],
    where: str,
    outcome: str,
    groups: Sequence[str],
    problems: list[tuple[str, str]],
) -> tuple[int | None, list[str]]:
    """Pop a JSONL record's outcome and group labels, noting any problem with them."""
    raw = record.pop(outcome, _ABSENT)
    y = None if raw is _ABSENT else _outcome(raw)
    if raw is _ABSENT:
        problems.append((where, MISSING_OUTCOME.format(name=outcome)))
    elif y is None:
        problems.append((where, BAD_OUTCOME.format(name=outcome)))
    labels: list[str] = []
    for g in groups:
        raw = record.pop(g, _ABSENT)
        try:
            label = _label(raw)
        except TypeError:
            problems.append((where, BAD_LABEL.format(name=g)))
            continue
        if label is None:  # absent, null or blank: never a silent blank group
            problems.append((where, MISSING_LABEL.format(name=g)))
            continue
        labels.append(label)
    return y, labels


#: The largest data file ``fit`` and ``evaluate`` read (a fitted model holds its cases in memory).
MAX_DATASET_BYTES: Final = 1024 * 1024 * 1024


def _lines(path: Path, problems: list[tuple[str, str]]) -> Iterable[tuple[int, bytes]]:
    """Yield the numbered lines of a file (LF, CR LF or a lone CR end a line)."""
    try:
        data = documents.read_bytes(path, max_bytes=MAX_DATASET_BYTES, what="a data file")
    except documents.DocumentError as exc:
        problems.append((str(path), exc.message))
        return
    yield from enumerate(data.splitlines(), start=1)


def _decoded(line: bytes, where: str, problems: list[tuple[str, str]]) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append((where, documents.NOT_UTF8.format(position=exc.start + 1)))
        return None


def _read_jsonl(path: Path, outcome: str, groups: Sequence[str]) -> Dataset:
    cases: list[Case] = []
    ys: list[int] = []
    group_values: dict[str, list[str]] = {g: [] for g in groups}
    # a record without the outcome or a group's field is a problem of its own only if other
    # records have the field; if none has, one problem for the whole file replaces them
    problems: list[tuple[str, str]] = []
    present: set[str] = set()
    records = 0
    for number, line in _lines(path, problems):
        where = f"{path}:{number}"
        if not line.strip():
            continue
        text = _decoded(line, where, problems)
        if text is None:
            continue
        try:
            record = documents.parse_json(text, one_line=True, known_keys=intake.CASE_KEYS)
        except documents.DocumentError as exc:
            problems.append((where, exc.message))
            continue
        if not isinstance(record, dict):
            problems.append((where, intake.NOT_OBJECT))
            continue
        records += 1
        present.update(n for n in (outcome, *groups) if n in record)
        count = len(problems)
        y, labels = _take_outcome_and_labels(record, where, outcome, groups, problems)
        if y is None or len(problems) > count:
            continue
        # {"case": {...}, "outcome": ..., labels...} is read as its case, as every reader does
        case = intake.validate_case(record)
        if isinstance(case, intake.Rejected):
            problems += [(where, f"{issue.field}: {issue.message}") for issue in case.issues]
            continue
        cases.append(case)
        ys.append(y)
        for g, label in zip(groups, labels, strict=True):
            group_values[g].append(label)
    absent = [n for n in (outcome, *groups) if n not in present] if records else []
    if absent:  # one problem for the file, rather than one per record
        return Dataset(
            y=np.zeros(0, dtype=np.int64),
            cases=[],
            groups={g: [] for g in groups},
            problems=[(str(path), NO_FIELD.format(name=_name(n))) for n in absent],
        )
    return Dataset(
        y=np.asarray(ys, dtype=np.int64),
        cases=cases,
        groups=group_values,
        problems=problems,
    )


def _csv_rows(
    reader: csv.DictReader[str], path: Path, problems: list[tuple[str, str]]
) -> Iterable[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)``; a row that breaks the CSV rules ends the reading, as a problem."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(
                (f"{path}:{reader.line_num}", f"not valid CSV ({exc}); read no further")
            )
            return
        yield reader.line_num, row


def _read_csv(path: Path, outcome: str, groups: Sequence[str]) -> Dataset:
    problems: list[tuple[str, str]] = []
    nothing = Dataset(y=np.zeros(0, dtype=np.int64), X=np.zeros((0, 0)), problems=problems)
    try:
        text = documents.read_text(path, max_bytes=MAX_DATASET_BYTES, what="a data file")
    except documents.DocumentError as exc:
        problems.append((str(path), exc.message))
        return nothing
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        problems.append((f"{path}:1", f"the header row is not valid CSV ({exc})"))
        return nothing
    absent = [n for n in (outcome, *groups) if n not in header]
    if absent:
        names = _names(header)
        return Dataset(
            y=np.zeros(0, dtype=np.int64),
            X=np.zeros((0, 0)),
            groups={g: [] for g in groups},
            problems=[(str(path), NO_COLUMN.format(name=_name(n), names=names)) for n in absent],
        )
    features = [c for c in header if c != outcome and c not in groups]
    rows: list[list[float]] = []
    ys: list[int] = []
    group_values: dict[str, list[str]] = {g: [] for g in groups}
    for number, row in _csv_rows(reader, path, problems):
        where = f"{path}:{number}"
        count = len(problems)
        y = _outcome(row.get(outcome))
        if y is None:
            problems.append((where, BAD_OUTCOME.format(name=outcome)))
        labels: list[str] = []
        for g in groups:
            cell = row.get(g)
            if cell is None or not cell.strip():  # a short row, or a blank cell
                problems.append((where, MISSING_LABEL.format(name=g)))
            else:
                labels.append(cell)
        if y is None or len(problems) > count:
            continue
        values: list[float] = []
        bad = False
        for name in features:
            try:
                value = float(row.get(name) or "nan")
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                problems.append((where, f"{name}: not a finite number"))
                bad = True
                break
            values.append(value)
        if bad:
            continue
        rows.append(values)
        ys.append(y)
        for g, label in zip(groups, labels, strict=True):
            group_values[g].append(label)
    X = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(features))
    return Dataset(
        y=np.asarray(ys, dtype=np.int64),
        X=X,
        feature_names=features,
        groups=group_values,
        problems=problems,
    )


def read_dataset(
    path: str | os.PathLike[str], outcome: str, groups: str | Sequence[str] = ()
) -> Dataset:
    """Read outcome data from JSONL (one case per line, with an outcome field) or CSV.

    In JSONL, the ``outcome`` field and any ``groups`` fields are taken out of each record
    before it is validated as a :class:`~stalkrisk.Case` (group labels are for audits only and
    never reach the features); the case's fields sit beside them, or under ``"case"`` (and then
    any other field beside ``"case"`` is not part of the case). In CSV (a ``.csv`` file, with a
    header row), every column except the outcome and the groups is a numeric feature.
    Outcomes are 0/1 or true/false.

    Nothing is dropped silently: every record that cannot be used is in ``problems``, and its
    case is left out. A field that no record has (a column the header lacks) is one problem for
    the whole file, listing the fields there are: name-like ones only, at most 20, so that no
    value is ever repeated. A record without a group label (absent, null or blank) is a problem
    of its own, never a blank group.

    Parameters
    ----------
    path : path
        The data: ``.csv`` for a table of numbers, anything else for JSONL cases.
    outcome : str
        The outcome field (JSONL) or column (CSV).
    groups : str or sequence of str, default ()
        Fields or columns of group labels for a fairness audit.

    Returns
    -------
    Dataset
        With ``problems`` as ``(where, message)``: where is ``"<path>:<line>"`` for a record,
        or the path for the whole file. Messages name fields, never their values.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> record = '{"case_id": "X-1", "reoffended": 1}'
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "data.jsonl")
    ...     _ = path.write_text((record + os.linesep) * 2000)
    ...     data = read_dataset(path, "outcome")
    >>> len(data.problems)
    1
    >>> print(data.problems[0][1])  # doctest: +ELLIPSIS
    no field 'outcome' in any record; name the field beside each case that holds it ...
    """
    source = Path(path)
    names = [groups] if isinstance(groups, str) else list(dict.fromkeys(groups))
    if not source.is_file():
        return Dataset(y=np.zeros(0, dtype=np.int64), problems=[(str(source), "no such file")])
    if source.suffix.lower() == ".csv":
        return _read_csv(source, outcome, names)
    return _read_jsonl(source, outcome, names)
