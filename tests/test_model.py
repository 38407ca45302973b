"""LogisticRiskModel and CaseEncoder: the scikit-learn contract, calibration, explanations."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import stalkrisk
from stalkrisk.errors import ModelFileError
from stalkrisk.model import CaseEncoder, LogisticRiskModel, load_model, save_model
from stalkrisk.model._logistic import calibration_intercept_slope


def _expected_failures(estimator: Any) -> dict[str, str]:
    if estimator.calibration == "sigmoid":
        return {
            "check_class_weight_classifiers": "sigmoid recalibration fits the probabilities to "
            "the observed outcome rates, which deliberately undoes extreme class weights"
        }
    return {}


@parametrize_with_checks(
    [LogisticRiskModel(), LogisticRiskModel(calibration="sigmoid")],
    expected_failed_checks=_expected_failures,
)
def test_scikit_learn_estimator_checks(estimator: Any, check: Any) -> None:
    check(estimator)


def simulated(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = np.column_stack(
        [rng.integers(0, 2, n), rng.integers(0, 2, n), rng.poisson(2, n), rng.normal(size=n)]
    ).astype(float)
    beta = np.array([1.2, -0.8, 0.3, 0.5])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ beta - 0.7)))).astype(int)
    return X, y, beta


def test_recovers_coefficients_and_reports_calibration() -> None:
    X, y, beta = simulated(20000)
    model = LogisticRiskModel(C=1e6, random_state=0).fit(X, y)
    assert np.allclose(model.coef_, beta, atol=0.1)
    assert model.calibration_ is not None
    assert abs(model.calibration_["intercept"]) < 0.1
    assert abs(model.calibration_["slope"] - 1) < 0.1
    assert model.training_["n"] == 20000
    assert len(model.training_["data_sha256"]) == 64


def test_sigmoid_recalibration_keeps_the_model_logistic() -> None:
    X, y, _ = simulated()
    model = LogisticRiskModel(calibration="sigmoid", random_state=0).fit(X, y)
    explanation = model.explain(X)
    assert np.allclose(
        explanation.contributions.sum(axis=1) + explanation.intercept, model.decision_function(X)
    )


def test_explanations_sum_to_the_linear_predictor() -> None:
    X, y, _ = simulated()
    model = LogisticRiskModel(random_state=0).fit(X, y)
    e = model.explain(X[:50])
    # one decision function: the explanation's predictor is the model's, and its
    # contributions add up to it exactly
    assert np.array_equal(e.linear_predictor, model.decision_function(X[:50]))
    assert np.array_equal(e.contributions.sum(axis=1) + e.intercept, e.linear_predictor)
    assert e.feature_names == ("x0", "x1", "x2", "x3")
    top = e.top(0, 2)
    assert len(top) == 2
    assert abs(top[0][1]) >= abs(top[1][1])


def test_one_case_prediction_equals_predict_proba() -> None:
    X, y, _ = simulated()
    model = LogisticRiskModel(random_state=0).fit(X, y)
    p = model.predict_proba(X[:200])[:, 1]
    for row, expected in zip(X[:200], p, strict=True):
        assert model.predict_one(row.tolist()) == expected  # the same decision function
    by_name = dict(zip(["x0", "x1", "x2", "x3"], X[0].tolist(), strict=True))
    assert model.predict_one(by_name) == p[0]
    with pytest.raises(KeyError, match="missing feature"):
        model.predict_one({"x0": 1.0})
    with pytest.raises(ValueError, match="expected 4 feature values"):
        model.predict_one([1.0])
    with pytest.raises(ValueError, match="expected 4 feature values"):
        model.predict_one([1.0] * 5)
    assert model.predict_one(X[0]) == model.predict_one(X[0].tolist())  # an array row too
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="NaN or infinity"):
            model.predict_one([1.0, 0.0, bad, 0.5])


def test_bands_follow_the_cut_points() -> None:
    X, y, _ = simulated()
    model = LogisticRiskModel(cut_points=(0.3, 0.6), random_state=0).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    bands = model.predict_band(X)
    assert np.array_equal(bands, (p >= 0.3).astype(int) + (p >= 0.6).astype(int))
    assert model.bands == ("low", "moderate", "high")
    four = LogisticRiskModel(cut_points=(0.1, 0.3, 0.6)).fit(X, y)
    assert four.bands == ("band_0", "band_1", "band_2", "band_3")


def test_bands_and_top_in_one_pass_equal_the_separate_methods() -> None:
    X, y, _ = simulated(n=2600)  # more than two blocks of rows, the last one partial
    model = LogisticRiskModel(cut_points=(0.3, 0.6), random_state=0).fit(X, y)
    result = model.predict_bands_and_top(X, n=3)
    assert np.array_equal(result.probability, model.predict_proba(X)[:, 1])
    assert np.array_equal(result.band, model.predict_band(X))
    explanation = model.explain(X)
    for row in range(X.shape[0]):
        assert result.top_features(row) == [name for name, _ in explanation.top(row, 3)]
        assert result.top_value[row].tolist() == [value for _, value in explanation.top(row, 3)]
    # Ties go to the lower feature index, as in ModelExplanation.top.
    tied = model.predict_bands_and_top(np.zeros((2, 4)), n=4)
    assert tied.top.tolist() == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert model.predict_bands_and_top(X[:5], n=0).top.shape == (5, 0)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(1, 2100),
    features=st.integers(1, 40),
    seed=st.integers(0, 2**32 - 1),
    fortran=st.booleans(),
)
def test_every_prediction_path_gives_a_row_the_same_bits(
    rows: int, features: int, seed: int, fortran: bool
) -> None:
    # A row's probability does not depend on the rows scored with it, the memory order of the
    # matrix or the method asked: each is derived from the one decision function.
    rng = np.random.default_rng(seed)
    model = LogisticRiskModel().fit(rng.normal(size=(60, features)), np.arange(60) % 2)
    X = rng.normal(scale=3.0, size=(rows, features))
    z = model.decision_function(np.asfortranarray(X) if fortran else X)
    p = model.predict_proba(X)[:, 1]
    together = model.predict_bands_and_top(X, n=min(3, features))
    assert np.array_equal(p, together.probability)
    assert np.array_equal(model.predict_band(X), together.band)
    assert np.array_equal(model.explain(X).linear_predictor, z)
    for i in {0, rows // 2, rows - 1}:
        assert model.decision_function(X[i : i + 1])[0] == z[i]
        assert model.predict_one(X[i]) == p[i]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_bands_and_top_refuse_non_finite_values(bad: float) -> None:
    X, y, _ = simulated(n=600)
    model = LogisticRiskModel(random_state=0).fit(X, y)
    X_bad = X.copy()
    X_bad[-1, 1] = bad  # in the last row, where only the per-block check can see it
    with pytest.raises(ValueError, match="NaN or infinity"):
        model.predict_bands_and_top(X_bad)
    with pytest.raises(ValueError, match="n must be from 0"):
        model.predict_bands_and_top(X, n=5)
    with pytest.raises(ValueError, match="features"):
        model.predict_bands_and_top(X[:, :3])


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"calibration": "isotonic"}, "'calibration' parameter of LogisticRiskModel must be"),
        ({"cut_points": (0.5, 0.2)}, "cut_points must be increasing"),
        ({"cut_points": (0.0, 0.5)}, "strictly between 0 and 1"),
        ({"band_labels": ("a", "b")}, "band_labels needs one label more"),
    ],
)
def test_bad_parameters_are_refused_at_fit(params: dict[str, Any], message: str) -> None:
    X, y, _ = simulated(200)
    with pytest.raises(ValueError, match=message):
        LogisticRiskModel(**params).fit(X, y)


def test_multiclass_targets_are_refused() -> None:
    X, _, _ = simulated(300)
    with pytest.raises(ValueError, match="Only binary classification is supported"):
        LogisticRiskModel().fit(X, np.arange(300) % 3)


def test_works_in_pipeline_clone_and_grid_search() -> None:
    X, y, _ = simulated(1500)
    pipe = make_pipeline(StandardScaler(), LogisticRiskModel(random_state=0))
    assert pipe.fit(X, y).predict_proba(X).shape == (1500, 2)
    copy = clone(LogisticRiskModel(C=0.5, cut_points=(0.1, 0.9)))
    assert copy.get_params()["C"] == 0.5
    search = GridSearchCV(LogisticRiskModel(random_state=0), {"C": [0.1, 1.0]}, cv=3)
    assert search.fit(X, y).best_params_["C"] in (0.1, 1.0)


def test_determinism_with_a_seed() -> None:
    X, y, _ = simulated()
    a = LogisticRiskModel(calibration="sigmoid", random_state=3).fit(X, y)
    b = LogisticRiskModel(calibration="sigmoid", random_state=3).fit(X, y)
    assert np.array_equal(a.coef_, b.coef_)
    assert a.intercept_ == b.intercept_
    assert a.calibration_ == b.calibration_


def test_calibration_detects_overconfidence() -> None:
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, 20000)
    y = rng.uniform(size=p.size) < p
    z = np.log(p / (1 - p))
    overconfident = 1 / (1 + np.exp(-2 * z))
    _, slope = calibration_intercept_slope(y, overconfident)
    assert slope is not None
    assert abs(slope - 0.5) < 0.05


# --- encoder ----------------------------------------------------------------------------------


def test_encoder_columns_and_unknown_indicators() -> None:
    enc = CaseEncoder(factors=["previous_convictions", "relationship_type"]).fit([])
    names = list(enc.get_feature_names_out())
    assert names[:2] == ["previous_convictions", "previous_convictions__unknown"]
    assert "relationship_type=ex_intimate_partner" in names
    assert names[-1] == "relationship_type__unknown"
    case = stalkrisk.Case(case_id="E-1", assessment_date="2024-01-01")
    row = enc.transform([case])[0]
    assert row[0] == 0.0  # nothing known: the lower bound, 0 ...
    assert row[1] == 1.0  # ... flagged unknown, never read as absent
    assert row[-1] == 1.0
    assert row[2:-1].sum() == 0.0


def test_encoder_keeps_a_lower_bound_with_the_indicator() -> None:
    enc = CaseEncoder(factors=["violent_convictions"]).fit([])
    case = stalkrisk.Case(
        case_id="E-2",
        assessment_date="2024-01-01",
        history={"convictions": [{"offence": "wounding_gbh", "age": 30}], "conviction_count": 3},
    )
    assert enc.transform([case]).tolist() == [[1.0, 1.0]]


def test_encoder_accepts_dicts_and_refuses_bad_ones() -> None:
    enc = CaseEncoder(factors=["ex_intimate_partner"]).fit([])
    good = {
        "case_id": "E-3",
        "assessment_date": "2024-01-01",
        "relationship": {"type": "ex_intimate_partner"},
    }
    assert enc.transform([good]).tolist() == [[1.0, 0.0]]
    with pytest.raises(ValueError, match="case_id"):
        enc.transform([{"assessment_date": "2024-01-01"}])
    with pytest.raises(ValueError, match="no factor is named"):
        CaseEncoder(factors=["nope"]).fit([])


def test_default_encoder_leaves_sex_out_of_the_features() -> None:
    names = CaseEncoder().fit([]).get_feature_names_out()
    assert not any(n.startswith("perpetrator_sex") for n in names)


def test_encoder_then_model_on_example_cases() -> None:
    cases = stalkrisk.load_examples()
    enc = CaseEncoder().fit(cases)
    X = enc.transform(cases)
    assert X.shape == (len(cases), enc.n_features_out_)
    assert np.isfinite(X).all()


# --- persistence --------------------------------------------------------------------------------


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    X, y, _ = simulated()
    model = LogisticRiskModel(calibration="sigmoid", cut_points=(0.25, 0.6), random_state=0)
    model.fit(X, y)
    path = tmp_path / "model.json"
    save_model(model, path)
    again = load_model(path)
    assert np.array_equal(again.predict_proba(X), model.predict_proba(X))
    assert np.array_equal(again.predict_band(X), model.predict_band(X))
    assert again.get_params() == model.get_params()
    assert again.calibration_ == model.calibration_
    assert again.training_ == model.training_
    data = json.loads(path.read_text())
    assert data["format"] == "stalkrisk-model/1"
    assert data["library_version"] == stalkrisk.__version__


def test_model_with_encoder_round_trips(tmp_path: Path) -> None:
    cases = stalkrisk.load_examples()
    enc = CaseEncoder(factors=["previous_convictions", "ex_intimate_partner", "escalating"])
    X = enc.fit_transform(cases)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0, 0, 1])
    model = LogisticRiskModel(cv=2, random_state=0).fit(X, y)
    save_model(model, tmp_path / "m.json", encoder=enc)
    again = load_model(tmp_path / "m.json")
    assert list(again.encoder_.get_feature_names_out()) == list(enc.get_feature_names_out())
    assert np.array_equal(
        again.predict_proba(again.encoder_.transform(cases)), model.predict_proba(X)
    )


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d.update(coef=d["coef"][:-1]), "coef has"),
        (lambda d: d.update(format="stalkrisk-model/9"), "format"),
        (lambda d: d.update(intercept="NaN"), "intercept"),
        (lambda d: d["params"].update(cut_points=[0.6, 0.2]), "increasing"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d["training"].update(data_sha256="x"), "data_sha256"),
    ],
)
def test_a_file_that_does_not_match_is_refused(tmp_path: Path, edit: Any, where: str) -> None:
    X, y, _ = simulated(300)
    path = tmp_path / "m.json"
    save_model(LogisticRiskModel().fit(X, y), path)
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=where) as exc:
        load_model(path)
    assert str(path) in str(exc.value)


def test_unreadable_model_files(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="cannot read"):
        load_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(bad)


def test_predictions_are_reproducible_to_the_digit() -> None:
    X, y, _ = simulated()
    p = LogisticRiskModel(random_state=0).fit(X, y).predict_proba(X[:1])[0, 1]
    assert math.isfinite(p)


def test_fits_a_dataframe_with_named_columns(tmp_path: Path) -> None:
    import pandas as pd

    X, y, _ = simulated(800)
    frame = pd.DataFrame(X, columns=["breaches", "ex_partner", "channels", "score"])
    model = LogisticRiskModel(random_state=0).fit(frame, y)
    assert list(model.feature_names_in_) == ["breaches", "ex_partner", "channels", "score"]
    assert model.explain(frame.iloc[:1]).feature_names[0] == "breaches"
    assert (
        abs(model.predict_one(frame.iloc[0].to_dict()) - model.predict_proba(frame.iloc[:1])[0, 1])
        < 1e-12
    )
    save_model(model, tmp_path / "m.json")
    again = load_model(tmp_path / "m.json")
    assert np.array_equal(again.predict_proba(frame), model.predict_proba(frame))
