"""The batch's fast paths write the bytes the plain ones do (issue 15, items 6 and 7).

``write_jsonl`` given the run of ``score_many`` writes the rows of scored cases straight from
the scorer's arrays, with orjson where it is installed (the ``[fast]`` extra); each line must be
``json.dumps(row.to_dict(), ensure_ascii=False, allow_nan=False)`` of the row iteration gives,
byte for byte, with orjson and without. The comparisons that need orjson skip on a developer's
machine without it and fail in CI (``CI`` set), where the ``dev`` extra installs it.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk import Case, synthetic
from stalkrisk.batch import (
    MAX_RECORD_BYTES,
    ErrorKind,
    _run,
    flatten_case,
    score_many,
    write_jsonl,
)
from stalkrisk.batch import _json as json_text
from stalkrisk.testing import cases

BATCHES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: The bundled instruments that score cases: points scales (pro-rated totals), red flags, and a
#: logistic scale with horizons (psa asks its own questions).
INSTRUMENTS = ("stalkrisk-screen", "stalkrisk-screen@1.0.0", "ogrs3")
#: Lines that are not valid cases, one of each error kind a JSONL file can give.
EXAMPLES = [stalkrisk.load_example(i) for i in stalkrisk.example_ids()]
BAD_LINES: dict[ErrorKind, bytes] = {
    ErrorKind.ENCODING: b'{"case_id": "B-\xff"}',
    ErrorKind.JSON: b'{"case_id": "B-1", ',
    ErrorKind.NOT_OBJECT: b'["a", "list", "\xc3\xa9"]',
    ErrorKind.VALIDATION: '{"case_id": "B:é", "assessment_date": "2024-13-01"}'.encode(),
}


def need_orjson() -> None:
    """Skip without orjson on a developer's machine; fail in CI, where it must be installed."""
    if json_text.ORJSON is None:
        if os.environ.get("CI"):
            pytest.fail("orjson is not installed (or not used): CI installs it with [dev]")
        pytest.skip("orjson is not installed: pip install 'stalkrisk[fast]'")


def reference(source: Any, **options: Any) -> bytes:
    """The rows iteration gives, each written as the JSONL format defines it."""
    with score_many(source, **options) as run:
        lines = [json.dumps(r.to_dict(), ensure_ascii=False, allow_nan=False) for r in run]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def written(source: Any, *, orjson: bool, **options: Any) -> bytes:
    """What write_jsonl writes for the run of score_many (orjson used, or not)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        if not orjson:
            patch.setattr(json_text, "ORJSON", None)
        with score_many(source, **options) as run:
            summary = write_jsonl(run, out)
            assert summary == run.summary
    text = out.getvalue()
    assert summary.total == text.count("\n")
    return text.encode("utf-8")


def check_same_bytes(source: Any, **options: Any) -> bytes:
    """Assert that both writers give the reference's bytes; return them."""
    expected = reference(source(), **options)
    assert written(source(), orjson=False, **options) == expected
    if json_text.ORJSON is not None:
        assert written(source(), orjson=True, **options) == expected
    elif os.environ.get("CI"):
        pytest.fail("orjson is not installed (or not used): CI installs it with [dev]")
    return expected


def jsonl(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


# --- the JSONL writer: rows from the arrays, orjson or not -----------------------------------


@BATCHES
@given(
    batch=st.lists(cases() | st.sampled_from(EXAMPLES), min_size=1, max_size=8),
    bad=st.lists(st.sampled_from(sorted(BAD_LINES)), max_size=4),
    instrument=st.sampled_from(INSTRUMENTS),
    chunk_size=st.integers(1, 5),
    top=st.integers(0, 4),
    data=st.data(),
)
def test_the_fast_jsonl_rows_are_the_bytes_of_the_rows(
    batch: list[Case],
    bad: list[ErrorKind],
    instrument: str,
    chunk_size: int,
    top: int,
    data: st.DataObject,
) -> None:
    lines = [case.model_dump_json().encode() for case in batch]
    for kind in bad:  # error rows between the scored ones, in any chunk
        lines.insert(data.draw(st.integers(0, len(lines)), label="at"), BAD_LINES[kind])
    text = jsonl(lines)
    options = {"instrument": instrument, "chunk_size": chunk_size, "top": top}
    expected = check_same_bytes(lambda: io.BytesIO(text), **options)
    assert expected.count(b"\n") == len(lines)
    # an iterable of cases (no line numbers) and of dicts
    check_same_bytes(lambda: list(batch), **options)
    check_same_bytes(lambda: [c.model_dump(mode="json") for c in batch], **options)


@BATCHES
@given(batch=st.lists(cases(completeness="partial"), min_size=1, max_size=6))
def test_orjson_writes_the_rows_bytes_for_bytes(batch: list[Case]) -> None:
    need_orjson()
    text = jsonl([case.model_dump_json().encode() for case in batch])
    expected = reference(io.BytesIO(text))
    assert written(io.BytesIO(text), orjson=True) == expected


def test_a_cohort_and_the_examples_give_the_same_bytes_either_way() -> None:
    """Pro-rated totals, fractional points and a logistic scale's percentages are exercised."""
    batch = [*synthetic.cohort(400, seed=3).cases, *EXAMPLES]
    text = jsonl([case.model_dump_json().encode() for case in batch])
    for instrument in INSTRUMENTS:
        expected = check_same_bytes(lambda: io.BytesIO(text), instrument=instrument)
        scales = [s for line in expected.splitlines() for s in json.loads(line)["scales"].values()]
        assert any(s["status"] == "scored" for s in scales), instrument
        if instrument == "stalkrisk-screen@1.0.0":  # pro-rated totals
            assert any(not float(s["total"] or 0).is_integer() for s in scales)
        if instrument == "ogrs3":  # fractional points, percentages
            assert any(not float(p).is_integer() for s in scales for _, p in s["top"])
            assert any("horizons" in s for s in scales)


def test_every_error_kind_is_written_alike(tmp_path: Any) -> None:
    """Each kind of error row (too long and CSV included) goes through the plain writer."""
    case = stalkrisk.load_example("EX-01")
    good = case.model_dump_json().encode()
    long_line = b'{"case_id": "' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}'
    lines = [good, *BAD_LINES.values(), long_line, good, b'{"case_id": "C-1"', b""]
    text = b"".join(line + b"\n" for line in lines[:-1])  # the last line has no newline
    expected = check_same_bytes(lambda: io.BytesIO(text))
    kinds = {json.loads(line)["error"]["kind"] for line in expected.splitlines()[1:-2]}
    assert kinds == {k.value for k in (*BAD_LINES, ErrorKind.TOO_LONG)}

    path = tmp_path / "cases.csv"
    cells = flatten_case(case)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(cells)
        writer.writerow(cells.values())
        writer.writerow(["x"] * (len(cells) + 1))  # too many cells: a CSV error
        writer.writerow(["{not json", *list(cells.values())[1:]])
    expected = check_same_bytes(lambda: path)
    assert [json.loads(line)["status"] for line in expected.splitlines()] == [
        "scored",
        "invalid",
        "invalid",
    ]


def test_a_run_read_in_part_then_written_goes_on_where_it_was() -> None:
    batch = [stalkrisk.load_example(f"EX-0{i}") for i in range(1, 6)]
    done: list[int] = []
    with score_many(batch, chunk_size=2, progress=done.append) as run:
        first = next(run)
        out = io.StringIO()
        summary = write_jsonl(run, out)
        assert run.summary.total == 5
    assert summary.total == 4
    assert done == [2, 4, 5]
    expected = reference(batch, chunk_size=2).decode().splitlines(keepends=True)
    assert json.dumps(first.to_dict(), ensure_ascii=False) + "\n" == expected[0]
    assert out.getvalue() == "".join(expected[1:])


def test_progress_and_summary_are_those_of_iteration() -> None:
    batch = [*(stalkrisk.load_example(f"EX-0{i}") for i in range(1, 6)), {"case_id": "B"}]
    seen: list[list[int]] = []
    for fast in (True, False):
        done: list[int] = []
        with score_many(batch, chunk_size=4, progress=done.append) as run:
            if fast:
                write_jsonl(run, io.StringIO())
            else:
                list(run)
            assert run.summary.invalid == 1
            assert run.summary.total == 6
        seen.append(done)
    assert seen[0] == seen[1] == [4, 6]


def test_the_collector_is_left_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    batch = [stalkrisk.load_example("EX-01")] * 3
    write_jsonl(score_many(batch, pause_gc=True, chunk_size=2), io.StringIO())
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen  # the batch never freezes objects itself
    gc.disable()
    try:
        write_jsonl(score_many(batch, pause_gc=True, chunk_size=2), io.StringIO())
        assert not gc.isenabled()  # a collector the host turned off stays off
    finally:
        gc.enable()


# --- numbers the writers could format differently --------------------------------------------


def _scores(instrument: str = "stalkrisk-screen") -> Any:
    batch = [stalkrisk.load_example(f"EX-0{i}") for i in range(1, 6)]
    return batch, stalkrisk.WeightedScorer(instrument).score_batch(batch)


@pytest.mark.parametrize(
    "value",
    [1e-5, 9.99e-5, -3e-7, 1e16, 2.5e17, -1e20, 5e-324, 1e300],
)
def test_numbers_orjson_writes_otherwise_go_to_the_standard_library(value: float) -> None:
    _, scores = _scores()
    rows = _run._InstrumentRows(stalkrisk.WeightedScorer())
    odd = tuple(
        dataclasses.replace(s, total=np.where(s.scored, value, s.total), points=s.points * value)
        for s in scores.scales
    )
    scores.scales = odd
    parts = rows.json_scales(scores, 3)
    assert any(repr(value) in text for _, text in parts)
    for i, (_, text) in enumerate(parts):
        expected: dict[str, Any] = {}
        for s in odd:
            scored = bool(s.scored[i])
            expected[s.scale.id] = {
                "status": "scored" if scored else "not_scored",
                "total": float(s.total[i]) if scored else None,
                "band": None if s.rank[i] < 0 else s.bands[s.rank[i]].id,
                "band_floor": None if s.floor_rank[i] < 0 else s.bands[s.floor_rank[i]].id,
                "top": [[s.scale.items[k], float(s.points[i, k])] for k in _top(s, i, 3)],
            }
        assert text == json.dumps(expected, ensure_ascii=False, allow_nan=False)


def _top(s: Any, i: int, n: int) -> list[int]:
    return [int(k) for k in s.ranking[i, : min(n, int(s.ranked[i]))]]


def test_a_total_that_is_not_a_number_still_raises() -> None:
    _, scores = _scores()
    rows = _run._InstrumentRows(stalkrisk.WeightedScorer())
    scores.scales = tuple(dataclasses.replace(s, total=s.total * math.nan) for s in scores.scales)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        rows.json_scales(scores, 3)


EDGES = [0.0, -0.0, 1e-4, -1e-4, np.nextafter(1e16, 0), 1 / 3, 12.352941176470589, 2.0**53]


@settings(max_examples=2000, deadline=None, database=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(EDGES)
    | st.floats(1e-4, 1e16)
    | st.floats(-1e3, 1e3)
    | st.integers(-(10**6), 10**6).map(lambda n: n / 8)
)
def test_orjson_writes_each_float_it_is_given_as_json_does(value: float) -> None:
    need_orjson()
    assert json_text.safe_float(value) == bool(json_text.safe_floats(np.array([value]))[0])
    if json_text.safe_float(value):
        data = {"total": value, "top": [["item", value], ["other", -value]]}
        assert json_text.dumps_plain(data) == json.dumps(data, ensure_ascii=False)


def test_the_edges_of_the_range() -> None:
    assert json_text.safe_float(1e-4)
    assert not json_text.safe_float(np.nextafter(1e-4, 0))
    assert json_text.safe_float(np.nextafter(1e16, 0))
    assert not json_text.safe_float(1e16)
    assert not json_text.safe_float(math.nan)
    assert not json_text.safe_float(math.inf)
    safe = json_text.safe_floats(np.array([math.nan, math.inf, -math.inf, 0.0, 5.0]))
    assert safe.tolist() == [False, False, False, True, True]


# --- text -------------------------------------------------------------------------------------

plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=",:"), max_size=40
)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.dictionaries(
        plain_text,
        plain_text | st.lists(st.tuples(plain_text, st.floats(1e-4, 1e6)).map(list), max_size=3),
        max_size=5,
    )
)
def test_orjson_writes_any_text_without_separators_as_json_does(data: dict[str, Any]) -> None:
    """Non-ASCII text, control characters, quotes and backslashes: the same escapes."""
    need_orjson()
    assert json_text.dumps_plain(data) == json.dumps(data, ensure_ascii=False, allow_nan=False)


def test_text_orjson_cannot_write_falls_back() -> None:
    lone = {"id": "a\ud800b"}  # not valid UTF-8: orjson refuses it
    assert json_text.dumps_plain(lone) == json.dumps(lone, ensure_ascii=False)
    assert json_text.plain_texts(["a", "b.c", "é"])
    assert not json_text.plain_texts(["a", "b:c"])
    assert not json_text.plain_texts(["a,b"])


def test_non_ascii_and_separators_in_a_case_id_are_written_alike() -> None:
    batch = [
        Case(case_id="A:1", assessment_date="2024-05-01"),
        Case(case_id="B.2_x-y", assessment_date="2024-05-01"),
    ]
    check_same_bytes(lambda: list(batch))
    lines = ['{"case_id": "é:1", "assessment_date": "2024-05-01"}', '{"case_id": "ü"}']
    check_same_bytes(lambda: io.BytesIO("\n".join(lines).encode()))


def test_orjson_is_used_only_when_it_writes_as_json_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import-time check turns orjson off if any probe is written differently."""
    need_orjson()
    assert json_text._load_orjson() is not None

    class Spacey:
        @staticmethod
        def dumps(data: Any) -> bytes:
            return json.dumps(data, ensure_ascii=True).encode()  # \u escapes: not the same

    monkeypatch.setitem(sys.modules, "orjson", Spacey)
    assert json_text._load_orjson() is None


def test_row_statuses_are_counted() -> None:
    batch = [stalkrisk.load_example("EX-03"), {"case_id": "B-1"}]
    with score_many(batch) as run:
        summary = write_jsonl(run, io.StringIO())
    assert summary.scored + summary.unscorable == 1
    assert summary.invalid == 1
    assert summary.total == 2


# --- frames: cells read a column at a time ---------------------------------------------------

FIELDS = [
    "case_id",
    "assessment_date",
    "perpetrator.age",
    "perpetrator.sex",
    "history.convictions",
    "episode.threats.to_kill",
    "episode.threats.violence",
    "a.b.c",
    "a.d",
    "unknown_column",
]
HALF = "x" * (MAX_RECORD_BYTES // 2 + 1)  # two of them make a record too long
frame_cells = st.one_of(
    st.none(),
    st.just(math.nan),
    st.text(max_size=8),
    st.sampled_from(["", "  ", "[1, 2]", ' {"x": 1}', "[not json", "{", "[NaN]", "44", HALF]),
    st.sampled_from([math.inf, b"bytes", 1j]),  # cells that cannot be read
    st.integers(-5, 200),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=8,
    ),
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    columns=st.lists(st.sampled_from(FIELDS), min_size=1, max_size=7, unique=True),
    data=st.data(),
)
def test_a_frame_read_a_column_at_a_time_gives_the_records_of_the_rows(
    columns: list[str], data: st.DataObject
) -> None:
    """_Layout's column-wise reading (list cells not re-parsed) equals reading row by row."""
    from stalkrisk.batch._frame_readers import _Layout, _text

    layout = _Layout(columns)
    assert layout.fast
    rows = data.draw(st.integers(0, 5), label="rows")
    values = [data.draw(st.lists(frame_cells, min_size=rows, max_size=rows)) for _ in columns]
    by_column = list(layout.records(values, rows))
    by_row = [layout.record([_text(column[i]) for column in values]) for i in range(rows)]
    assert len(by_column) == rows
    for got, expected in zip(by_column, by_row, strict=True):
        assert (got.kind, got.problems, got.cells, got.line) == (
            expected.kind,
            expected.problems,
            expected.cells,
            expected.line,
        )
        assert got.data == expected.data
        assert json.dumps(got.data, default=repr) == json.dumps(expected.data, default=repr)


def test_which_error_a_frame_row_gets_first() -> None:
    """A cell that cannot be read, then a record too long, then a JSON cell that is not valid."""
    from stalkrisk.batch._frame_readers import _Layout, _text

    layout = _Layout(["a.b", "a.c", "case_id", "history.convictions"])
    values = [
        [HALF, HALF, HALF, "x", HALF],
        [HALF, HALF, HALF, "y", "z"],
        ["{bad", math.inf, "[bad", math.inf, None],
        [math.inf, "[bad", None, "[bad", [{"offence": "stalking"}]],
    ]
    by_column = list(layout.records(values, 5))
    by_row = [layout.record([_text(column[i]) for column in values]) for i in range(5)]
    kinds = [(r.kind, r.problems[0].field) if r.kind else r.data for r in by_column]
    assert kinds == [
        (ErrorKind.CSV, "history.convictions"),  # the cell that cannot be read comes first
        (ErrorKind.CSV, "case_id"),
        (ErrorKind.TOO_LONG, "(top level)"),  # then the size, before the JSON cells
        (ErrorKind.CSV, "case_id"),  # then the first JSON cell in error ("[bad")
        {"a": {"b": HALF, "c": "z"}, "history": {"convictions": [{"offence": "stalking"}]}},
    ]
    assert [(r.kind, r.problems, r.data) for r in by_column] == [
        (r.kind, r.problems, r.data) for r in by_row
    ]
