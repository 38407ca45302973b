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

from stalkrisk._internal.public import export
from stalkrisk.batch._convention import flatten_case, shown_column, unflatten_row
from stalkrisk.batch._frame_readers import FRAMES_EXTRA
from stalkrisk.batch._frames import (
    frame_summary,
    score_frame,
    score_frame_meta,
    score_frames,
    to_frame,
    write_parquet,
)
from stalkrisk.batch._limits import (
    CSV_BAD as CSV_BAD,
)
from stalkrisk.batch._limits import (
    CSV_CELL_JSON as CSV_CELL_JSON,
)
from stalkrisk.batch._limits import (
    CSV_CELL_TOO_LONG as CSV_CELL_TOO_LONG,
)
from stalkrisk.batch._limits import (
    CSV_CONFLICT as CSV_CONFLICT,
)
from stalkrisk.batch._limits import (
    CSV_EXTRA_CELLS as CSV_EXTRA_CELLS,
)
from stalkrisk.batch._limits import (
    CSV_QUOTES as CSV_QUOTES,
)
from stalkrisk.batch._limits import (
    CSV_UNCLOSED as CSV_UNCLOSED,
)
from stalkrisk.batch._limits import (
    CUT_SHORT as CUT_SHORT,
)
from stalkrisk.batch._limits import (
    MAX_JSON_FILE_BYTES,
    MAX_PROBLEMS,
    MAX_RECORD_BYTES,
)
from stalkrisk.batch._limits import (
    NON_FINITE as NON_FINITE,
)
from stalkrisk.batch._limits import (
    NOT_A_CASE as NOT_A_CASE,
)
from stalkrisk.batch._limits import (
    NOT_JSON as NOT_JSON,
)
from stalkrisk.batch._limits import (
    NOT_OBJECT as NOT_OBJECT,
)
from stalkrisk.batch._limits import (
    NOT_UTF8 as NOT_UTF8,
)
from stalkrisk.batch._limits import (
    NUMBER_TOO_LONG as NUMBER_TOO_LONG,
)
from stalkrisk.batch._limits import (
    TOO_DEEP as TOO_DEEP,
)
from stalkrisk.batch._limits import (
    TOO_LONG as TOO_LONG,
)
from stalkrisk.batch._limits import (
    UNKNOWN_FORMAT as UNKNOWN_FORMAT,
)
from stalkrisk.batch._rows import (
    BatchInstrument,
    BatchRow,
    BatchSummary,
    ErrorKind,
    HorizonRow,
    Problem,
    RecordError,
    RowStatus,
    ScaleRow,
    TopContribution,
)
from stalkrisk.batch._run import MODEL_SCALE, BatchRun, score_many
from stalkrisk.batch._run import InputFormat as InputFormat
from stalkrisk.batch._run import Source as Source
from stalkrisk.batch._writers import Destination as Destination
from stalkrisk.batch._writers import neutralise_cell, write_csv, write_jsonl
from stalkrisk.schemas._base import TEXT_CELLS

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
    "HorizonRow",
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

export(__name__, __all__, globals())
