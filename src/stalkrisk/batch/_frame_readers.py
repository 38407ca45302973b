"""Reading frames into the batch path: Parquet, Arrow, pandas and polars (``[frames]`` extra).

A frame's columns follow the flat-column convention of CSV files (``docs/batch.md``): each
column is a field path, a list is a JSON cell (or a native list column), and a typed cell is
turned into the text a CSV cell would hold, so that a frame gives the same case (or the same
error) as the CSV file it could be written as. A null, ``NaN``, ``NA`` or ``NaT`` cell is a field
*not given* (unknown), never "absent". Every row is one record; a cell that cannot be read is an
error row, never an exception.

pyarrow and pandas are imported only when a frame or a Parquet or Arrow file is used, so
``import stalkrisk`` stays light; polars is never imported (a polars DataFrame is recognised by
its type's module and converted with its own ``to_arrow``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, Final

import numpy as np

from stalkrisk.batch._convention import CellError, cell_value, nest_cells, shown_column
from stalkrisk.batch._limits import MAX_RECORD_BYTES, TOO_DEEP
from stalkrisk.batch._readers import Raw, read_error
from stalkrisk.batch._rows import ErrorKind
from stalkrisk.errors import CaseFileError

#: The message of the error raised when pyarrow or pandas is missing.
FRAMES_EXTRA: Final = (
    "{what} needs pyarrow and pandas, which are not installed: pip install 'stalkrisk[frames]'"
)
FRAME_COLUMNS: Final = (
    "{name}: every column must be named once, by a field path such as perpetrator.age "
    "(found {problem})"
)
FRAME_CELL_TYPE: Final = (
    "a cell of type {type} cannot be read; give text, a whole number, true or false, a date, "
    "or a list"
)
FRAME_CELL_INFINITE: Final = (
    "an infinite number cannot be a value; leave the cell empty (null) if it is unknown"
)
FRAME_TOO_LONG: Final = "the record's cells hold more than {limit:,} characters; it was not read"
NOT_PARQUET: Final = "{name}: not a readable Parquet file ({reason})"
NOT_ARROW: Final = "{name}: not a readable Arrow IPC file or stream ({reason})"
READ_FAILED: Final = "{name}: the file could not be read to the end ({reason})"
FRAME_TYPE: Final = (
    "score_many reads a whole DataFrame, not a {type}; {hint}"  # a Series, a LazyFrame, ...
)

#: Rows converted to Python at a time (memory stays flat whatever the size of the input).
_ROWS: Final = 1000
_MAX_DEPTH: Final = 64
_MAX_REASON: Final = 200
_MISSING_TYPES: Final = frozenset({"NAType", "NaTType"})  # pandas' NA and NaT, by name


# --- the optional imports -------------------------------------------------------------------


def pyarrow_module(what: str, error: type[Exception] = CaseFileError) -> Any:
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional extra, imported when used
    except ImportError as exc:
        raise error(FRAMES_EXTRA.format(what=what)) from exc
    return pa


def pandas_module(what: str) -> Any:
    try:
        import pandas as pd  # noqa: PLC0415 - optional extra, imported when used
    except ImportError as exc:
        raise ImportError(FRAMES_EXTRA.format(what=what)) from exc
    return pd


def short_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


# --- typed cells to the CSV convention ------------------------------------------------------


class _CellValueError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _missing(value: Any) -> bool:
    """Whether a cell is null: None, NaN, pandas' NA or NaT, or numpy's NaT."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    if isinstance(value, np.datetime64):
        return bool(np.isnat(value))
    return type(value).__name__ in _MISSING_TYPES


def _number_text(value: float) -> str:
    if math.isinf(value):
        raise _CellValueError(FRAME_CELL_INFINITE)
    return str(int(value)) if value.is_integer() else repr(value)


class _Json:
    """A list or struct cell: its JSON text (a CSV cell's), and the data that text holds.

    The data are what reading the text back gives (:func:`_plain` makes only JSON values: text,
    whole numbers, finite floats, booleans, null, lists and objects with text keys, nested at
    most ``_MAX_DEPTH`` deep), so a frame's nested cells are built once, not written out and
    parsed again; the text is kept for the record's size and for the CSV code.
    """

    __slots__ = ("text", "value")

    def __init__(self, text: str, value: Any) -> None:
        self.text = text
        self.value = value


def _cell(value: Any) -> str | _Json | None:
    """Return the CSV text of a typed cell, or ``None`` for a field not given."""
    if isinstance(value, str):
        return value
    if _missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _number_text(float(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _CellValueError(FRAME_CELL_INFINITE)
        return str(int(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.date):  # datetime and pandas' Timestamp too
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return _cell(value.astype("datetime64[us]").item())
    if isinstance(value, list | tuple | dict | np.ndarray):
        plain = _plain(value, 0)
        try:
            text = json.dumps(plain, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except RecursionError:  # pragma: no cover - _plain caps the depth first
            raise _CellValueError(TOO_DEEP) from None
        return _Json(text, plain)
    raise _CellValueError(FRAME_CELL_TYPE.format(type=type(value).__name__))


def _plain(value: Any, depth: int) -> Any:
    """Return a list or struct cell as JSON data; a null field of a struct is not given."""
    if depth > _MAX_DEPTH:
        raise _CellValueError(TOO_DEEP)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                kind = f"mapping with {type(key).__name__} keys"
                raise _CellValueError(FRAME_CELL_TYPE.format(type=kind))
            if not _missing(item):
                out[key] = _plain(item, depth + 1)
        return out
    if isinstance(value, list | tuple | np.ndarray):
        return [None if _missing(v) else _plain(v, depth + 1) for v in value]
    if isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Decimal):
        number = float(value)
        if not math.isfinite(number):
            raise _CellValueError(FRAME_CELL_INFINITE)
        return int(number) if number.is_integer() else number
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return _plain(value.astype("datetime64[us]").item(), depth)
    raise _CellValueError(FRAME_CELL_TYPE.format(type=type(value).__name__))


class _Bad:
    """A cell that cannot be read (its message names the rule), in place of its text."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _text(value: Any) -> str | _Json | _Bad | None:
    """Return the CSV text of a cell, ``None`` if not given, or why it cannot be read."""
    if isinstance(value, _Bad):
        return value
    try:
        return _cell(value)
    except _CellValueError as exc:
        return _Bad(exc.message)


class _Layout:
    """A frame's columns, and how each row's cells become a case's nested data.

    The CSV code (:func:`stalkrisk.batch.unflatten_row`) builds every record, unless no
    column's path is a prefix of another's (the usual case, and then no two cells can set the
    same field): then the same nesting and the same JSON-cell rule are applied without the
    per-cell conflict bookkeeping, which is most of the reading time, a column at a time
    (:meth:`_by_column`), with list and struct cells' data put in as they are rather than
    written as JSON and parsed back. Tests check that both give the same data and the same
    errors (tests/test_batch_frames.py, tests/test_batch_speed.py).
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.paths = [tuple(c.split(".")) for c in self.columns]
        prefixes = {p[:i] for p in self.paths for i in range(1, len(p))}
        self.fast = not any(p in prefixes for p in self.paths)
        # For the fast nesting, a column at a time: each object a path leads through (the
        # record itself is 0) has a number, and each column names its object and its key.
        parents: dict[tuple[str, ...], int] = {(): 0}
        self.owners: list[tuple[int, str]] = [(0, "")]  # per object: (its owner, its key)
        self.homes: list[int] = []  # per column: the object its cell goes in
        for path in self.paths:
            for depth in range(1, len(path)):
                if path[:depth] not in parents:
                    parents[path[:depth]] = len(self.owners)
                    self.owners.append((parents[path[: depth - 1]], path[depth - 1]))
            self.homes.append(parents[path[:-1]])

    def records(self, values: Sequence[Sequence[Any]], rows: int) -> Iterator[Raw]:
        """Yield the records of ``rows`` rows, given each column's values (a column at a time)."""
        texts = [[v if v.__class__ is str else _text(v) for v in column] for column in values]
        if self.fast:
            yield from self._by_column(texts, rows)
            return
        for row in range(rows):
            yield self.record([column[row] for column in texts])

    def _by_column(self, texts: list[list[str | _Json | _Bad | None]], rows: int) -> list[Raw]:
        """Return the records of rows whose cells nest without conflicts, a column at a time.

        What :meth:`record` gives for each row, row by row: the first cell (in column order)
        that cannot be read, else a record too long, else the first JSON cell that is not
        valid, else the nested data. Here each column's cells are put in place for every row
        in one pass (the record's objects made when first needed, in column order, as
        :meth:`nest` makes them, so keys come in the same order); a list or struct cell's data
        go in as they are, not written as JSON and read back. A test checks that both agree.
        """
        datas: list[dict[str, Any]] = [{} for _ in range(rows)]
        blank: list[dict[str, Any] | None] = [None] * (len(self.owners) - 1)
        objects: list[list[dict[str, Any] | None]] = [[d, *blank] for d in datas]
        sizes = [0] * rows
        errors: dict[int, Raw] = {}  # per row: why it has no data (the first cell in error)
        bad: dict[int, Raw] = {}  # per row: its first cell that cannot be read
        for j, column in enumerate(texts):
            home, key, name = self.homes[j], self.paths[j][-1], self.columns[j]
            for i, cell in enumerate(column):
                if cell is None:
                    continue
                if type(cell) is _Bad:
                    if i not in bad:
                        message = cell.message
                        bad[i] = read_error(ErrorKind.CSV, message, field=shown_column(name))
                    continue
                if type(cell) is _Json:
                    sizes[i] += len(cell.text)
                    if i in errors:
                        continue
                    value = cell.value
                else:
                    text: str = cell  # type: ignore[assignment]  # what is left: text
                    sizes[i] += len(text)
                    if i in errors:
                        continue
                    first = text[:1]
                    if first and first not in "[{" and not first.isspace():
                        value = text  # plain text (what cell_value returns for it)
                    elif not text.strip():
                        continue
                    else:
                        try:
                            value = cell_value(name, text)
                        except CellError as exc:
                            errors[i] = read_error(ErrorKind.CSV, exc.message, field=exc.column)
                            continue
                node = objects[i][home]
                if node is None:
                    node = self._make(objects[i], home)
                node[key] = value
        too_long = read_error(ErrorKind.TOO_LONG, FRAME_TOO_LONG.format(limit=MAX_RECORD_BYTES))
        return [
            bad[i]
            if i in bad
            else (
                too_long
                if sizes[i] > MAX_RECORD_BYTES
                else errors.get(i) or Raw(data=datas[i], cells=True)
            )
            for i in range(rows)
        ]

    def _make(self, objects: list[dict[str, Any] | None], number: int) -> dict[str, Any]:
        """Make object ``number`` of a record (and those it is in), in its owner under its key."""
        owner, key = self.owners[number]
        parent = objects[owner]
        if parent is None:
            parent = self._make(objects, owner)
        node: dict[str, Any] = {}
        parent[key] = node
        objects[number] = node
        return node

    def record(self, texts: Sequence[str | _Json | _Bad | None]) -> Raw:
        """Build one record from a row's cell texts, or the error that stops it."""
        cells: list[tuple[int, str]] = []
        size = 0
        for i, cell in enumerate(texts):
            if cell is None:
                continue
            if isinstance(cell, _Bad):
                return read_error(ErrorKind.CSV, cell.message, field=shown_column(self.columns[i]))
            if isinstance(cell, _Json):
                cell = cell.text  # noqa: PLW2901 - the CSV code reads the JSON text
            cells.append((i, cell))
            size += len(cell)
        if size > MAX_RECORD_BYTES:
            return read_error(ErrorKind.TOO_LONG, FRAME_TOO_LONG.format(limit=MAX_RECORD_BYTES))
        try:
            return Raw(data=self.nest(cells), cells=True)
        except CellError as exc:
            return read_error(ErrorKind.CSV, exc.message, field=exc.column)

    def nest(self, cells: Sequence[tuple[int, str]]) -> dict[str, Any]:
        """Return the nested data of ``(column position, text)`` cells; raise ``CellError``."""
        if not self.fast:
            return nest_cells({self.columns[i]: cell for i, cell in cells})
        data: dict[str, Any] = {}
        for i, cell in cells:
            if not cell.strip():
                continue
            value = cell_value(self.columns[i], cell)
            path = self.paths[i]
            node = data
            for part in path[:-1]:
                node = node.setdefault(part, {})
            node[path[-1]] = value
        return data


def _column_names(names: Sequence[Any], name: str) -> list[str]:
    """Check a frame's column names as a CSV header is checked; return them stripped."""
    problem = None
    columns: list[str] = []
    for column in names:
        if not isinstance(column, str):
            problem = f"a column named by a {type(column).__name__}, not text"
            break
        stripped = column.strip()
        if not stripped or any(not part for part in stripped.split(".")):
            problem = "an empty name or an empty part of a field path"
            break
        columns.append(stripped)
    if problem is None and len(set(columns)) != len(columns):
        problem = "a name used twice"
    if problem is not None:
        raise CaseFileError(FRAME_COLUMNS.format(name=name, problem=problem))
    return columns


# --- Arrow sources --------------------------------------------------------------------------

_DUNDER: Final = re.compile(r"^__.*__$")


def _data_columns(schema: Any) -> list[int]:
    """Positions of the columns that hold case data: not pandas' or Dask's unnamed index."""
    index: set[str] = set()
    metadata = getattr(schema, "pandas_metadata", None)
    if isinstance(metadata, Mapping):
        index = {c for c in metadata.get("index_columns", ()) if isinstance(c, str)}
    return [
        i for i, n in enumerate(schema.names) if not (n in index and _DUNDER.match(n) is not None)
    ]


def _column_values(pa: Any, column: Any) -> list[Any]:
    """Return a column's Python values; a cell Arrow cannot convert becomes a ``_Bad``."""
    try:
        values: list[Any] = column.to_pylist()
    except (pa.ArrowException, ValueError, TypeError, OverflowError):
        values = []
        for i in range(len(column)):
            try:
                values.append(column[i].as_py())
            except (pa.ArrowException, ValueError, TypeError, OverflowError):
                values.append(_Bad(FRAME_CELL_TYPE.format(type=column.type)))
    return values


def _batch_records(
    pa: Any, batches: Iterable[Any], positions: list[int], columns: list[str], name: str
) -> Iterator[Raw]:
    """Yield one record per row of Arrow record batches, converting ``_ROWS`` rows at a time."""
    layout = _Layout(columns)
    iterator = iter(batches)
    while True:
        try:
            batch = next(iterator)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(READ_FAILED.format(name=name, reason=short_reason(exc))) from None
        for start in range(0, batch.num_rows, _ROWS):
            piece = batch.slice(start, _ROWS)
            values = [_column_values(pa, piece.column(i)) for i in positions]
            yield from layout.records(values, piece.num_rows)


def _arrow_records(pa: Any, schema: Any, batches: Iterable[Any], name: str) -> Iterator[Raw]:
    positions = _data_columns(schema)
    columns = _column_names([schema.names[i] for i in positions], name)
    return _batch_records(pa, batches, positions, columns, name)


def arrow_file_records(stream: IO[bytes], fmt: str, name: str) -> Iterator[Raw]:
    """Read a Parquet file or an Arrow IPC file or stream, a record batch at a time.

    The file's footer or schema is read now, so a file that is not Parquet or Arrow raises
    :class:`~stalkrisk.CaseFileError` before any row.
    """
    pa = pyarrow_module(f"{name}: reading {'Parquet' if fmt == 'parquet' else 'Arrow'}")
    if fmt == "parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional extra

        try:
            parquet = pq.ParquetFile(stream)
            schema = parquet.schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(NOT_PARQUET.format(name=name, reason=short_reason(exc))) from None
        positions = _data_columns(schema)
        columns = _column_names([schema.names[i] for i in positions], name)
        batches = parquet.iter_batches(
            batch_size=_ROWS, columns=[schema.names[i] for i in positions]
        )
        return _batch_records(pa, batches, list(range(len(positions))), columns, name)
    from pyarrow import ipc  # noqa: PLC0415 - optional extra

    try:
        head = b""
        if stream.seekable():
            head = stream.read(6)
            stream.seek(0)
        if head == b"ARROW1":
            reader = ipc.open_file(stream)
            file_batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            return _arrow_records(pa, reader.schema, file_batches, name)
        if head[:4] == b"FEA1":
            raise CaseFileError(
                f"{name}: a Feather version 1 file; write it again as Feather version 2 "
                "(pyarrow.feather.write_feather) or as Parquet"
            )
        stream_reader = ipc.open_stream(stream)
    except (pa.ArrowException, OSError) as exc:
        raise CaseFileError(NOT_ARROW.format(name=name, reason=short_reason(exc))) from None
    return _arrow_records(pa, stream_reader.schema, stream_reader, name)


# --- in-memory frames -----------------------------------------------------------------------


def _pandas_records(frame: Any) -> Iterator[Raw]:
    columns = _column_names(list(frame.columns), "the DataFrame")
    return _pandas_rows(frame, columns)


def _pandas_rows(frame: Any, columns: list[str]) -> Iterator[Raw]:
    layout = _Layout(columns)
    for start in range(0, len(frame), _ROWS):
        piece = frame.iloc[start : start + _ROWS]
        values = [piece.iloc[:, j].tolist() for j in range(len(columns))]
        yield from layout.records(values, len(piece))


def frame_records(source: object) -> Iterator[Raw] | None:
    """Return the records of a frame or Arrow object, or ``None`` if ``source`` is not one.

    Recognises pandas and polars DataFrames, pyarrow Tables, RecordBatches and
    RecordBatchReaders, and any object with ``__arrow_c_stream__``, by the module of its type,
    so that none of those libraries is imported for other sources.
    """
    kind = type(source)
    library = kind.__module__.partition(".")[0]
    if library == "pandas":
        if kind.__name__ != "DataFrame":
            raise TypeError(FRAME_TYPE.format(type=kind.__name__, hint="pass a DataFrame"))
        return _pandas_records(source)
    if library == "polars":
        if kind.__name__ != "DataFrame":
            raise TypeError(FRAME_TYPE.format(type=kind.__name__, hint="collect() it first"))
        pa = pyarrow_module("reading a polars DataFrame")
        table = source.to_arrow()  # type: ignore[attr-defined]
        return _arrow_records(pa, table.schema, table.to_batches(), "the polars DataFrame")
    if library == "dask":
        raise TypeError(
            FRAME_TYPE.format(
                type=f"Dask {kind.__name__}",
                hint="score each partition with ddf.map_partitions(score_frame, meta=...)",
            )
        )
    if library == "pyarrow":
        pa = pyarrow_module("reading an Arrow table")
        if isinstance(source, pa.Table):
            return _arrow_records(pa, source.schema, source.to_batches(), "the Arrow table")
        if isinstance(source, pa.RecordBatch):
            return _arrow_records(pa, source.schema, [source], "the Arrow record batch")
        if isinstance(source, pa.RecordBatchReader):
            return _arrow_records(pa, source.schema, source, "the Arrow stream")
        raise TypeError(FRAME_TYPE.format(type=kind.__name__, hint="pass a Table"))
    if hasattr(kind, "__arrow_c_stream__"):
        pa = pyarrow_module("reading an Arrow stream")
        reader = pa.RecordBatchReader.from_stream(source)
        return _arrow_records(pa, reader.schema, reader, "the Arrow stream")
    return None
