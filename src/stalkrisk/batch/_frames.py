"""Frames out of the batch path: Parquet, pandas, and the Dask and Spark adaptors.

:func:`write_parquet` and :func:`to_frame` hold the columns of
:func:`~stalkrisk.batch.write_csv`, typed. :func:`score_frame` is the frame-level function for
``dask.dataframe.map_partitions`` (with :func:`score_frame_meta`), and :func:`score_frames` the
iterator-of-frames adaptor for Spark's ``mapInPandas``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any, Final

from stalkrisk._internal.files import atomic_output
from stalkrisk.batch._frame_readers import pandas_module, pyarrow_module
from stalkrisk.batch._rows import (
    BatchInstrument,
    BatchRow,
    BatchSummary,
    RowStatus,
    Tally,
    flat_header,
    flat_kind,
    flat_values,
)
from stalkrisk.batch._run import BatchRun, score_many
from stalkrisk.instruments import DEFAULT_INSTRUMENT
from stalkrisk.instruments._loader import InstrumentSource

#: Rows written per Parquet row group by default.
ROW_GROUP_SIZE: Final = 10_000

# --- writing rows ---------------------------------------------------------------------------


class _Columns:
    """Rows gathered column by column, under the header of the first row's instrument."""

    def __init__(self, rows: Iterable[BatchRow]) -> None:
        self.rows = iter(rows)
        self.tally = Tally()
        first = next(self.rows, None)
        self.pending = first
        instrument: BatchInstrument | None = None
        if first is not None:
            instrument = first.instrument
        elif isinstance(rows, BatchRun):
            instrument = rows.instrument
        self.header = flat_header(instrument)
        self.kinds = [flat_kind(c) for c in self.header]

    def take(self, n: int | None) -> list[list[Any]]:
        """Return the next ``n`` rows (all when ``None``) as columns; empty at the end."""
        columns: list[list[Any]] = [[] for _ in self.header]
        taken = 0
        while n is None or taken < n:
            row, self.pending = self.pending or next(self.rows, None), None
            if row is None:
                break
            for column, value in zip(columns, flat_values(row), strict=True):
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
    0       1   EX-03   scored                 0.0             fewer
    1       2     B-2  invalid                <NA>              <NA>
    >>> frame_summary(frame)
    BatchSummary(scored=1, unscorable=0, invalid=1, total=2)
    """
    pd = pandas_module("to_frame")
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
    ['fewer']
    """
    if row_group_size < 1:
        raise ValueError(f"row_group_size must be at least 1; got {row_group_size!r}")
    pa = pyarrow_module("write_parquet", ImportError)

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
    pa = pyarrow_module("write_parquet", ImportError)
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
    >>> score_frame(cases)[["record", "case_id", "status", "persistence.status"]]
        record case_id      status persistence.status
    10       1     F-1  unscorable         not_scored
    20       2     F-2     invalid               <NA>
    """
    pd = pandas_module("score_frame")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"score_frame takes a pandas DataFrame; got {type(frame).__name__}")
    with score_many([], instrument, top=top) as empty:
        header = flat_header(empty.instrument)
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
    pd = pandas_module("score_frame_meta")
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
