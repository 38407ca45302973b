"""Fuzzing the batch reader: only documented errors come out, and every record is accounted for.

Each property feeds score_many hostile input (random and mutated JSON lines, wrong types, huge
numbers, NaN and Infinity, deep nesting, very long strings and lists, random bytes) and checks
that it never raises, that there is exactly one row per record in order, that every error is
one of the documented kinds, and that no error repeats a submitted value.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stalkrisk.batch import (
    MAX_PROBLEMS,
    MAX_RECORD_BYTES,
    TOO_DEEP,
    TOO_LONG,
    BatchRow,
    ErrorKind,
    RowStatus,
    score_many,
    write_csv,
    write_jsonl,
)
from stalkrisk.schemas import MAX_LIST, Case
from stalkrisk.testing import case_dicts

SECRET = "Zq7-SECRET-VALUE"  # planted in values; must never appear in an error
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and Infinity become the NaN / Infinity tokens
    | st.text(max_size=30)
    | st.just(SECRET)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)

hostile_values = st.one_of(
    json_values,
    st.just(10**40),
    st.just(-(10**40)),
    st.just(1e308),
    st.just(math.nan),
    st.just(math.inf),
    st.just(-math.inf),
    st.just(SECRET * 2000),  # a long string
    st.builds(lambda v: [v] * (MAX_LIST + 1), json_scalars),  # a list above MAX_LIST
    st.integers(50, 400).map(lambda d: json.loads("[" * d + "]" * d)),  # deep nesting
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_cases(draw: st.DrawFn) -> Any:
    """A valid case with a few fields replaced, removed or added."""
    data: Any = copy.deepcopy(draw(case_dicts()))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths or (draw(st.booleans()) and isinstance(data, dict)):
            data[draw(st.sampled_from(["unknown_field", "perpetrator", "case_id"]))] = draw(
                hostile_values
            )
            continue
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.integers(0, 4)) == 0 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(hostile_values)
    return data


def _dump(value: Any, ascii_only: bool) -> bytes:
    """JSON text, with NaN/Infinity tokens; lone surrogates become invalid UTF-8 bytes."""
    text = json.dumps(value, allow_nan=True, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    """One JSONL line: a mutated case, a random JSON value, a damaged line, or random bytes."""
    kind = draw(st.sampled_from(["case", "mutated", "value", "damaged", "bytes"]))
    ascii_only = draw(st.booleans())
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "value":
        return _dump(draw(json_values), ascii_only)
    text = _dump(draw(case_dicts()) if kind == "case" else draw(mutated_cases()), ascii_only)
    if kind == "damaged" and text:
        cut = draw(st.integers(0, len(text) - 1))
        damage = draw(st.sampled_from([b"", b"\xff", b"\xc3", b"\x00", b"}", b'"', b"NaN"]))
        text = text[:cut] + damage + text[cut + draw(st.integers(0, 5)) :]
    return text


def _expected_records(data: bytes) -> int:
    """The number of records in a JSONL file: its non-blank lines (a BOM is not content).

    Lines end at LF, CR LF or a lone CR (universal newlines).
    """
    parts = data.removeprefix(b"\xef\xbb\xbf").splitlines()
    return sum(1 for p in parts if p.strip())


def _check(rows: list[BatchRow], expected: int) -> None:
    assert len(rows) == expected
    assert [r.record for r in rows] == list(range(1, expected + 1))
    for row in rows:
        if row.error is None:
            assert row.scales
            assert row.status in (RowStatus.SCORED, RowStatus.UNSCORABLE)
        else:
            assert row.status is RowStatus.INVALID
            assert row.error.kind in ErrorKind
            assert row.error.record == row.record
            assert len(row.error.problems) >= 1
            assert len(row.error.problems) <= MAX_PROBLEMS
            assert row.error.problem_count >= len(row.error.problems)
            assert not row.scales
        assert SECRET not in json.dumps(row.to_dict()["error"])
    # the rows always serialise
    write_jsonl(rows, io.StringIO())
    write_csv(rows, io.StringIO())


@FUZZ
@given(st.lists(lines(), max_size=8), st.booleans())
def test_fuzzed_jsonl_never_loses_a_record(records: list[bytes], trailing_newline: bool) -> None:
    data = b"\n".join(records) + (b"\n" if trailing_newline else b"")
    rows = list(score_many(io.BytesIO(data), chunk_size=3))
    _check(rows, _expected_records(data))


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_lose_a_record(data: bytes) -> None:
    rows = list(score_many(io.BytesIO(data)))
    _check(rows, _expected_records(data))


@FUZZ
@given(st.lists(st.one_of(mutated_cases(), json_values), max_size=6))
def test_fuzzed_iterables_never_lose_a_record(records: list[Any]) -> None:
    rows = list(score_many(records, chunk_size=2))
    _check(rows, len(records))


@FUZZ
@given(st.lists(st.lists(st.text(max_size=20) | st.just(SECRET), max_size=6), max_size=6))
def test_fuzzed_csv_rows_are_numbered_without_gaps(cells: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["case_id", "assessment_date", "perpetrator.age", "history.convictions"])
    writer.writerows(cells)
    rows = list(
        score_many(io.BytesIO(out.getvalue().encode("utf-8", "surrogatepass")), input_format="csv")
    )
    assert len(rows) <= len(cells)
    _check(rows, len(rows))


@FUZZ
@given(st.binary(max_size=600))
def test_random_csv_bytes_never_raise(data: bytes) -> None:
    source = b"case_id,assessment_date,episode.threats.to_kill\n" + data
    rows = list(score_many(io.BytesIO(source), input_format="csv"))
    _check(rows, len(rows))


def test_hostile_lines_are_documented_errors() -> None:
    over_long = b'{"case_id": "' + b"x" * (MAX_RECORD_BYTES + 1) + b'"}'
    deep = b"[" * 200_000 + b"]" * 200_000
    huge_number = b'{"case_id": "A-1", "perpetrator": {"age": ' + b"9" * 5000 + b"}}"
    too_many = json.dumps(
        {
            "case_id": "A-2",
            "assessment_date": "2024-05-01",
            "history": {"convictions": [{"offence": "stalking"}] * (MAX_LIST + 1)},
        }
    ).encode()
    data = b"\n".join([over_long, deep, huge_number, too_many, b'{"case_id": "A-3"}'])
    rows = list(score_many(io.BytesIO(data)))
    _check(rows, 5)
    errors = [r.error for r in rows if r.error is not None]
    assert [e.kind for e in errors] == [
        ErrorKind.TOO_LONG,
        ErrorKind.JSON,
        ErrorKind.JSON,
        ErrorKind.VALIDATION,
        ErrorKind.VALIDATION,
    ]
    assert errors[0].message == TOO_LONG.format(limit=MAX_RECORD_BYTES)
    assert errors[1].message == TOO_DEEP
    assert errors[3].field == "history.convictions"
    assert errors[3].problems[0].type == "too_long"


def _the_long_way(text: str) -> Any:
    """What the other readers do with a record: parse it as JSON, then validate the data."""
    from stalkrisk.batch._readers import parse_record as _parse_json

    raw = _parse_json(text, last=False)
    if raw.kind is not None:
        return "invalid"
    try:
        return Case.model_validate(raw.data)
    except ValidationError:
        return "invalid"


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(lines())
def test_validating_a_line_from_its_text_agrees_with_the_long_way(line: bytes) -> None:
    # JSONL lines are validated straight from their text (pydantic's JSON parser), and only
    # the lines that fail are parsed again with json.loads for their exact error. That is only
    # right if both ways accept exactly the same lines, and read them as the same case.
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return  # the reader refuses these before either way is tried
    try:
        fast: Any = Case.model_validate_json(text)
    except ValidationError:
        fast = "invalid"
    assert fast == _the_long_way(text)


class _Trickle(io.RawIOBase):
    """A stream that hands out its bytes in reads of the sizes given, as a pipe may."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._sizes = sizes or [1]
        self._turn = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self._sizes[self._turn % len(self._sizes)], len(self._data))
        self._turn += 1
        buffer[:size] = self._data[:size]
        self._data = self._data[size:]
        return size


@FUZZ
@given(
    st.lists(
        st.sampled_from([b"a", b"b", b'"', b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf"]), max_size=60
    ),
    st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=5),
)
def test_lines_are_those_of_universal_newlines_however_the_stream_is_read(
    parts: list[bytes], sizes: list[int]
) -> None:
    from stalkrisk.batch._readers import read_lines as _lines

    data = b"".join(parts)
    stream = _Trickle(data, sizes)  # unbuffered: a read may return the BOM alone, or one byte
    got = [(content, ending) for _, content, ending in _lines(stream)]
    expected_text = data.removeprefix(b"\xef\xbb\xbf")
    expected = [
        (line.rstrip(b"\r\n"), line[len(line.rstrip(b"\r\n")) :])
        for line in expected_text.splitlines(keepends=True)
    ]
    assert got == expected


@FUZZ
@given(st.lists(st.sampled_from(["a", ",", '"', '""', "\n", "\r\n", "\r", " "]), max_size=40))
def test_csv_records_end_where_the_csv_module_ends_them(parts: list[str]) -> None:
    """Each record, parsed alone, gives the rows the csv module reads from the whole text.

    (Non-strict: a quote inside an unquoted cell is a character, as the module and
    spreadsheets take it.) So a record boundary is never put inside a quoted cell, and never
    missed outside one.
    """
    from stalkrisk.batch._readers import csv_texts as _csv_texts

    text = "".join(parts)
    expected = list(csv.reader(io.StringIO(text, newline=""), strict=False))
    got: list[list[str]] = []
    for record in _csv_texts(io.BytesIO(text.encode())):
        assert record.lines is not None or record.problem is not None
        if record.lines is None:
            # only an unclosed quoted cell at the end of the text is refused
            assert record.problem is not None
            assert record.problem.problems[0].message.startswith("a quoted cell is not closed")
            return
        got += list(csv.reader(record.lines, strict=False))
    assert got == expected
