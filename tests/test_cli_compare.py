"""``stalkrisk compare``: two assessments of one case, each a case file or an audit record."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.changes import DIFFERENT_CASES, Changes
from stalkrisk.cli import main

from .conftest import EXAMPLES

BAIL = EXAMPLES / "bail" / "CT-21-at-bail.json"
SENTENCING = EXAMPLES / "sentencing" / "CT-21-at-sentencing.json"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bail_record(tmp_path: Path) -> Path:
    """The bail assessment's audit record, with the practitioner's override of serious harm."""
    case = stalkrisk.Case.model_validate_json(BAIL.read_text(encoding="utf-8"))
    assessment = stalkrisk.score(case).with_override(
        "serious_harm",
        "many",
        "imminent_risk_indicators",
        "Red flags not yet asked about; recent escalation reported by police.",
        "PO-117",
    )
    record = stalkrisk.AssessmentRecord.from_assessment(
        assessment, case, created_at=dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)
    )
    path = tmp_path / "CT-21-bail-record.json"
    path.write_text(record.to_json(), encoding="utf-8")
    return path


def test_case_against_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "compare", str(BAIL), str(SENTENCING))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "Case CT-21: changes from the assessment of 2025-03-10 to the assessment of 2025-06-16"
        "  [SYNTHETIC: a fictional case]"
    )
    assert lines[1] == "Instrument: stalkrisk-screen@2.0.0 both times"
    for expected in (
        "- Serious physical or sexual violence: computed band not scored -> Many factors or a "
        "red flag",
        "- Serious physical or sexual violence: red flag now fired: Strangulation (minimum band "
        "Many factors or a red flag)",
        "- Persistence of the current episode: changed: Last incident within the last 90 days: "
        "0 -> 100 (2 points -> 0 points)",
        '- facts: history.protective_orders[0].breaches[1]: added: {"date":"2025-03-08"}',
        "- facts: episode.ongoing: present -> absent",
    ):
        assert expected in lines, expected
    assert "Case facts: not compared" not in out
    assert out.endswith("\n\n" + stalkrisk.DECISION_SUPPORT_NOTICE + "\n")


def test_record_against_case(capsys: pytest.CaptureFixture[str], bail_record: Path) -> None:
    code, out, err = run(capsys, "compare", str(bail_record), str(SENTENCING))
    assert (code, err) == (0, "")
    assert (
        "- Serious physical or sexual violence: the computed band is now Many factors or a red "
        "flag, the band the practitioner set by override at the earlier assessment (agreement "
        "between the two is not evidence that either is right)"
    ) in out.splitlines()
    assert "Case facts: not compared" in out  # a record holds no case facts
    assert "- facts:" not in out
    assert out.endswith(stalkrisk.DECISION_SUPPORT_NOTICE + "\n")


def test_json_output_parses_as_changes(
    capsys: pytest.CaptureFixture[str], bail_record: Path
) -> None:
    code, out, _ = run(capsys, "compare", "--format", "json", str(bail_record), str(SENTENCING))
    assert code == 0
    changes = Changes.model_validate(json.loads(out))
    assert changes.case_id == "CT-21"
    assert not changes.facts_compared
    assert [s.scale for s in changes.scales][-1] == "serious_harm"
    assert changes.notice == stalkrisk.DECISION_SUPPORT_NOTICE
    code, out, _ = run(capsys, "compare", "--format", "json", str(BAIL), str(SENTENCING))
    assert code == 0
    assert Changes.model_validate(json.loads(out)).facts_compared


def test_standard_input_is_one_side(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(BAIL.read_text(encoding="utf-8")))
    code, out, _ = run(capsys, "compare", "-", str(SENTENCING))
    assert code == 0
    assert "- facts: episode.ongoing: present -> absent" in out
    code, _, err = run(capsys, "compare", "-", "-")
    assert code == 2
    assert "cannot both be read from standard input" in err


def test_an_invalid_case_file_is_named_without_its_values(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "pii.json"
    bad.write_text(
        json.dumps(
            {
                "case_id": "Jane Q Public",
                "assessment_date": "1999-99-99",
                "perpetrator": {"age": "Forty-Two-Sekrit"},
            }
        )
    )
    code, out, err = run(capsys, "compare", str(BAIL), str(bad))
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    for field in ("case_id", "assessment_date", "perpetrator.age"):
        assert f"error: {bad}: {field}: " in err
    for secret in ("Jane Q Public", "1999-99-99", "Forty-Two-Sekrit"):
        assert secret not in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{", "not valid JSON"),
        ("[]", "holds 0 records; give one case or one audit record"),
        ('{"format": "stalkrisk-record/2", "assessment": {}}', "record_sha256: Field required"),
    ],
    ids=["missing", "not-json", "empty-array", "bad-record"],
)
def test_a_file_that_cannot_be_used_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "side.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "compare", str(path), str(SENTENCING))
    assert code == 1
    assert out == ""
    assert err.startswith(f"error: {path}")
    assert message in err
    assert "Traceback" not in err


def test_an_altered_record_is_refused(
    capsys: pytest.CaptureFixture[str], bail_record: Path
) -> None:
    data = json.loads(bail_record.read_text(encoding="utf-8"))
    data["assessment"]["scales"][0]["total"] = 0.0
    bail_record.write_text(json.dumps(data))
    code, out, err = run(capsys, "compare", str(bail_record), str(SENTENCING))
    assert code == 1
    assert out == ""
    assert "does not match its record_sha256" in err
    assert "stalkrisk verify" in err


def test_two_different_cases_exit_1_without_naming_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = sorted(EXAMPLES.glob("EX-01*.json"))[0]
    code, out, err = run(capsys, "compare", str(other), str(SENTENCING))
    assert code == 1
    assert out == ""
    assert err == f"error: {other} and {SENTENCING}: {DIFFERENT_CASES}\n"  # no case id


def test_an_unknown_instrument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "compare", "--instrument", "nope", str(BAIL), str(SENTENCING))
    assert code == 2
    assert err.startswith("stalkrisk: error:")
