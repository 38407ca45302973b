"""One way to score a case with a model: the CLI, reports, batches and the API agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stalkrisk
from stalkrisk.cli import main
from stalkrisk.model import (
    CaseEncoder,
    CaseModel,
    LogisticRiskModel,
    ModelScore,
    load_model,
    model_sha256,
    save_model,
    score_case,
    score_cases,
)
from stalkrisk.report import ModelResult
from stalkrisk.synthetic import cohort

from .conftest import EXAMPLES

FACTORS = ["previous_convictions", "protective_order_breaches", "escalating", "strangulation"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[LogisticRiskModel, CaseEncoder]:
    data = cohort(400, seed=5)
    encoder = CaseEncoder(FACTORS).fit(list(data.cases))
    model = LogisticRiskModel(random_state=0, cut_points=(0.25, 0.45)).fit(
        encoder.transform(list(data.cases)), list(data.outcomes)
    )
    return model, encoder


@pytest.fixture(scope="module")
def saved(
    tmp_path_factory: pytest.TempPathFactory, fitted: tuple[LogisticRiskModel, CaseEncoder]
) -> Path:
    model, encoder = fitted
    path = tmp_path_factory.mktemp("model") / "model.json"
    save_model(model, path, encoder=encoder)
    # whitespace and key order do not change the model's identity
    content = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(dict(reversed(list(content.items())))), encoding="utf-8")
    return path


def _case_file(case_id: str) -> Path:
    return next(EXAMPLES.glob(f"{case_id}-*.json"))


@pytest.mark.parametrize("case_id", ["EX-01", "EX-04", "EX-09"])
def test_cli_report_batch_and_api_give_the_same_result_and_sha256(
    case_id: str,
    saved: Path,
    fitted: tuple[LogisticRiskModel, CaseEncoder],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = stalkrisk.load_example(case_id)
    model, encoder = fitted

    # The Python API, from the file and from the objects in memory.
    api = score_case(saved, case)
    assert api == score_case(CaseModel(model, encoder), case)
    assert api.model_sha256 == model_sha256(model, encoder=encoder)
    assert api.model_sha256 == model_sha256(load_model(saved), encoder=load_model(saved).encoder_)

    # stalkrisk score --model, as JSON: every field of the API's result, and the case's file.
    assert main(["score", "--model", str(saved), "--format", "json", str(_case_file(case_id))]) == 0
    (cli,) = json.loads(capsys.readouterr().out)
    assert cli.pop("source") == str(_case_file(case_id))
    assert ModelScore.model_validate(cli) == api
    # ... and as text, naming the model by the same sha256
    assert main(["score", "--model", str(saved), str(_case_file(case_id))]) == 0
    text = capsys.readouterr().out
    assert f"Model sha256: {api.model_sha256}" in text
    assert f"probability {api.probability:.3f}, band {api.band}" in text

    # A report's model result.
    report = ModelResult.from_model_file(saved, case, outcome="the synthetic outcome")
    assert report.sha256 == api.model_sha256
    assert (report.probability, report.band) == (api.probability, api.band)
    assert report.top_contributions == api.top_contributions

    # ... and the report command, showing the same probability and naming the same model.
    argv = ["report", str(_case_file(case_id)), "--context", "bail", "--model", str(saved)]
    assert main([*argv, "--model-outcome", "the synthetic outcome"]) == 0
    page = " ".join(capsys.readouterr().out.split())
    assert api.model_sha256 in page
    assert f"{100 * api.probability:.1f}%" in page

    # A batch, in Python and through the CLI, scoring the case among others.
    others = [c for c in stalkrisk.load_examples() if c.case_id != case_id]
    rows = list(stalkrisk.score_many([*others[:3], case, *others[3:]], model=saved))
    (row,) = [r for r in rows if r.case_id == case_id]
    (scale,) = row.scales
    assert row.instrument.sha256 == api.model_sha256
    assert (scale.total, scale.band) == (api.probability, api.band)
    assert tuple((t.item, t.points) for t in scale.top) == api.top_contributions

    source = tmp_path / "cases.jsonl"
    source.write_text(case.model_dump_json() + "\n", encoding="utf-8")
    out = tmp_path / "rows.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--model", str(saved), "--quiet"]) == 0
    (line,) = out.read_text(encoding="utf-8").splitlines()
    batch_row = json.loads(line)
    assert batch_row["instrument"]["sha256"] == api.model_sha256
    assert batch_row["scales"]["model"]["total"] == api.probability
    assert batch_row["scales"]["model"]["band"] == api.band


def test_a_case_scores_the_same_alone_and_among_others(saved: Path) -> None:
    cases = stalkrisk.load_examples()
    together = score_cases(saved, cases)
    assert [score_case(saved, c) for c in cases] == together
    assert score_cases(saved, list(reversed(cases))) == list(reversed(together))
    assert len({s.model_sha256 for s in together}) == 1


def test_scores_leave_out_features_that_contribute_nothing(saved: Path) -> None:
    for scored in score_cases(saved, stalkrisk.load_examples(), top=len(FACTORS) * 2):
        assert all(value != 0 for _, value in scored.top_contributions)
        sizes = [abs(value) for _, value in scored.top_contributions]
        assert sizes == sorted(sizes, reverse=True)
    none = score_cases(saved, stalkrisk.load_examples(), top=0)
    assert all(s.top_contributions == () for s in none)


def test_a_model_result_carries_its_validation(saved: Path) -> None:
    scored = score_case(saved, stalkrisk.load_example("EX-01"))
    assert scored.validation_status is stalkrisk.instruments.ValidationStatus.LOCALLY_FITTED
    assert scored.validation_statement == stalkrisk.LOCALLY_FITTED_STATEMENT


def test_models_that_cannot_score_cases_are_refused(
    fitted: tuple[LogisticRiskModel, CaseEncoder], tmp_path: Path
) -> None:
    model, encoder = fitted
    with pytest.raises(ValueError, match="fitted on a table of numbers"):
        CaseModel(model)  # fitted on the encoder's matrix, but no encoder given or attached
    with pytest.raises(ValueError, match="not fitted on the encoder's columns"):
        CaseModel(model, CaseEncoder(FACTORS[:2]).fit([]))
    with pytest.raises(TypeError, match="LogisticRiskModel"):
        CaseModel(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="top must be"):
        CaseModel(model, encoder).score(stalkrisk.load_examples(), top=-1)
    assert CaseModel(model, encoder).score([]) == []
    with pytest.raises(stalkrisk.ModelFileError):
        score_case(tmp_path / "missing.json", stalkrisk.load_example("EX-01"))


def test_the_report_command_needs_the_models_outcome_in_words(
    saved: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = str(_case_file("EX-01"))
    assert main(["report", case, "--context", "bail", "--model", str(saved)]) == 2
    assert "--model needs --model-outcome" in capsys.readouterr().err
    assert main(["report", case, "--context", "bail", "--model-outcome", "reoffending"]) == 2
    assert "add --model" in capsys.readouterr().err
    argv = ["report", case, "--context", "bail", "--model", str(saved), "--model-outcome", "x"]
    assert main(argv) == 2  # too short to say what is predicted
    assert "--model-outcome: String should have at least 3 characters" in capsys.readouterr().err
