"""Batch scoring (stalkrisk.batch): every input kind, no record lost, same results as score()."""

from __future__ import annotations

import csv
import gc
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk.batch import (
    CUT_SHORT,
    MAX_RECORD_BYTES,
    NON_FINITE,
    NOT_OBJECT,
    NOT_UTF8,
    TEXT_CELLS,
    TOO_LONG,
    BatchRow,
    BatchSummary,
    ErrorKind,
    RowStatus,
    flatten_case,
    score_many,
    unflatten_row,
    write_csv,
    write_jsonl,
)
from stalkrisk.cli import main
from stalkrisk.errors import CaseFileError, InstrumentError
from stalkrisk.testing import case_dicts

from .conftest import EXAMPLES, ROOT

TOP = 3
#: The instrument whose scales and bands the writer tests name, pinned so that a new default
#: changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


def _expected(case: stalkrisk.Case, instrument: str = "stalkrisk-screen") -> list[dict[str, Any]]:
    """What a batch row must hold for ``case``, computed by the single-case path."""
    assessment = stalkrisk.score(case, instrument)
    out = []
    for s in assessment.scales:
        ranked = sorted((c for c in s.contributions if c.points), key=lambda c: -(c.points or 0))
        out.append(
            {
                "scale": s.scale,
                "status": s.status,
                "total": s.total,
                "band": s.band.id if s.band else None,
                "band_floor": s.band_floor.id if s.band_floor else None,
                "top": [(c.item, c.points) for c in ranked[:TOP]],
            }
        )
    return out


def _actual(row: BatchRow) -> list[dict[str, Any]]:
    return [
        {
            "scale": s.scale,
            "status": s.status,
            "total": s.total,
            "band": s.band,
            "band_floor": s.band_floor,
            "top": [(t.item, t.points) for t in s.top],
        }
        for s in row.scales
    ]


def _example_dicts() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]


def _write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


# --- input kinds ----------------------------------------------------------------------------


def test_iterable_of_cases_and_dicts_gives_the_single_case_results(
    example_cases: dict[str, stalkrisk.Case],
) -> None:
    cases = list(example_cases.values())
    mixed: list[Any] = [c if i % 2 else c.model_dump(mode="json") for i, c in enumerate(cases)]
    rows = list(score_many(mixed))
    assert [r.record for r in rows] == list(range(1, len(cases) + 1))
    for row, case in zip(rows, cases, strict=True):
        assert row.case_id == case.case_id
        assert row.error is None
        assert _actual(row) == _expected(case)


def test_jsonl_file(tmp_path: Path, example_cases: dict[str, stalkrisk.Case]) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in _example_dicts()), encoding="utf-8")
    rows = list(score_many(path))
    assert [r.case_id for r in rows] == list(example_cases)
    assert [r.line for r in rows] == list(range(1, 11))
    assert all(_actual(r) == _expected(example_cases[r.case_id or ""]) for r in rows)


def test_json_array_file_and_single_object(tmp_path: Path) -> None:
    array = tmp_path / "cases.json"
    array.write_text(json.dumps([*_example_dicts(), 7]), encoding="utf-8")
    rows = list(score_many(array))
    assert len(rows) == 11
    assert rows[-1].error is not None
    assert rows[-1].error.kind is ErrorKind.NOT_OBJECT
    one = tmp_path / "one.json"
    one.write_text(json.dumps(_example_dicts()[0]), encoding="utf-8")
    assert [r.case_id for r in score_many(one)] == ["EX-01"]


def test_broken_json_array_file_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"case_id": "A-1"}, ', encoding="utf-8")
    with pytest.raises(CaseFileError, match=r"broken\.json"):
        score_many(path)


def test_binary_stream_and_text_stream_with_buffer() -> None:
    data = json.dumps(_example_dicts()[2]).encode() + b"\n"
    assert next(iter(score_many(io.BytesIO(data)))).case_id == "EX-03"
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    assert next(iter(score_many(text))).case_id == "EX-03"


def test_csv_file_by_the_column_convention(tmp_path: Path) -> None:
    path = tmp_path / "cases.csv"
    path.write_text(
        "case_id,assessment_date,perpetrator.age,episode.threats.to_kill,history.convictions\n"
        'C-1,2024-05-01,44,present,"[]"\n'
        "C-2,2024-05-01,,,\n",
        encoding="utf-8",
    )
    rows = list(score_many(path))
    expected = stalkrisk.Case(
        case_id="C-1",
        assessment_date="2024-05-01",  # type: ignore[arg-type]
        perpetrator={"age": 44},  # type: ignore[arg-type]
        episode={"threats": {"to_kill": "present"}},  # type: ignore[arg-type]
        history={"convictions": []},  # type: ignore[arg-type]
    )
    assert _actual(rows[0]) == _expected(expected)
    assert rows[1].case_id == "C-2"
    assert rows[1].error is None


def test_csv_round_trip_of_the_example_cases(
    tmp_path: Path, example_cases: dict[str, stalkrisk.Case]
) -> None:
    flat = [flatten_case(c) for c in example_cases.values()]
    columns = sorted({k for row in flat for k in row})
    path = tmp_path / "examples.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(flat)
    rows = list(score_many(path))
    assert len(rows) == len(example_cases)
    for row, case in zip(rows, example_cases.values(), strict=True):
        assert row.error is None, row.error
        assert _actual(row) == _expected(case)
        cells = unflatten_row(flatten_case(case))
        assert stalkrisk.Case.model_validate(cells, context=TEXT_CELLS) == case


def test_csv_record_problems_are_rows(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "case_id,assessment_date,history.convictions,perpetrator.age\n"
        "C-1,2024-05-01,[not json,\n"  # a JSON cell that is not JSON
        "C-2,2024-05-01,,44,extra\n"  # more cells than columns
        'C-3,2024-05-01,,"4"4\n'  # broken quoting
        "C-4,2024-05-01,,twelve\n"  # a validation error
        "\n"  # a blank line is not a record
        "C-5,2024-05-01,,\n",
        encoding="utf-8",
    )
    rows = list(score_many(path))
    assert [r.record for r in rows] == [1, 2, 3, 4, 5]
    errors = [r.error for r in rows[:4]]
    assert [e.kind if e else None for e in errors] == [
        ErrorKind.CSV,
        ErrorKind.CSV,
        ErrorKind.CSV,
        ErrorKind.VALIDATION,
    ]
    assert errors[0] is not None
    assert errors[0].field == "history.convictions"
    assert errors[3] is not None
    assert errors[3].field == "perpetrator.age"
    assert rows[4].status is not RowStatus.INVALID


def test_csv_conflicting_columns_and_bad_header(tmp_path: Path) -> None:
    path = tmp_path / "conflict.csv"
    path.write_text(
        'case_id,perpetrator,perpetrator.age\nC-1,"{""sex"": ""male""}",40\n', encoding="utf-8"
    )
    (row,) = score_many(path)
    assert row.error is not None
    assert row.error.field == "perpetrator.age"
    assert "conflicts with column perpetrator" in row.error.message
    header = tmp_path / "header.csv"
    header.write_text("case_id,case_id\nA,B\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="header row"):
        score_many(header)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert list(score_many(empty)) == []


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no such file"):
        score_many(tmp_path / "missing.jsonl")
    with pytest.raises(CaseFileError, match="cannot tell the input format"):
        score_many(tmp_path / "cases.txt")
    with pytest.raises(TypeError, match="in a list"):
        score_many({"case_id": "A"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk_size"):
        score_many([], chunk_size=0)
    with pytest.raises(InstrumentError, match="asks its own questions"):
        score_many([], "psa")


# --- no record lost, structured errors --------------------------------------------------------


def test_malformed_jsonl_lines_are_error_rows_in_order(tmp_path: Path) -> None:
    good = json.dumps(_example_dicts()[2]).encode()
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                good,
                b'{"case_id": "X-1", ',  # broken JSON
                b'{"case_id": "X-2", "assessment_date": "\xff\xfe"}',  # not UTF-8
                b"[1, 2]",  # not an object
                b'{"case_id": "X-3", "assessment_date": NaN}',
                b"",  # blank: not a record
                b"x" * (MAX_RECORD_BYTES + 10),  # over-long
                b'{"case_id": "X-4", "assessment_date": "2024-05-01", "name": "Jane Doe"}',
                good,
                b'{"case_id": "X-5"',  # the last line, cut short (no newline)
            ]
        )
    )
    rows = list(score_many(path, chunk_size=3))
    assert [r.record for r in rows] == list(range(1, 10))
    assert [r.line for r in rows] == [1, 2, 3, 4, 5, 7, 8, 9, 10]
    kinds = [r.error.kind if r.error else None for r in rows]
    assert kinds == [
        None,
        ErrorKind.JSON,
        ErrorKind.ENCODING,
        ErrorKind.NOT_OBJECT,
        ErrorKind.JSON,
        ErrorKind.TOO_LONG,
        ErrorKind.VALIDATION,
        None,
        ErrorKind.JSON,
    ]
    messages = [r.error.message if r.error else None for r in rows]
    assert messages[2] == NOT_UTF8.format(position=40)
    assert messages[3] == NOT_OBJECT
    assert messages[4] == NON_FINITE
    assert messages[5] == TOO_LONG.format(limit=MAX_RECORD_BYTES)
    assert messages[8] == CUT_SHORT
    extra = rows[6].error
    assert extra is not None
    assert (extra.record, extra.field, extra.problems[0].type) == (
        7,
        "(top level)",
        "extra_forbidden",
    )
    assert '"name"' not in json.dumps(rows[6].to_dict())  # nor the unknown key itself
    assert rows[6].case_id == "X-4"
    assert "Jane" not in json.dumps(rows[6].to_dict())  # never echo submitted values


def test_an_invalid_case_id_is_never_echoed() -> None:
    (row,) = score_many([{"case_id": "Jane Doe 1970-01-01", "assessment_date": "2024-05-01"}])
    assert row.case_id is None
    assert row.error is not None
    assert row.error.field == "case_id"
    assert "Jane" not in json.dumps(row.to_dict())
    assert str(row.error).startswith("record 1: case_id: case_id must be")


def test_problems_are_capped_but_counted() -> None:
    data = {"case_id": "A-1", "assessment_date": "2024-05-01"} | {f"x{i}": 1 for i in range(30)}
    (row,) = score_many([data])
    assert row.error is not None
    assert len(row.error.problems) == 20
    assert row.error.problem_count == 30
    assert "and 29 more problems" in str(row.error)


def test_summary_counts(example_cases: dict[str, stalkrisk.Case]) -> None:
    sparse = {"case_id": "S-1", "assessment_date": "2024-05-01"}
    records = [*example_cases.values(), sparse, {"case_id": "I-1"}, 5]
    run = score_many(records)
    rows = list(run)
    statuses = [r.status for r in rows]
    assert run.summary == BatchSummary(
        scored=statuses.count(RowStatus.SCORED),
        unscorable=statuses.count(RowStatus.UNSCORABLE),
        invalid=2,
        total=13,
    )
    assert rows[10].status is RowStatus.UNSCORABLE
    assert str(run.summary).startswith("13 records: ")


def test_other_instruments_and_top(example_cases: dict[str, stalkrisk.Case]) -> None:
    case = example_cases["EX-01"]
    (row,) = score_many([case], "ogrs3", top=1)
    assessment = stalkrisk.score(case, "ogrs3")
    assert row.instrument.id == "ogrs3"
    assert row.instrument.sha256 == assessment.instrument.sha256
    assert [s.total for s in row.scales] == [s.total for s in assessment.scales]
    assert all(len(s.top) <= 1 for s in row.scales)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(case_dicts(), min_size=1, max_size=4))
def test_batch_rows_equal_the_single_case_path(records: list[dict[str, Any]]) -> None:
    lines = "".join(json.dumps(r) + "\n" for r in records).encode()
    rows = list(score_many(io.BytesIO(lines), chunk_size=2))
    assert len(rows) == len(records)
    for row, data in zip(rows, records, strict=True):
        case = stalkrisk.Case.model_validate(data)
        assert row.error is None
        assert row.case_id == case.case_id
        assert _actual(row) == _expected(case)
        # Result rows are assembled without validation: they must be what validation gives.
        assert BatchRow.model_validate(row.model_dump()) == row


# --- streaming ------------------------------------------------------------------------------


# Most generated records lack an assessment date (quick to refuse); every 1000th is a case to
# score, so the 20,000-record streams run in about a second.
_QUICK = {"case_id": "L-1"}
_CASE = {"case_id": "L-2", "assessment_date": "2024-05-01"}
_QUICK_LINE, _CASE_LINE = (json.dumps(d).encode() + b"\n" for d in (_QUICK, _CASE))


class _Counting:
    """An iterable that counts how many records have been taken from it."""

    def __init__(self, n: int) -> None:
        self.n, self.taken = n, 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n):
            self.taken += 1
            yield _QUICK if i % 1000 else _CASE


def test_iterables_are_read_lazily_in_chunks() -> None:
    source = _Counting(20_000)
    done: list[int] = []
    run = score_many(source, chunk_size=500, progress=done.append)
    assert source.taken == 0  # nothing read until asked
    first = next(run)
    assert first.record == 1
    assert source.taken == 500  # one chunk, not the whole input
    for _ in range(600):
        next(run)
    assert source.taken == 1000
    rest = sum(1 for _ in run)
    assert rest == 20_000 - 601
    assert source.taken == 20_000
    assert done[:3] == [500, 1000, 1500]
    assert done[-1] == 20_000
    assert run.summary == BatchSummary(scored=0, unscorable=20, invalid=19_980, total=20_000)


def test_a_large_jsonl_stream_is_read_in_chunks() -> None:
    class _Lines(io.RawIOBase):
        """20,000 lines made on the fly, counting how many have been handed out."""

        def __init__(self) -> None:
            self.read_lines = 0
            self._pending = b""

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            while len(self._pending) < len(buffer) and self.read_lines < 20_000:
                self.read_lines += 1
                self._pending += _QUICK_LINE if self.read_lines % 1000 else _CASE_LINE
            n = min(len(buffer), len(self._pending))
            buffer[:n] = self._pending[:n]
            self._pending = self._pending[n:]
            return n

    source = _Lines()
    run = score_many(source, chunk_size=1000)
    next(run)
    # one chunk of 1,000 records, and at most one block of read-ahead beyond it
    assert 1000 <= source.read_lines <= 1000 + (1 << 16) // len(_QUICK_LINE) + 1
    assert sum(1 for _ in run) == 19_999
    assert source.read_lines == 20_000
    assert run.summary == BatchSummary(scored=0, unscorable=20, invalid=19_980, total=20_000)


def test_closing_a_run_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text('{"case_id": "A-1", "assessment_date": "2024-05-01"}\n' * 3)
    run = score_many(path)
    next(run)
    run.close()
    assert list(run) == []


# --- writers --------------------------------------------------------------------------------


def test_write_jsonl(example_cases: dict[str, stalkrisk.Case], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = write_jsonl(
        score_many([*example_cases.values(), {"case_id": "I-1"}], instrument=SCREEN_1), out
    )
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert summary.total == len(lines) == 11
    first = lines[0]
    assessment = stalkrisk.score(example_cases["EX-01"], SCREEN_1)
    assert first["instrument"] == {
        "id": "stalkrisk-screen",
        "version": assessment.instrument.version,
        "sha256": assessment.instrument.sha256,
        "validation_status": "illustrative",
    }
    assert first["scales"]["serious_harm"]["band"] == "high"
    assert lines[-1]["status"] == "invalid"
    assert lines[-1]["error"]["problems"][0]["field"] == "assessment_date"


def test_write_csv(example_cases: dict[str, stalkrisk.Case]) -> None:
    out = io.StringIO()
    summary = write_csv(
        score_many([{"case_id": "I-1"}, *example_cases.values()], instrument=SCREEN_1), out
    )
    out.seek(0)
    table = list(csv.DictReader(out))
    assert summary.total == len(table) == 11
    assert table[0]["status"] == "invalid"
    assert table[0]["serious_harm.band"] == ""
    assert json.loads(table[0]["error"])["kind"] == "validation"
    ex01 = table[1]
    assessment = stalkrisk.score(example_cases["EX-01"], SCREEN_1)
    harm = assessment.scale("serious_harm")
    assert ex01["serious_harm.band"] == "high"
    assert float(ex01["serious_harm.total"]) == harm.total
    top = json.loads(ex01["top_contributions"])
    expected = {e["scale"]: e["top"] for e in _expected(example_cases["EX-01"], SCREEN_1)}
    assert [tuple(t) for t in top["serious_harm"]] == expected["serious_harm"]
    assert ex01["instrument"] == f"stalkrisk-screen@{assessment.instrument.version}"
    # Every row says how far the weights are validated, invalid records included.
    assert {r["instrument_validation_status"] for r in table} == {"illustrative"}
    empty = io.StringIO()
    write_csv([], empty)
    assert empty.getvalue().startswith("record,case_id,status,top_contributions")


# --- the command line -----------------------------------------------------------------------


def _jsonl_with_one_bad(tmp_path: Path) -> Path:
    lines = [json.dumps(d).encode() for d in _example_dicts()[:3]]
    return _write_jsonl(tmp_path / "in.jsonl", [*lines, b"{broken"])


def test_cli_batch_writes_every_record_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _jsonl_with_one_bad(tmp_path)
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "4 records: 3 scored, 0 unscorable, 1 invalid" in err
    assert "Traceback" not in err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4
    assert main(["batch", str(source), "-o", str(out), "--fail-on-error"]) == 1
    csv_out = tmp_path / "out.csv"
    assert main(["batch", str(source), "-o", str(csv_out), "--quiet"]) == 0
    assert len(list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))) == 4
    as_csv = tmp_path / "rows.txt"
    assert main(["batch", str(source), "-o", str(as_csv), "--format", "csv"]) == 0
    assert as_csv.read_text(encoding="utf-8").startswith("record,")


def test_cli_batch_fail_on_error_passes_a_clean_file(tmp_path: Path) -> None:
    lines = [json.dumps(d).encode() for d in _example_dicts()]
    source = _write_jsonl(tmp_path / "in.jsonl", lines)
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--fail-on-error"]) == 0


def test_cli_batch_usage_and_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _jsonl_with_one_bad(tmp_path)
    assert main(["batch", str(source)]) == 2  # no -o
    assert main(["batch", str(source), "-o", str(tmp_path / "out.txt")]) == 2
    assert main(["batch", str(source), "-o", str(source)]) == 2
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--instrument", "x"]) == 2
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--instrument", "psa"]) == 2
    assert main(["batch", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "o.csv")]) == 1
    assert main(["batch", str(source), "-o", str(tmp_path / "no" / "such" / "dir.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "no such file" in err


def test_cli_batch_reads_stdin_and_writes_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.dumps(_example_dicts()[0]).encode() + b"\n"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    assert main(["batch", "-", "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["case_id"] == "EX-01"
    assert "written to standard output" in captured.err


def test_cli_batch_shows_progress_only_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _jsonl_with_one_bad(tmp_path)

    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for quiet, shown in ((False, True), (True, False)):
        err = _Tty()
        monkeypatch.setattr("sys.stderr", err)
        argv = ["batch", str(source), "-o", str(tmp_path / "o.jsonl")]
        assert main(argv + (["--quiet"] if quiet else [])) == 0
        # A file named by path has a size, so the progress line is a bar with a percentage.
        assert ("\rstalkrisk batch: [" + "#" * 30 + "] 100% 4 records" in err.getvalue()) is shown
        assert "4 records: 3 scored" in err.getvalue()
        assert "not validated on outcomes" in err.getvalue()
        assert "supports a professional's judgement" in err.getvalue()


def test_the_csv_example_in_the_docs_is_valid() -> None:
    doc = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    block = re.findall(r"```csv\n(.*?)```", doc, flags=re.DOTALL)[0]
    rows = list(score_many(io.BytesIO(block.encode()), input_format="csv"))
    assert [r.case_id for r in rows] == ["C-1", "C-2"]
    assert all(r.error is None for r in rows)


def test_errors_match_stalkrisk_validate_on_the_invalid_examples(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path in sorted((ROOT / "examples" / "invalid").glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            continue  # a file-level error for `validate`; a record error in a batch
        (row,) = score_many([data])
        assert row.error is not None, path.name
        main(["validate", str(path)])
        expected = [
            line.removeprefix(f"error: {path}: ") for line in capsys.readouterr().err.splitlines()
        ]
        assert [f"{p.field}: {p.message}" for p in row.error.problems] == expected, path.name


# --- scoring with a fitted model ----------------------------------------------------------


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stalkrisk.model import CaseEncoder, LogisticRiskModel, save_model
    from stalkrisk.synthetic import cohort

    data = cohort(600, seed=3)
    encoder = CaseEncoder().fit(data.cases)
    model = LogisticRiskModel(random_state=0).fit(encoder.transform(data.cases), data.outcomes)
    path = tmp_path_factory.mktemp("model") / "model.json"
    save_model(model, path, encoder=encoder)
    return path


def test_score_many_with_a_model_gives_its_probabilities_bands_and_top(
    saved_model: Path, example_cases: dict[str, stalkrisk.Case]
) -> None:
    from stalkrisk.batch import MODEL_SCALE
    from stalkrisk.model import load_model
    from stalkrisk.model._persistence import model_sha256

    model = load_model(saved_model)
    cases = list(example_cases.values())
    rows = list(score_many([*cases, {"case_id": "BAD"}], model=saved_model, chunk_size=4))
    assert len(rows) == len(cases) + 1
    assert rows[-1].status is RowStatus.INVALID
    x = model.encoder_.transform(cases)
    p = model.predict_proba(x)[:, 1]
    bands = model.predict_band(x)
    explanation = model.explain(x)
    for j, row in enumerate(rows[:-1]):
        (scale,) = row.scales
        assert scale.scale == MODEL_SCALE
        assert scale.total == p[j]
        assert scale.band == model.bands[bands[j]]
        expected = [(n, v) for n, v in explanation.top(j, 3) if v != 0]
        assert [(t.item, t.points) for t in scale.top] == expected
        assert BatchRow.model_validate(row.model_dump()) == row
    assert rows[0].instrument.sha256 == model_sha256(model, encoder=model.encoder_)
    assert {r.instrument.validation_status for r in rows} == {"locally_fitted"}
    # The same model object scores the same.
    again = list(score_many(cases, model=model))
    assert [r.scales for r in again] == [r.scales for r in rows[:-1]]


def test_score_many_refuses_a_model_it_cannot_use(saved_model: Path) -> None:
    from stalkrisk.errors import ModelFileError
    from stalkrisk.model import LogisticRiskModel

    with pytest.raises(ValueError, match="an instrument or a model, not both"):
        score_many([], "stalkrisk-screen", model=saved_model)
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]] * 5)
    y = np.array([0, 1, 1, 0] * 5)
    plain = LogisticRiskModel(random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted on a table of numbers"):
        score_many([], model=plain)
    with pytest.raises(TypeError, match="LogisticRiskModel"):
        score_many([], model=object())
    with pytest.raises(ModelFileError):
        score_many([], model=saved_model.with_name("missing.json"))


def test_fraction_read_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(_CASE) + "\n" for _ in range(50)), encoding="utf-8")
    seen: list[float | None] = []
    with score_many(path, chunk_size=10) as run:
        run._progress = lambda done: seen.append(run.fraction_read)
        rows = list(run)
    assert len(rows) == 50
    assert seen[-1] == 1.0
    known = [f for f in seen if f is not None]
    assert known == seen  # a file named by path always knows its size
    assert known == sorted(known)
    assert score_many([_CASE]).fraction_read is None  # an iterable has no size


def test_cli_batch_with_a_model(
    saved_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _jsonl_with_one_bad(tmp_path)
    out = tmp_path / "model-rows.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--model", str(saved_model)]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 4
    scored = [r for r in rows if r["status"] == "scored"]
    assert len(scored) == 3
    assert all(0 < r["scales"]["model"]["total"] < 1 for r in scored)
    err = capsys.readouterr().err
    assert stalkrisk.LOCALLY_FITTED_STATEMENT.rstrip(".") in err
    both = ["batch", str(source), "-o", str(out), "--model", str(saved_model)]
    assert main([*both, "--instrument", "ogrs3"]) == 2
    broken = tmp_path / "broken-model.json"
    broken.write_text("{}", encoding="utf-8")
    assert main(["batch", str(source), "-o", str(out), "--model", str(broken)]) == 1
    assert "Traceback" not in capsys.readouterr().err


# --- hardening: nothing lost, nothing invented -----------------------------------------------


def _rows(data: bytes, fmt: str = "jsonl") -> list[BatchRow]:
    return list(score_many(io.BytesIO(data), input_format=fmt))  # type: ignore[arg-type]


def test_a_csv_cell_over_the_field_limit_never_becomes_records_of_its_own() -> None:
    # The reproduction of the issue: the text inside C-1's quoted cell holds a line that
    # looks like a record. A strict RFC 4180 reading gives two records: C-1 (an error) and C-2.
    data = (
        'case_id,assessment_date,history.convictions\nC-1,2024-05-01,"'
        + "x" * 131073
        + '\nFAKE-9,2024-05-01,[]\n"\nC-2,2024-05-01,[]\n'
    ).encode()
    rows = _rows(data, "csv")
    assert [r.record for r in rows] == [1, 2]
    assert rows[0].error is not None
    assert rows[0].error.kind is ErrorKind.CSV
    assert "131,072 characters" in rows[0].error.message
    assert rows[1].case_id == "C-2"
    assert rows[1].error is None
    assert all(r.case_id != "FAKE-9" for r in rows)
    assert [r.line for r in rows] == [2, 5]  # each record's first line


def test_a_csv_quote_error_is_one_record_and_reading_goes_on() -> None:
    data = (
        b"case_id,assessment_date\n"
        b'Q-1,"2024-05-01"x\n'  # a character after a closing quote: invalid
        b'Q-2,"2024-05-01\nstill inside the cell"\n'  # a valid two-line cell (a bad date)
        b'Q-3,2024"05-01\n'  # a quote inside an unquoted cell is a character, as csv reads it
        b"Q-4,2024-05-01\n"
    )
    rows = _rows(data, "csv")
    assert [r.record for r in rows] == [1, 2, 3, 4]
    kinds = [r.error.kind if r.error else None for r in rows]
    assert kinds == [ErrorKind.CSV, ErrorKind.VALIDATION, ErrorKind.VALIDATION, None]
    assert [r.line for r in rows] == [2, 3, 5, 6]  # Q-2's cell took lines 3 and 4
    assert rows[2].case_id == "Q-3"
    assert rows[3].case_id == "Q-4"  # the record after a stray quote is never swallowed


def test_a_csv_file_cut_inside_a_quoted_cell_says_so() -> None:
    rows = _rows(b'case_id,assessment_date\nC-1,2024-05-01\nC-2,"2024-05', "csv")
    assert rows[0].error is None
    assert rows[1].error is not None
    assert "not closed before the end of the file" in rows[1].error.message


@pytest.mark.parametrize("ending", [b"\r", b"\r\n", b"\n"])
def test_jsonl_and_csv_lines_end_at_cr_crlf_or_lf(ending: bytes) -> None:
    lines = [b'{"case_id": "E-%d", "assessment_date": "2024-05-01"}' % i for i in range(3)]
    rows = _rows(ending.join(lines) + ending)
    assert [(r.record, r.line, r.case_id) for r in rows] == [
        (1, 1, "E-0"),
        (2, 2, "E-1"),
        (3, 3, "E-2"),
    ]
    csv_rows = _rows(
        ending.join([b"case_id,assessment_date", b"C-1,2024-05-01", b"C-2,2024-05-01"]), "csv"
    )
    assert [r.case_id for r in csv_rows] == ["C-1", "C-2"]


def test_a_crlf_split_across_read_blocks_is_one_line_ending() -> None:
    first = b'{"case_id": "B-1", "assessment_date": "2024-05-01", "synthetic": true}'
    pad = (1 << 16) - len(first) - 1  # the \r is the last byte of the first 64 KiB block
    line = first[:-1] + b" " * pad + b"}"
    data = line + b"\r\n" + b'{"case_id": "B-2", "assessment_date": "2024-05-01"}\n'
    assert data.index(b"\r") == (1 << 16) - 1
    rows = _rows(data)
    assert [(r.line, r.case_id) for r in rows] == [(1, "B-1"), (2, "B-2")]


def test_an_over_long_csv_line_with_quotes_is_skipped_and_the_next_record_kept() -> None:
    cell = '"' + "y" * (MAX_RECORD_BYTES + 10) + '"'
    data = (
        f"case_id,assessment_date,history.convictions\nL-1,2024-05-01,{cell}\nL-2,2024-05-01,[]\n"
    )
    rows = _rows(data.encode(), "csv")
    assert [(r.record, r.error.kind if r.error else None) for r in rows] == [
        (1, ErrorKind.TOO_LONG),
        (2, None),
    ]


def test_a_duplicate_key_in_a_jsonl_line_is_an_error_naming_the_path_not_an_unknown_key() -> None:
    data = (
        b'{"case_id": "D-1", "assessment_date": "2024-05-01", "episode": {"threats": '
        b'{"to_kill": "present", "to_kill": "absent"}}}\n'
        b'{"case_id": "D-2", "assessment_date": "2024-05-01", "perpetrator": '
        b'{"Jane Doe": 1, "Jane Doe": 2}}\n'
    )
    first, second = _rows(data)
    assert first.error is not None
    assert first.error.kind is ErrorKind.JSON
    assert first.error.message.startswith("episode.threats.to_kill: the same key is given twice")
    assert second.error is not None
    assert second.error.message.startswith("perpetrator.?: the same key is given twice")
    assert "Jane" not in json.dumps([r.to_dict() for r in (first, second)])


def test_numbers_in_quotes_are_refused_in_json_but_read_in_csv_cells() -> None:
    jsonl = b'{"case_id": "N-1", "assessment_date": "2024-05-01", "perpetrator": {"age": "44"}}\n'
    (row,) = _rows(jsonl)
    assert row.error is not None
    assert (row.error.field, row.error.problems[0].type) == ("perpetrator.age", "int_type")
    for bad in (b"true", b'"1_0"'):
        line = b'{"case_id": "N-2", "assessment_date": "2024-05-01", "history": ' + (
            b'{"conviction_count": %s}}' % bad
        )
        (row,) = _rows(line)
        assert row.error is not None
        assert row.error.field == "history.conviction_count"
    (ok,) = _rows(b"case_id,assessment_date,perpetrator.age\nN-3,2024-05-01,44\n", "csv")
    assert ok.error is None
    (bad_cell,) = _rows(
        b"case_id,assessment_date,history.conviction_count\nN-4,2024-05-01,1_0\n", "csv"
    )
    assert bad_cell.error is not None
    assert bad_cell.error.field == "history.conviction_count"


def test_a_labelled_record_is_scored_as_its_case() -> None:
    case = stalkrisk.load_example("EX-03").model_dump(mode="json")
    records = [
        {"case": case, "outcome": 1, "sex": "female"},
        {"case": case, "outcome": 0, "perpetrator": {"age": 30}},  # a case field beside "case"
    ]
    first, second = list(score_many(records))
    assert first.error is None
    assert first.case_id == "EX-03"
    assert second.error is not None
    assert second.error.field == "perpetrator"
    assert "beside it would not be part of the case" in second.error.message


def test_a_synthetic_cohort_goes_through_the_batch_command(tmp_path: Path) -> None:
    path = stalkrisk.synthetic.cohort(40, seed=3).write_jsonl(
        tmp_path / "cohort.jsonl", groups=True
    )
    out = tmp_path / "rows.jsonl"
    assert main(["batch", str(path), "-o", str(out), "--quiet"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 40
    assert all(r["status"] != "invalid" for r in rows)


def test_a_batch_in_which_every_record_is_invalid_says_so_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "wrong.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n')
    out = tmp_path / "rows.jsonl"
    assert main(["batch", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "WARNING: every one of the 2 records is invalid" in err
    assert "--fail-on-error" in err
    assert len(out.read_text().splitlines()) == 2  # every record is still in the output


def test_the_garbage_collector_is_paused_only_when_asked() -> None:
    seen: list[bool] = []

    class Watching(Mapping[str, Any]):
        """A case whose copy, made while its chunk is validated, notes the collector's state."""

        def __init__(self) -> None:
            self._data = {"case_id": "G-1", "assessment_date": "2024-05-01"}

        def __getitem__(self, key: str) -> Any:
            return self._data[key]

        def __iter__(self) -> Iterator[str]:
            seen.append(gc.isenabled())
            return iter(self._data)

        def __len__(self) -> int:
            return len(self._data)

    def data() -> Watching:
        return Watching()

    assert gc.isenabled()
    list(score_many([data()]))
    list(score_many([data()], pause_gc=True))
    assert seen == [True, False]
    assert gc.isenabled()


def test_csv_output_cells_cannot_run_as_formulas() -> None:
    from stalkrisk.batch import neutralise_cell

    assert neutralise_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise_cell("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert neutralise_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_cell("-2+3") == "'-2+3"
    assert neutralise_cell("-1.25") == "-1.25"  # a plain number is data, not a formula
    assert neutralise_cell("1e-3") == "1e-3"
    assert neutralise_cell("high") == "high"


def test_a_byte_order_mark_alone_in_the_first_read_is_not_the_end_of_the_input() -> None:
    class Pipe(io.RawIOBase):
        """Hands out the byte-order mark alone first, as an unbuffered pipe may."""

        def __init__(self) -> None:
            self._reads = [
                b"\xef\xbb\xbf",
                b'{"case_id": "P-1", "assessment_date": "2024-05-01"}\n',
            ]

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            data = self._reads.pop(0) if self._reads else b""
            buffer[: len(data)] = data
            return len(data)

    rows = list(score_many(Pipe()))
    assert [(r.record, r.case_id) for r in rows] == [(1, "P-1")]


def test_rows_carry_a_logistic_scales_percentages_in_every_output_format(tmp_path: Path) -> None:
    import pandas as pd

    from stalkrisk.batch import to_frame, write_parquet

    cases = [stalkrisk.load_example("EX-09"), stalkrisk.load_example("EX-01")]  # scored, not
    expected = [(h.id, h.percent) for h in stalkrisk.score(cases[0], "ogrs3").scales[0].horizons]
    assert [h for h, _ in expected] == ["one_year", "two_years"]
    rows = list(score_many(cases, "ogrs3"))
    scored = rows[0].scale("proven_reoffending")
    assert [(h.id, h.percent) for h in scored.horizons] == expected
    assert rows[1].scale("proven_reoffending").horizons == ()
    # JSONL
    out = io.StringIO()
    write_jsonl(score_many(cases, "ogrs3"), out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["scales"]["proven_reoffending"]["horizons"] == dict(expected)
    assert "horizons" not in second["scales"]["proven_reoffending"]
    # CSV
    out = io.StringIO()
    write_csv(score_many(cases, "ogrs3"), out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert table[0]["proven_reoffending.one_year.percent"] == json.dumps(expected[0][1])
    assert table[0]["proven_reoffending.two_years.percent"] == json.dumps(expected[1][1])
    assert table[1]["proven_reoffending.two_years.percent"] == ""
    # Parquet and frames
    frame = to_frame(score_many(cases, "ogrs3"))
    assert frame["proven_reoffending.two_years.percent"].tolist()[0] == expected[1][1]
    assert pd.isna(frame["proven_reoffending.two_years.percent"].tolist()[1])
    write_parquet(score_many(cases, "ogrs3"), tmp_path / "rows.parquet")
    back = pd.read_parquet(tmp_path / "rows.parquet")
    assert back["proven_reoffending.one_year.percent"].tolist()[0] == expected[0][1]
    # a scale with no horizons has no percentage columns
    assert not any(c.endswith(".percent") for c in to_frame(score_many(cases)).columns)
