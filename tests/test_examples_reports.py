"""examples/bail_decision.py and examples/sentencing_report.py run from a clean clone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import stalkrisk

from .conftest import EXAMPLES, ROOT

SCRIPTS = ROOT / "examples"


def _run(script: str, *args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    assert result.stderr == ""
    return result.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def bail_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("bail")
    return out, _run("bail_decision.py", "--out", str(out), cwd=out)


@pytest.fixture(scope="module")
def sentencing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("sentencing")
    return out, _run("sentencing_report.py", "--out", str(out), cwd=out)


def test_the_court_case_files_are_fictional_and_the_same_case() -> None:
    bail = stalkrisk.Case.model_validate_json(
        (EXAMPLES / "bail" / "CT-21-at-bail.json").read_text()
    )
    later = stalkrisk.Case.model_validate_json(
        (EXAMPLES / "sentencing" / "CT-21-at-sentencing.json").read_text()
    )
    assert bail.synthetic
    assert later.synthetic
    assert bail.case_id == later.case_id
    assert later.assessment_date > bail.assessment_date


def test_bail_example_writes_report_and_a_record_that_verifies(bail_run: tuple[Path, str]) -> None:
    out, stdout = bail_run
    html = (out / "CT-21-bail-report.html").read_text()
    text = (out / "CT-21-bail-report.txt").read_text()
    record = stalkrisk.AssessmentRecord.model_validate_json(
        (out / "CT-21-bail-record.json").read_text()
    )
    case = stalkrisk.Case.model_validate_json(
        (EXAMPLES / "bail" / "CT-21-at-bail.json").read_text()
    )
    assert stalkrisk.verify(record, case) == []
    for report in (html, text):
        assert record.record_sha256 in report
        assert record.input_sha256 in report
        assert _flat(stalkrisk.DECISION_SUPPORT_NOTICE) in _flat(report.replace("&#x27;", "'"))
    harm = record.assessment.scale("serious_harm")
    assert harm.band is None  # not scored at bail: red flags not yet asked about
    assert harm.reason is not None
    assert "ask about them" in harm.reason
    assert harm.final_band is not None
    assert harm.final_band.id == "many"
    assert harm.override is not None
    assert harm.override.reason_code.value == "imminent_risk_indicators"
    assert (
        "Final band: Many factors or a red flag, set by professional override (assessor PO-117"
        in _flat(text)
    )
    assert html.count("<svg") == 3  # one chart per scale
    assert "red flag not recorded: Strangulation" in stdout
    assert "red flag not recorded: Threats to kill" in stdout
    assert f"wrote {out / 'CT-21-bail-report.html'}" in stdout


def test_sentencing_example_lists_real_changes(sentencing_run: tuple[Path, str]) -> None:
    out, stdout = sentencing_run
    changes = (out / "CT-21-changes-since-bail.txt").read_text()
    for expected in (
        "Serious physical or sexual violence: computed band not scored -> "
        "Many factors or a red flag",
        "Serious physical or sexual violence: red flag now fired: Strangulation "
        "(minimum band Many factors or a red flag)",
        "Persistence of the current episode: changed: Last incident within the last 90 days: "
        "0 -> 100 (2 points -> 0 points)",
        "Recurrence after the episode ends: unknown resolved: Personality disorder is now absent",
        "Serious physical or sexual violence: the computed band is now Many factors or a red "
        "flag, the band the practitioner set by override at the earlier assessment (agreement "
        "between the two is not evidence that either is right)",
        "facts: history.protective_orders[0].breaches[1]: added: ",
        "facts: episode.ongoing: present -> absent",
    ):
        assert expected in changes, expected
        assert expected in stdout, expected
    for wrong in (
        "fuller information now computes",
        "the band the practitioner set by override at bail",
    ):
        assert wrong not in changes, wrong  # agreement with an override does not validate it
    assert "the input hash differs (the case data changed)" in stdout

    record = stalkrisk.AssessmentRecord.model_validate_json(
        (out / "CT-21-sentencing-record.json").read_text()
    )
    case = stalkrisk.Case.model_validate_json(
        (EXAMPLES / "sentencing" / "CT-21-at-sentencing.json").read_text()
    )
    assert stalkrisk.verify(record, case) == []
    text = (out / "CT-21-pre-sentence-report.txt").read_text()
    html = (out / "CT-21-pre-sentence-report.html").read_text()
    for report in (text, html):
        assert record.record_sha256 in report
        assert "Persistence and recurrence" in report
        assert "General reoffending (OGRS3)" in report
    assert _flat(stalkrisk.DECISION_SUPPORT_NOTICE) in _flat(text)
    assert text.index("Persistence and recurrence") < text.index("Treatment need")


def test_without_out_the_examples_write_outside_the_repository(tmp_path: Path) -> None:
    stdout = _run("bail_decision.py", cwd=tmp_path)
    written = [
        Path(line.removeprefix("wrote "))
        for line in stdout.splitlines()
        if line.startswith("wrote ")
    ]
    assert len(written) == 3
    for path in written:
        assert path.exists()
        assert ROOT not in path.resolve().parents
