"""The command line's audit commands: score --record, verify, instruments check, schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk import AssessmentRecord
from stalkrisk.cli import main

from .conftest import EXAMPLES, ROOT

DATA = Path(__file__).resolve().parent / "data" / "instruments"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
#: The instrument whose scale and item ids the record tests name, pinned so that a new default
#: changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _case_file(example_files: list[Path], case_id: str) -> Path:
    return next(p for p in example_files if p.name.startswith(case_id + "-"))


@pytest.fixture
def ex01(example_files: list[Path]) -> Path:
    return _case_file(example_files, "EX-01")


@pytest.fixture
def record_file(capsys: pytest.CaptureFixture[str], ex01: Path, tmp_path: Path) -> Path:
    path = tmp_path / "record.json"
    code, _, err = run(capsys, "score", "--instrument", SCREEN_1, "--record", str(path), str(ex01))
    assert code == 0, err
    return path


# --- score --record and verify -----------------------------------------------------------------


def test_score_record_writes_a_record_and_still_reports(
    capsys: pytest.CaptureFixture[str], ex01: Path, tmp_path: Path
) -> None:
    path = tmp_path / "record.json"
    code, out, err = run(capsys, "score", "--record", str(path), str(ex01))
    assert code == 0
    assert err == ""
    assert out.startswith("Case EX-01")
    record = AssessmentRecord.model_validate_json(path.read_text(encoding="utf-8"))
    case = stalkrisk.load_example("EX-01")
    assert record.content_intact()
    assert record.input_sha256 == stalkrisk.input_sha256(case)
    assert record.assessment == stalkrisk.score(case)
    assert stalkrisk.verify(record, case) == []


def test_score_record_with_json_output(
    capsys: pytest.CaptureFixture[str], ex01: Path, tmp_path: Path
) -> None:
    path = tmp_path / "record.json"
    code, out, _ = run(capsys, "score", "--format", "json", "--record", str(path), str(ex01))
    assert code == 0
    (printed,) = json.loads(out)
    record = AssessmentRecord.model_validate_json(path.read_text(encoding="utf-8"))
    assert stalkrisk.Assessment.model_validate(printed) == record.assessment


def test_verify_accepts_a_fresh_record(
    capsys: pytest.CaptureFixture[str], record_file: Path, ex01: Path
) -> None:
    code, out, err = run(capsys, "verify", str(record_file), str(ex01))
    assert code == 0
    assert err == ""
    instrument = stalkrisk.load_instrument(SCREEN_1)
    first, second = out.splitlines()
    assert first == (
        f"verified: {record_file} matches case EX-01 re-scored with "
        f"{instrument.id} {instrument.version} (sha256 {instrument.sha256[:12]})"
    )
    # verify says plainly that an unsigned record is re-scored, not authenticated
    assert second.startswith("not authenticated: the record is not signed.")


def test_verify_with_another_case_lists_the_differences(
    capsys: pytest.CaptureFixture[str], record_file: Path, example_files: list[Path]
) -> None:
    code, out, err = run(
        capsys, "verify", str(record_file), str(_case_file(example_files, "EX-02"))
    )
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0].endswith(f"difference(s) between {record_file} and a fresh assessment:")
    assert int(lines[0].split()[0]) == len(lines) - 1
    assert lines[1].startswith("  input_sha256: the case is not the one that was assessed")
    assert lines[2] == "  case_id: the case id differs (recorded EX-01, now EX-02)"
    assert "verified" not in out


def test_verify_a_tampered_record(
    capsys: pytest.CaptureFixture[str], record_file: Path, ex01: Path
) -> None:
    data = json.loads(record_file.read_text(encoding="utf-8"))
    harm = next(s for s in data["assessment"]["scales"] if s["scale"] == "serious_harm")
    harm["total"] -= 1
    record_file.write_text(json.dumps(data, indent=2), encoding="utf-8")
    code, out, err = run(capsys, "verify", str(record_file), str(ex01))
    assert code == 1
    assert err == ""
    assert out.startswith(f"2 difference(s) between {record_file}")
    assert "  record_sha256: the record has been altered since it was written" in out
    assert "  scales.serious_harm.total: the total differs" in out


def test_verify_with_a_changed_instrument(
    capsys: pytest.CaptureFixture[str], record_file: Path, ex01: Path, tmp_path: Path
) -> None:
    data = stalkrisk.load_instrument(SCREEN_1).model_dump(mode="json")
    data["id"] = "screen-copy"  # a changed copy may not take the bundled instrument's id
    item = next(i for i in data["items"] if i["id"] == "previous_convictions")
    item["levels"][-1]["points"] += 1
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "verify", "--instrument", str(path), str(record_file), str(ex01))
    assert code == 1
    assert "  instrument.sha256: the instrument's content differs" in out
    assert "scales.continued_stalking.contributions.previous_convictions" in out


def test_verify_with_an_unknown_instrument_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], record_file: Path, ex01: Path
) -> None:
    code, _, err = run(capsys, "verify", "--instrument", "nope", str(record_file), str(ex01))
    assert code == 2
    assert "no bundled instrument has the id 'nope'" in err


def test_score_record_needs_exactly_one_case(
    capsys: pytest.CaptureFixture[str], example_files: list[Path], tmp_path: Path
) -> None:
    path = tmp_path / "record.json"
    code, out, err = run(
        capsys, "score", "--record", str(path), str(example_files[0]), str(example_files[1])
    )
    assert code == 2
    assert out == ""
    assert "--record needs exactly one valid case" in err
    assert not path.exists()


def test_score_record_with_an_array_of_cases_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], example_files: list[Path], tmp_path: Path
) -> None:
    both = tmp_path / "both.json"
    both.write_text(json.dumps([json.loads(p.read_text()) for p in example_files[:2]]))
    path = tmp_path / "record.json"
    code, _, err = run(capsys, "score", "--record", str(path), str(both))
    assert code == 2
    assert "exactly one valid case" in err
    assert not path.exists()


def test_score_record_to_an_unwritable_place(
    capsys: pytest.CaptureFixture[str], ex01: Path, tmp_path: Path
) -> None:
    path = tmp_path / "no-such-folder" / "record.json"
    code, _, err = run(capsys, "score", "--record", str(path), str(ex01))
    assert code == 2
    assert f"cannot write {path}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.json", None, "no such file"),
        ("not-json.json", "{not json", "not valid JSON (line 1, column 2"),
        ("latin1.json", b"\xff\xfe{}", "not UTF-8"),
        ("list.json", "[]", "valid dictionary"),
        ("case.json", "EX-01", "Field required"),
    ],
)
def test_unreadable_record_file(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    name: str,
    content: str | bytes | None,
    expected: str,
) -> None:
    ex01 = next(EXAMPLES.glob("EX-01-*.json"))
    path = tmp_path / name
    if content == "EX-01":
        path.write_bytes(ex01.read_bytes())  # a case is not a record
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "verify", str(path), str(ex01))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert expected in err
    assert "Traceback" not in err


def test_verify_with_an_invalid_case_file(
    capsys: pytest.CaptureFixture[str], record_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad-case.json"
    bad.write_text('{"case_id": "EX-01", "assessment_date": "2025-03-14", "oops": 1}')
    code, out, err = run(capsys, "verify", str(record_file), str(bad))
    assert code == 1
    assert out == ""
    assert f"{bad}: (top level): an unknown field was given here" in err
    assert "oops" not in err


def test_verify_with_a_file_of_several_cases(
    capsys: pytest.CaptureFixture[str],
    record_file: Path,
    example_files: list[Path],
    tmp_path: Path,
) -> None:
    both = tmp_path / "both.json"
    both.write_text(json.dumps([json.loads(p.read_text()) for p in example_files[:2]]))
    code, _, err = run(capsys, "verify", str(record_file), str(both))
    assert code == 1
    assert f"{both}: holds 2 cases; give the one case assessed" in err


# --- instruments check --------------------------------------------------------------------------


def test_instruments_check_bundled_instrument(capsys: pytest.CaptureFixture[str]) -> None:
    bundled = resources.files("stalkrisk.instruments") / "data" / "stalkrisk-screen.toml"
    with resources.as_file(bundled) as path:
        code, out, err = run(capsys, "instruments", "check", str(path))
    instrument = stalkrisk.load_instrument()
    assert code == 0
    assert err == ""
    assert out.startswith(f"{path}: valid: {instrument.id} {instrument.version}, ")
    assert f"{len(instrument.items)} items, {len(instrument.scales)} scale(s)" in out
    assert out.rstrip().endswith(f"sha256 {instrument.sha256}")


def test_instruments_check_minimal_json_and_toml_agree(capsys: pytest.CaptureFixture[str]) -> None:
    hashes = set()
    for name in ("minimal.toml", "minimal.json", "minimal_reformatted.toml"):
        code, out, _ = run(capsys, "instruments", "check", str(DATA / name))
        assert code == 0, name
        hashes.add(out.rsplit("sha256 ", 1)[1].strip())
    assert len(hashes) == 1


@pytest.mark.parametrize(
    ("name", "location"),
    [
        ("bands_gap.toml", "scales[0] (harm).bands[1] (moderate).min: bands must be contiguous"),
        ("unknown_factor.toml", "items[0] (threats).factor"),
        ("malformed.toml", "not valid TOML"),
        ("malformed.json", "not valid JSON"),
        ("wrong_extension.yaml", "must end in .toml or .json"),
    ],
)
def test_instruments_check_broken_file(
    capsys: pytest.CaptureFixture[str], name: str, location: str
) -> None:
    path = DATA / name
    code, out, err = run(capsys, "instruments", "check", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}: ")
    assert "problem" in err.splitlines()[0]
    assert location in err
    assert "Traceback" not in err


def test_instruments_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    code, _, err = run(capsys, "instruments", "check", str(path))
    assert code == 1
    assert str(path) in err
    assert "cannot read the file" in err


# --- schemas -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "committed"),
    [
        ("record", "record-schema.json"),
        ("instrument", "instrument-schema.json"),
        ("judgement", "judgement-schema.json"),
    ],
)
def test_schema_matches_committed_copy(
    capsys: pytest.CaptureFixture[str], what: str, committed: str
) -> None:
    code, out, err = run(capsys, "schema", what)
    assert code == 0
    assert err == ""
    schema = json.loads(out)
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["type"] == "object"
    assert out == (ROOT / "docs" / committed).read_text(encoding="utf-8"), (
        f"docs/{committed} is stale: run `stalkrisk schema {what} > docs/{committed}`"
    )


def test_record_schema_describes_the_record_fields(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "schema", "record")
    schema = json.loads(out)
    assert set(schema["properties"]) == set(AssessmentRecord.model_fields)
    assert set(schema["required"]) >= {"created_at", "input_sha256", "assessment", "record_sha256"}


def test_schema_case_is_still_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    _, default, _ = run(capsys, "schema")
    _, case, _ = run(capsys, "schema", "case")
    assert default == case == (ROOT / "docs" / "case-schema.json").read_text(encoding="utf-8")
