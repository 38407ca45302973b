"""PointsRiskModel: the scikit-learn contract, the integer constraints and the accuracy goal."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from stalkrisk.model._points import (
    BAD_COUNT,
    BAD_L2,
    BAD_MAX_ITEMS,
    BAD_POINTS_RANGE,
    NOT_BINARY,
    ONE_CLASS,
    PointsRiskModel,
)

N_TRAIN = 4000
N_TEST = 4000
ACTIVE = [0, 3, 7, 15, 18]


def _sparse_integer_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """20 features (15 binary items, 5 counts); 5 act, with log-odds 0.6 x integer points."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_TEST
    items = rng.binomial(1, rng.uniform(0.1, 0.6, 15), size=(n, 15))
    counts = rng.poisson(rng.uniform(0.3, 1.5, 5), size=(n, 5))
    X = np.hstack([items, counts]).astype(np.float64)
    true_points = np.zeros(20)
    true_points[ACTIVE] = [2, -1, 3, 1, -2]
    log_odds = -1.0 + 0.6 * (X @ true_points)
    y = (rng.uniform(size=n) < expit(log_odds)).astype(np.int64)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def _correlated_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """16 binary items in 4 correlated groups; 6 act, with small log-odds coefficients."""
    rng = np.random.default_rng(seed)
    n = N_TRAIN + N_TEST
    latent = rng.normal(size=(n, 4))
    group = np.repeat(np.arange(4), 4)
    noise = rng.normal(size=(n, 16))
    X = ((0.8 * latent[:, group] + 0.6 * noise) > rng.uniform(-0.5, 1.0, 16)).astype(np.float64)
    coef = np.zeros(16)
    coef[[0, 1, 4, 5, 9, 13]] = [0.7, 0.5, -0.6, 0.4, 0.9, 0.45]
    y = (rng.uniform(size=n) < expit(-0.5 + X @ coef)).astype(np.int64)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


@pytest.fixture(scope="module")
def sparse_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return _sparse_integer_data(1)


@pytest.fixture(scope="module")
def sparse_model(sparse_data: tuple[np.ndarray, ...]) -> PointsRiskModel:
    X_train, y_train, _, _ = sparse_data
    return PointsRiskModel(max_items=6, random_state=0).fit(X_train, y_train)


@pytest.fixture(scope="module")
def small_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.integers(0, 2, size=(300, 8)).astype(np.float64)
    y = (rng.uniform(size=300) < expit(-0.5 + X[:, 0] + X[:, 1] - X[:, 2])).astype(np.int64)
    return X, y


# --------------------------------------------------------------------------- the sklearn contract


@parametrize_with_checks([PointsRiskModel()])
def test_sklearn_estimator_checks(estimator: PointsRiskModel, check: Any) -> None:
    check(estimator)


def test_clone_keeps_parameters_and_drops_fit(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = small_data
    model = PointsRiskModel(max_items=3, points_range=(-2, 2), random_state=4).fit(X, y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "points_")


def test_pipeline_and_grid_search(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = small_data
    pipe = make_pipeline(FunctionTransformer(), PointsRiskModel(n_candidates=3, random_state=0))
    search = GridSearchCV(pipe, {"pointsriskmodel__max_items": [1, 3]}, cv=3, scoring="roc_auc")
    search.fit(X, y)
    assert search.best_params_ == {"pointsriskmodel__max_items": 3}
    assert search.predict_proba(X).shape == (300, 2)
    fitted = search.best_estimator_[-1]
    assert np.count_nonzero(fitted.points_) <= 3


def test_dataframe_names_the_items(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    pd = pytest.importorskip("pandas")
    X, y = small_data
    names = [f"item_{i}" for i in range(X.shape[1])]
    model = PointsRiskModel(max_items=3, random_state=0).fit(pd.DataFrame(X, columns=names), y)
    assert list(model.feature_names_in_) == names
    table = model.points_table()
    assert [name for name, _ in table] == [names[j] for j in model.support_]
    assert {name for name, _ in table} == {"item_0", "item_1", "item_2"}


def test_points_table_defaults_to_positional_names(
    small_data: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = small_data
    model = PointsRiskModel(max_items=3, random_state=0).fit(X, y)
    table = model.points_table()
    assert table == [(f"x{j}", int(model.points_[j])) for j in model.support_]
    assert all(isinstance(points, int) for _, points in table)


def test_string_labels(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = small_data
    labels = np.where(y == 1, "reoffended", "did not")
    model = PointsRiskModel(max_items=3, random_state=0).fit(X, labels)
    assert list(model.classes_) == ["did not", "reoffended"]
    numeric = PointsRiskModel(max_items=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.points_, numeric.points_)
    assert set(model.predict(X)) <= {"did not", "reoffended"}


# --------------------------------------------------------------------------- errors


def test_one_class_is_refused(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = small_data
    message = ONE_CLASS.format(label=1)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        PointsRiskModel().fit(X, np.ones(len(X), dtype=np.int64))


def test_multiclass_is_refused(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, _ = small_data
    y = np.arange(len(X)) % 3
    message = NOT_BINARY.format(y_type="multiclass")
    with pytest.raises(ValueError, match="Only binary classification is supported") as info:
        PointsRiskModel().fit(X, y)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_items": 0}, BAD_MAX_ITEMS.format(value=0)),
        ({"max_items": 2.5}, BAD_MAX_ITEMS.format(value=2.5)),
        ({"points_range": (1, 5)}, BAD_POINTS_RANGE.format(value=(1, 5))),
        ({"points_range": (0, 0)}, BAD_POINTS_RANGE.format(value=(0, 0))),
        ({"points_range": (-2.5, 2)}, BAD_POINTS_RANGE.format(value=(-2.5, 2))),
        ({"points_range": 5}, BAD_POINTS_RANGE.format(value=5)),
        ({"n_candidates": 0}, BAD_COUNT.format(name="n_candidates", value=0)),
        ({"n_multipliers": -1}, BAD_COUNT.format(name="n_multipliers", value=-1)),
        ({"l2_penalty": -1.0}, BAD_L2.format(value=-1.0)),
        ({"l2_penalty": float("nan")}, BAD_L2.format(value=float("nan"))),
    ],
)
def test_invalid_parameters(
    small_data: tuple[np.ndarray, np.ndarray], params: dict[str, Any], message: str
) -> None:
    X, y = small_data
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        PointsRiskModel(**params).fit(X, y)


def test_nan_is_refused(small_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = small_data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        PointsRiskModel().fit(X, y)


# --------------------------------------------------------------------------- integer constraints


@pytest.mark.parametrize(
    ("max_items", "points_range"), [(6, (-5, 5)), (3, (-2, 2)), (4, (0, 3)), (2, (-3, 0))]
)
def test_points_are_bounded_sparse_integers(
    sparse_data: tuple[np.ndarray, ...], max_items: int, points_range: tuple[int, int]
) -> None:
    X_train, y_train, _, _ = sparse_data
    model = PointsRiskModel(
        max_items=max_items, points_range=points_range, n_candidates=4, random_state=0
    ).fit(X_train, y_train)
    low, high = points_range
    assert model.points_.dtype == np.int64
    assert model.points_.shape == (X_train.shape[1],)
    assert np.all((model.points_ >= low) & (model.points_ <= high))
    assert np.count_nonzero(model.points_) >= 1
    assert np.count_nonzero(model.points_) <= max_items
    np.testing.assert_array_equal(model.support_, np.flatnonzero(model.points_))
    assert model.multiplier_ > 0


def test_same_seed_gives_identical_points(sparse_data: tuple[np.ndarray, ...]) -> None:
    X_train, y_train, _, _ = sparse_data
    X_train, y_train = X_train[:1500], y_train[:1500]
    first = PointsRiskModel(max_items=4, n_candidates=5, random_state=11).fit(X_train, y_train)
    second = PointsRiskModel(max_items=4, n_candidates=5, random_state=11).fit(X_train, y_train)
    np.testing.assert_array_equal(first.points_, second.points_)
    assert first.multiplier_ == second.multiplier_
    assert first.intercept_ == second.intercept_


def test_outputs_agree(sparse_model: PointsRiskModel, sparse_data: tuple[np.ndarray, ...]) -> None:
    _, _, X_test, _ = sparse_data
    totals = sparse_model.score_points(X_test)
    assert totals.dtype == np.int64
    np.testing.assert_array_equal(totals, X_test.astype(np.int64) @ sparse_model.points_)
    log_odds = sparse_model.decision_function(X_test)
    np.testing.assert_allclose(
        log_odds, sparse_model.multiplier_ * totals + sparse_model.intercept_, rtol=1e-12
    )
    proba = sparse_model.predict_proba(X_test)
    np.testing.assert_allclose(proba[:, 1], expit(log_odds))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(
        sparse_model.predict(X_test), sparse_model.classes_[(log_odds > 0).astype(int)]
    )


def test_score_points_of_non_integer_features_is_float(
    small_data: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = small_data
    model = PointsRiskModel(max_items=3, random_state=0).fit(X, y)
    halves = X[:5] / 2
    totals = model.score_points(halves)
    assert totals.dtype == np.float64
    np.testing.assert_allclose(totals, halves @ model.points_)


def test_loss_is_the_training_log_loss(
    sparse_model: PointsRiskModel, sparse_data: tuple[np.ndarray, ...]
) -> None:
    X_train, y_train, _, _ = sparse_data
    expected = log_loss(y_train, sparse_model.predict_proba(X_train)[:, 1])
    assert sparse_model.loss_ == pytest.approx(expected, rel=1e-9)


# --------------------------------------------------------------------------- accuracy


def test_recovers_the_sparse_integer_structure(sparse_model: PointsRiskModel) -> None:
    # The true score is 2, -1, 3, 1, -2 points on features 0, 3, 7, 15, 18.
    assert set(ACTIVE) <= set(sparse_model.support_.tolist())
    active = sparse_model.points_[ACTIVE]
    ratios = active / active[0] * 2
    np.testing.assert_allclose(ratios, [2, -1, 3, 1, -2], atol=0.35)


def test_held_out_auc_matches_full_logistic_regression(
    sparse_model: PointsRiskModel, sparse_data: tuple[np.ndarray, ...]
) -> None:
    X_train, y_train, X_test, y_test = sparse_data
    full = LogisticRegression(C=1.0, max_iter=1000).fit(X_train, y_train)
    auc_full = roc_auc_score(y_test, full.decision_function(X_test))
    auc_points = roc_auc_score(y_test, sparse_model.decision_function(X_test))
    assert np.count_nonzero(sparse_model.points_) <= 6
    assert auc_points >= auc_full - 0.01


def _calibrated_loss(totals: np.ndarray, y: np.ndarray) -> float:
    """Training log loss of ``m * totals + b`` with ``m``, ``b`` fitted (as the model does)."""
    fitted = LogisticRegression(C=np.inf, max_iter=1000).fit(totals[:, None], y)
    return float(log_loss(y, fitted.predict_proba(totals[:, None])[:, 1]))


def test_beats_rounding_a_logistic_model_on_correlated_items() -> None:
    X_train, y_train, X_test, y_test = _correlated_data(3)
    k, bound = 6, 5
    model = PointsRiskModel(max_items=k, points_range=(-bound, bound), random_state=0)
    model.fit(X_train, y_train)

    full = LogisticRegression(C=1.0, max_iter=1000).fit(X_train, y_train)
    coef = full.coef_[0]
    keep = np.argsort(-np.abs(coef), kind="stable")[:k]
    # Naive rounding: the k largest coefficients, each rounded to the nearest integer.
    naive = np.zeros_like(coef)
    naive[keep] = np.clip(np.round(coef[keep]), -bound, bound)
    # Scaled rounding: the same coefficients scaled so that the largest is worth `bound`.
    scaled = np.zeros_like(coef)
    scaled[keep] = np.round(coef[keep] * bound / np.max(np.abs(coef[keep])))

    auc_points = roc_auc_score(y_test, model.decision_function(X_test))
    auc_naive = roc_auc_score(y_test, X_test @ naive)
    auc_scaled = roc_auc_score(y_test, X_test @ scaled)
    auc_full = roc_auc_score(y_test, full.decision_function(X_test))

    assert auc_points >= auc_naive + 0.02  # naive rounding loses items whose weight is < 0.5
    assert model.loss_ < _calibrated_loss(X_train @ naive, y_train) - 0.01
    # The model's objective carries a tiny ridge penalty, hence the small tolerance.
    assert model.loss_ <= _calibrated_loss(X_train @ scaled, y_train) + 1e-5
    assert auc_points >= auc_scaled - 0.005
    assert auc_points >= auc_full - 0.01
