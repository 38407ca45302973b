"""Frames in and out of the batch path: Parquet, Arrow, pandas, polars, Dask (stalkrisk.batch).

Every frame kind must give the rows of the JSONL path for the same cases; typed cells must give
the case a CSV text cell would give, or a documented per-record error; no record is ever lost.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import json
import math
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyarrow import feather

import stalkrisk
from stalkrisk.batch import (
    FRAMES_EXTRA,
    MAX_PROBLEMS,
    MAX_RECORD_BYTES,
    BatchRow,
    BatchSummary,
    ErrorKind,
    RowStatus,
    flatten_case,
    frame_summary,
    score_frame,
    score_frame_meta,
    score_frames,
    score_many,
    to_frame,
    unflatten_row,
    write_csv,
    write_parquet,
)
from stalkrisk.batch._frame_readers import (
    FRAME_CELL_INFINITE,
    FRAME_CELL_TYPE,
    FRAME_TOO_LONG,
    _Layout,
    frame_records,
)
from stalkrisk.cli import main
from stalkrisk.errors import CaseFileError
from stalkrisk.testing import case_dicts

from .conftest import ROOT

SECRET = "Zq7-SECRET-VALUE"  # planted in cells; must never appear in an error
EXTRA = FRAMES_EXTRA.split(": ", 1)[1]  # "pip install 'stalkrisk[frames]'"
#: The instrument whose scales and counts the output tests name, pinned so that a new default
#: changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


def _jsonl_rows(records: list[Any]) -> list[dict[str, Any]]:
    """The rows of the JSONL path (the reference), without the JSONL-only ``line``."""
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    return [_comparable(r) for r in score_many(io.BytesIO(data))]


def _comparable(row: BatchRow) -> dict[str, Any]:
    out = row.to_dict()
    del out["line"]
    return out


def _rows(source: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return [_comparable(r) for r in score_many(source, **kwargs)]


def _data(frame: Any) -> list[Any]:
    """What the frame reader makes of each row: the case data, or the error's first problem."""
    records = frame_records(frame)
    assert records is not None
    return [
        r.data if r.kind is None else (r.kind, r.problems[0].field, r.problems[0].message)
        for r in records
    ]


def _example_frame(example_cases: dict[str, stalkrisk.Case]) -> pd.DataFrame:
    return pd.DataFrame([flatten_case(c) for c in example_cases.values()])


# --- every input kind gives the JSONL path's rows --------------------------------------------


def _write_arrow_file(table: pa.Table, path: Path) -> Path:
    with pa.ipc.new_file(path, table.schema) as writer:
        writer.write_table(table, max_chunksize=3)
    return path


def _write_arrow_stream(table: pa.Table, path: Path) -> Path:
    with pa.ipc.new_stream(path, table.schema) as writer:
        writer.write_table(table, max_chunksize=4)
    return path


class _CStream:
    """A foreign object that offers only the Arrow PyCapsule stream interface."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.table.__arrow_c_stream__(requested_schema)


def _parquet_bytes(frame: pd.DataFrame) -> io.BytesIO:
    out = io.BytesIO()
    frame.to_parquet(out)
    out.seek(0)
    return out


SOURCES: dict[str, Callable[[pd.DataFrame, Path], tuple[Any, dict[str, Any]]]] = {
    "pandas": lambda f, _: (f, {}),
    "parquet": lambda f, d: (f.to_parquet(d / "c.parquet") or d / "c.parquet", {}),
    "pq": lambda f, d: (f.to_parquet(d / "c.pq") or str(d / "c.pq"), {}),
    "parquet stream": lambda f, _: (_parquet_bytes(f), {"input_format": "parquet"}),
    "arrow file": lambda f, d: (_write_arrow_file(pa.Table.from_pandas(f), d / "c.arrow"), {}),
    "feather": lambda f, d: (
        feather.write_feather(f, d / "c.feather", chunksize=4) or d / "c.feather",
        {},
    ),
    "arrow stream": lambda f, d: (
        _write_arrow_stream(pa.Table.from_pandas(f), d / "c.arrows"),
        {},
    ),
    "arrow table": lambda f, _: (pa.Table.from_pandas(f), {}),
    "record batch": lambda f, _: (pa.RecordBatch.from_pandas(f), {}),
    "record batch reader": lambda f, _: (
        pa.Table.from_pandas(f).to_reader(max_chunksize=3),
        {},
    ),
    "polars": lambda f, _: (pl.from_pandas(f), {}),
    "arrow c stream": lambda f, _: (_CStream(pa.Table.from_pandas(f)), {}),
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_every_frame_kind_gives_the_jsonl_rows_for_the_examples(
    kind: str, tmp_path: Path, example_cases: dict[str, stalkrisk.Case]
) -> None:
    expected = _jsonl_rows([c.model_dump(mode="json") for c in example_cases.values()])
    source, kwargs = SOURCES[kind](_example_frame(example_cases), tmp_path)
    rows = _rows(source, **kwargs)
    assert rows == expected
    assert [r["record"] for r in rows] == list(range(1, len(example_cases) + 1))
    assert all(r["error"] is None for r in rows)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The same cells as typed columns: whole numbers, booleans and dates where they fit."""
    out = {}
    for name, column in frame.items():
        cells = [c for c in column if isinstance(c, str) and c]
        values = [None if not isinstance(c, str) or not c else c for c in column]
        if cells and all(re.fullmatch(r"-?[1-9]\d{0,15}|0", c) for c in cells):
            out[name] = pd.array([None if v is None else int(v) for v in values], dtype="Int64")
        elif cells and all(c in ("true", "false") for c in cells):
            out[name] = pd.array([None if v is None else v == "true" for v in values], "boolean")
        elif cells and all(re.fullmatch(r"\d{4}-\d\d-\d\d", c) for c in cells):
            dates = [None if v is None else dt.date.fromisoformat(v) for v in values]
            out[name] = pd.Series(dates, dtype=object)
        else:
            out[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(out)


def test_typed_columns_give_the_jsonl_rows_for_the_examples(
    tmp_path: Path, example_cases: dict[str, stalkrisk.Case]
) -> None:
    expected = _jsonl_rows([c.model_dump(mode="json") for c in example_cases.values()])
    typed = _typed(_example_frame(example_cases))
    assert str(typed["perpetrator.age"].dtype) == "Int64"
    assert str(typed["synthetic"].dtype) == "boolean"
    assert _rows(typed) == expected
    typed.to_parquet(tmp_path / "typed.parquet")
    schema = pq.read_schema(tmp_path / "typed.parquet")
    assert schema.field("assessment_date").type == pa.date32()
    assert _rows(tmp_path / "typed.parquet") == expected
    assert _rows(pl.from_pandas(typed)) == expected


PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY
@given(st.lists(case_dicts(), min_size=1, max_size=4))
def test_generated_cases_round_trip_through_frames(records: list[dict[str, Any]]) -> None:
    expected = _jsonl_rows(records)
    flat = pd.DataFrame([flatten_case(r) for r in records])  # missing cells are NaN
    assert _rows(flat) == expected
    assert _rows(_parquet_bytes(flat.astype(object)), input_format="parquet") == expected
    typed = _typed(flat)
    assert _rows(typed) == expected
    assert _rows(pa.Table.from_pandas(typed)) == expected


# --- typed cells ----------------------------------------------------------------------------

BASE = {"case_id": "T-1", "assessment_date": "2024-05-01"}


def test_nan_none_na_and_nat_are_fields_not_given() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["T-1", "T-2", "T-3", "T-4"],
            "assessment_date": ["2024-05-01"] * 4,
            "perpetrator.age": [44.0, np.nan, 45.0, np.nan],  # an int column upcast by pandas
            "history.conviction_count": pd.array([3, None, 0, pd.NA], dtype="Int64"),
            "episode.start_date": pd.to_datetime(["2024-01-02", None, None, None]),
            "perpetrator.sex": ["male", None, pd.NA, math.nan],
        }
    )
    data = _data(frame)
    assert data[0] == {
        "case_id": "T-1",
        "assessment_date": "2024-05-01",
        "perpetrator": {"age": "44", "sex": "male"},
        "history": {"conviction_count": "3"},
        "episode": {"start_date": "2024-01-02T00:00:00"},
    }
    assert data[1] == {"case_id": "T-2", "assessment_date": "2024-05-01"}  # unknown, not absent
    assert data[2] == {
        "case_id": "T-3",
        "assessment_date": "2024-05-01",
        "perpetrator": {"age": "45"},
        "history": {"conviction_count": "0"},
    }
    rows = list(score_many(frame))
    assert all(r.error is None for r in rows)
    unknown = stalkrisk.score(stalkrisk.Case.model_validate(data[1]))
    assert [s.total for s in rows[1].scales] == [s.total for s in unknown.scales]


def test_typed_cells_give_the_csv_cells_errors() -> None:
    """A typed cell fails exactly as the CSV text it stands for."""
    typed = pd.DataFrame(
        {
            "case_id": ["T-1", "T-2", "T-3", "T-4"],
            "assessment_date": [
                pd.Timestamp("2024-05-01"),
                pd.Timestamp("2024-05-01 10:30"),  # a time: not a date
                pd.Timestamp("2024-05-01"),
                pd.Timestamp("2024-05-01"),
            ],
            "perpetrator.age": [44.5, 40.0, 200.0, 40.0],  # non-integral; out of range
            "episode.threats.to_kill": [None, None, None, True],  # a tri-state, not a boolean
        }
    )
    text = "\n".join(
        [
            "case_id,assessment_date,perpetrator.age,episode.threats.to_kill",
            "T-1,2024-05-01,44.5,",
            "T-2,2024-05-01T10:30:00,40,",
            "T-3,2024-05-01,200,",
            "T-4,2024-05-01,40,true",
        ]
    )
    from_csv = list(score_many(io.BytesIO(text.encode()), input_format="csv"))
    from_frame = list(score_many(typed))
    assert [_comparable(r) for r in from_frame] == [_comparable(r) for r in from_csv]
    fields = [r.error.field if r.error else None for r in from_frame]
    assert fields == [
        "perpetrator.age",
        "assessment_date",
        "perpetrator.age",
        "episode.threats.to_kill",
    ]
    assert all(r.error and r.error.kind is ErrorKind.VALIDATION for r in from_frame)


def test_integral_floats_and_mixed_object_cells_are_the_same_case() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["T-1"] * 6,
            "assessment_date": ["2024-05-01"] * 6,
            "perpetrator.age": pd.Series(
                [44, "44", 44.0, np.int64(44), np.float32(44.0), Decimal("44.0")], dtype=object
            ),
        }
    )
    ages = [d["perpetrator"]["age"] for d in _data(frame)]
    assert ages == ["44"] * 6
    rows = _rows(frame)
    assert all(r == {**rows[0], "record": r["record"]} for r in rows)


def test_dates_in_every_form_are_iso_text() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["T-1", "T-2", "T-3", "T-4"],
            "assessment_date": pd.Series(
                [
                    dt.date(2024, 5, 1),
                    dt.datetime(2024, 5, 1),  # a naive datetime, as files hold
                    np.datetime64("2024-05-01"),
                    "2024-05-01",
                ],
                dtype=object,
            ),
        }
    )
    assert [r.status for r in score_many(frame)] == [RowStatus.UNSCORABLE] * 4
    table = pa.table(
        {
            "case_id": ["A-1", "A-2"],
            "assessment_date": pa.array([dt.date(2024, 5, 1), None], pa.date32()),
        }
    )
    rows = list(score_many(table))
    assert rows[0].error is None
    assert rows[1].error is not None
    assert rows[1].error.field == "assessment_date"
    assert rows[1].error.problems[0].type == "missing"  # null: not given, so required


def test_unreadable_cells_are_error_rows_naming_the_column() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"],
            "assessment_date": ["2024-05-01"] * 6,
            "perpetrator.age": pd.Series(
                [math.inf, b"44", dt.timedelta(days=1), complex(1, 2), -math.inf, 40],
                dtype=object,
            ),
        }
    )
    rows = list(score_many(frame))
    assert [r.record for r in rows] == [1, 2, 3, 4, 5, 6]
    errors = [r.error for r in rows[:5]]
    assert all(e is not None and e.kind is ErrorKind.CSV for e in errors)
    assert all(e is not None and e.field == "perpetrator.age" for e in errors)
    messages = [e.message if e else None for e in errors]
    assert messages == [
        FRAME_CELL_INFINITE,
        FRAME_CELL_TYPE.format(type="bytes"),
        FRAME_CELL_TYPE.format(type="timedelta"),
        FRAME_CELL_TYPE.format(type="complex"),
        FRAME_CELL_INFINITE,
    ]
    assert [r.case_id for r in rows[:5]] == [None] * 5  # a read error has no data to trust
    assert rows[5].error is None


def test_arrow_types_that_are_not_case_values_are_error_rows() -> None:
    table = pa.table(
        {
            "case_id": ["A-1", "A-2", "A-3"],
            "assessment_date": ["2024-05-01"] * 3,
            "perpetrator.age": pa.array([b"4", None, b"x"], pa.binary()),
            "episode.start_date": pa.array([None, 60, None], pa.duration("s")),
        }
    )
    rows = list(score_many(table))
    assert [r.error.field if r.error else None for r in rows] == [
        "perpetrator.age",
        "episode.start_date",
        "perpetrator.age",
    ]
    assert rows[1].error is not None
    assert rows[1].error.message == FRAME_CELL_TYPE.format(type="timedelta")


def test_list_and_struct_columns_are_read_as_json_cells() -> None:
    convictions = [
        [{"offence": "stalking", "date": dt.date(2021, 3, 19), "age": 41}],
        [{"offence": "harassment", "date": None, "age": 30}],  # a null: a field not given
        None,
        [],
    ]
    table = pa.table(
        {
            "case_id": ["L-1", "L-2", "L-3", "L-4"],
            "assessment_date": ["2024-05-01"] * 4,
            "perpetrator.age": [44, 50, 50, 50],
            "history.convictions": pa.array(convictions),
        }
    )
    assert pa.types.is_list(table.schema.field("history.convictions").type)
    data = _data(table)
    assert data[0]["history"]["convictions"] == [
        {"offence": "stalking", "date": "2021-03-19", "age": 41}
    ]
    assert data[1]["history"]["convictions"] == [{"offence": "harassment", "age": 30}]
    assert "history" not in data[2]
    assert data[3]["history"]["convictions"] == []
    as_json = pd.DataFrame(
        {
            "case_id": ["L-1"],
            "assessment_date": ["2024-05-01"],
            "perpetrator.age": ["44"],
            "history.convictions": ['[{"offence": "stalking", "date": "2021-03-19", "age": 41}]'],
        }
    )
    assert _rows(table)[0] == _rows(as_json)[0]
    assert all(r.error is None for r in score_many(table))


def test_column_convention_problems_are_error_rows() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["C-1", "C-2", "C-3"],
            "assessment_date": ["2024-05-01"] * 3,
            "perpetrator": [None, '{"age": 40}', None],
            "perpetrator.sex": ["male", "male", None],
            "history.convictions": [None, None, "[not json"],
            "name": [None, None, None],  # an unknown column, empty: nothing given
        }
    )
    rows = list(score_many(frame))
    assert rows[0].error is None
    assert rows[1].error is not None
    assert rows[1].error.kind is ErrorKind.CSV
    assert "conflicts with column" in rows[1].error.message
    assert rows[2].error is not None
    assert (rows[2].error.kind, rows[2].error.field) == (ErrorKind.CSV, "history.convictions")
    frame.loc[0, "name"] = SECRET
    (first, *_) = score_many(frame)
    assert first.error is not None
    assert (first.error.field, first.error.problems[0].type) == ("(top level)", "extra_forbidden")
    assert SECRET not in json.dumps(first.to_dict())


def test_a_record_over_the_size_limit_is_an_error_row() -> None:
    frame = pd.DataFrame(
        {
            "case_id": ["C-1", "C-2"],
            "assessment_date": ["2024-05-01", "2024-05-01"],
            "perpetrator.sex": ["x" * (MAX_RECORD_BYTES + 1), "male"],
        }
    )
    rows = list(score_many(frame))
    assert rows[0].error is not None
    assert rows[0].error.kind is ErrorKind.TOO_LONG
    assert rows[0].error.message == FRAME_TOO_LONG.format(limit=MAX_RECORD_BYTES)
    assert rows[1].error is None


def test_bad_column_names_are_a_file_error() -> None:
    with pytest.raises(CaseFileError, match="a name used twice"):
        score_many(pd.DataFrame([[1, 2]], columns=["case_id", "case_id"]))
    with pytest.raises(CaseFileError, match="a column named by a int"):
        score_many(pd.DataFrame([[1, 2]]))
    with pytest.raises(CaseFileError, match="an empty part of a field path"):
        score_many(pa.table({"perpetrator..age": [1]}))


def test_empty_frames_have_no_rows() -> None:
    assert list(score_many(pd.DataFrame({"case_id": []}))) == []
    assert list(score_many(pd.DataFrame())) == []
    assert list(score_many(pa.table({"case_id": pa.array([], pa.string())}))) == []


def test_the_pandas_index_is_not_data(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"case_id": ["I-1", "I-2"], "assessment_date": ["2024-05-01"] * 2}, index=[7, 3]
    )
    assert [r.error for r in score_many(frame)] == [None, None]
    frame.to_parquet(tmp_path / "unnamed.parquet")  # stores the index as __index_level_0__
    assert "__index_level_0__" in pq.read_schema(tmp_path / "unnamed.parquet").names
    assert [r.error for r in score_many(tmp_path / "unnamed.parquet")] == [None, None]
    frame.rename_axis("row").to_parquet(tmp_path / "named.parquet")  # a named index is data
    rows = list(score_many(tmp_path / "named.parquet"))
    assert all(r.error is not None and r.error.problems[0].type == "extra_forbidden" for r in rows)


def test_other_objects_from_frame_libraries_are_refused() -> None:
    with pytest.raises(TypeError, match="not a Series"):
        score_many(pd.Series([1, 2]))
    with pytest.raises(TypeError, match=r"collect\(\) it first"):
        score_many(pl.LazyFrame({"case_id": ["A-1"]}))
    with pytest.raises(TypeError, match="map_partitions"):
        score_many(dd.from_pandas(pd.DataFrame({"case_id": ["A-1"]}), npartitions=1))
    with pytest.raises(TypeError, match="not a ChunkedArray"):
        score_many(pa.chunked_array([[1]]))


def test_polars_nulls_and_nans_are_fields_not_given() -> None:
    frame = pl.DataFrame(
        {
            "case_id": ["P-1", "P-2", "P-3"],
            "assessment_date": ["2024-05-01"] * 3,
            "perpetrator.age": pl.Series([44, None, 46], dtype=pl.Int64),
            "history.conviction_count": [1.0, float("nan"), None],
        }
    )
    data = _data(frame)
    assert data[0]["perpetrator"] == {"age": "44"}
    assert data[0]["history"] == {"conviction_count": "1"}
    assert data[1] == {"case_id": "P-2", "assessment_date": "2024-05-01"}
    assert data[2] == {
        "case_id": "P-3",
        "assessment_date": "2024-05-01",
        "perpetrator": {"age": "46"},
    }


def test_large_parquet_files_are_read_a_batch_at_a_time(tmp_path: Path) -> None:
    n = 5000
    table = pa.table(
        {
            "case_id": [f"R-{i}" for i in range(n)],
            "assessment_date": ["2024-05-01" if i % 1000 == 0 else None for i in range(n)],
        }
    )
    path = tmp_path / "large.parquet"
    pq.write_table(table, path, row_group_size=1000)
    run = score_many(path, chunk_size=100)
    first = next(run)
    assert first.record == 1
    assert first.error is None
    assert sum(1 for _ in run) == n - 1
    assert run.summary == BatchSummary(scored=0, unscorable=5, invalid=n - 5, total=n)


def test_broken_files_are_file_errors(tmp_path: Path) -> None:
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(CaseFileError, match=r"x\.parquet: not a readable Parquet file"):
        score_many(not_parquet)
    not_arrow = tmp_path / "x.arrow"
    not_arrow.write_bytes(b"nothing here")
    with pytest.raises(CaseFileError, match=r"x\.arrow: not a readable Arrow IPC"):
        score_many(not_arrow)
    with pytest.raises(CaseFileError, match="no such file"):
        score_many(tmp_path / "missing.parquet")


def test_a_missing_extra_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cases.parquet"
    pq.write_table(pa.table({"case_id": ["A-1"]}), path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(CaseFileError, match=re.escape(EXTRA)):
        score_many(path)
    with pytest.raises(ImportError, match=re.escape(EXTRA)):
        write_parquet([], tmp_path / "out.parquet")
    assert main(["batch", str(path), "-o", str(tmp_path / "o.jsonl")]) == 1
    assert main(["batch", str(path), "-o", str(tmp_path / "o.parquet")]) == 2
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape(EXTRA)):
        to_frame([])
    with pytest.raises(ImportError, match=re.escape(EXTRA)):
        score_frame(None)


def test_import_stalkrisk_batch_stays_light() -> None:
    code = (
        "import sys, stalkrisk.batch; "
        "print(sorted(m for m in ('pandas', 'pyarrow', 'polars', 'dask') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


# --- outputs --------------------------------------------------------------------------------


def _mixed_rows(example_cases: dict[str, stalkrisk.Case]) -> list[BatchRow]:
    records: list[Any] = [*example_cases.values(), {"case_id": "I-1"}, "not a case"]
    return list(score_many(records, instrument=SCREEN_1))


def test_to_frame_has_the_csv_columns_typed(example_cases: dict[str, stalkrisk.Case]) -> None:
    rows = _mixed_rows(example_cases)
    frame = to_frame(rows)
    out = io.StringIO()
    write_csv(rows, out)
    out.seek(0)
    table = list(csv.DictReader(out))
    assert list(frame.columns) == list(table[0])
    assert str(frame["record"].dtype) == "Int64"
    assert str(frame["serious_harm.total"].dtype) == "Float64"
    assert all(str(frame[c].dtype) == "string" for c in ("case_id", "status", "error"))
    for i, cells in enumerate(table):
        for column, cell in cells.items():
            value = frame.loc[i, column]
            if cell == "":
                assert value is pd.NA, (i, column)
            elif column.endswith(".total"):
                assert value == float(cell)
            else:
                assert str(value) == cell, (i, column)
    assert frame_summary(frame) == BatchSummary(scored=9, unscorable=1, invalid=2, total=12)
    assert frame_summary(frame[frame["status"] == "invalid"]).total == 2


def test_to_frame_of_an_empty_run_keeps_the_scale_columns() -> None:
    with score_many([]) as run:
        frame = to_frame(run)
    assert len(frame) == 0
    assert "serious_harm.band" in frame.columns
    assert list(to_frame([]).columns)[:3] == ["record", "case_id", "status"]
    with pytest.raises(ValueError, match="frame_summary counts"):
        frame_summary(pd.DataFrame({"status": ["done"]}))


def test_write_parquet_reads_back_as_to_frame(
    tmp_path: Path, example_cases: dict[str, stalkrisk.Case]
) -> None:
    rows = _mixed_rows(example_cases)
    path = tmp_path / "out.parquet"
    summary = write_parquet(rows, path, row_group_size=5)
    assert summary == BatchSummary(scored=9, unscorable=1, invalid=2, total=12)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    schema = pq.read_schema(path)
    assert schema.field("record").type == pa.int64()
    assert schema.field("serious_harm.total").type == pa.float64()
    back = pd.read_parquet(path, dtype_backend="numpy_nullable")
    pd.testing.assert_frame_equal(back, to_frame(rows))
    stream = io.BytesIO()
    assert write_parquet(iter(rows), stream) == summary
    stream.seek(0)
    pd.testing.assert_frame_equal(
        pd.read_parquet(stream, dtype_backend="numpy_nullable"), to_frame(rows)
    )


def test_write_parquet_of_no_rows_and_bad_arguments(tmp_path: Path) -> None:
    with score_many([], instrument=SCREEN_1) as run:
        assert write_parquet(run, tmp_path / "empty.parquet") == BatchSummary()
    table = pq.read_table(tmp_path / "empty.parquet")
    assert table.num_rows == 0
    assert "continued_stalking.total" in table.column_names
    with pytest.raises(ValueError, match="row_group_size"):
        write_parquet([], tmp_path / "x.parquet", row_group_size=0)


# --- the frame-level function: Dask and Spark ----------------------------------------------


def test_score_frame_keeps_the_index_and_numbers_records_in_the_frame(
    example_cases: dict[str, stalkrisk.Case],
) -> None:
    frame = _example_frame(example_cases)
    frame.index = pd.Index([f"k{i}" for i in range(len(frame))], name="key")
    out = score_frame(frame, "stalkrisk-screen", top=1)
    assert out.index.equals(frame.index)
    assert out["record"].tolist() == list(range(1, len(frame) + 1))
    expected = to_frame(score_many(frame, top=1))
    expected.index = frame.index
    pd.testing.assert_frame_equal(out, expected)
    assert out.dtypes.equals(score_frame_meta().dtypes)


def test_score_frame_keep_columns() -> None:
    frame = pd.DataFrame(
        {"row_id": [10, 11], "case_id": ["K-1", "bad id!"], "assessment_date": ["2024-05-01"] * 2}
    )
    out = score_frame(frame, keep=["row_id"])
    assert list(out.columns[:3]) == ["row_id", "record", "case_id"]
    assert out["row_id"].tolist() == [10, 11]  # the key survives an invalid case id
    assert out["case_id"].tolist() == ["K-1", pd.NA]
    meta = score_frame_meta(like=frame, keep=["row_id"])
    assert meta.dtypes.equals(out.dtypes)
    with pytest.raises(ValueError, match="does not have"):
        score_frame(frame, keep=["nope"])
    with pytest.raises(ValueError, match="results also have"):
        score_frame(frame, keep=["case_id"])
    with pytest.raises(ValueError, match="like="):
        score_frame_meta(keep=["row_id"])
    with pytest.raises(TypeError, match="pandas DataFrame"):
        score_frame([{"case_id": "A-1"}])


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
def test_dask_map_partitions_equals_score_many(
    scheduler: str, example_cases: dict[str, stalkrisk.Case]
) -> None:
    cases: list[Any] = [*example_cases.values(), {"case_id": "I-1"}]
    frame = pd.DataFrame([flatten_case(c) for c in cases])
    frame.index = pd.RangeIndex(100, 100 + len(frame), name="row")
    ddf = dd.from_pandas(frame, npartitions=3)
    meta = score_frame_meta(SCREEN_1, like=ddf._meta)
    scored = ddf.map_partitions(score_frame, SCREEN_1, meta=meta)
    with dask.config.set(scheduler=scheduler):
        out = scored.compute()
    whole = to_frame(score_many(frame, instrument=SCREEN_1))
    whole.index = frame.index
    assert out.index.equals(frame.index)
    # record is the position in the partition, in the row and in its error
    sizes = [len(p) for p in ddf.partitions]
    positions = [i + 1 for size in sizes for i in range(size)]
    assert out["record"].tolist() == positions
    errors = [json.loads(e) for e in out["error"].dropna()]
    assert [e["record"] for e in errors] == [positions[-1]]
    assert [{**e, "record": 11} for e in errors] == [json.loads(e) for e in whole["error"].dropna()]
    same = [c for c in out.columns if c not in ("record", "error")]
    pd.testing.assert_frame_equal(out[same], whole[same])
    assert frame_summary(out) == BatchSummary(scored=9, unscorable=1, invalid=1, total=11)


def test_score_frames_is_a_lazy_iterator_adaptor() -> None:
    taken: list[int] = []

    def batches() -> Iterator[pd.DataFrame]:
        for i in range(3):
            taken.append(i)
            yield pd.DataFrame(
                {"key": [2 * i, 2 * i + 1], "case_id": ["S-1", "S-2"], "assessment_date": None}
            )

    results = score_frames(batches(), keep=["key"])
    assert taken == []
    first = next(results)
    assert taken == [0]
    rest = list(results)
    assert [f["key"].tolist() for f in [first, *rest]] == [[0, 1], [2, 3], [4, 5]]
    assert all(f["record"].tolist() == [1, 2] for f in [first, *rest])


# --- the command line -----------------------------------------------------------------------


def test_cli_reads_parquet_and_arrow_and_writes_parquet(
    tmp_path: Path,
    example_cases: dict[str, stalkrisk.Case],
    capsys: pytest.CaptureFixture[str],
) -> None:
    frame = _example_frame(example_cases)
    frame.to_parquet(tmp_path / "in.parquet")
    feather.write_feather(frame, tmp_path / "in.feather")
    out = tmp_path / "out.parquet"
    pinned = ["--instrument", SCREEN_1]
    assert main(["batch", str(tmp_path / "in.parquet"), "-o", str(out), *pinned]) == 0
    assert "10 records: 9 scored, 1 unscorable, 0 invalid" in capsys.readouterr().err
    pd.testing.assert_frame_equal(
        pd.read_parquet(out, dtype_backend="numpy_nullable"),
        to_frame(score_many(frame, instrument=SCREEN_1)),
    )
    csv_out = tmp_path / "out.csv"
    assert main(["batch", str(tmp_path / "in.feather"), "-o", str(csv_out)]) == 0
    assert len(csv_out.read_text(encoding="utf-8").splitlines()) == 11
    as_parquet = tmp_path / "rows.bin"
    assert main(["batch", str(tmp_path / "in.feather"), "-o", str(as_parquet), "--quiet"]) == 2
    assert main(["batch", str(tmp_path / "in.feather"), "--format", "parquet", "-o", "-"]) == 2
    argv = ["batch", str(tmp_path / "in.feather"), "--format", "parquet", "-o", str(as_parquet)]
    assert main(argv) == 0
    assert pq.read_table(as_parquet).num_rows == 10
    (tmp_path / "bad.pq").write_bytes(b"garbage")
    assert main(["batch", str(tmp_path / "bad.pq"), "-o", str(tmp_path / "o.jsonl")]) == 1
    err = capsys.readouterr().err
    assert "not a readable Parquet file" in err
    assert "Traceback" not in err


# --- the docs and the Dask example ------------------------------------------------------------


def _frames_section() -> str:
    doc = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    start = doc.index("## Frames: Parquet, Arrow, pandas, polars")
    end = doc.index("\n## ", start + 1)
    return doc[start:end]


def test_the_frames_docs_examples_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", _frames_section(), flags=re.DOTALL)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/batch.md[frames {i}]", "exec"), namespace)
    printed = capsys.readouterr().out
    assert printed.count("3 records: 1 scored, 1 unscorable, 1 invalid") == 2
    assert "[1, 2, 1]" in printed  # record restarts in each Dask partition
    assert re.search(r"101\s+1\s+EX-03\s+scored", printed)
    assert re.search(r"103\s+3\s+F-3\s+invalid", printed)
    written = pd.read_parquet(tmp_path / "results.parquet", dtype_backend="numpy_nullable")
    assert written["status"].tolist() == ["scored", "unscorable", "invalid"]


def test_the_dask_example_runs_on_a_local_cluster_without_warnings(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            str(ROOT / "examples" / "dask_batch.py"),
            str(tmp_path),
            "--cases",
            "300",
            "--partitions",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr
    assert re.search(r"300 records: \d+ scored, \d+ unscorable, 1 invalid", result.stdout)
    assert "not validated on outcomes" in result.stdout
    back = pd.read_parquet(tmp_path / "results", dtype_backend="numpy_nullable")
    assert len(back) == 300
    assert sorted(back["row"].tolist()) == list(range(300))
    invalid = back[back["status"] == "invalid"]
    assert invalid["row"].tolist() == [299]
    assert json.loads(invalid["error"].iloc[0])["problems"][0]["field"] == "assessment_date"


# --- fuzzing the frame reader ---------------------------------------------------------------

COLUMNS = [
    "case_id",
    "assessment_date",
    "perpetrator.age",
    "perpetrator.sex",
    "perpetrator",
    "history.convictions",
    "history.conviction_count",
    "episode.threats.to_kill",
    "unknown_column",
]
cells = st.one_of(
    st.none(),
    st.just(math.nan),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.just(SECRET),
    st.just("2024-05-01"),
    st.dates(),
    st.binary(max_size=5),
    st.lists(st.integers() | st.text(max_size=5) | st.none(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers() | st.none() | st.just(SECRET), max_size=3),
    st.just(10**40),
    st.just([[[[[[1]]]]]]),
)


def _check(rows: list[BatchRow], expected: int) -> None:
    assert [r.record for r in rows] == list(range(1, expected + 1))
    for row in rows:
        if row.error is None:
            assert row.status in (RowStatus.SCORED, RowStatus.UNSCORABLE)
            assert row.scales
        else:
            assert row.error.kind in ErrorKind
            assert row.error.record == row.record
            assert len(row.error.problems) >= 1
            assert len(row.error.problems) <= MAX_PROBLEMS
            assert not row.scales
        assert SECRET not in json.dumps(row.to_dict()["error"])
    to_frame(rows)
    write_parquet(rows, io.BytesIO())


@PROPERTY
@given(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6, unique=True),
    st.data(),
)
def test_fuzzed_frames_never_lose_a_record(columns: list[str], data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 6))
    frame = pd.DataFrame(
        {c: pd.Series([data.draw(cells) for _ in range(n)], dtype=object) for c in columns},
        index=range(n),
    )
    _check(list(score_many(frame)), n)


arrow_columns = st.sampled_from(
    [
        (pa.int64(), st.integers(-(2**63), 2**63 - 1) | st.none()),
        (pa.float64(), st.floats() | st.none()),
        (pa.bool_(), st.booleans() | st.none()),
        (pa.string(), st.text(max_size=20) | st.just(SECRET) | st.none()),
        (pa.date32(), st.dates() | st.none()),
        (pa.list_(pa.int64()), st.lists(st.integers(-5, 5) | st.none(), max_size=3) | st.none()),
        (pa.binary(), st.binary(max_size=5) | st.none()),
    ]
)


@PROPERTY
@given(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=5, unique=True),
    st.data(),
)
def test_fuzzed_arrow_tables_never_lose_a_record(columns: list[str], data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 6))
    arrays = {}
    for column in columns:
        arrow_type, values = data.draw(arrow_columns)
        arrays[column] = pa.array([data.draw(values) for _ in range(n)], arrow_type)
    table = pa.table(arrays)
    _check(list(score_many(table)), n)
    _check(list(score_many(pl.from_arrow(table))), n)


def test_the_dask_example_runs_in_process_and_shuts_its_cluster_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under pytest's warnings-as-errors, and leaving no cluster thread behind."""
    spec = importlib.util.spec_from_file_location("dask_batch", ROOT / "examples" / "dask_batch.py")
    assert spec is not None
    assert spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    before = {t.ident for t in threading.enumerate()}
    assert example.main([str(tmp_path), "--cases", "120", "--partitions", "2"]) == 0
    assert "120 records:" in capsys.readouterr().out
    for _ in range(50):  # worker threads end shortly after the cluster closes
        left = [
            t
            for t in threading.enumerate()
            if t.ident not in before
            and t.is_alive()
            # distributed's one process-wide offload thread (distributed.utils), not the cluster's
            and not t.name.startswith("Dask-Offload")
        ]
        if not left:
            break
        time.sleep(0.1)
    assert not left, [t.name for t in left]


paths = st.sampled_from(
    ["case_id", "perpetrator.age", "perpetrator.sex", "history.convictions", "a.b.c", "a.d"]
)
texts = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", "  ", "[1, 2]", ' {"x": 1}', "[not json", "{", "NaN", "[NaN]"]),
)


@PROPERTY
@given(st.lists(st.tuples(paths, texts), max_size=6, unique_by=lambda c: c[0]))
def test_the_fast_nesting_equals_the_csv_code(cells: list[tuple[str, str]]) -> None:
    """Without prefix columns, _Layout nests cells itself; it must match unflatten_row."""
    layout = _Layout([c for c, _ in cells])
    assert layout.fast
    indexed = list(enumerate(t for _, t in cells))
    try:
        expected: Any = unflatten_row(dict(cells))
    except ValueError as exc:
        expected = (type(exc), str(exc), getattr(exc, "column", None))
    try:
        actual: Any = layout.nest(indexed)
    except ValueError as exc:
        actual = (type(exc), str(exc), getattr(exc, "column", None))
    assert actual == expected
    assert json.dumps(actual, default=str) == json.dumps(expected, default=str)  # key order


def test_prefix_columns_use_the_csv_code() -> None:
    layout = _Layout(["perpetrator", "perpetrator.age"])
    assert not layout.fast
    with pytest.raises(ValueError, match="conflicts with column perpetrator"):
        layout.nest([(0, '{"sex": "male"}'), (1, "40")])
    assert layout.nest([(1, "40")]) == {"perpetrator": {"age": "40"}}
