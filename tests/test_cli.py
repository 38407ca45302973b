"""The command line: every command, its exit status, and its messages for bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.cli import main

from .conftest import EXAMPLES, INVALID


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_lists_every_example_with_reasons(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "demo")
    assert code == 0
    assert err == ""
    for case_id in stalkrisk.example_ids():
        assert case_id in out
    assert "not validated on outcomes" in out
    assert "not a decision" in out
    assert "Why" in out
    assert "red flags: " in out


def test_demo_full_prints_every_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--full")
    assert code == 0
    assert out.count("Contributions:") == 3 * len(stalkrisk.example_ids())  # three scales


def test_score_text(capsys: pytest.CaptureFixture[str], example_files: list[Path]) -> None:
    code, out, err = run(capsys, "score", str(example_files[0]))
    assert code == 0
    assert err == ""
    assert out.startswith("Case EX-01")
    assert "Contributions:" in out
    assert "sha256" in out
    assert "not a decision" in out


def test_score_json_round_trips(
    capsys: pytest.CaptureFixture[str], example_files: list[Path]
) -> None:
    code, out, _ = run(capsys, "score", "--format", "json", *map(str, example_files))
    assert code == 0
    payload = json.loads(out)
    assert len(payload) == len(example_files)
    first = stalkrisk.Assessment.model_validate(payload[0])
    case = stalkrisk.Case.model_validate_json(example_files[0].read_text())
    assert first == stalkrisk.score(case)


def test_score_reads_stdin_and_arrays(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, example_files: list[Path]
) -> None:
    docs = [json.loads(p.read_text()) for p in example_files[:2]]
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(json.dumps(docs)))
    code, out, _ = run(capsys, "score", "--format", "json", "-")
    assert code == 0
    assert [a["case_id"] for a in json.loads(out)] == [d["case_id"] for d in docs]


def test_score_continues_past_a_bad_file(
    capsys: pytest.CaptureFixture[str], example_files: list[Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"case_id": "B-1", "assessment_date": "2024-01-01", "oops": 1}')
    code, out, err = run(capsys, "score", str(bad), str(example_files[0]))
    assert code == 1
    assert f"{bad}: (top level): an unknown field was given here" in err
    assert "oops" not in err  # an unknown key may be personal data: never repeated
    assert "Case EX-01" in out


def test_score_with_instrument_path(
    capsys: pytest.CaptureFixture[str], example_files: list[Path], tmp_path: Path
) -> None:
    path = tmp_path / "copy.json"
    path.write_text(stalkrisk.load_instrument().model_dump_json())
    code, out, _ = run(capsys, "score", "--instrument", str(path), str(example_files[0]))
    assert code == 0
    assert stalkrisk.load_instrument().sha256[:12] in out


def test_unknown_instrument_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], example_files: list[Path]
) -> None:
    code, _, err = run(capsys, "score", "--instrument", "nope", str(example_files[0]))
    assert code == 2
    assert "no bundled instrument has the id 'nope'" in err


def test_broken_instrument_file_is_invalid_input(
    capsys: pytest.CaptureFixture[str], example_files: list[Path], tmp_path: Path
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('format = "stalkrisk-instrument/1"\nid = "x"\n')
    code, _, err = run(capsys, "score", "--instrument", str(path), str(example_files[0]))
    assert code == 1
    assert str(path) in err
    assert "Traceback" not in err


@pytest.mark.parametrize("path", sorted(INVALID.glob("*.json")), ids=lambda p: p.name)
def test_every_invalid_example_gets_a_clear_message(
    capsys: pytest.CaptureFixture[str], path: Path
) -> None:
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert "Traceback" not in err


def test_invalid_examples_exist() -> None:
    assert len(list(INVALID.glob("*.json"))) >= 8


def test_validate_valid_files(
    capsys: pytest.CaptureFixture[str], example_files: list[Path]
) -> None:
    code, out, err = run(capsys, "validate", *map(str, example_files))
    assert code == 0
    assert err == ""
    assert out.count(": valid (1 case)") == len(example_files)


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nope.json"))
    assert code == 1
    assert "no such file" in err


def test_not_an_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]")
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1
    assert f"{path}[0]: a case must be a JSON object" in err


def test_errors_do_not_echo_personal_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "pii.json"
    path.write_text(
        json.dumps(
            {
                "case_id": "Jane Q Public",
                "assessment_date": "1999-99-99",
                "perpetrator": {"age": "Forty-Two-Sekrit"},
            }
        )
    )
    code, _, err = run(capsys, "validate", str(path))
    assert code == 1
    for secret in ("Jane Q Public", "1999-99-99", "Forty-Two-Sekrit"):
        assert secret not in err
    assert "case_id" in err
    assert "assessment_date" in err
    assert "perpetrator.age" in err


def test_schema_matches_committed_copy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_instruments_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "instruments", "list")
    assert code == 0
    assert "stalkrisk-screen" in out
    assert "(default)" in out
    code, out, _ = run(capsys, "instruments", "show", "stalkrisk-screen")
    assert code == 0
    assert stalkrisk.load_instrument().sha256 in out
    assert "Red flag: Threats to kill" in out
    assert (
        "Bands: Fewer factors under 7, Several factors 7 to under 9, Many factors 9 or more" in out
    )
    assert "Not scored while a red flag is unknown and none has fired" in out
    assert "The victim's own view of the danger [victim_fear] (context)" in out
    code, out, _ = run(capsys, "instruments", "list")
    assert "stalkrisk-screen@1.0.0" in out
    assert "superseded" in out
    code, out, _ = run(capsys, "instruments", "show", "stalkrisk-screen@1.0.0")
    assert code == 0
    assert "Bands: Low under 4, Moderate 4 to under 8, High 8 or more" in out
    code, out, _ = run(capsys, "instruments", "show", "stalkrisk-screen", "--format", "json")
    assert code == 0
    assert (
        stalkrisk.instrument_from_data(json.loads(out)).sha256 == stalkrisk.load_instrument().sha256
    )


def test_factors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "factors")
    assert code == 0
    for name in stalkrisk.FACTORS:
        assert name in out


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["score"], ["score", "--format", "xml", "x.json"], ["instruments"]],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"stalkrisk {stalkrisk.__version__}"


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stalkrisk", "validate", str(next(EXAMPLES.glob("*.json")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert ": valid" in result.stdout


# --- hardening -----------------------------------------------------------------------------


def test_an_empty_array_is_not_valid(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    for command in ("validate", "score"):
        code, out, err = run(capsys, command, str(empty))
        assert code == 1
        assert "valid (0 cases)" not in out
        assert f"{empty}: holds no cases (an empty JSON array)" in err


def test_validate_hash_and_canonical_show_what_an_input_hash_is_made_of(
    capsys: pytest.CaptureFixture[str], example_files: list[Path]
) -> None:
    path = example_files[0]
    case = stalkrisk.Case.model_validate_json(path.read_text())
    code, out, _ = run(capsys, "validate", "--hash", str(path))
    assert code == 0
    assert out == f"{stalkrisk.input_sha256(case)}  {path}\n"
    code, out, _ = run(capsys, "validate", "--canonical", str(path))
    assert code == 0
    text = out.rstrip("\n")
    assert "\n" not in text  # one line, no whitespace between tokens: RFC 8785
    assert ": " not in text.split('"case_id"')[0]
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == stalkrisk.input_sha256(case)
    assert stalkrisk.Case.model_validate_json(text) == case


def test_a_case_file_over_the_size_limit_points_to_batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, example_files: list[Path]
) -> None:
    monkeypatch.setattr("stalkrisk.cli._common.MAX_CASE_FILE_BYTES", 100)
    code, _, err = run(capsys, "score", str(example_files[0]))
    assert code == 1
    assert "is larger than 100 bytes" in err
    assert "stalkrisk batch" in err


def test_text_from_files_cannot_control_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # An instrument whose title holds terminal escapes is refused when it is loaded ...
    data = stalkrisk.load_instrument().model_dump(mode="json")
    data["id"] = "escape-test"
    data["title"] = "Screen\x1b[2K\rverified: everything\u202e"
    path = tmp_path / "escape.json"
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, "instruments", "show", str(path))
    assert code == 1
    assert "title: control characters and characters that reorder text are not allowed" in err
    # ... and whatever the command line prints (here a file's own name) shows them escaped
    name = tmp_path / "case\x1b[2K\r\u202e.json"
    name.write_text("{")
    code, out, err = run(capsys, "validate", str(name))
    assert code == 1
    for raw in ("\x1b", "\r", "\u202e"):
        assert raw not in out + err
    assert "case\\u001b[2K\\u000d\\u202e.json" in err


def test_score_takes_a_mapping_and_refuses_other_types() -> None:
    data = {"case_id": "M-1", "assessment_date": "2024-05-01"}
    assert stalkrisk.score(data) == stalkrisk.score(stalkrisk.Case.model_validate(data))
    with pytest.raises(TypeError, match=r"Case\.model_validate_json"):
        stalkrisk.score('{"case_id": "M-1"}')  # type: ignore[arg-type]
