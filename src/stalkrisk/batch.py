"""Batch scoring: files and iterables of cases in, one result row per record out.

:func:`score_many` reads cases from an iterable of dicts or :class:`~stalkrisk.Case` objects,
or from a JSONL, JSON-array or CSV file, and yields exactly one :class:`BatchRow` per input
record, in input order. A record that cannot be read or validated is not skipped: its row
holds a structured :class:`RecordError` (record number, field path, message) instead of
results. Valid records are scored by :class:`~stalkrisk.WeightedScorer`, the same code as
:func:`stalkrisk.score`, so a row's totals, bands and contributions are those of the
single-case path.

JSONL and CSV files are read line by line, in chunks of ``chunk_size`` records, so memory stays
flat whatever the size of the file; no record may exceed :data:`MAX_RECORD_BYTES`.
:func:`write_jsonl` and :func:`write_csv` stream the rows out and return a
:class:`BatchSummary`. See ``docs/batch.md`` for the CSV column convention and the limits.

With the ``[frames]`` extra (pyarrow and pandas), :func:`score_many` also reads Parquet and
Arrow IPC files (a record batch at a time), pyarrow Tables, and pandas and polars DataFrames,
whose columns follow the CSV convention with typed cells; :func:`write_parquet` and
:func:`to_frame` write the rows out; :func:`score_frame` scores a pandas DataFrame, unchanged
inside ``dask.dataframe.map_partitions`` (``meta=score_frame_meta(...)``), and
:func:`score_frames` adapts it to Spark's ``mapInPandas``.

Examples
--------
>>> import stalkrisk
>>> from stalkrisk.batch import score_many
>>> records = [stalkrisk.load_example("EX-03"), {"case_id": "B-2"}, "not a case"]
>>> run = score_many(records)
>>> for row in run:
...     print(row.record, row.case_id, row.status, row.error and row.error.message)
1 EX-03 scored None
2 B-2 invalid Field required
3 None invalid a case must be a JSON object
>>> run.summary
BatchSummary(scored=1, unscorable=0, invalid=2, total=3)
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import json
import os
import re
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final, Literal, TextIO, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from stalkrisk._internal import documents
from stalkrisk._internal.files import atomic_output
from stalkrisk._internal.validation import ENTRIES_COUNTED, few_entries, known_field_names
from stalkrisk._vectorised import ScaleScores
from stalkrisk.assessment import ScaleStatus
from stalkrisk.errors import ANSWERS_ONLY, CaseFileError, InstrumentError
from stalkrisk.instruments import DEFAULT_INSTRUMENT, ValidationStatus
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case
from stalkrisk.schemas._base import MAX_LIST_ITEMS, TEXT_CELLS
from stalkrisk.schemas._case import CaseId
from stalkrisk.scoring import WeightedScorer

__all__ = [
    "FRAMES_EXTRA",
    "MAX_JSON_FILE_BYTES",
    "MAX_PROBLEMS",
    "MAX_RECORD_BYTES",
    "MODEL_SCALE",
    "TEXT_CELLS",
    "BatchInstrument",
    "BatchRow",
    "BatchRun",
    "BatchSummary",
    "ErrorKind",
    "Problem",
    "RecordError",
    "RowStatus",
    "ScaleRow",
    "TopContribution",
    "flatten_case",
    "frame_summary",
    "neutralise_cell",
    "score_frame",
    "score_frame_meta",
    "score_frames",
    "score_many",
    "shown_column",
    "to_frame",
    "unflatten_row",
    "write_csv",
    "write_jsonl",
    "write_parquet",
]

#: The most bytes one record may take: one JSONL line, or one CSV record (its lines together),
#: not counting the line ending. A longer record is an error row; the rest of it is skipped
#: without being held in memory.
MAX_RECORD_BYTES: Final = 1_000_000
#: The largest JSON-array file read (it is parsed whole); use JSONL for more.
MAX_JSON_FILE_BYTES: Final = 64 * 1024 * 1024
#: The most problems kept in one record's error (the count of all of them is kept too).
MAX_PROBLEMS: Final = 20

# Message templates, so that tests and downstream software can match them exactly. They never
# contain submitted values.
NOT_UTF8: Final = documents.NOT_UTF8
TOO_LONG: Final = "the record is longer than {limit:,} bytes; it was skipped unread"
NOT_JSON: Final = "not valid JSON (column {column}: {reason})"
CUT_SHORT: Final = documents.CUT_SHORT
NON_FINITE: Final = documents.NON_FINITE
NUMBER_TOO_LONG: Final = documents.NUMBER_TOO_LONG
TOO_DEEP: Final = documents.TOO_DEEP
NOT_OBJECT: Final = "a case must be a JSON object"
CSV_BAD: Final = "not valid CSV ({reason})"
CSV_CELL_TOO_LONG: Final = (
    "a cell is longer than {limit:,} characters, the most one CSV cell may hold"
)
CSV_UNCLOSED: Final = (
    "a quoted cell is not closed before the end of the file (the file may have been cut short)"
)
CSV_QUOTES: Final = (
    "the quotes in this record do not pair up (a quote inside an unquoted cell must be "
    'written inside a quoted cell, doubled: "")'
)
NOT_A_CASE: Final = (
    'a labelled record holds its case under "case"; {field} beside it would not be part of '
    'the case: move it into "case"'
)
CSV_EXTRA_CELLS: Final = "the row has {cells} cells but the header names {columns} columns"
CSV_CONFLICT: Final = "column {column} conflicts with column {other}"
CSV_CELL_JSON: Final = "a cell starting with [ or {{ must be valid JSON ({reason})"
UNKNOWN_FORMAT: Final = (
    "{name}: cannot tell the input format from the suffix {suffix!r}; name the file "
    ".jsonl, .ndjson, .json, .csv, .parquet or .arrow, or pass input_format"
)

_BOM: Final = b"\xef\xbb\xbf"
_METERED: Final = frozenset({"jsonl", "json", "csv"})  # read through the opened stream
_M = TypeVar("_M", bound=BaseModel)
_MAX_FIELD_PATH: Final = 200
_CASE_ID = TypeAdapter(CaseId)
_CASE_KEYS: Final = known_field_names(Case)
_CASE_FIELDS: Final = frozenset(Case.model_fields)
_SHORT_TEXT: Final = {ENTRIES_COUNTED: True}


class ErrorKind(StrEnum):
    """Why a record could not be scored (the kinds are documented in ``docs/batch.md``)."""

    ENCODING = "encoding"
    """The record is not UTF-8."""
    TOO_LONG = "too_long"
    """The record is longer than :data:`MAX_RECORD_BYTES`."""
    JSON = "json"
    """The record is not valid JSON (including NaN or Infinity, and a cut-short last line)."""
    NOT_OBJECT = "not_object"
    """The record is valid JSON but not an object."""
    CSV = "csv"
    """The CSV record breaks the CSV rules or the column convention."""
    VALIDATION = "validation"
    """The record is not a valid case (the problems name each field and rule)."""


class RowStatus(StrEnum):
    """A row's outcome, counted by :class:`BatchSummary`."""

    SCORED = "scored"
    """A valid case whose every scale was scored."""
    UNSCORABLE = "unscorable"
    """A valid case with at least one scale not scored (too much unknown)."""
    INVALID = "invalid"
    """A record that could not be read or is not a valid case."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Frozen):
    """One problem with a record: where, and what, without the submitted value.

    ``field`` is a field path such as ``history.convictions[0].date``, ``(top level)``, or a CSV
    column.
    """

    field: str
    message: str
    type: str
    """A stable code: pydantic's error type, or the :class:`ErrorKind` for read errors."""


class RecordError(_Frozen):
    """Why one record has no result.

    Examples
    --------
    >>> from stalkrisk.batch import score_many
    >>> row = next(iter(score_many([{"case_id": "B-1", "assessment_date": "2024-13-01"}])))
    >>> e = row.error
    >>> e.record, e.kind.value, e.field, e.message
    (1, 'validation', 'assessment_date', 'Input should be a valid date or datetime, month value is outside expected range of 1-12')
    """  # noqa: E501 - a doctest's output is one line

    record: int
    """The record's number, from 1, in input order."""
    kind: ErrorKind
    problems: tuple[Problem, ...]
    """The first :data:`MAX_PROBLEMS` problems."""
    problem_count: int
    """How many problems there were in all."""

    @property
    def field(self) -> str:
        """The field path of the first problem."""
        return self.problems[0].field

    @property
    def message(self) -> str:
        """The message of the first problem."""
        return self.problems[0].message

    def __str__(self) -> str:
        more = self.problem_count - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"record {self.record}: {self.field}: {self.message}{extra}"


class TopContribution(_Frozen):
    """An item among a scale's largest contributions, with its points."""

    item: str
    points: float


class ScaleRow(_Frozen):
    """One scale's result in a batch row."""

    scale: str
    status: ScaleStatus
    total: float | None
    """As :attr:`ScaleResult.total <stalkrisk.ScaleResult.total>`."""
    band: str | None
    """The computed band's id (red flags included); ``None`` when not scored."""
    band_floor: str | None
    """The lowest band the fired red flags allow, even when the scale is not scored."""
    top: tuple[TopContribution, ...]
    """The largest non-zero contributions, largest first (ties in instrument order)."""


class BatchInstrument(_Frozen):
    """The instrument (or model) that produced a batch: id, version, hash, validation, scales."""

    id: str
    version: str
    sha256: str
    scales: tuple[str, ...]
    validation_status: str
    """How far its weights are validated (``illustrative``, ``published``,
    ``locally_fitted``, ``locally_validated``), carried on every row so that an export is
    never read without it."""


class BatchRow(_Frozen):
    """The result of one input record: the scores, or an error.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.batch import score_many
    >>> row = next(iter(score_many([stalkrisk.load_example("EX-01")])))
    >>> harm = row.scale("serious_harm")
    >>> harm.band, [t.item for t in harm.top]
    ('high', ['serious_violence_convictions', 'violent_convictions', 'domestic_abuse_history'])
    """

    record: int
    """The record's number, from 1, in input order."""
    line: int | None = None
    """The line the record is on (JSONL files only)."""
    case_id: str | None
    """The case id, when the record gives a valid one."""
    instrument: BatchInstrument
    scales: tuple[ScaleRow, ...] = ()
    """Per scale results, in the instrument's order; empty for an invalid record."""
    error: RecordError | None = None

    @property
    def status(self) -> RowStatus:
        """Scored, unscorable (some scale not scored) or invalid."""
        if self.error is not None:
            return RowStatus.INVALID
        if all(s.status is ScaleStatus.SCORED for s in self.scales):
            return RowStatus.SCORED
        return RowStatus.UNSCORABLE

    def scale(self, scale_id: str) -> ScaleRow:
        """Return the result of scale ``scale_id``."""
        for s in self.scales:
            if s.scale == scale_id:
                return s
        raise KeyError(f"this row has no scale {scale_id!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data (the JSONL output format)."""
        return {
            "record": self.record,
            "line": self.line,
            "case_id": self.case_id,
            "status": self.status.value,
            "instrument": {
                "id": self.instrument.id,
                "version": self.instrument.version,
                "sha256": self.instrument.sha256,
                "validation_status": self.instrument.validation_status,
            },
            "scales": {s.scale: _scale_dict(s) for s in self.scales},
            "error": None if self.error is None else _error_dict(self.error),
        }


def _scale_dict(s: ScaleRow) -> dict[str, Any]:
    return {
        "status": s.status.value,
        "total": s.total,
        "band": s.band,
        "band_floor": s.band_floor,
        "top": [[t.item, t.points] for t in s.top],
    }


def _error_dict(e: RecordError) -> dict[str, Any]:
    return {
        "record": e.record,
        "kind": e.kind.value,
        "problems": [{"field": p.field, "message": p.message, "type": p.type} for p in e.problems],
        "problem_count": e.problem_count,
    }


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """How many records were scored, unscorable and invalid, and how many in all."""

    scored: int = 0
    unscorable: int = 0
    invalid: int = 0
    total: int = 0

    def __str__(self) -> str:
        return (
            f"{self.total} record{'s' if self.total != 1 else ''}: {self.scored} scored, "
            f"{self.unscorable} unscorable, {self.invalid} invalid"
        )


class _Tally:
    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = dict.fromkeys(RowStatus, 0)

    def add(self, row: BatchRow) -> None:
        self.counts[row.status] += 1

    def summary(self) -> BatchSummary:
        c = self.counts
        return BatchSummary(
            scored=c[RowStatus.SCORED],
            unscorable=c[RowStatus.UNSCORABLE],
            invalid=c[RowStatus.INVALID],
            total=sum(c.values()),
        )


# --- reading records ------------------------------------------------------------------------


@dataclass(slots=True)
class _Raw:
    """One input record before validation: its data, or why it could not be read."""

    line: int | None = None
    data: Any = None
    kind: ErrorKind | None = None
    problems: tuple[Problem, ...] = ()
    text: str | None = None
    """A JSONL line not parsed yet: parsed by the one strict reader when its chunk is checked."""
    last: bool = False
    """The line is the file's last and has no newline (it may have been cut short)."""
    cells: bool = False
    """The data came from text cells (CSV or a frame), where ``"44"`` is a number."""


def _read_error(
    kind: ErrorKind, message: str, field: str = "(top level)", line: int | None = None
) -> _Raw:
    return _Raw(
        line=line, kind=kind, problems=(Problem(field=field, message=message, type=kind.value),)
    )


def _parse_json(text: str, *, last: bool, line: int | None = None) -> _Raw:
    """Parse one JSON record strictly; every failure is a documented error, never an exception."""
    try:
        data = documents.parse_json(text, one_line=True, last=last, known_keys=_CASE_KEYS)
    except documents.DocumentError as exc:
        return _read_error(ErrorKind.JSON, exc.message, line=line)
    return _Raw(line=line, data=data)


def _decode(raw: bytes) -> str | int:
    """Return the text, or the position (from 1) of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1


_BLOCK: Final = 1 << 16


def _read_block(stream: IO[bytes]) -> bytes:
    try:
        return stream.read(_BLOCK)
    except OSError as exc:
        raise CaseFileError(f"the input could not be read ({exc.strerror or exc})") from None


def _ending(part: bytes) -> bytes:
    if part.endswith(b"\r\n"):
        return b"\r\n"
    return part[-1:] if part.endswith((b"\n", b"\r")) else b""


def _lines(
    stream: IO[bytes], dropped: Callable[[bytes], object] | None = None
) -> Iterator[tuple[int, bytes | None, bytes]]:
    """Yield ``(line number, content, ending)`` for each physical line of a stream.

    A line ends at LF, CR LF or a lone CR (universal newlines, as Python's text files and
    the csv module read them), so a file saved with classic Mac line endings is not read
    as one line. ``ending`` is the line's ending (``b""`` for a last line with none). A
    UTF-8 byte-order mark at the start is not content.

    ``content`` is ``None`` for a line longer than :data:`MAX_RECORD_BYTES`: its rest is
    read and dropped block by block, so a hostile line never sits in memory; ``dropped`` is
    called with each piece dropped (the CSV reader follows its quotes to find where the
    record ends).
    """
    number = 0
    buffer = b""
    skipping = False
    first = True
    while True:
        block = _read_block(stream)
        ended = not block
        if first and not ended:
            while len(block) < len(_BOM) and _BOM.startswith(block):
                more = _read_block(stream)  # a byte-order mark split across reads
                if not more:
                    break
                block += more
            block = block.removeprefix(_BOM)
            first = False
        buffer += block
        parts = buffer.splitlines(keepends=True)
        keep = b""
        if parts and not ended and not parts[-1].endswith(b"\n"):
            keep = parts.pop()  # it may go on in the next block (a CR may begin a CR LF)
        for part in parts:
            number += 1
            ending = _ending(part)
            content = part[: len(part) - len(ending)]
            if skipping or len(content) > MAX_RECORD_BYTES:
                if dropped is not None:
                    dropped(content)
                skipping = False
                yield number, None, ending
            else:
                yield number, content, ending
        buffer = keep
        if len(buffer) > MAX_RECORD_BYTES + 1:  # the line goes on past the limit: drop it
            carry = b"\r" if buffer.endswith(b"\r") else b""
            if dropped is not None:
                dropped(buffer[: len(buffer) - len(carry)])
            skipping, buffer = True, carry
        if ended:
            if skipping:
                number += 1
                yield number, None, b""
            return


def _jsonl_records(stream: IO[bytes]) -> Iterator[_Raw]:
    for number, content, ending in _lines(stream):
        if content is None:
            yield _read_error(
                ErrorKind.TOO_LONG, TOO_LONG.format(limit=MAX_RECORD_BYTES), line=number
            )
            continue
        if not content.strip():
            continue  # blank lines are not records
        text = _decode(content)
        if isinstance(text, int):
            yield _read_error(ErrorKind.ENCODING, NOT_UTF8.format(position=text), line=number)
            continue
        yield _Raw(line=number, text=text, last=not ending)


def _json_array_records(stream: IO[bytes], name: str) -> Iterator[_Raw]:
    data = stream.read(MAX_JSON_FILE_BYTES + 1)
    if len(data) > MAX_JSON_FILE_BYTES:
        raise CaseFileError(
            f"{name}: a JSON array file may hold at most {MAX_JSON_FILE_BYTES:,} bytes; "
            "write larger batches as JSONL (one case per line)"
        )
    text = _decode(data.removeprefix(_BOM))
    if isinstance(text, int):
        raise CaseFileError(f"{name}: {NOT_UTF8.format(position=text)}")
    if not text.strip():
        return iter(())
    try:
        parsed = _Raw(data=documents.parse_json(text, known_keys=_CASE_KEYS))
    except documents.DocumentError as exc:
        raise CaseFileError(f"{name}: {exc.message}") from None
    items = parsed.data if isinstance(parsed.data, list) else [parsed.data]
    return (_Raw(data=item) for item in items)


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
    return _unflatten(cells)


def shown_column(column: str) -> str:
    """Return a column name as errors show it: a part that is not a case field becomes ``?``.

    A header is the file's own text, and an unknown column's name may be personal data.

    Examples
    --------
    >>> shown_column("perpetrator.age"), shown_column("perpetrator.Jane Doe")
    ('perpetrator.age', 'perpetrator.?')
    """
    return documents.dotted_path(column.split("."), _CASE_KEYS)


class _CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = shown_column(column)
        self.message = message


def _cell_value(column: str, cell: str) -> Any:
    """Return a cell's value: its text, or the JSON it holds when it starts with [ or {."""
    if cell.lstrip()[:1] not in ("[", "{"):
        return cell
    parsed = _parse_json(cell, last=False)
    if parsed.kind is not None:
        raise _CellError(column, CSV_CELL_JSON.format(reason=parsed.problems[0].message))
    return parsed.data


def _unflatten(cells: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    owner: dict[tuple[str, ...], str] = {}  # which column set each path
    for column, cell in cells.items():
        if cell is None or not cell.strip():
            continue
        value = _cell_value(column, cell)
        path = tuple(column.split("."))
        node = data
        for depth, part in enumerate(path[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict) or path[: depth + 1] in owner:
                other = owner.get(path[: depth + 1], column)
                raise _CellError(
                    column,
                    CSV_CONFLICT.format(column=shown_column(column), other=shown_column(other)),
                )
            node = child
        if path[-1] in node:
            prefix = ".".join(path) + "."
            other = owner.get(path) or next(c for c in owner.values() if c.startswith(prefix))
            raise _CellError(
                column, CSV_CONFLICT.format(column=shown_column(column), other=shown_column(other))
            )
        node[path[-1]] = value
        owner[path] = column
    return data


@dataclass(slots=True)
class _CsvText:
    """One CSV record's text (its physical lines, endings kept), or why it cannot be read."""

    line: int
    lines: list[str] | None = None
    problem: _Raw | None = None


_START, _UNQUOTED, _QUOTED, _CLOSED = range(4)  # where a CSV field's reading stands
_CSV_TOKENS: Final = re.compile(rb'[",]')


class _Quotes:
    """Follows a CSV record's fields, as Python's csv module reads them, to find its end.

    A quote opens a quoted cell only at the start of a field; inside one, a doubled quote is
    a quote and a single one closes it. A quote inside an unquoted cell is a character, as
    the csv module (and spreadsheets) take it. A record ends at the first line end outside
    a quoted cell.
    """

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = _START

    def feed(self, text: bytes) -> None:
        """Follow a piece of a line (no line ending inside it)."""
        state = self.state
        position = 0
        for match in _CSV_TOKENS.finditer(text):
            at = match.start()
            if at > position and state in (_START, _CLOSED):
                state = _UNQUOTED  # ordinary characters start an unquoted field
            quote = text[at] == 0x22
            if state == _QUOTED:
                if quote:
                    state = _CLOSED
            elif state == _CLOSED:
                state = _QUOTED if quote else _START  # "" is a quote; , ends the field
            elif state == _START:
                state = _QUOTED if quote else _START
            elif not quote:  # an unquoted field: a comma ends it, a quote is a character
                state = _START
            position = at + 1
        if position < len(text) and state in (_START, _CLOSED):
            state = _UNQUOTED
        self.state = state

    @property
    def open(self) -> bool:
        """Whether a quoted cell is open: a line end here is inside the cell."""
        return self.state == _QUOTED

    def end_record(self) -> None:
        """Start afresh: a line end outside a quoted cell ended the record."""
        self.state = _START


def _csv_texts(stream: IO[bytes]) -> Iterator[_CsvText]:
    """Split a CSV stream into records: at line ends outside quoted cells (RFC 4180).

    A record's end is found whatever happens to its content: a record that is too long, not
    UTF-8 or not valid CSV is one error, and reading goes on at the next record, so text
    inside a quoted cell is never read as records of its own.
    """
    pieces: list[bytes] = []
    size = 0
    start: int | None = None
    too_long = False
    quotes = _Quotes()
    for number, content, ending in _lines(stream, dropped=quotes.feed):
        if start is None:
            start = number
        if content is None:
            too_long = True
        else:
            quotes.feed(content)
            size += len(content) + len(ending)
            if not too_long and size > MAX_RECORD_BYTES + 2:
                too_long, pieces = True, []
            elif not too_long:
                pieces.append(content + ending)
        if quotes.open and ending:
            continue  # inside a quoted cell: the record goes on
        yield _csv_text(start, pieces, too_long, unclosed=quotes.open)
        pieces, size, start, too_long = [], 0, None, False
        quotes.end_record()
    if start is not None:  # the file ended inside a quoted cell, after a line end
        yield _csv_text(start, pieces, too_long, unclosed=True)


def _csv_text(start: int, pieces: list[bytes], too_long: bool, *, unclosed: bool) -> _CsvText:
    if too_long:
        message = TOO_LONG.format(limit=MAX_RECORD_BYTES)
        return _CsvText(start, problem=_read_error(ErrorKind.TOO_LONG, message, line=start))
    if unclosed:
        return _CsvText(start, problem=_read_error(ErrorKind.CSV, CSV_UNCLOSED, line=start))
    lines: list[str] = []
    offset = 0
    for piece in pieces:
        text = _decode(piece)
        if isinstance(text, int):
            message = NOT_UTF8.format(position=offset + text)
            return _CsvText(start, problem=_read_error(ErrorKind.ENCODING, message, line=start))
        offset += len(piece)
        lines.append(text)
    return _CsvText(start, lines=lines)


def _record_cells(record: _CsvText) -> list[str] | _Raw:
    """Return a record's cells, or its error (a record is exactly one row of cells)."""
    if record.problem is not None:
        return record.problem
    try:
        rows = list(csv.reader(record.lines or [], strict=True))
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            message = CSV_CELL_TOO_LONG.format(limit=csv.field_size_limit())
        else:
            message = CSV_BAD.format(reason=reason)
        return _read_error(ErrorKind.CSV, message, line=record.line)
    if len(rows) > 1:
        return _read_error(ErrorKind.CSV, CSV_QUOTES, line=record.line)
    return rows[0] if rows else []


def _csv_records(stream: IO[bytes], name: str) -> Iterator[_Raw]:
    texts = _csv_texts(stream)
    header: list[str] | _Raw = []
    for first in texts:
        header = _record_cells(first)
        if isinstance(header, _Raw) or header:
            break
    else:
        return iter(())
    if isinstance(header, _Raw):
        kind = header.kind
        reason = header.problems[0].message
        what = "is not valid CSV" if kind is ErrorKind.CSV else "cannot be read"
        raise CaseFileError(f"{name}: the header row {what} ({reason})")
    columns = [c.strip() for c in header]
    bad = [c for c in columns if not c or any(not part for part in c.split("."))]
    if bad or len(set(columns)) != len(columns):
        raise CaseFileError(
            f"{name}: the header row must name each column once, as a field path such as "
            "perpetrator.age"
        )
    return _csv_rows(texts, columns)


def _csv_rows(texts: Iterator[_CsvText], columns: list[str]) -> Iterator[_Raw]:
    for record in texts:
        cells = _record_cells(record)
        if isinstance(cells, _Raw):
            yield cells
            continue
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines are not records
        if len(cells) > len(columns):
            message = CSV_EXTRA_CELLS.format(cells=len(cells), columns=len(columns))
            yield _read_error(ErrorKind.CSV, message, line=record.line)
            continue
        try:
            data = _unflatten(dict(zip(columns, cells, strict=False)))
        except _CellError as exc:
            yield _read_error(ErrorKind.CSV, exc.message, field=exc.column, line=record.line)
            continue
        yield _Raw(line=record.line, data=data, cells=True)


# --- scoring --------------------------------------------------------------------------------

Source = str | os.PathLike[str] | IO[bytes] | Iterable[Case | Mapping[str, Any]]
InputFormat = Literal["jsonl", "json", "csv", "parquet", "arrow"]
_SUFFIXES: Final[dict[str, InputFormat]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".arrows": "arrow",
}


@dataclass(slots=True)
class _Meter:
    """How far through its input file a run is, for a progress bar."""

    stream: IO[bytes] | None = None
    size: int | None = None

    def fraction(self) -> float | None:
        if self.stream is None or not self.size:
            return None
        try:
            return min(1.0, self.stream.tell() / self.size)
        except (OSError, ValueError):  # closed, or not seekable
            return None


def _open_source(
    source: Source,
    input_format: InputFormat | None,
    stack: contextlib.ExitStack,
    meter: _Meter | None = None,
) -> Iterator[_Raw]:
    frame = _frame_records(source)  # pandas, polars, Arrow: see stalkrisk._frames
    if frame is not None:
        return frame
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        fmt = input_format or _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise CaseFileError(UNKNOWN_FORMAT.format(name=path, suffix=path.suffix))
        try:
            stream: IO[bytes] = stack.enter_context(path.open("rb"))
        except FileNotFoundError:
            raise CaseFileError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise CaseFileError(f"{path}: is a folder, not a file") from None
        except OSError as exc:
            raise CaseFileError(f"{path}: cannot be read ({exc.strerror})") from None
        if meter is not None and fmt in _METERED:
            meter.stream, meter.size = stream, os.fstat(stream.fileno()).st_size
        return _file_records(stream, fmt, str(path))
    stream_like: Any = source
    if isinstance(stream_like, io.TextIOBase):
        stream_like = getattr(stream_like, "buffer", None)
        if stream_like is None:
            raise TypeError("score_many reads binary streams; open the file in 'rb' mode")
    if isinstance(stream_like, io.IOBase) or hasattr(stream_like, "readline"):
        return _file_records(stream_like, input_format or "jsonl", "<stream>")
    if isinstance(source, bytes | bytearray | Mapping | Case):
        raise TypeError(
            "score_many reads a path, a binary stream or an iterable of cases; "
            "to score one case, pass it in a list"
        )
    return (_Raw(data=item) for item in source)


def _file_records(stream: IO[bytes], fmt: InputFormat, name: str) -> Iterator[_Raw]:
    if fmt == "jsonl":
        return _jsonl_records(stream)
    if fmt == "csv":
        return _csv_records(stream, name)
    if fmt in ("parquet", "arrow"):
        return _arrow_file_records(stream, fmt, name)
    return _json_array_records(stream, name)


def _field_path(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if len(out) > _MAX_FIELD_PATH:  # an unknown key may be as long as the record
        out = out[: _MAX_FIELD_PATH - 3] + "..."
    return out or "(top level)"


def _known_case_id(data: Any) -> str | None:
    """Return the record's case id, only when it is valid (an invalid one is never echoed)."""
    if isinstance(data, Case):
        return data.case_id
    if isinstance(data, Mapping) and isinstance(data.get("case_id"), str):
        try:
            return _CASE_ID.validate_python(data["case_id"])
        except ValidationError:
            return None
    return None


class _InstrumentRows:
    """Scores chunks of cases with an instrument, through the vectorised scorer."""

    def __init__(self, scorer: WeightedScorer) -> None:
        inst = scorer.instrument
        self.scorer = scorer
        self.info = BatchInstrument(
            id=inst.id,
            version=inst.version,
            sha256=inst.sha256,
            scales=tuple(s.id for s in inst.scales),
            validation_status=inst.validation.status.value,
        )

    def scales(self, cases: list[Case], top: int) -> list[tuple[ScaleRow, ...]]:
        scores = self.scorer.score_batch(cases)
        per_scale = [_scale_rows(s, top) for s in scores.scales]
        return list(zip(*per_scale, strict=True)) if per_scale else [() for _ in cases]


def _construct(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build a row model from values that are valid by construction, without validating them.

    What ``model_construct`` does, for the few fixed models of a batch row and without its
    handling of defaults and aliases (every field is given): the rows come from validated
    cases and the scorer. tests/test_batch.py checks that rows equal validated rows.
    """
    row = cls.__new__(cls)
    object.__setattr__(row, "__dict__", values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


def _scale_rows(s: ScaleScores, top: int) -> list[ScaleRow]:
    """Return one scale's row parts for every case of a chunk (arrays read as lists once)."""
    ids = [b.id for b in s.bands]
    items = s.scale.items
    points = s.points.tolist()
    ranking = s.ranking[:, :top].tolist()
    ranked = s.ranked.tolist()
    scale_id = s.scale.id
    out = []
    for scored, total, rank, floor, order, count, row in zip(
        s.scored.tolist(),
        s.total.tolist(),
        s.rank.tolist(),
        s.floor_rank.tolist(),
        ranking,
        ranked,
        points,
        strict=True,
    ):
        tops = tuple(
            _construct(TopContribution, {"item": items[k], "points": row[k]})
            for k in order[: min(top, count)]
        )
        out.append(
            _construct(
                ScaleRow,
                {
                    "scale": scale_id,
                    "status": ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
                    "total": total if scored else None,
                    "band": None if rank < 0 else ids[rank],
                    "band_floor": None if floor < 0 else ids[floor],
                    "top": tops,
                },
            )
        )
    return out


#: The one "scale" of a row scored by a model: ``total`` is the probability, ``band`` the
#: model's band, and ``top`` the largest log-odds contributions (feature names).
MODEL_SCALE: Final = "model"


class _ModelRows:
    """Scores chunks of cases with a fitted logistic model and its case encoder."""

    def __init__(self, model: Any) -> None:
        from stalkrisk.model import (  # noqa: PLC0415 - the [ml] extra, only when asked for
            MODEL_FORMAT,
            LogisticRiskModel,
            load_model,
        )
        from stalkrisk.model._persistence import model_sha256  # noqa: PLC0415

        if isinstance(model, str | os.PathLike):
            model = load_model(model)
        if not isinstance(model, LogisticRiskModel):
            raise TypeError("model must be a LogisticRiskModel or the path of a saved model")
        encoder = getattr(model, "encoder_", None)
        if encoder is None:
            raise ValueError(
                "the model was fitted on a table of numbers, not on cases, so it cannot score "
                "cases; save it with its encoder (save_model(model, path, encoder=...)) and load it"
            )
        self.model, self.encoder = model, encoder
        self.info = BatchInstrument(
            id="logistic-model",
            version=MODEL_FORMAT,
            sha256=model_sha256(model, encoder=encoder),
            scales=(MODEL_SCALE,),
            # Fitted to local outcomes; not validated until checked on other cases.
            validation_status=ValidationStatus.LOCALLY_FITTED.value,
        )

    def scales(self, cases: list[Case], top: int) -> list[tuple[ScaleRow, ...]]:
        x = self.encoder.transform(cases)
        result = self.model.predict_bands_and_top(x, n=min(top, x.shape[1]))
        bands = self.model.bands
        names = result.feature_names
        rows: list[tuple[ScaleRow, ...]] = []
        for j in range(len(cases)):
            contributions = x[j] * self.model.coef_
            tops = tuple(
                TopContribution.model_construct(item=names[k], points=float(contributions[k]))
                for k in result.top[j].tolist()
                if contributions[k] != 0
            )
            rows.append(
                (
                    ScaleRow.model_construct(
                        scale=MODEL_SCALE,
                        status=ScaleStatus.SCORED,
                        total=float(result.probability[j]),
                        band=bands[int(result.band[j])],
                        band_floor=None,
                        top=tops,
                    ),
                )
            )
        return rows


class BatchRun(Iterator[BatchRow]):
    """The rows of a batch, produced as they are read; :attr:`summary` counts them.

    Made by :func:`score_many`. Iterate it once; the input file is closed when the last row
    has been read, when :meth:`close` is called, or on leaving a ``with`` block.
    """

    def __init__(
        self,
        records: Iterator[_Raw],
        scorer: _InstrumentRows | _ModelRows,
        *,
        chunk_size: int,
        progress: Callable[[int], object] | None,
        top: int,
        stack: contextlib.ExitStack,
        meter: _Meter | None = None,
        pause_gc: bool = False,
    ) -> None:
        self.instrument = scorer.info
        """The instrument (or model) that scores the rows."""
        self._records = records
        self._scorer = scorer
        self._chunk_size = chunk_size
        self._progress = progress
        self._top = top
        self._stack = stack
        self._meter = meter or _Meter()
        self._pause_gc = pause_gc
        self._tally = _Tally()
        self._rows = self._generate()

    @property
    def fraction_read(self) -> float | None:
        """How much of the input file has been read, from 0 to 1 (``None`` if not known).

        Known for JSONL, JSON and CSV files named by path; not for streams, iterables and
        frames.
        """
        return self._meter.fraction()

    @property
    def summary(self) -> BatchSummary:
        """The counts of the rows produced so far (all of them once the run is exhausted)."""
        return self._tally.summary()

    def __next__(self) -> BatchRow:
        row = next(self._rows)
        self._tally.add(row)
        return row

    def close(self) -> None:
        """Stop reading and close the input file."""
        self._rows.close()
        self._stack.close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _generate(self) -> Generator[BatchRow, None, None]:
        done = 0
        with self._stack:
            while chunk := list(islice(self._records, self._chunk_size)):
                with _collector_paused(self._pause_gc):
                    rows = self._chunk_rows(done, chunk)
                yield from rows
                done += len(chunk)
                if self._progress is not None:
                    self._progress(done)

    def _chunk_rows(self, done: int, chunk: list[_Raw]) -> list[BatchRow]:
        """Validate a chunk record by record, then score its valid cases together."""
        rows: list[BatchRow | None] = []
        cases: list[Case] = []
        where: list[tuple[int, int, int | None]] = []  # (position, record, line)
        for position, raw in enumerate(chunk):
            record = done + position + 1
            checked = self._check(record, raw)
            if isinstance(checked, Case):
                cases.append(checked)
                where.append((position, record, raw.line))
                rows.append(None)
            else:
                rows.append(checked)
        if cases:
            scored = self._scorer.scales(cases, self._top)
            for (position, record, line), case, scales in zip(where, cases, scored, strict=True):
                rows[position] = _construct(
                    BatchRow,
                    {
                        "record": record,
                        "line": line,
                        "case_id": case.case_id,
                        "instrument": self.instrument,
                        "scales": scales,
                        "error": None,
                    },
                )
        return [row for row in rows if row is not None]

    def _error_row(
        self, record: int, raw: _Raw, kind: ErrorKind, problems: Sequence[Problem]
    ) -> BatchRow:
        error = RecordError(
            record=record,
            kind=kind,
            problems=tuple(problems[:MAX_PROBLEMS]),
            problem_count=len(problems),
        )
        return BatchRow(
            record=record,
            line=raw.line,
            case_id=_known_case_id(raw.data),
            instrument=self.instrument,
            error=error,
        )

    def _check(self, record: int, raw: _Raw) -> Case | BatchRow:
        """Return the record's validated case, or its error row."""
        context: dict[str, Any] | None = TEXT_CELLS if raw.cells else None
        if raw.text is not None:
            # A JSONL line: parsed strictly (no duplicate keys, NaN, or numbers and nesting
            # beyond the limits) by the one JSON reader that every other path uses.
            if few_entries(raw.text, MAX_LIST_ITEMS):
                context = _SHORT_TEXT
            raw = _parse_json(raw.text, last=raw.last, line=raw.line)
        if raw.kind is not None:
            return self._error_row(record, raw, raw.kind, raw.problems)
        data = raw.data
        if isinstance(data, Case):
            return data
        if isinstance(data, Mapping):
            data = dict(data)
            labelled = _labelled_case(data)
            if isinstance(labelled, Problem):
                return self._error_row(record, raw, ErrorKind.VALIDATION, [labelled])
            try:
                return Case.model_validate(labelled, context=context)
            except ValidationError as exc:
                problems = [
                    Problem(field=_field_path(e["loc"]), message=e["msg"], type=e["type"])
                    for e in exc.errors(include_input=False, include_url=False)
                ]
                return self._error_row(record, raw, ErrorKind.VALIDATION, problems)
        problem = Problem(field="(top level)", message=NOT_OBJECT, type="not_object")
        return self._error_row(record, raw, ErrorKind.NOT_OBJECT, [problem])


def _labelled_case(data: dict[str, Any]) -> dict[str, Any] | Problem:
    """Return the case of a record: itself, or, for a labelled record, what it holds under "case".

    A labelled record (``{"case": {...}, "outcome": 1}``, as ``stalkrisk fit`` reads and
    :meth:`stalkrisk.synthetic.Cohort.write_jsonl` writes) is scored as its case; the labels
    beside it are not read. A field of a case beside ``"case"`` is an error, not dropped.
    """
    inner = data.get("case")
    if not isinstance(inner, dict) or "case_id" in data:
        return data
    beside = sorted(k for k in data if k != "case" and k in _CASE_FIELDS)
    if beside:
        return Problem(
            field=beside[0], message=NOT_A_CASE.format(field=beside[0]), type="labelled_record"
        )
    return inner


@contextlib.contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one chunk is validated and scored.

    Only when asked (``score_many(..., pause_gc=True)``; the ``stalkrisk batch`` command
    does, as it owns its process): the collector is process-wide, so pausing it inside a host
    application would affect the host's other threads. A chunk allocates many small objects
    that are freed by reference counting as soon as it is done; the collector's passes over
    them cost about a quarter of the batch's time and free nothing. It is paused only around
    the chunk's own work (not while the caller holds a row), and only if it was running.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def score_many(
    source: Source,
    instrument: InstrumentSource | None = None,
    *,
    model: Any = None,
    chunk_size: int = 1000,
    progress: Callable[[int], object] | None = None,
    top: int = 3,
    input_format: InputFormat | None = None,
    pause_gc: bool = False,
) -> BatchRun:
    r"""Score many cases, yielding one :class:`BatchRow` per input record, in input order.

    Parameters
    ----------
    source : path, binary stream, frame or iterable
        A path to a JSONL (``.jsonl``/``.ndjson``: one case per line), JSON (``.json``: an
        array of cases, or one case) or CSV (``.csv``: one case per row, columns named by the
        convention of ``docs/batch.md``) file; with the ``[frames]`` extra, a Parquet
        (``.parquet``/``.pq``) or Arrow IPC (``.arrow``/``.feather``/``.arrows``) file, a
        pyarrow Table or RecordBatch, or a pandas or polars DataFrame (the same column
        convention, typed cells allowed); a binary stream (read as JSONL unless
        ``input_format`` says otherwise); or an iterable of dicts or
        :class:`~stalkrisk.Case` objects, read lazily.
    instrument : str, path or Instrument, default "stalkrisk-screen"
        The instrument to score with (loaded once). Not with ``model``.
    model : LogisticRiskModel or path, optional
        Score with a fitted :class:`~stalkrisk.model.LogisticRiskModel` instead (the
        ``[ml]`` extra), saved with its case encoder (or a path to such a saved model). Each
        row then has one scale, :data:`MODEL_SCALE`: ``total`` is the probability, ``band`` the
        model's band, ``top`` the largest log-odds contributions; its ``instrument`` names the
        model format and the sha256 of the model's content.
    chunk_size : int, default 1000
        Records read and scored at a time; ``progress`` is called after each chunk.
    progress : callable, optional
        Called as ``progress(done)`` with the number of records done so far.
    top : int, default 3
        How many of each scale's largest contributions each row keeps.
    input_format : {"jsonl", "json", "csv", "parquet", "arrow"}, optional
        The file format, when the suffix does not say.
    pause_gc : bool, default False
        Pause Python's cyclic garbage collector while each chunk is validated and scored
        (about a quarter faster). The collector is process-wide, so leave this off inside an
        application with other threads; the ``stalkrisk batch`` command turns it on.

    Returns
    -------
    BatchRun
        An iterator of rows; its ``summary`` counts scored, unscorable and invalid records.

    Raises
    ------
    CaseFileError
        If the file cannot be opened or its format told, a JSON-array file is not valid JSON
        or too large, or a CSV header is unusable. Problems with single records never raise:
        they are error rows.
    InstrumentError
        If the instrument cannot be loaded, or asks its own questions (score those answers
        with :func:`stalkrisk.score_answers`).
    ModelFileError
        If ``model`` is a path to a file that is not a valid saved model.
    ValueError
        If ``chunk_size`` is below 1 or ``top`` below 0, both ``instrument`` and ``model`` are
        given, or the model has no case encoder.

    Examples
    --------
    >>> import io, stalkrisk
    >>> lines = io.BytesIO(b'{"case_id": "J-1", "assessment_date": "2024-05-01"}\n{"case_id": ')
    >>> [(r.record, r.status.value, r.error and r.error.message) for r in score_many(lines)]
    [(1, 'unscorable', None), (2, 'invalid', 'not valid JSON: the record ends early (the file may have been cut short)')]
    """  # noqa: E501 - a doctest's output is one line
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1; got {chunk_size!r}")
    if top < 0:
        raise ValueError(f"top must be at least 0; got {top!r}")
    scorer: _InstrumentRows | _ModelRows
    if model is not None:
        if instrument is not None:
            raise ValueError("give an instrument or a model, not both")
        scorer = _ModelRows(model)
    else:
        weighted = WeightedScorer(DEFAULT_INSTRUMENT if instrument is None else instrument)
        if weighted.instrument.answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=weighted.instrument.id))
        scorer = _InstrumentRows(weighted)
    stack = contextlib.ExitStack()
    meter = _Meter()
    try:
        records = _open_source(source, input_format, stack, meter)
    except BaseException:
        stack.close()
        raise
    return BatchRun(
        iter(records),
        scorer,
        chunk_size=chunk_size,
        progress=progress,
        top=top,
        stack=stack,
        meter=meter,
        pause_gc=pause_gc,
    )


# --- writing rows ---------------------------------------------------------------------------

Destination = str | os.PathLike[str] | TextIO


@contextlib.contextmanager
def _text_out(destination: Destination) -> Iterator[TextIO]:
    """Open the destination; a path is written whole or not at all (renamed into place)."""
    if isinstance(destination, str | os.PathLike):
        with atomic_output(destination) as f:
            yield f  # type: ignore[misc]  # IO[str] is a TextIO for writing
    else:
        yield destination


def write_jsonl(rows: Iterable[BatchRow], destination: Destination) -> BatchSummary:
    """Write rows as JSON Lines (one :meth:`BatchRow.to_dict` per line), as they come.

    Returns
    -------
    BatchSummary
        The counts of the rows written.

    Examples
    --------
    >>> import io, json, stalkrisk
    >>> out = io.StringIO()
    >>> write_jsonl(score_many([stalkrisk.load_example("EX-03")]), out)
    BatchSummary(scored=1, unscorable=0, invalid=0, total=1)
    >>> json.loads(out.getvalue())["scales"]["serious_harm"]["band"]
    'low'
    """
    tally = _Tally()
    with _text_out(destination) as out:
        for row in rows:
            out.write(json.dumps(row.to_dict(), ensure_ascii=False, allow_nan=False) + "\n")
            tally.add(row)
    return tally.summary()


def _csv_header(scales: Sequence[str]) -> list[str]:
    per_scale = [
        f"{s}.{part}" for s in scales for part in ("status", "total", "band", "band_floor")
    ]
    return [
        "record",
        "case_id",
        "status",
        *per_scale,
        "top_contributions",
        "instrument",
        "instrument_sha256",
        "instrument_validation_status",
        "error",
    ]


def _csv_cells(row: BatchRow) -> list[str]:
    per_scale: list[str] = []
    by_id = {s.scale: s for s in row.scales}
    for scale_id in row.instrument.scales:
        s = by_id.get(scale_id)
        if s is None:
            per_scale += ["", "", "", ""]
        else:
            total = "" if s.total is None else json.dumps(s.total)
            per_scale += [s.status.value, total, s.band or "", s.band_floor or ""]
    top = {s.scale: [[t.item, t.points] for t in s.top] for s in row.scales}
    compact = (",", ":")
    cells = [
        str(row.record),
        row.case_id or "",
        row.status.value,
        *per_scale,
        json.dumps(top, separators=compact) if row.scales else "",
        f"{row.instrument.id}@{row.instrument.version}",
        row.instrument.sha256,
        row.instrument.validation_status,
        "" if row.error is None else json.dumps(_error_dict(row.error), separators=compact),
    ]
    return [neutralise_cell(cell) for cell in cells]


_NUMBER: Final = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(cell: str) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (other than a
    plain number such as ``-1.5``) is prefixed with ``'``, as OWASP advises against CSV
    injection. Every CSV stalkrisk writes passes through this.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)"), neutralise_cell("-1.5"), neutralise_cell("high")
    ("'=HYPERLINK(1)", '-1.5', 'high')
    """
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def write_csv(rows: Iterable[BatchRow], destination: Destination) -> BatchSummary:
    """Write rows as CSV, as they come: one row per record, flat columns.

    Columns: ``record``, ``case_id``, ``status``, per scale ``<scale>.status``,
    ``<scale>.total``, ``<scale>.band``, ``<scale>.band_floor``, then ``top_contributions``
    (JSON: scale → ``[[item, points], ...]``), ``instrument`` (``id@version``),
    ``instrument_sha256``, ``instrument_validation_status`` and ``error`` (JSON, empty when
    there is none). A cell that a spreadsheet would read as a formula is neutralised
    (:func:`neutralise_cell`). A path is written whole or not at all.

    Returns
    -------
    BatchSummary
        The counts of the rows written.

    Examples
    --------
    >>> import io, stalkrisk
    >>> out = io.StringIO()
    >>> summary = write_csv(score_many([stalkrisk.load_example("EX-03")]), out)
    >>> print(out.getvalue().splitlines()[0])
    record,case_id,status,continued_stalking.status,continued_stalking.total,continued_stalking.band,continued_stalking.band_floor,serious_harm.status,serious_harm.total,serious_harm.band,serious_harm.band_floor,top_contributions,instrument,instrument_sha256,instrument_validation_status,error
    """
    tally = _Tally()
    with _text_out(destination) as out:
        writer = csv.writer(out, lineterminator="\n")
        header_written = False
        for row in rows:
            if not header_written:
                writer.writerow(_csv_header(row.instrument.scales))
                header_written = True
            writer.writerow(_csv_cells(row))
            tally.add(row)
        if not header_written:
            writer.writerow(_csv_header(()))
    return tally.summary()


# --- frames: Parquet, Arrow, pandas and polars (stalkrisk._frames, the [frames] extra) -------
# Imported last: stalkrisk._frames builds on the readers and rows above.

from stalkrisk._frames import (  # noqa: E402
    FRAMES_EXTRA,
    frame_summary,
    score_frame,
    score_frame_meta,
    score_frames,
    to_frame,
    write_parquet,
)
from stalkrisk._frames import arrow_file_records as _arrow_file_records  # noqa: E402
from stalkrisk._frames import frame_records as _frame_records  # noqa: E402
