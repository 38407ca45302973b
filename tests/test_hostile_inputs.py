"""Hostile input to every reader of the command line: a clear error, never a traceback.

The rules of the hardening issue, checked for each reader (``score FILE``, ``score -``,
``validate``, ``report``, ``verify``, ``score --answers``, ``instruments check``,
``score --instrument FILE``, ``score --model``, ``batch`` in and out of every format, ``fit``
and ``evaluate``):

- bad input exits 1 (2 for a usage error) with a message that names the file, or, in a batch,
  becomes a structured error row; no exception ever escapes :func:`stalkrisk.cli.main`;
- no submitted value is echoed: :data:`SECRET` is planted in keys and values and must never
  appear on standard output, standard error or in a batch's rows;
- no raw control character reaches the terminal: each is shown as a ``\\u001b``-style escape;
- in a batch every record is accounted for: one row per record, numbered 1..n;
- a failed or refused command leaves nothing at its output path, and no temporary file.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
import sys
import tracemalloc
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk.audit import AssessmentRecord
from stalkrisk.cli import _common as cli_common
from stalkrisk.cli import main
from stalkrisk.schemas._base import MAX_LIST_ITEMS
from stalkrisk.synthetic import cohort

from .conftest import ROOT

#: Planted in keys and values; no output may repeat it (it is not a valid id, enum or name).
SECRET = "SECRET-Jane Doe#7Qx"
MARKERS = ("SECRET-Jane", "Doe#7Qx")
ESC = "\x1b[2K"
#: A character that could control a terminal or reorder text (tab and newline are allowed).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Terminal escapes, a C1 control and a right-to-left override, and how they must be shown.
LABEL_ESCAPES = ESC + "\x9b2J\u202e"
SHOWN_ESCAPES = "\\u001b[2K\\u009b2J\\u202e"
DEEP = "[" * 100_000 + "]" * 100_000
LONG_INT = "9" * 5_000
PLACEHOLDER = "@@HOSTILE-VALUE@@"
TEMP_SUFFIX = ".stalkrisk-tmp"
DATA = ROOT / "tests" / "data"
#: The instrument whose scale ids a test names, pinned so that a new default changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"

BASE: dict[str, Any] = stalkrisk.load_example("EX-01").model_dump(mode="json")
VALID_LINE = json.dumps(stalkrisk.load_example("EX-03").model_dump(mode="json"))
PSA = json.loads((DATA / "answers" / "psa-scenario-1.json").read_text())
OGRS3 = json.loads((DATA / "records" / "v1-ogrs3-answers.input.json").read_text())
INSTRUMENT_JSON = json.loads((DATA / "instruments" / "minimal.json").read_text())
INSTRUMENT_TOML = (DATA / "instruments" / "minimal.toml").read_text()


class Result(NamedTuple):
    code: int
    out: str
    err: str


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """Run the command line in-process; an exception escaping ``main`` fails the test."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Result(code, out, err)


def assert_discreet(*texts: str) -> None:
    for text in texts:
        for marker in MARKERS:
            assert marker not in text, f"a submitted value was echoed: {text[:2000]!r}"


def assert_no_raw_controls(*texts: str) -> None:
    for text in texts:
        hit = RAW_CONTROL.search(text)
        assert hit is None, f"raw control character {hit.group()!r} printed: {text[:2000]!r}"


def assert_clean(result: Result, codes: tuple[int, ...] = (1,)) -> None:
    """The exit status is one of ``codes``; nothing secret or raw is printed; errors say so."""
    assert result.code in codes, result
    assert_discreet(result.out, result.err)
    assert_no_raw_controls(result.out, result.err)
    assert "Traceback" not in result.err
    if result.code == 1:  # an error line, a batch's warning, or verify's differences
        said = re.search(r"^(error: \S|stalkrisk batch: WARNING)", result.err, re.MULTILINE)
        assert said or "difference(s) between" in result.out, result
    if result.code == 2:
        assert "error:" in result.err


def assert_nothing_written(target: Path) -> None:
    assert not target.exists(), f"{target} was written by a failed command"
    left = [p.name for p in target.parent.iterdir() if p.name.endswith(TEMP_SUFFIX)]
    assert left == [], f"temporary files left behind: {left}"


def put(data: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """Return a deep copy of ``data`` with ``value`` at ``path`` (objects made as needed)."""
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        if isinstance(node, dict) and not isinstance(node.get(part), dict | list):
            node[part] = {}
        node = node[part]
    node[path[-1]] = value
    return data


def splice(data: Any, path: tuple[str | int, ...], fragment: str) -> str:
    """Return ``data`` as JSON text with the raw JSON ``fragment`` at ``path``."""
    text = json.dumps(put(data, path, PLACEHOLDER), ensure_ascii=False)
    return text.replace(json.dumps(PLACEHOLDER), fragment, 1)


def list_bomb() -> str:
    """500 protective orders of 500 breaches each: 250,000 list entries in one case."""
    order = {"kind": "restraining_order", "made_on": "2020-01-01", "breaches": ["@B@"]}
    text = json.dumps(put(BASE, ("history", "protective_orders"), ["@O@"]))
    one = json.dumps(order).replace('"@B@"', ", ".join(['{"date": "2021-01-01"}'] * 500))
    return text.replace('"@O@"', ", ".join([one] * 500))


# --- hostile case documents ------------------------------------------------------------------


class Doc(NamedTuple):
    """A hostile document: its bytes and the phrase its error message must hold.

    ``phrase`` is ``None`` for a document that is valid despite its form (exit 0). ``parse``
    marks a document that no JSON reader can parse as a whole.
    """

    data: bytes
    phrase: str | None
    parse: bool = False


def _case(path: tuple[str | int, ...], fragment: str) -> bytes:
    return splice(BASE, path, fragment).encode()


_NOT_UTF8 = json.dumps(put(BASE, ("perpetrator", "sex"), PLACEHOLDER)).encode()

CASE_DOCS: dict[str, Doc] = {
    "deep-document": Doc(DEEP.encode(), "nested too deeply", parse=True),
    "deep-field": Doc(_case(("perpetrator",), DEEP), "nested too deeply", parse=True),
    "5000-digit-count": Doc(
        _case(("history", "conviction_count"), LONG_INT), "too many digits", parse=True
    ),
    "1e400-age": Doc(_case(("perpetrator", "age"), "1e400"), "too large to hold", parse=True),
    "nan-count": Doc(_case(("history", "conviction_count"), "NaN"), "NaN and Infinity", True),
    "infinity-age": Doc(_case(("perpetrator", "age"), "-Infinity"), "NaN and Infinity", True),
    "duplicate-to-kill": Doc(
        _case(("episode", "threats"), '{"to_kill": "present", "to_kill": "absent"}'),
        "episode.threats.to_kill: the same key is given twice",
        parse=True,
    ),
    "duplicate-secret-key": Doc(
        _case(("perpetrator",), f'{{"{SECRET}": 1, "{SECRET}": 2}}'),
        "perpetrator.?: the same key is given twice",
        parse=True,
    ),
    "boolean-count": Doc(_case(("history", "conviction_count"), "true"), "conviction_count"),
    "1_0-count": Doc(_case(("history", "conviction_count"), '"1_0"'), "conviction_count"),
    "secret-key": Doc(
        _case(("perpetrator",), f'{{"{SECRET}": 1}}'), "perpetrator: an unknown field"
    ),
    "secret-top-level-key": Doc(_case((SECRET,), "1"), "an unknown field"),
    "secret-enum-value": Doc(_case(("perpetrator", "sex"), json.dumps(SECRET)), "perpetrator.sex"),
    "escape-in-case-id": Doc(_case(("case_id",), json.dumps(ESC + SECRET)), "case_id"),
    "raw-escape-in-string": Doc(
        _case(("case_id",), '"' + ESC + SECRET + '"'), "not valid JSON", parse=True
    ),
    "not-utf8": Doc(_NOT_UTF8.replace(PLACEHOLDER.encode(), b"\xff\xfeJane"), "not UTF-8", True),
    "empty-file": Doc(b"", "not valid JSON", parse=True),
    "empty-array": Doc(b"[]", "holds no cases"),
    "array-of-non-objects": Doc(
        f'[1, "{SECRET}", null, [], true]'.encode(), "a case must be a JSON object"
    ),
    "list-bomb": Doc(list_bomb().encode(), f"more than {MAX_LIST_ITEMS:,} list entries"),
    "cr-only-line-endings": Doc(json.dumps(BASE, indent=2).replace("\n", "\r").encode(), None),
    "utf8-bom": Doc(b"\xef\xbb\xbf" + json.dumps(BASE).encode(), None),
}

CASE_READERS = (
    "score",
    "score-stdin-bytes",
    "score-stdin-text",
    "validate",
    "report",
    "verify",
)


@pytest.fixture(scope="module")
def record_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A genuine audit record of :data:`BASE` (EX-01)."""
    case = stalkrisk.Case.model_validate(BASE)
    record = AssessmentRecord.from_assessment(stalkrisk.score(case), case)
    path = tmp_path_factory.mktemp("record") / "record.json"
    path.write_text(record.to_json())
    return path


def read_case(
    reader: str,
    data: bytes,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    record: Path,
) -> tuple[Result, str]:
    """Feed ``data`` to one case reader; return its result and the label errors must name."""
    path = folder / "case.json"
    path.write_bytes(data)
    if reader == "score-stdin-bytes":
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
        return run(capsys, "score", "-"), "<stdin>"
    if reader == "score-stdin-text":
        text = data.decode("utf-8", errors="replace")
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))
        return run(capsys, "score", "-"), "<stdin>"
    argv = {
        "score": ["score", str(path)],
        "validate": ["validate", str(path)],
        "report": ["report", str(path), "--context", "bail"],
        "verify": ["verify", str(record), str(path)],
    }[reader]
    return run(capsys, *argv), str(path)


@pytest.mark.parametrize("reader", CASE_READERS)
@pytest.mark.parametrize("name", list(CASE_DOCS))
def test_case_readers_refuse_hostile_documents_clearly(
    reader: str,
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    record_file: Path,
) -> None:
    doc = CASE_DOCS[name]
    result, label = read_case(reader, doc.data, tmp_path, capsys, monkeypatch, record_file)
    if doc.phrase is None:  # valid despite its form
        assert_clean(result, codes=(0,))
        return
    assert_clean(result, codes=(1,))
    phrase = doc.phrase
    if reader == "score-stdin-text" and name == "not-utf8":
        phrase = "perpetrator.sex"  # a text stream holds no bytes: U+FFFD is not a valid sex
    assert f"error: {label}" in result.err
    assert phrase in result.err


def test_the_list_bomb_is_refused_without_building_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.json"
    path.write_bytes(CASE_DOCS["list-bomb"].data)
    tracemalloc.start()
    try:
        result = run(capsys, "score", str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_clean(result)
    assert f"more than {MAX_LIST_ITEMS:,} list entries" in result.err
    assert peak < 150 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB to refuse a 6 MB file"


@pytest.mark.parametrize("reader", CASE_READERS)
def test_files_over_the_size_limit_are_refused(
    reader: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    record_file: Path,
) -> None:
    monkeypatch.setattr(cli_common, "MAX_CASE_FILE_BYTES", 1_000)
    data = json.dumps(BASE).encode()
    assert len(data) > 1_000
    result, label = read_case(reader, data, tmp_path, capsys, monkeypatch, record_file)
    if reader == "verify":  # the record is read first, and it is larger still
        label = str(record_file)
    assert_clean(result)
    assert f"error: {label}: is larger than 1,000 bytes" in result.err
    assert "stalkrisk batch" in result.err


@pytest.mark.parametrize(
    ("argv", "phrase"),
    [
        (["score", "--record", "{out}", "{case}"], None),
        (["report", "{case}", "--context", "bail", "-o", "{out}"], None),
        (["report", "{case}", "--context", "sentencing", "--record", "{out}"], None),
    ],
    ids=["score-record", "report-output", "report-record"],
)
@pytest.mark.parametrize("name", ["deep-field", "secret-key", "list-bomb", "not-utf8"])
def test_a_refused_case_writes_no_output(
    argv: list[str],
    phrase: str | None,
    name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = tmp_path / "case.json"
    case.write_bytes(CASE_DOCS[name].data)
    out = tmp_path / "out.json"
    result = run(capsys, *(a.format(out=out, case=case) for a in argv))
    assert_clean(result, codes=(1, 2))
    assert_nothing_written(out)
    assert phrase is None or phrase in result.err


def test_a_file_name_with_terminal_escapes_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / f"case{ESC}.json"
    bad.write_text("{")
    missing = tmp_path / f"gone{ESC}.json"
    result = run(capsys, "validate", str(bad), str(missing))
    assert_clean(result)
    assert "case\\u001b[2K.json: not valid JSON" in result.err
    assert "gone\\u001b[2K.json: no such file" in result.err


# --- direct answers: score --answers --instrument psa / ogrs3 ----------------------------------

_PSA_COUNT = ("answers", "prior_violent_convictions")
_OGRS3_COUNT = ("answers", "previous_sanctions")
_OGRS3_RATE = ("answers", "ogrs3_copas_rate")


def _answer_docs(base: dict[str, Any], count: tuple[str, str]) -> dict[str, Doc]:
    return {
        "valid": Doc(json.dumps(base).encode(), None),
        "5000-digit-count": Doc(splice(base, count, LONG_INT).encode(), "too many digits"),
        "1e400-count": Doc(splice(base, count, "1e400").encode(), "too large to hold"),
        "nan-count": Doc(splice(base, count, "NaN").encode(), "NaN and Infinity"),
        "infinity-count": Doc(splice(base, count, "Infinity").encode(), "NaN and Infinity"),
        "boolean-count": Doc(splice(base, count, "true").encode(), ".".join(count)),
        "1_0-count": Doc(splice(base, count, '"1_0"').encode(), ".".join(count)),
        "deep-count": Doc(splice(base, count, DEEP).encode(), "nested too deeply"),
        "secret-count": Doc(splice(base, count, json.dumps(SECRET)).encode(), ".".join(count)),
        "secret-question": Doc(json.dumps(put(base, ("answers", SECRET), 1)).encode(), "answers.?"),
        "secret-top-level-key": Doc(
            json.dumps(put(base, (SECRET,), 1)).encode(), "(top level): an unknown field"
        ),
        "secret-instrument": Doc(
            json.dumps(put(base, ("instrument",), SECRET)).encode(), "instrument: "
        ),
        "duplicate-answer": Doc(
            splice(base, ("answers",), '{"x": 1, "x": 2}').encode(), "the same key is given"
        ),
        "escape-in-case-id": Doc(
            json.dumps(put(base, ("case_id",), ESC + SECRET)).encode(), "case_id"
        ),
        "not-utf8": Doc(
            json.dumps(put(base, ("case_id",), PLACEHOLDER))
            .encode()
            .replace(PLACEHOLDER.encode(), b"\xc3\x28"),
            "not UTF-8",
        ),
        "empty-file": Doc(b"", "not valid JSON"),
        "empty-array": Doc(b"[]", "holds no cases"),
        "array-of-non-objects": Doc(b'[1, "x", null]', "must be a JSON object"),
    }


ANSWER_DOCS = {
    "psa": _answer_docs(PSA, _PSA_COUNT),
    "ogrs3": {
        **_answer_docs(OGRS3, _OGRS3_COUNT),
        "1e308-rate": Doc(splice(OGRS3, _OGRS3_RATE, "1e308").encode(), "ogrs3_copas_rate"),
        "-1e308-rate": Doc(splice(OGRS3, _OGRS3_RATE, "-1e308").encode(), "ogrs3_copas_rate"),
        "1e400-rate": Doc(splice(OGRS3, _OGRS3_RATE, "1e400").encode(), "too large to hold"),
        "nan-rate": Doc(splice(OGRS3, _OGRS3_RATE, "NaN").encode(), "NaN and Infinity"),
    },
}


@pytest.mark.parametrize(
    ("instrument", "name"),
    [(i, n) for i, docs in ANSWER_DOCS.items() for n in docs],
)
def test_answers_refuse_hostile_values_clearly(
    instrument: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = ANSWER_DOCS[instrument][name]
    path = tmp_path / "answers.json"
    path.write_bytes(doc.data)
    result = run(capsys, "score", "--answers", "--instrument", instrument, str(path))
    if doc.phrase is None:
        assert_clean(result, codes=(0,))
        return
    assert_clean(result)
    assert f"error: {path}" in result.err
    assert doc.phrase in result.err


# --- instrument files: instruments check, instruments show, score --instrument FILE ------------


def _inst_json(path: tuple[str | int, ...], fragment: str) -> bytes:
    return splice(INSTRUMENT_JSON, path, fragment).encode()


_POINTS = ("items", 0, "points")
_THREATS_POINTS = 'points = 2\n\n[[items]]\nid = "convictions"'


def _inst_toml(old: str, new: str) -> bytes:
    assert old in INSTRUMENT_TOML
    return INSTRUMENT_TOML.replace(old, new, 1).encode()


def _toml_points(value: str) -> bytes:
    return _inst_toml(_THREATS_POINTS, _THREATS_POINTS.replace("2", value, 1))


_ESC_LABEL = put(INSTRUMENT_JSON, ("items", 0, "label"), LABEL_ESCAPES + "Threats to kill")

INSTRUMENT_DOCS: dict[str, Doc] = {
    "json-deep-document": Doc(DEEP.encode(), "nested too deeply"),
    "json-deep-points": Doc(_inst_json(_POINTS, DEEP), "nested too deeply"),
    "json-5000-digit-points": Doc(_inst_json(_POINTS, LONG_INT), "too many digits"),
    "json-1e400-points": Doc(_inst_json(_POINTS, "1e400"), "too large to hold"),
    "json-nan-points": Doc(_inst_json(_POINTS, "NaN"), "NaN and Infinity"),
    "json-infinity-points": Doc(_inst_json(_POINTS, "Infinity"), "NaN and Infinity"),
    "json-boolean-points": Doc(_inst_json(_POINTS, "true"), "points"),
    "json-1_0-points": Doc(_inst_json(_POINTS, '"1_0"'), "points"),
    "json-duplicate-label": Doc(
        _inst_json(("items", 0), '{"id": "a", "label": "x", "label": "y"}'),
        "the same key is given twice",
    ),
    "json-secret-top-level-key": Doc(
        json.dumps(put(INSTRUMENT_JSON, (SECRET,), 1)).encode(), "Extra inputs"
    ),
    "json-secret-item-key": Doc(
        json.dumps(put(INSTRUMENT_JSON, ("items", 0, SECRET), 1)).encode(), "items"
    ),
    "json-secret-factor": Doc(
        json.dumps(put(INSTRUMENT_JSON, ("items", 0, "factor"), SECRET)).encode(), "factor"
    ),
    "json-escape-in-id": Doc(
        json.dumps(put(INSTRUMENT_JSON, ("id",), ESC + SECRET)).encode(), "id"
    ),
    "json-not-utf8": Doc(
        json.dumps(INSTRUMENT_JSON).encode().replace(b"Minimal", b"Min\xffimal"), "UTF-8"
    ),
    "json-empty-file": Doc(b"", "ends early"),
    "json-empty-array": Doc(b"[]", "valid dictionary"),
    "json-array-of-non-objects": Doc(b'[1, "x", null]', "valid dictionary"),
    "json-utf8-bom": Doc(b"\xef\xbb\xbf" + json.dumps(INSTRUMENT_JSON).encode(), None),
    "json-cr-only": Doc(json.dumps(INSTRUMENT_JSON, indent=1).replace("\n", "\r").encode(), None),
    # a label holding terminal escapes or direction marks is refused when loaded
    "json-escape-in-label": Doc(json.dumps(_ESC_LABEL).encode(), "control characters"),
    "toml-deep-array": Doc(_toml_points(DEEP), "nested too deeply"),
    "toml-deep-inline-table": Doc(
        _toml_points("{a = " * 50_000 + "1" + "}" * 50_000), "nested too deeply"
    ),
    "toml-5000-digit-points": Doc(_toml_points(LONG_INT), "too many digits"),
    "toml-1e400-points": Doc(_toml_points("1e400"), "points"),
    "toml-nan-points": Doc(_toml_points("nan"), "points"),
    "toml-inf-points": Doc(_toml_points("inf"), "points"),
    "toml-boolean-points": Doc(_toml_points("true"), "points"),
    "toml-duplicate-label": Doc(
        _inst_toml('label = "Threats to kill"\n', 'label = "a"\nlabel = "b"\n'), "not valid TOML"
    ),
    "toml-secret-key": Doc(
        _inst_toml('version = "0.1.0"\n', f'version = "0.1.0"\n"{SECRET}" = 1\n'), ""
    ),
    "toml-secret-factor": Doc(
        _inst_toml('factor = "threats_to_kill_recent"', f'factor = "{SECRET}"'), "factor"
    ),
    "toml-raw-escape-in-label": Doc(
        _inst_toml('label = "Threats to kill"', f'label = "{ESC}{SECRET}"'), "not valid TOML"
    ),
    "toml-not-utf8": Doc(INSTRUMENT_TOML.encode().replace(b"Minimal", b"Min\xffimal"), "UTF-8"),
    "toml-empty-file": Doc(b"", "format: Field required"),
    "toml-cr-only": Doc(INSTRUMENT_TOML.replace("\n", "\r").encode(), "not valid TOML"),
    "toml-utf8-bom": Doc(b"\xef\xbb\xbf" + INSTRUMENT_TOML.encode(), None),
    "toml-escape-in-label": Doc(
        _inst_toml('label = "Threats to kill"', f'label = "{SHOWN_ESCAPES}Threats to kill"'),
        "control characters",
    ),
}

INSTRUMENT_READERS = ("check", "show", "score")


@pytest.mark.parametrize("reader", INSTRUMENT_READERS)
@pytest.mark.parametrize("name", list(INSTRUMENT_DOCS))
def test_instrument_files_refuse_hostile_content_clearly(
    reader: str, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = INSTRUMENT_DOCS[name]
    path = tmp_path / ("inst.toml" if name.startswith("toml") else "inst.json")
    path.write_bytes(doc.data)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(BASE))
    argv = {
        "check": ["instruments", "check", str(path)],
        "show": ["instruments", "show", str(path)],
        "score": ["score", "--instrument", str(path), str(case)],
    }[reader]
    result = run(capsys, *argv)
    if doc.phrase is None:
        assert_clean(result, codes=(0,))
        return
    assert_clean(result)
    assert f"error: {path}" in result.err
    assert doc.phrase in result.err


# --- saved models: score --model, batch --model, evaluate ---------------------------------------


@pytest.fixture(scope="module")
def model_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A model fitted by ``stalkrisk fit``, its training data (outcome ``y``), and cases."""
    folder = tmp_path_factory.mktemp("model")
    raw = cohort(240, seed=5).write_jsonl(folder / "cohort.jsonl")
    lines = [json.loads(line) for line in raw.read_text().splitlines()]
    data = folder / "data.jsonl"
    data.write_text(
        "".join(json.dumps({"case": r["case"], "y": r["outcome"]}) + "\n" for r in lines)
    )
    model = folder / "model.json"
    assert main(["fit", str(data), "--outcome", "y", "-o", str(model)]) == 0
    cases = folder / "cases.jsonl"
    cases.write_text(VALID_LINE + "\n" + json.dumps(BASE) + "\n")
    return {"model": model, "data": data, "cases": cases}


def _model_docs(model: dict[str, Any], text: str) -> dict[str, Doc]:
    def at(path: tuple[str | int, ...], fragment: str) -> bytes:
        return splice(model, path, fragment).encode()

    def with_value(path: tuple[str | int, ...], value: Any) -> bytes:
        return json.dumps(put(model, path, value)).encode()

    return {
        "cut-short": Doc(text[: len(text) // 2].encode(), "ends early"),
        "deep-intercept": Doc(at(("intercept",), DEEP), "nested too deeply"),
        "1e400-coefficient": Doc(at(("coef", 0), "1e400"), "too large to hold"),
        "nan-intercept": Doc(at(("intercept",), "NaN"), "NaN and Infinity"),
        "infinity-coefficient": Doc(at(("coef", 1), "-Infinity"), "NaN and Infinity"),
        "5000-digit-max-iter": Doc(at(("params", "max_iter"), LONG_INT), "too many digits"),
        "boolean-max-iter": Doc(at(("params", "max_iter"), "true"), "max_iter"),
        "1_0-max-iter": Doc(at(("params", "max_iter"), '"1_0"'), "max_iter"),
        "duplicate-key": Doc(
            at(("params",), '{"C": 1.0, "C": 2.0}'), "the same key is given twice"
        ),
        "secret-top-level-key": Doc(with_value((SECRET,), 1), "Extra inputs"),
        "secret-params-key": Doc(with_value(("params", SECRET), 1), "params"),
        "secret-kind": Doc(with_value(("kind",), SECRET), "kind"),
        "secret-factor": Doc(
            with_value(("encoder", "factors", 0), SECRET), "not a registered factor"
        ),
        "secret-band-labels": Doc(
            with_value(("params", "band_labels"), [SECRET, "b", "c"]), "band_labels"
        ),
        "escape-in-feature-name": Doc(
            with_value(("feature_names", 0), ESC + SECRET), "feature names"
        ),
        "escape-in-library-version": Doc(
            with_value(("library_version",), ESC + "1"), "library_version"
        ),
        "negative-C": Doc(with_value(("params", "C"), -1.0), "C"),
        "cut-points-reversed": Doc(with_value(("params", "cut_points"), [0.9, 0.1]), "cut_points"),
        "too-few-coefficients": Doc(with_value(("coef",), model["coef"][:2]), "coef has 2 values"),
        "boolean-classes": Doc(with_value(("classes",), [True, False]), "classes"),
        "not-utf8": Doc(text.encode().replace(b"logistic", b"logis\xfftic"), "UTF-8"),
        "empty-file": Doc(b"", "ends early"),
        "empty-array": Doc(b"[]", "valid dictionary"),
        "array-of-non-objects": Doc(b'[1, "x", null]', "valid dictionary"),
    }


_GOOD_MODEL_DOCS = ("utf8-bom", "cr-only")


def _hostile_model(name: str, model_files: dict[str, Path], folder: Path) -> tuple[Path, Doc]:
    text = model_files["model"].read_text()
    if name == "utf8-bom":
        doc = Doc(b"\xef\xbb\xbf" + text.encode(), None)
    elif name == "cr-only":
        doc = Doc(text.replace("\n", "\r").encode(), None)
    else:
        doc = _model_docs(json.loads(text), text)[name]
    path = folder / "hostile-model.json"
    path.write_bytes(doc.data)
    return path, doc


MODEL_DOC_NAMES = [*_model_docs({"coef": [0.0, 0.0]}, "{}"), *_GOOD_MODEL_DOCS]
MODEL_READERS = ("score", "batch", "evaluate")


@pytest.mark.parametrize("reader", MODEL_READERS)
@pytest.mark.parametrize("name", MODEL_DOC_NAMES)
def test_model_files_refuse_corruption_clearly(
    reader: str,
    name: str,
    model_files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, doc = _hostile_model(name, model_files, tmp_path)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(BASE))
    out = tmp_path / "rows.jsonl"
    argv = {
        "score": ["score", "--model", str(path), str(case)],
        "batch": ["batch", "--model", str(path), str(model_files["cases"]), "-o", str(out)],
        "evaluate": ["evaluate", str(path), str(model_files["data"]), "--outcome", "y"],
    }[reader]
    result = run(capsys, *argv)
    if doc.phrase is None:
        assert_clean(result, codes=(0,))
        return
    assert_clean(result)
    assert f"error: {path}" in result.err
    assert doc.phrase in result.err
    if reader == "batch":
        assert_nothing_written(out)


# --- fit and evaluate: hostile training data ---------------------------------------------------


def _data_line(case_text: str, outcome: str = "1") -> str:
    return '{"y": ' + outcome + ', "case": ' + case_text + "}"


_GOOD_CASE = json.dumps(BASE)

DATA_LINES: dict[str, str | bytes] = {
    **{
        f"case-{name}": _data_line(doc.data.decode("utf-8", errors="replace"))
        for name, doc in CASE_DOCS.items()
        if doc.phrase is not None
    },
    "outcome-nan": _data_line(_GOOD_CASE, "NaN"),
    "outcome-1e400": _data_line(_GOOD_CASE, "1e400"),
    "outcome-5000-digits": _data_line(_GOOD_CASE, LONG_INT),
    "outcome-deep": _data_line(_GOOD_CASE, DEEP),
    "outcome-secret": _data_line(_GOOD_CASE, json.dumps(SECRET)),
    "outcome-1_0": _data_line(_GOOD_CASE, '"1_0"'),
    "duplicate-outcome": '{"y": 1, "y": 0, "case": ' + _GOOD_CASE + "}",
    "secret-key-in-case": _data_line(splice(BASE, (SECRET,), "1")),
    "not-utf8": _data_line(_GOOD_CASE).encode().replace(b"EX-01", b"EX-\xff1"),
    "array": "[]",
    "non-object": json.dumps(SECRET),
}


def _hostile_data(model_files: dict[str, Path], name: str, folder: Path) -> Path:
    good = model_files["data"].read_bytes().splitlines(keepends=True)
    line = DATA_LINES[name]
    bad = line if isinstance(line, bytes) else line.encode()
    path = folder / "data.jsonl"
    path.write_bytes(b"".join(good[:100]) + bad + b"\n" + b"".join(good[100:]))
    return path


@pytest.mark.parametrize("name", list(DATA_LINES))
def test_fit_refuses_hostile_records_and_writes_nothing(
    name: str,
    model_files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _hostile_data(model_files, name, tmp_path)
    out = tmp_path / "m.json"
    result = run(capsys, "fit", str(data), "--outcome", "y", "-o", str(out))
    assert_clean(result)
    assert f"error: {data}:101: " in result.err
    assert "no model was fitted" in result.err
    assert_nothing_written(out)


@pytest.mark.parametrize("name", list(DATA_LINES))
def test_evaluate_refuses_hostile_records(
    name: str,
    model_files: dict[str, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = _hostile_data(model_files, name, tmp_path)
    result = run(capsys, "evaluate", str(model_files["model"]), str(data), "--outcome", "y")
    assert_clean(result)
    assert f"error: {data}:101: " in result.err
    assert "nothing was evaluated" in result.err


def test_fit_reads_cr_only_line_endings(
    model_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "cr.jsonl"
    data.write_bytes(model_files["data"].read_bytes().replace(b"\n", b"\r"))
    out = tmp_path / "m.json"
    result = run(capsys, "fit", str(data), "--outcome", "y", "-o", str(out))
    assert_clean(result, codes=(0,))
    assert "fitted on 240 records" in result.out


def test_fit_on_a_table_escapes_control_characters_in_column_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"a{ESC},b,y"] + [f"{i % 2},{(i * 7) % 5},{(i * 3) % 2}" for i in range(120)]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "m.json"
    result = run(capsys, "fit", str(table), "--outcome", "y", "-o", str(out))
    assert_clean(result, codes=(0,))
    assert "a\\u001b[2K" in result.out  # the column's name, printed with its coefficient


# --- batch: every record accounted for ---------------------------------------------------------


def read_rows(result: Result, out: Path | None, fmt: str) -> list[dict[str, Any]]:
    """Return the batch's rows (``out`` None: from standard output, as JSONL)."""
    text = result.out if out is None else out.read_text(encoding="utf-8")
    assert_discreet(text)
    assert_no_raw_controls(text)
    if fmt == "csv":
        rows: list[dict[str, Any]] = []
        for row in csv.DictReader(io.StringIO(text)):
            error = json.loads(row["error"]) if row["error"] else None
            rows.append({**row, "record": int(row["record"]), "error": error})
        return rows
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def assert_rows(rows: list[dict[str, Any]], n: int) -> None:
    assert [r["record"] for r in rows] == list(range(1, n + 1))
    for r in rows:
        assert (r["status"] == "invalid") == (r["error"] is not None)
        if r["error"] is not None:
            assert r["error"]["record"] == r["record"]
            assert r["error"]["problems"], r


OUTPUTS = {"jsonl": "rows.jsonl", "csv": "rows.csv", "stdout": "-"}


def run_batch(
    capsys: pytest.CaptureFixture[str], source: Path | str, folder: Path, output: str
) -> tuple[Result, list[dict[str, Any]] | None, Path | None]:
    """Run ``batch SOURCE -o OUT``; return its result, its rows (None if none) and OUT."""
    out = None if output == "stdout" else folder / OUTPUTS[output]
    result = run(capsys, "batch", str(source), "-o", "-" if out is None else str(out))
    assert_clean(result, codes=(0, 1))
    if result.code == 1 and re.search(r"^error: ", result.err, re.MULTILINE):
        assert "every one of the" not in result.err  # a whole-file error, not invalid rows
        if out is not None:
            assert_nothing_written(out)
        return result, None, out
    fmt = "csv" if output == "csv" else "jsonl"
    return result, read_rows(result, out, fmt), out


_BATCH_DOCS = [n for n, d in CASE_DOCS.items() if b"\n" not in d.data and b"\r" not in d.data]


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("name", _BATCH_DOCS)
def test_batch_jsonl_gives_one_row_per_line(
    name: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = CASE_DOCS[name]
    source = tmp_path / "cases.jsonl"
    source.write_bytes(b"\n".join([VALID_LINE.encode(), doc.data, VALID_LINE.encode(), b""]))
    result, rows, _ = run_batch(capsys, source, tmp_path, output)
    assert result.code == 0
    assert rows is not None
    n = 3 if doc.data.strip() else 2  # a blank line is not a record
    assert_rows(rows, n)
    assert rows[0]["status"] != "invalid"
    assert rows[-1]["status"] != "invalid"
    if n == 3 and doc.phrase is not None:
        assert rows[1]["status"] == "invalid"
        assert rows[1]["case_id"] is None or "\x1b" not in rows[1]["case_id"]


@pytest.mark.parametrize("name", [n for n, d in CASE_DOCS.items() if d.phrase is not None])
def test_batch_json_array_gives_a_row_per_element_or_writes_nothing(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = CASE_DOCS[name]
    source = tmp_path / "cases.json"
    middle = doc.data if not doc.data.startswith(b"[") or name == "deep-document" else b"[1]"
    source.write_bytes(
        b"[" + VALID_LINE.encode() + b",\n" + middle + b",\n" + VALID_LINE.encode() + b"]"
    )
    result, rows, _ = run_batch(capsys, source, tmp_path, "jsonl")
    if doc.parse:
        assert rows is None, "a file that is not JSON as a whole must not give rows"
        assert result.code == 1
        assert doc.phrase in result.err
        return
    assert rows is not None
    assert_rows(rows, 3)
    assert [r["status"] == "invalid" for r in rows] == [False, True, False]


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_batch_json_array_of_non_objects(
    output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cases.json"
    source.write_text(f'[1, "{SECRET}", null, [], true]')
    result, rows, _ = run_batch(capsys, source, tmp_path, output)
    assert rows is not None
    assert_rows(rows, 5)
    assert {r["status"] for r in rows} == {"invalid"}
    assert result.code == 1  # nothing could be scored: said loudly
    assert "every one of the 5 records is invalid" in result.err


@pytest.mark.parametrize("output", list(OUTPUTS))
def test_batch_reads_cr_only_and_bom_jsonl(
    output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "cases.jsonl"
    bad = json.dumps(put(BASE, ("perpetrator", SECRET), 1))
    source.write_bytes(("\ufeff" + "\r".join([VALID_LINE, bad, VALID_LINE]) + "\r").encode())
    result, rows, _ = run_batch(capsys, source, tmp_path, output)
    assert result.code == 0
    assert rows is not None
    assert_rows(rows, 3)
    assert [r["status"] == "invalid" for r in rows] == [False, True, False]


_CSV_HEADER = "case_id,assessment_date,perpetrator.sex,history.conviction_count,history.convictions"
_CSV_GOOD = "C-1,2024-05-01,male,2,[]"


def _csv(*rows: str, header: str = _CSV_HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _csv_row(column: int, cell: str) -> str:
    cells = _CSV_GOOD.replace("C-1", "C-2").split(",")
    cells[column] = '"' + cell.replace('"', '""') + '"'
    return ",".join(cells)


CSV_DOCS: dict[str, tuple[bytes, list[bool]]] = {  # the bytes, and which rows are invalid
    "secret-sex": (_csv(_CSV_GOOD, _csv_row(2, SECRET), _CSV_GOOD), [False, True, False]),
    "1_0-count": (_csv(_CSV_GOOD, _csv_row(3, "1_0"), _CSV_GOOD), [False, True, False]),
    "true-count": (_csv(_CSV_GOOD, _csv_row(3, "true"), _CSV_GOOD), [False, True, False]),
    "5000-digit-count": (_csv(_CSV_GOOD, _csv_row(3, LONG_INT), _CSV_GOOD), [False, True, False]),
    "1e400-count": (_csv(_CSV_GOOD, _csv_row(3, "1e400"), _CSV_GOOD), [False, True, False]),
    "nan-count": (_csv(_CSV_GOOD, _csv_row(3, "NaN"), _CSV_GOOD), [False, True, False]),
    "deep-cell": (_csv(_CSV_GOOD, _csv_row(4, DEEP), _CSV_GOOD), [False, True, False]),
    "secret-key-cell": (
        _csv(_CSV_GOOD, _csv_row(4, f'[{{"{SECRET}": 1}}]'), _CSV_GOOD),
        [False, True, False],
    ),
    "duplicate-key-cell": (
        _csv(_CSV_GOOD, _csv_row(4, '[{"offence": "stalking", "offence": "other"}]'), _CSV_GOOD),
        [False, True, False],
    ),
    "nan-cell": (_csv(_CSV_GOOD, _csv_row(4, "[NaN]"), _CSV_GOOD), [False, True, False]),
    "escape-case-id": (_csv(_CSV_GOOD, _csv_row(0, ESC + SECRET), _CSV_GOOD), [False, True, False]),
    "not-utf8-cell": (
        _csv(_CSV_GOOD, _csv_row(2, "JANE"), _CSV_GOOD).replace(b"JANE", b"J\xffNE"),
        [False, True, False],
    ),
    "extra-cells": (_csv(_CSV_GOOD, _CSV_GOOD + f",{SECRET}", _CSV_GOOD), [False, True, False]),
    "secret-column": (
        _csv("C-1,2024-05-01,1", "C-2,2024-05-01,2", header=f"case_id,assessment_date,{SECRET}"),
        [True, True],
    ),
    "secret-column-conflict": (
        _csv(
            "C-1,2024-05-01,male,x",
            "C-2,2024-05-01,,",
            header=f"case_id,assessment_date,perpetrator.sex,perpetrator.sex.{SECRET}",
        ),
        [True, False],
    ),
    "secret-json-column": (
        _csv("C-1,2024-05-01,[", header=f"case_id,assessment_date,{SECRET}"),
        [True],
    ),
    "unclosed-quote": (_csv(_CSV_GOOD, f'C-2,2024-05-01,"{SECRET},,'), [False, True]),
    "cr-only": (
        _csv(_CSV_GOOD, _csv_row(2, SECRET), _CSV_GOOD).replace(b"\n", b"\r"),
        [False, True, False],
    ),
    "utf8-bom": (b"\xef\xbb\xbf" + _csv(_CSV_GOOD, _CSV_GOOD), [False, False]),
    "long-cell-with-fake-record": (
        (
            'case_id,assessment_date,history.convictions\nC-1,2024-05-01,"'
            + "x" * 131073
            + '\nFAKE-9,2024-05-01,[]\n"\nC-2,2024-05-01,[]\n'
        ).encode(),
        [True, False],
    ),
}


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("name", list(CSV_DOCS))
def test_batch_csv_gives_one_row_per_record(
    name: str, output: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, invalid = CSV_DOCS[name]
    source = tmp_path / "cases.csv"
    source.write_bytes(data)
    result, rows, _ = run_batch(capsys, source, tmp_path, output)
    assert rows is not None, result.err
    assert_rows(rows, len(invalid))
    assert [r["status"] == "invalid" for r in rows] == invalid
    assert result.code == (1 if all(invalid) else 0)
    assert all(r["case_id"] != "FAKE-9" for r in rows)
    if name == "long-cell-with-fake-record":
        assert rows[1]["case_id"] == "C-2"


def test_batch_csv_long_cell_reproduction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The exact reproduction of the hardening issue: two rows, never one for FAKE-9."""
    source = tmp_path / "cases.csv"
    source.write_text(
        'case_id,assessment_date,history.convictions\nC-1,2024-05-01,"'
        + "x" * 131073
        + '\nFAKE-9,2024-05-01,[]\n"\nC-2,2024-05-01,[]\n'
    )
    out = tmp_path / "rows.jsonl"
    result = run(capsys, "batch", str(source), "-o", str(out), "--instrument", SCREEN_1)
    assert_clean(result, codes=(0,))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["record"], r["line"]) for r in rows] == [(1, 2), (2, 5)]  # C-1, then C-2
    assert rows[0]["status"] == "invalid"
    assert rows[0]["error"]["kind"] == "csv"
    assert rows[1]["case_id"] == "C-2"
    assert rows[1]["status"] != "invalid"
    assert set(rows[1]["scales"]) == {"continued_stalking", "serious_harm"}
    assert "FAKE-9" not in out.read_text()


@pytest.mark.parametrize(
    ("name", "data", "phrase"),
    [
        ("deep.json", DEEP.encode(), "nested too deeply"),
        ("dup.json", b'[{"case_id": "A", "case_id": "B"}]', "the same key is given twice"),
        ("nan.json", b"[NaN]", "NaN and Infinity"),
        ("bad.json", b'[{"case_id": "\xff"}]', "not UTF-8"),
        ("cut.json", b'[{"case_id": "A"}', "ends early"),
        ("header.csv", _csv(_CSV_GOOD, header="case_id,case_id"), "header row"),
        ("badheader.csv", b"case_id,\xff\n", "header row"),
        ("empty-column.csv", _csv(_CSV_GOOD, header="case_id,,x,y,z"), "header row"),
    ],
)
@pytest.mark.parametrize("output", ["jsonl", "csv"])
def test_batch_refusing_a_whole_file_writes_nothing(
    name: str,
    data: bytes,
    phrase: str,
    output: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    result, rows, out = run_batch(capsys, source, tmp_path, output)
    assert rows is None
    assert result.code == 1
    assert phrase in result.err
    assert out is not None
    assert_nothing_written(out)


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.json", "empty.csv"])
def test_batch_of_an_empty_file_has_no_rows(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / name
    source.write_bytes(b"")
    result, rows, _ = run_batch(capsys, source, tmp_path, "jsonl")
    assert rows == []
    assert result.code == 0
    assert "0 records" in result.err


@pytest.mark.parametrize("stdin_kind", ["bytes", "text"])
def test_batch_from_standard_input(
    stdin_kind: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [VALID_LINE, CASE_DOCS["secret-key"].data.decode(), "[]", VALID_LINE]
    data = ("\n".join(lines) + "\n").encode()
    stream: Any = (
        io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
        if stdin_kind == "bytes"
        else io.StringIO(data.decode())
    )
    monkeypatch.setattr(sys, "stdin", stream)
    _result, rows, _ = run_batch(capsys, "-", tmp_path, "stdout")
    assert rows is not None
    assert_rows(rows, 4)
    assert [r["status"] == "invalid" for r in rows] == [False, True, True, False]


# --- verify: a hostile audit record ------------------------------------------------------------


def _record_docs(record: dict[str, Any]) -> dict[str, Doc]:
    def at(path: tuple[str | int, ...], fragment: str) -> bytes:
        return splice(record, path, fragment).encode()

    def with_value(path: tuple[str | int, ...], value: Any) -> bytes:
        return json.dumps(put(record, path, value)).encode()

    total = ("assessment", "scales", 0, "total")
    return {
        "deep-document": Doc(DEEP.encode(), "nested too deeply"),
        "deep-total": Doc(at(total, DEEP), "nested too deeply"),
        "5000-digit-total": Doc(at(total, LONG_INT), "too many digits"),
        "1e400-total": Doc(at(total, "1e400"), "too large to hold"),
        "nan-total": Doc(at(total, "NaN"), "NaN and Infinity"),
        "duplicate-key": Doc(
            at(("assessment", "case_id"), '"EX-01", "case_id": "EX-02"'), "the same key is given"
        ),
        "secret-top-level-key": Doc(with_value((SECRET,), 1), "an unknown field"),
        "secret-assessment-key": Doc(with_value(("assessment", SECRET), 1), "assessment"),
        "secret-format": Doc(with_value(("format",), SECRET), "format"),
        "escape-in-case-id": Doc(with_value(("assessment", "case_id"), ESC + SECRET), "case_id"),
        "escape-in-title": Doc(
            with_value(("assessment", "instrument", "title"), ESC + "x"), "control characters"
        ),
        "not-utf8": Doc(json.dumps(record).encode().replace(b"EX-01", b"EX-\xff1", 1), "UTF-8"),
        "empty-file": Doc(b"", "not valid JSON"),
        "empty-array": Doc(b"[]", "valid dictionary"),
        "array-of-non-objects": Doc(b'[1, "x", null]', "valid dictionary"),
    }


RECORD_DOC_NAMES = list(_record_docs({}))


@pytest.mark.parametrize("name", RECORD_DOC_NAMES)
def test_verify_refuses_a_hostile_record_clearly(
    name: str, record_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _record_docs(json.loads(record_file.read_text()))[name]
    record = tmp_path / "record.json"
    record.write_bytes(doc.data)
    case = tmp_path / "case.json"
    case.write_text(json.dumps(BASE))
    result = run(capsys, "verify", str(record), str(case))
    assert_clean(result)
    assert f"error: {record}" in result.err
    assert doc.phrase
    assert doc.phrase in result.err


def test_a_genuine_record_verifies(
    record_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps(BASE))
    result = run(capsys, "verify", str(record_file), str(case))
    assert_clean(result, codes=(0,))
    assert result.out.startswith("verified: ")


# --- the property: hostile values at random places in valid cases ------------------------------

EXAMPLES = [c.model_dump(mode="json") for c in stalkrisk.load_examples()]

#: Hostile values as JSON text fragments (spliced in as they are).
FRAGMENTS = st.sampled_from(
    [
        DEEP,
        LONG_INT,
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        "-Infinity",
        "true",
        '"1_0"',
        f'{{"{SECRET}": 1}}',
        '{"to_kill": "present", "to_kill": "absent"}',
        f'{{"{SECRET}": 1, "{SECRET}": 2}}',
        json.dumps(ESC + SECRET),
        '"' + ESC + SECRET + '"',  # a raw control character: not valid JSON
        json.dumps(SECRET),
        f'[1, "{SECRET}", null]',
        "[" + ", ".join(["{}"] * (MAX_LIST_ITEMS + 1)) + "]",
    ]
)
#: Hostile values as Python values.
VALUES = st.one_of(
    st.just(SECRET),
    st.just(ESC + SECRET),
    st.just({SECRET: 1}),
    st.just([SECRET]),
    st.booleans(),
    st.none(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8"), max_size=20).map(lambda t: SECRET + t),
)


def _paths(data: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
        out.append((*prefix, SECRET))  # a new key, named by the secret
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def hostile_cases(draw: st.DrawFn) -> str:
    """A valid example case with hostile values at random paths, as one line of JSON text."""
    data = draw(st.sampled_from(EXAMPLES))
    for _ in range(draw(st.integers(0, 2))):  # Python values first
        data = put(data, draw(st.sampled_from(_paths(data))), draw(VALUES))
    fragment = draw(st.one_of(FRAGMENTS, VALUES.map(json.dumps)))  # then one JSON fragment
    return splice(data, draw(st.sampled_from(_paths(data))), fragment)


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


@PROPERTY
@given(cases=st.lists(hostile_cases(), min_size=1, max_size=3))
def test_hostile_values_anywhere_in_a_case(
    cases: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i, text in enumerate(cases):
        path = tmp_path / f"case-{i}.json"
        path.write_text(text, encoding="utf-8")
        for command in ("score", "validate"):
            assert_clean(run(capsys, command, str(path)), codes=(0, 1))
    source = tmp_path / "cases.jsonl"
    source.write_text("".join(t + "\n" for t in cases), encoding="utf-8")
    for output in OUTPUTS:
        result, rows, _ = run_batch(capsys, source, tmp_path, output)
        assert rows is not None
        assert_rows(rows, len(cases))
        assert result.code == (1 if all(r["status"] == "invalid" for r in rows) else 0)
