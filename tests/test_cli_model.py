"""The model commands: fit, score --model, evaluate; and the comparison script."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import pytest

from stalkrisk.cli import main
from stalkrisk.synthetic import cohort

from .conftest import EXAMPLES, ROOT

FACTORS = "previous_convictions,protective_order_breaches,ex_intimate_partner,escalating"
#: The screen version the evaluate tests were written for (its scales and band labels).
SCREEN_1 = "stalkrisk-screen@1.0.0"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "cohort.jsonl"
    cohort(600, seed=2).write_jsonl(path, groups=True)
    return path


def test_fit_then_score_then_evaluate(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.json"
    code, out, err = run(
        capsys, "fit", str(data), "--outcome", "outcome", "-o", str(model), "--factors", FACTORS
    )
    assert code == 0, err
    assert "fitted on 600 records" in out
    assert "cross-validated calibration: intercept" in out
    assert "not validated until checked on other cases" in out
    saved = json.loads(model.read_text())
    assert saved["format"] == "stalkrisk-model/1"
    assert saved["encoder"]["factors"] == FACTORS.split(",")

    example = next(EXAMPLES.glob("EX-01-*.json"))
    code, out, err = run(capsys, "score", "--model", str(model), str(example))
    assert code == 0, err
    assert out.startswith("EX-01: probability ")
    assert "protective_order_breaches" in out
    assert "not a decision" in out
    code, out, _ = run(capsys, "score", "--model", str(model), "--format", "json", str(example))
    (result,) = json.loads(out)
    assert 0 < result["probability"] < 1
    assert result["band"] in ("low", "moderate", "high")

    code, out, err = run(
        capsys, "evaluate", str(model), str(data), "--outcome", "outcome", "--group", "age_group"
    )
    assert code == 0, err
    assert "AUC" in out
    assert "By age_group" in out
    code, out, _ = run(
        capsys,
        "evaluate",
        "stalkrisk-screen",
        str(data),
        "--outcome",
        "outcome",
        "--format",
        "json",
    )
    report = json.loads(out)
    assert report["n_input"] == 600
    assert report["brier"] is None  # a points scale gives totals, not probabilities


def test_fit_on_a_csv_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = ["a,b,outcome"] + [f"{i % 2},{(i * 7) % 5},{(i * 3) % 2}" for i in range(200)]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.json"
    code, _, err = run(capsys, "fit", str(table), "--outcome", "outcome", "-o", str(model))
    assert code == 0, err
    assert json.loads(model.read_text())["feature_names"] == ["a", "b"]
    code, _, err = run(capsys, "score", "--model", str(model), str(next(EXAMPLES.glob("*.json"))))
    assert code == 2
    assert "fitted on a table of numbers" in err


def test_bad_records_stop_the_fit_and_are_all_listed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"case_id": "A", "assessment_date": "2024-01-01", "outcome": 1}\n'
        '{"case_id": "no spaces please", "assessment_date": "2024-01-01", "outcome": 0}\n'
        '{"case_id": "B", "assessment_date": "2024-01-01", "outcome": "maybe"}\n'
        "not json\n"
    )
    model = tmp_path / "m.json"
    code, _, err = run(capsys, "fit", str(bad), "--outcome", "outcome", "-o", str(model))
    assert code == 1
    assert f"{bad}:2: case_id" in err
    assert f"{bad}:3: outcome" in err
    assert f"{bad}:4: not valid JSON" in err
    assert "3 record(s) could not be read; no model was fitted" in err
    assert not model.exists()
    assert "no spaces please" not in err


def test_a_broken_model_file_is_invalid_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "m.json"
    broken.write_text('{"format": "stalkrisk-model/1"}')
    code, _, err = run(capsys, "score", "--model", str(broken), str(next(EXAMPLES.glob("*.json"))))
    assert code == 1
    assert "not a valid stalkrisk model file" in err


def test_comparison_script_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["compare_models.py", "--n", "1200", "--seed", "1"])
    runpy.run_path(str(ROOT / "examples" / "compare_models.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "| Logistic model (all factors) | 400 |" in out
    assert "| Learned points, at most 6 items | 400 |" in out
    assert "| stalkrisk-screen 1.0.0, continued stalking |" in out
    assert "| stalkrisk-screen 2.0.0, persistence |" in out
    assert "| stalkrisk-screen 2.0.0, recurrence |" in out
    assert "LITERATURE_OUTCOME_MODEL" in out.splitlines()[0]  # the caption says what it is
    assert "Learned points: " in out


def test_model_docs_example_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    doc = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    fit, score = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    monkeypatch.chdir(tmp_path)  # the second block saves model.json
    namespace: dict[str, object] = {}
    exec(compile(fit, "docs/model.md", "exec"), namespace)
    out = capsys.readouterr().out.splitlines()
    probability, band = out[0].split()
    assert 0 < float(probability) < 1
    assert band in ("low", "moderate", "high")
    assert "protective_order_breaches" in out[1]
    exec(compile(score, "docs/model.md", "exec"), namespace)
    scored = capsys.readouterr().out.splitlines()
    # the saved model scores the case as the model in memory did
    assert scored[0].split()[:2] == [probability, band]
    assert "protective_order_breaches" in scored[1]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--seed", "-5"], "argument --seed: a seed is a whole number from 0 to 4294967295"),
        (["--seed", "2.5"], "argument --seed: a seed is a whole number"),
        (["--C", "1e400"], "argument --C: a finite number greater than 0 is expected"),
        (["--C", "0"], "argument --C: a finite number greater than 0 is expected"),
        (["--factors", ",,"], "--factors names no factor"),
        (["--cut-points", "abc"], "--cut-points takes increasing probabilities"),
        (["--factors", "nope"], "--factors: no factor is named 'nope'"),
    ],
)
def test_fit_options_are_usage_errors_not_data_errors(
    capsys: pytest.CaptureFixture[str],
    data: Path,
    tmp_path: Path,
    option: list[str],
    message: str,
) -> None:
    out_file = tmp_path / "m.json"
    code, _, err = run(
        capsys, "fit", str(data), "--outcome", "outcome", "-o", str(out_file), *option
    )
    assert code == 2
    assert message in err
    assert str(data) not in err  # an option's mistake is not blamed on the data file
    assert not out_file.exists()


def test_evaluate_options_are_usage_errors(capsys: pytest.CaptureFixture[str], data: Path) -> None:
    code, _, err = run(
        capsys, "evaluate", SCREEN_1, str(data), "--outcome", "outcome", "--scale", "nope"
    )
    assert code == 2
    assert "--scale: stalkrisk-screen has no such scale; its scales: continued_stalking" in err
    code, _, err = run(
        capsys, "evaluate", SCREEN_1, str(data), "--outcome", "outcome", "--rank-by", "points"
    )
    assert code == 2
    assert "argument --rank-by: invalid choice: 'points'" in err
    assert "Traceback" not in err
    code, _, err = run(
        capsys, "evaluate", "stalkrisk-screen", str(data), "--outcome", "outcome", "--seed", "-1"
    )
    assert code == 2
    assert "argument --seed" in err
    assert "Traceback" not in err


def test_evaluate_rank_by_band_prints_group_intervals_and_band_rates(
    capsys: pytest.CaptureFixture[str], data: Path
) -> None:
    common = [SCREEN_1, str(data), "--outcome", "outcome", "--group", "sex"]
    common += ["--scale", "serious_harm"]
    code, out, err = run(capsys, "evaluate", *common, "--rank-by", "band")
    assert code == 0, err
    assert "Score ranked: band (after red flags), then scale total (points) within a band" in out
    assert "(rank_by=band)" in out
    lines = out.splitlines()
    header = lines[lines.index("By sex") + 1]
    assert "AUC 95% CI" in header
    assert header.rstrip().endswith("reliable")
    start = lines.index("Band outcome rates by sex")
    assert lines[start + 1].split()[:3] == ["group", "band", "n"]
    table = lines[start + 2 : start + 2 + 3 * 2]  # two groups (female, male), three bands each
    assert [line.split()[0] for line in table[::3]] == ["female", "male"]
    assert [line.split()[1 if i % 3 == 0 else 0] for i, line in enumerate(table)] == [
        "Low", "Moderate", "High"
    ] * 2  # fmt: skip
    assert all(line.rstrip().endswith("%") or line.rstrip().endswith("-") for line in table)

    code, out, err = run(capsys, "evaluate", *common, "--rank-by", "band", "--format", "json")
    assert code == 0, err
    by_band = json.loads(out)
    code, out, _ = run(capsys, "evaluate", *common, "--format", "json")
    by_total = json.loads(out)
    assert (by_band["rank_by"], by_total["rank_by"]) == ("band", "total")
    assert by_band["bands"] == by_total["bands"]  # the same bands, ranked differently
    for group in by_band["groups"][0]["groups"]:
        assert group["reliable"] is (group["unreliable_reason"] is None)
        female_or_male = group["group"]
        assert female_or_male in ("female", "male")
        assert sum(b["n"] for b in group["bands"]) == group["n"]


def test_evaluate_a_model_by_band(
    capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path
) -> None:
    model = tmp_path / "model.json"
    code, _, err = run(
        capsys, "fit", str(data), "--outcome", "outcome", "-o", str(model), "--factors", FACTORS
    )
    assert code == 0, err
    args = ["evaluate", str(model), str(data), "--outcome", "outcome", "--format", "json"]
    code, out, err = run(capsys, *args, "--rank-by", "band")
    assert code == 0, err
    by_band = json.loads(out)
    code, out, _ = run(capsys, *args)
    by_probability = json.loads(out)
    assert by_band["rank_by"] == "band"
    assert by_band["score"].startswith("band (from the cut-points), then predicted probability")
    assert by_band["auc"] == by_probability["auc"]  # a model's bands follow its probability
