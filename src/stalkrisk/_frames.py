"""Frames in and out of the batch path: Parquet, Arrow, pandas and polars (the ``[frames]`` extra).

The public names are re-exported by :mod:`stalkrisk.batch`, which is where to import them from.

Reading: a frame's columns follow the flat-column convention of CSV files (``docs/batch.md``):
each column is a field path, a list is a JSON cell (or a native list column), and a typed cell
is turned into the text a CSV cell would hold, so that a frame gives the same case (or the same
error) as the CSV file it could be written as. A null, ``NaN``, ``NA`` or ``NaT`` cell is a field
*not given* (unknown), never "absent". Every row is one record; a cell that cannot be read is an
error row, never an exception.

Writing: :func:`write_parquet` and :func:`to_frame` hold the columns of
:func:`~stalkrisk.batch.write_csv`, typed. :func:`score_frame` is the frame-level function for
``dask.dataframe.map_partitions`` (with :func:`score_frame_meta`), and :func:`score_frames` the
iterator-of-frames adaptor for Spark's ``mapInPandas``.

pyarrow and pandas are imported only when a frame or a Parquet or Arrow file is used, so
``import stalkrisk`` stays light; polars is never imported (a polars DataFrame is recognised by
its type's module and converted with its own ``to_arrow``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any, Final

import numpy as np

from stalkrisk._internal.files import atomic_output
from stalkrisk.batch import (
    MAX_RECORD_BYTES,
    TOO_DEEP,
    BatchRow,
    BatchRun,
    BatchSummary,
    ErrorKind,
    RowStatus,
    _cell_value,
    _CellError,
    _csv_header,
    _error_dict,
    _Raw,
    _read_error,
    _Tally,
    _unflatten,
    score_many,
    shown_column,
)
from stalkrisk.errors import CaseFileError
from stalkrisk.instruments import DEFAULT_INSTRUMENT
from stalkrisk.instruments._loader import InstrumentSource

__all__ = [
    "FRAMES_EXTRA",
    "frame_summary",
    "score_frame",
    "score_frame_meta",
    "score_frames",
    "to_frame",
    "write_parquet",
]

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
#: Rows written per Parquet row group by default.
ROW_GROUP_SIZE: Final = 10_000
_MAX_DEPTH: Final = 64
_MAX_REASON: Final = 200
_MISSING_TYPES: Final = frozenset({"NAType", "NaTType"})  # pandas' NA and NaT, by name


# --- the optional imports -------------------------------------------------------------------


def _pyarrow(what: str, error: type[Exception] = CaseFileError) -> Any:
    try:
        import pyarrow as pa  # noqa: PLC0415 - optional extra, imported when used
    except ImportError as exc:
        raise error(FRAMES_EXTRA.format(what=what)) from exc
    return pa


def _pandas(what: str) -> Any:
    try:
        import pandas as pd  # noqa: PLC0415 - optional extra, imported when used
    except ImportError as exc:
        raise ImportError(FRAMES_EXTRA.format(what=what)) from exc
    return pd


def _reason(exc: BaseException) -> str:
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


def _cell(value: Any) -> str | None:
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
            return json.dumps(plain, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except RecursionError:  # pragma: no cover - _plain caps the depth first
            raise _CellValueError(TOO_DEEP) from None
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


def _text(value: Any) -> str | _Bad | None:
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
    per-cell conflict bookkeeping, which is most of the reading time. A test checks that both
    give the same data and the same errors.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self.paths = [tuple(c.split(".")) for c in self.columns]
        prefixes = {p[:i] for p in self.paths for i in range(1, len(p))}
        self.fast = not any(p in prefixes for p in self.paths)

    def records(self, values: Sequence[Sequence[Any]], rows: int) -> Iterator[_Raw]:
        """Yield the records of ``rows`` rows, given each column's values (a column at a time)."""
        texts = [[_text(v) for v in column] for column in values]
        for row in range(rows):
            yield self.record([column[row] for column in texts])

    def record(self, texts: Sequence[str | _Bad | None]) -> _Raw:
        """Build one record from a row's cell texts, or the error that stops it."""
        cells: list[tuple[int, str]] = []
        size = 0
        for i, cell in enumerate(texts):
            if cell is None:
                continue
            if isinstance(cell, _Bad):
                return _read_error(ErrorKind.CSV, cell.message, field=shown_column(self.columns[i]))
            cells.append((i, cell))
            size += len(cell)
        if size > MAX_RECORD_BYTES:
            return _read_error(ErrorKind.TOO_LONG, FRAME_TOO_LONG.format(limit=MAX_RECORD_BYTES))
        try:
            return _Raw(data=self.nest(cells), cells=True)
        except _CellError as exc:
            return _read_error(ErrorKind.CSV, exc.message, field=exc.column)

    def nest(self, cells: Sequence[tuple[int, str]]) -> dict[str, Any]:
        """Return the nested data of ``(column position, text)`` cells; raise ``_CellError``."""
        if not self.fast:
            return _unflatten({self.columns[i]: cell for i, cell in cells})
        data: dict[str, Any] = {}
        for i, cell in cells:
            if not cell.strip():
                continue
            value = _cell_value(self.columns[i], cell)
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
) -> Iterator[_Raw]:
    """Yield one record per row of Arrow record batches, converting ``_ROWS`` rows at a time."""
    layout = _Layout(columns)
    iterator = iter(batches)
    while True:
        try:
            batch = next(iterator)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(READ_FAILED.format(name=name, reason=_reason(exc))) from None
        for start in range(0, batch.num_rows, _ROWS):
            piece = batch.slice(start, _ROWS)
            values = [_column_values(pa, piece.column(i)) for i in positions]
            yield from layout.records(values, piece.num_rows)


def _arrow_records(pa: Any, schema: Any, batches: Iterable[Any], name: str) -> Iterator[_Raw]:
    positions = _data_columns(schema)
    columns = _column_names([schema.names[i] for i in positions], name)
    return _batch_records(pa, batches, positions, columns, name)


def arrow_file_records(stream: IO[bytes], fmt: str, name: str) -> Iterator[_Raw]:
    """Read a Parquet file or an Arrow IPC file or stream, a record batch at a time.

    The file's footer or schema is read now, so a file that is not Parquet or Arrow raises
    :class:`~stalkrisk.CaseFileError` before any row.
    """
    pa = _pyarrow(f"{name}: reading {'Parquet' if fmt == 'parquet' else 'Arrow'}")
    if fmt == "parquet":
        import pyarrow.parquet as pq  # noqa: PLC0415 - optional extra

        try:
            parquet = pq.ParquetFile(stream)
            schema = parquet.schema_arrow
        except (pa.ArrowException, OSError) as exc:
            raise CaseFileError(NOT_PARQUET.format(name=name, reason=_reason(exc))) from None
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
        raise CaseFileError(NOT_ARROW.format(name=name, reason=_reason(exc))) from None
    return _arrow_records(pa, stream_reader.schema, stream_reader, name)


# --- in-memory frames -----------------------------------------------------------------------


def _pandas_records(frame: Any) -> Iterator[_Raw]:
    columns = _column_names(list(frame.columns), "the DataFrame")
    return _pandas_rows(frame, columns)


def _pandas_rows(frame: Any, columns: list[str]) -> Iterator[_Raw]:
    layout = _Layout(columns)
    for start in range(0, len(frame), _ROWS):
        piece = frame.iloc[start : start + _ROWS]
        values = [piece.iloc[:, j].tolist() for j in range(len(columns))]
        yield from layout.records(values, len(piece))


def frame_records(source: object) -> Iterator[_Raw] | None:
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
        pa = _pyarrow("reading a polars DataFrame")
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
        pa = _pyarrow("reading an Arrow table")
        if isinstance(source, pa.Table):
            return _arrow_records(pa, source.schema, source.to_batches(), "the Arrow table")
        if isinstance(source, pa.RecordBatch):
            return _arrow_records(pa, source.schema, [source], "the Arrow record batch")
        if isinstance(source, pa.RecordBatchReader):
            return _arrow_records(pa, source.schema, source, "the Arrow stream")
        raise TypeError(FRAME_TYPE.format(type=kind.__name__, hint="pass a Table"))
    if hasattr(kind, "__arrow_c_stream__"):
        pa = _pyarrow("reading an Arrow stream")
        reader = pa.RecordBatchReader.from_stream(source)
        return _arrow_records(pa, reader.schema, reader, "the Arrow stream")
    return None


# --- writing rows ---------------------------------------------------------------------------


def _kind(column: str) -> str:
    if column == "record":
        return "int"
    return "float" if column.endswith(".total") else "str"


def _values(row: BatchRow) -> list[Any]:
    """Return a row's values in the columns of :func:`~stalkrisk.batch.write_csv`, typed."""
    by_id = {s.scale: s for s in row.scales}
    per_scale: list[Any] = []
    for scale_id in row.instrument.scales:
        s = by_id.get(scale_id)
        if s is None:
            per_scale += [None, None, None, None]
        else:
            per_scale += [s.status.value, s.total, s.band, s.band_floor]
    compact = (",", ":")
    top = {s.scale: [[t.item, t.points] for t in s.top] for s in row.scales}
    return [
        row.record,
        row.case_id,
        row.status.value,
        *per_scale,
        json.dumps(top, separators=compact) if row.scales else None,
        f"{row.instrument.id}@{row.instrument.version}",
        row.instrument.sha256,
        row.instrument.validation_status,
        None if row.error is None else json.dumps(_error_dict(row.error), separators=compact),
    ]


class _Columns:
    """Rows gathered column by column, under the header of the first row's instrument."""

    def __init__(self, rows: Iterable[BatchRow]) -> None:
        self.rows = iter(rows)
        self.tally = _Tally()
        first = next(self.rows, None)
        self.pending = first
        if first is not None:
            scales: Sequence[str] = first.instrument.scales
        elif isinstance(rows, BatchRun):
            scales = rows.instrument.scales
        else:
            scales = ()
        self.header = _csv_header(scales)
        self.kinds = [_kind(c) for c in self.header]

    def take(self, n: int | None) -> list[list[Any]]:
        """Return the next ``n`` rows (all when ``None``) as columns; empty at the end."""
        columns: list[list[Any]] = [[] for _ in self.header]
        taken = 0
        while n is None or taken < n:
            row, self.pending = self.pending or next(self.rows, None), None
            if row is None:
                break
            for column, value in zip(columns, _values(row), strict=True):
                column.append(value)
            self.tally.add(row)
            taken += 1
        return columns


def _frame(pd: Any, header: list[str], kinds: list[str], columns: list[list[Any]]) -> Any:
    dtypes = {"int": pd.Int64Dtype(), "float": pd.Float64Dtype(), "str": pd.StringDtype()}
    data = {
        name: pd.array(values, dtype=dtypes[kind])
        for name, kind, values in zip(header, kinds, columns, strict=True)
    }
    return pd.DataFrame(data, columns=header)


def to_frame(rows: Iterable[BatchRow]) -> Any:
    """Gather rows into a pandas DataFrame with the columns of ``write_csv``, typed.

    ``record`` is ``Int64``, each ``<scale>.total`` is ``Float64`` (``<NA>`` when not scored),
    and every other column is ``string`` (``<NA>`` where the CSV has an empty cell). Given a
    :class:`~stalkrisk.batch.BatchRun` with no rows, the frame still has the instrument's
    scale columns. The run's ``summary`` counts the rows once the frame is made, and
    :func:`frame_summary` counts them from the frame (or any part of it) later.

    Parameters
    ----------
    rows : iterable of BatchRow
        Typically the run returned by :func:`~stalkrisk.batch.score_many`.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ImportError
        If pandas is not installed (``pip install 'stalkrisk[frames]'``).

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.batch import score_many, to_frame
    >>> frame = to_frame(score_many([stalkrisk.load_example("EX-03"), {"case_id": "B-2"}]))
    >>> frame[["record", "case_id", "status", "serious_harm.total", "serious_harm.band"]]
       record case_id   status  serious_harm.total serious_harm.band
    0       1   EX-03   scored                 0.0               low
    1       2     B-2  invalid                <NA>              <NA>
    >>> frame_summary(frame)
    BatchSummary(scored=1, unscorable=0, invalid=1, total=2)
    """
    pd = _pandas("to_frame")
    gathered = _Columns(rows)
    return _frame(pd, gathered.header, gathered.kinds, gathered.take(None))


def frame_summary(frame: Any) -> BatchSummary:
    """Count the scored, unscorable and invalid rows of a result frame, by its ``status``.

    Works on the output of :func:`to_frame` and :func:`score_frame`, on a Parquet file of
    results read back, and on any selection of their rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame with a ``status`` column of ``scored``, ``unscorable`` or ``invalid``.

    Returns
    -------
    BatchSummary

    Raises
    ------
    ValueError
        If a status is none of the three (the frame is not a result frame).

    Examples
    --------
    >>> import pandas as pd
    >>> from stalkrisk.batch import frame_summary
    >>> frame_summary(pd.DataFrame({"status": ["scored", "invalid", "scored"]}))
    BatchSummary(scored=2, unscorable=0, invalid=1, total=3)
    """
    counts = {str(k): int(v) for k, v in frame["status"].value_counts(dropna=False).items()}
    known = {s.value for s in RowStatus}
    if set(counts) - known:
        raise ValueError(f"frame_summary counts the statuses {sorted(known)}; found others")
    scored = counts.get(RowStatus.SCORED.value, 0)
    unscorable = counts.get(RowStatus.UNSCORABLE.value, 0)
    invalid = counts.get(RowStatus.INVALID.value, 0)
    return BatchSummary(
        scored=scored, unscorable=unscorable, invalid=invalid, total=scored + unscorable + invalid
    )


ParquetDestination = str | os.PathLike[str] | IO[bytes]


def write_parquet(
    rows: Iterable[BatchRow],
    destination: ParquetDestination,
    *,
    row_group_size: int = ROW_GROUP_SIZE,
) -> BatchSummary:
    """Write rows to a Parquet file, as they come, one row group at a time.

    The columns are those of :func:`~stalkrisk.batch.write_csv` and of :func:`to_frame`:
    ``record`` (int64), ``case_id``, ``status``, per scale ``<scale>.status``,
    ``<scale>.total`` (double), ``<scale>.band``, ``<scale>.band_floor``, then
    ``top_contributions`` (JSON), ``instrument`` (``id@version``), ``instrument_sha256``,
    ``instrument_validation_status`` and ``error`` (JSON); every string column is null where
    the CSV has an empty cell. At most ``row_group_size`` rows are held in memory.

    Parameters
    ----------
    rows : iterable of BatchRow
        Typically the run returned by :func:`~stalkrisk.batch.score_many`.
    destination : path or binary stream
        Where to write.
    row_group_size : int, default 10000
        Rows per row group.

    Returns
    -------
    BatchSummary
        The counts of the rows written.

    Raises
    ------
    ImportError
        If pyarrow is not installed (``pip install 'stalkrisk[frames]'``).
    ValueError
        If ``row_group_size`` is below 1.

    Examples
    --------
    >>> import io, stalkrisk
    >>> import pyarrow.parquet as pq
    >>> from stalkrisk.batch import score_many, write_parquet
    >>> out = io.BytesIO()
    >>> write_parquet(score_many([stalkrisk.load_example("EX-03")]), out)
    BatchSummary(scored=1, unscorable=0, invalid=0, total=1)
    >>> pq.read_table(out).column("serious_harm.band").to_pylist()
    ['low']
    """
    if row_group_size < 1:
        raise ValueError(f"row_group_size must be at least 1; got {row_group_size!r}")
    pa = _pyarrow("write_parquet", ImportError)

    gathered = _Columns(rows)
    types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string()}
    schema = pa.schema(
        [pa.field(c, types[k]) for c, k in zip(gathered.header, gathered.kinds, strict=True)]
    )
    if isinstance(destination, str | os.PathLike):  # whole or not at all
        with atomic_output(destination, binary=True) as target:
            return _write_parquet(gathered, target, schema, row_group_size)
    return _write_parquet(gathered, destination, schema, row_group_size)


def _write_parquet(
    gathered: _Columns, where: Any, schema: Any, row_group_size: int
) -> BatchSummary:
    pa = _pyarrow("write_parquet", ImportError)
    import pyarrow.parquet as pq  # noqa: PLC0415 - optional extra

    with pq.ParquetWriter(where, schema) as writer:
        first = True
        while True:
            columns = gathered.take(row_group_size)
            if not columns[0] and not first:
                break
            first = False
            arrays = [pa.array(v, type=t) for v, t in zip(columns, schema.types, strict=True)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            if not columns[0]:
                break
    return gathered.tally.summary()


# --- the frame-level function ---------------------------------------------------------------


def _check_keep(frame: Any, keep: Sequence[str], header: Sequence[str]) -> list[str]:
    keep = list(keep)
    missing = [c for c in keep if c not in frame.columns]
    if missing:
        raise ValueError(f"keep names columns the frame does not have: {missing}")
    clash = [c for c in keep if c in header]
    if clash:
        raise ValueError(
            f"keep names columns that the results also have: {clash}; rename them first"
        )
    return keep


def score_frame(
    frame: Any,
    instrument: InstrumentSource = DEFAULT_INSTRUMENT,
    *,
    top: int = 3,
    keep: Sequence[str] = (),
) -> Any:
    """Score a pandas DataFrame of cases: one result row per input row, with the same index.

    The input's columns follow the flat-column convention (``docs/batch.md``). The output has
    the columns of :func:`to_frame`, preceded by the ``keep`` columns copied from the input.
    ``record`` is the row's position **within this frame**, from 1: inside
    ``dask.dataframe.map_partitions`` it restarts in every partition, so use the index (kept
    from the input) or a ``keep`` column, not ``record``, to match results to input rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        One case per row.
    instrument : str, path or Instrument, default "stalkrisk-screen"
        The instrument to score with.
    top : int, default 3
        How many of each scale's largest contributions each row keeps.
    keep : sequence of str, default ()
        Input columns to copy into the output unchanged and *not* read as case fields, e.g. a
        row key (Spark frames have no index).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`score_frame_meta`, indexed like ``frame``.

    Raises
    ------
    ImportError
        If pandas is not installed.
    TypeError
        If ``frame`` is not a pandas DataFrame.
    ValueError
        If a ``keep`` column is missing from ``frame`` or clashes with a result column.
    CaseFileError
        If the columns are not named once each by field paths.

    Examples
    --------
    >>> import pandas as pd
    >>> from stalkrisk.batch import score_frame
    >>> cases = pd.DataFrame(
    ...     {"case_id": ["F-1", "F-2"], "assessment_date": ["2024-05-01", None],
    ...      "perpetrator.age": [44, None]},
    ...     index=[10, 20],
    ... )
    >>> score_frame(cases)[["record", "case_id", "status", "continued_stalking.status"]]
        record case_id      status continued_stalking.status
    10       1     F-1  unscorable                not_scored
    20       2     F-2     invalid                      <NA>
    """
    pd = _pandas("score_frame")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"score_frame takes a pandas DataFrame; got {type(frame).__name__}")
    with score_many([], instrument, top=top) as empty:
        header = _csv_header(empty.instrument.scales)
    kept = _check_keep(frame, keep, header)
    cases = frame.drop(columns=kept) if kept else frame
    with score_many(cases, instrument, top=top) as run:
        out = to_frame(run)
    out.index = frame.index
    if kept:
        out = pd.concat([frame[kept], out], axis=1)
    return out


def score_frame_meta(
    instrument: InstrumentSource = DEFAULT_INSTRUMENT,
    *,
    like: Any = None,
    keep: Sequence[str] = (),
) -> Any:
    """Return an empty frame with the columns and dtypes :func:`score_frame` produces.

    Pass it as ``meta`` to ``dask.dataframe.map_partitions(score_frame, ...)``, so that Dask
    need not run the scorer on a fake partition to learn the output's shape.

    Parameters
    ----------
    instrument : str, path or Instrument, default "stalkrisk-screen"
        The instrument ``score_frame`` is called with (its scales name the columns).
    like : pandas.DataFrame, optional
        A frame like the input (e.g. a Dask frame's ``_meta``): the result's index takes its
        index's name and dtype, and the ``keep`` columns their dtypes. Required with ``keep``.
    keep : sequence of str, default ()
        As for :func:`score_frame`.

    Returns
    -------
    pandas.DataFrame
        No rows.

    Examples
    --------
    >>> from stalkrisk.batch import score_frame_meta
    >>> meta = score_frame_meta("stalkrisk-screen")
    >>> len(meta), [str(meta[c].dtype) for c in ("record", "serious_harm.total", "case_id")]
    (0, ['Int64', 'Float64', 'string'])
    """
    pd = _pandas("score_frame_meta")
    if keep and like is None:
        raise ValueError("score_frame_meta needs like= (a frame with the input's columns) for keep")
    with score_many([], instrument) as run:
        meta = to_frame(run)
    if like is not None:
        meta.index = like.index[:0]
    if keep:
        kept = _check_keep(like, keep, list(meta.columns))
        meta = pd.concat([like[kept].iloc[:0], meta], axis=1)
    return meta


def score_frames(
    frames: Iterable[Any],
    instrument: InstrumentSource = DEFAULT_INSTRUMENT,
    *,
    top: int = 3,
    keep: Sequence[str] = (),
) -> Iterator[Any]:
    """Score an iterable of pandas DataFrames lazily, yielding one result frame per input frame.

    This is the shape Spark's ``DataFrame.mapInPandas`` asks for (a function from an iterator
    of pandas frames to an iterator of pandas frames). Each frame is scored by
    :func:`score_frame`, so ``record`` restarts at 1 in every frame: carry a row key through
    with ``keep``.

    Parameters
    ----------
    frames : iterable of pandas.DataFrame
        The input frames, read one at a time.
    instrument, top, keep
        As for :func:`score_frame`.

    Yields
    ------
    pandas.DataFrame
        The result of :func:`score_frame` for each input frame, in order.

    Examples
    --------
    >>> import pandas as pd
    >>> from stalkrisk.batch import score_frames
    >>> batches = (pd.DataFrame({"row": [i], "case_id": [f"S-{i}"]}) for i in range(2))
    >>> for result in score_frames(batches, keep=["row"]):
    ...     print(result[["row", "record", "case_id", "status"]].values.tolist())
    [[0, 1, 'S-0', 'invalid']]
    [[1, 1, 'S-1', 'invalid']]
    """
    for frame in frames:
        yield score_frame(frame, instrument, top=top, keep=keep)
