"""Evaluation: discrimination, calibration, band rates and the fairness audit by group."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

import stalkrisk
from stalkrisk import Case, WeightedScorer, instrument_from_data
from stalkrisk.model._evaluation import (
    BAD_CUT_POINTS,
    BAND_NEEDS_BANDS,
    CUT_POINTS_CONFLICT,
    GROUP_IS_INPUT,
    LENGTH_MISMATCH,
    MAX_RELIABLE_AUC_WIDTH,
    MIN_GROUP_EVENTS,
    ML_EXTRA,
    NO_GROUP_INTERVAL,
    NOT_APPLICABLE_POINTS,
    NOT_FOR_INSTRUMENT,
    NOT_FOR_MODEL,
    NOT_RECORDED,
    NOT_SCORED_EXCLUDED,
    ONE_CLASS,
    SMALL_GROUP,
    SMALL_SAMPLE,
    WIDE_GROUP_INTERVAL,
    EvaluationReport,
    _band_then_score,
    _calibration,
    _resampled_auc,
    evaluate,
    reliability_table,
    wilson_interval,
)

from .conftest import ROOT

ANSWERS = ROOT / "tests" / "data" / "answers"
#: The screen the example-case tests were written for, pinned so that a new default version
#: (with other scales and bands) does not change what they check.
SCREEN_1 = "stalkrisk-screen@1.0.0"

# --- helpers ---------------------------------------------------------------------------------


class FixedModel:
    """A "fitted classifier" whose input is row numbers and whose output is given.

    It records every input it receives, so tests can check what reached it.
    """

    classes_ = np.array([0, 1])

    def __init__(self, p: Any, **attributes: Any) -> None:
        self.p = np.asarray(p, dtype=float)
        self.seen: list[Any] = []
        for name, value in attributes.items():
            setattr(self, name, value)

    def predict_proba(self, X: Any) -> NDArray[np.float64]:
        self.seen.append(X)
        rows = np.asarray(X).reshape(len(X), -1)[:, 0].astype(int)
        return np.column_stack([1 - self.p[rows], self.p[rows]])


def expit(x: Any) -> Any:
    return 1 / (1 + np.exp(-x))


def simulate(n: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """A known logistic model: log-odds -1 + 0.9 x1 - 0.6 x2, x ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    p = expit(-1 + 0.9 * x[:, 0] - 0.6 * x[:, 1])
    y = (rng.random(n) < p).astype(np.int64)
    return p, y


def rows(n: int) -> NDArray[np.int64]:
    return np.arange(n).reshape(-1, 1)


def standard_errors(p: NDArray[np.float64]) -> tuple[float, float]:
    """Approximate standard errors of the calibration intercept and slope at truth."""
    w = p * (1 - p)
    lp = np.log(p / (1 - p))
    centre = np.sum(w * lp) / np.sum(w)
    return 1 / math.sqrt(np.sum(w)), 1 / math.sqrt(np.sum(w * (lp - centre) ** 2))


# --- discrimination ----------------------------------------------------------------------------


def test_auc_matches_sklearn_exactly() -> None:
    p, y = simulate(800)
    report = evaluate(FixedModel(p), rows(800), y, n_bootstrap=0)
    assert report.auc == roc_auc_score(y, p)
    assert report.auc_ci is None
    assert report.n == 800
    assert report.n_positive == int(y.sum())
    assert report.base_rate == y.mean()


def test_auc_of_a_real_classifier_matches_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 3))
    y = (rng.random(400) < expit(X[:, 0] - 0.5)).astype(int)
    model = LogisticRegression().fit(X[:200], y[:200])
    report = evaluate(model, X[200:], y[200:], n_bootstrap=0)
    assert report.auc == roc_auc_score(y[200:], model.predict_proba(X[200:])[:, 1])
    assert report.source == "LogisticRegression"
    assert report.score == "predicted probability"


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_n() -> None:
    widths = []
    for n in (200, 2000):
        p, y = simulate(n, seed=n)
        report = evaluate(FixedModel(p), rows(n), y, n_bootstrap=500)
        assert report.auc is not None
        assert report.auc_ci is not None
        assert report.auc_ci.low <= report.auc <= report.auc_ci.high
        widths.append(report.auc_ci.high - report.auc_ci.low)
    assert widths[1] < widths[0] / 2  # about sqrt(10) narrower


def test_resampled_auc_counts_ties_as_sklearn_does() -> None:
    rng = np.random.default_rng(5)
    for _ in range(5):
        score = rng.integers(0, 6, size=60).astype(float)  # many ties
        y = (rng.random(60) < 0.4).astype(int)
        _, codes = np.unique(score, return_inverse=True)
        auc = _resampled_auc(codes[y == 1][None, :], codes[y == 0][None, :], int(codes.max()) + 1)
        assert auc[0] == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_bootstrap_keeps_both_outcomes_in_a_tiny_sample() -> None:
    # Stratified: with 2 positives in 12, a plain bootstrap would often draw none.
    y = np.array([1, 1] + [0] * 10)
    p = np.linspace(0.9, 0.05, 12)
    report = evaluate(FixedModel(p), rows(12), y, n_bootstrap=300)
    assert report.auc_ci is not None
    assert report.auc_ci.high == 1.0


# --- calibration -------------------------------------------------------------------------------


def test_well_calibrated_predictions_have_intercept_0_and_slope_1() -> None:
    n = 20_000
    p, y = simulate(n, seed=11)
    report = evaluate(FixedModel(p), rows(n), y, n_bootstrap=0)
    se_a, se_b = standard_errors(p)
    assert report.calibration_intercept == pytest.approx(0, abs=4 * se_a)
    assert report.calibration_slope == pytest.approx(1, abs=4 * se_b)
    assert report.brier == pytest.approx(np.mean((p - y) ** 2))


@pytest.mark.parametrize(
    ("name", "distort"),
    [
        ("squared", lambda p: p**2),
        ("logit doubled", lambda p: expit(2 * np.log(p / (1 - p)))),
    ],
)
def test_miscalibrated_predictions_have_slope_far_from_1(name: str, distort: Any) -> None:
    n = 20_000
    p, y = simulate(n, seed=12)
    _, se_b = standard_errors(p)
    _intercept, slope = _calibration(y, distort(p))
    assert slope is not None
    assert abs(slope - 1) > 10 * se_b, name


def test_logit_doubled_halves_the_slope() -> None:
    p, y = simulate(20_000, seed=13)
    _, slope = _calibration(y, expit(2 * np.log(p / (1 - p))))
    _, se_b = standard_errors(p)
    assert slope == pytest.approx(0.5, abs=4 * se_b / 2)


def test_calibration_is_none_when_it_cannot_be_fitted() -> None:
    assert _calibration(np.ones(10, dtype=np.int64), np.full(10, 0.3)) == (None, None)
    intercept, slope = _calibration(np.array([0, 1, 0, 1]), np.full(4, 0.3))
    assert intercept is not None
    assert slope is None  # every prediction equal: no slope


def test_reliability_table_bins() -> None:
    p, y = simulate(1000, seed=2)
    table = reliability_table(y, p)
    assert len(table) == 10
    assert sum(b.n for b in table) == 1000
    assert all(b.lower <= b.mean_predicted <= b.upper for b in table)
    assert [b.upper for b in table] == sorted(b.upper for b in table)
    assert len(reliability_table(y[:50], p[:50])) == 2  # one bin per 20 cases
    ties = reliability_table([0, 1, 0, 1, 1, 0], [0.2, 0.2, 0.2, 0.2, 0.8, 0.8], n_bins=3)
    assert [b.n for b in ties] == [4, 2]  # tied predictions share a bin


def test_reliability_table_in_report_uses_wilson_intervals() -> None:
    p, y = simulate(400, seed=4)
    report = evaluate(FixedModel(p), rows(400), y, n_bootstrap=0)
    assert report.reliability is not None
    for b in report.reliability:
        low, high = wilson_interval(b.n_positive, b.n)  # type: ignore[misc]
        assert (b.ci.low, b.ci.high) == (low, high)
        assert b.observed_rate == b.n_positive / b.n


# --- Wilson intervals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (30, 100, 0.2189, 0.3958),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, low: float, high: float) -> None:
    ci = wilson_interval(k, n)
    assert ci is not None
    assert ci[0] == pytest.approx(low, abs=5e-5)
    assert ci[1] == pytest.approx(high, abs=5e-5)


def test_wilson_interval_edge_cases() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(3, 2)


# --- bands and error rates ---------------------------------------------------------------------


def test_band_table_counts_sum_to_n() -> None:
    p, y = simulate(600, seed=6)
    report = evaluate(FixedModel(p), rows(600), y, cut_points=[0.15, 0.4], n_bootstrap=0)
    assert [b.band for b in report.bands] == ["band_0", "band_1", "band_2"]
    assert [b.label for b in report.bands] == ["under 15%", "15% to under 40%", "40% or more"]
    assert sum(b.n for b in report.bands) == 600
    assert sum(b.n_positive for b in report.bands) == report.n_positive
    assert report.bands[0].n == int((p < 0.15).sum())
    assert report.bands[2].n == int((p >= 0.4).sum())
    assert [c.label for c in report.cut_points] == ["15% or more", "40% or more"]
    assert [c.threshold for c in report.cut_points] == [0.15, 0.4]


#: A tiny hand-checked example: two groups, cut-points at 0.5 and 0.75.
TINY_Y = [1, 1, 0, 0, 0, 1, 0, 0, 1, 0]
TINY_P = [0.9, 0.3, 0.6, 0.2, 0.1, 0.7, 0.8, 0.4, 0.1, 0.55]
TINY_GROUP = ["a"] * 5 + ["b"] * 5


def test_false_positive_and_negative_rates_by_group_by_hand() -> None:
    report = evaluate(
        FixedModel(TINY_P), rows(10), TINY_Y, {"g": TINY_GROUP}, cut_points=[0.5, 0.75]
    )
    # At 0.5: a flags 0.9, 0.6 -> 1 of 2 positives missed, 1 of 3 negatives flagged.
    #         b flags 0.7, 0.8, 0.55 -> 1 of 2 positives missed, 2 of 3 negatives flagged.
    # At 0.75: a flags 0.9 -> FNR 1/2, FPR 0; b flags 0.8 -> FNR 2/2, FPR 1/3.
    expected = {
        "a": [(1 / 3, 1 / 2), (0.0, 1 / 2)],
        "b": [(2 / 3, 1 / 2), (1 / 3, 1.0)],
    }
    audit = report.group("g")
    for group, rates in expected.items():
        got = [
            (e.false_positive_rate, e.false_negative_rate) for e in audit.group(group).error_rates
        ]
        assert got == [pytest.approx(r) for r in rates], group
    overall = [(e.false_positive_rate, e.false_negative_rate) for e in report.error_rates]
    assert overall == [pytest.approx((3 / 6, 2 / 4)), pytest.approx((1 / 6, 3 / 4))]
    assert [e.band for e in report.error_rates] == ["band_1", "band_2"]


def test_undefined_error_rates_are_none() -> None:
    # Group "c" has no negatives, so no false-positive rate; "d" has no positives.
    report = evaluate(
        FixedModel([0.9, 0.2, 0.7, 0.1]), rows(4), [1, 1, 0, 0], {"g": ["c", "c", "d", "d"]},
        cut_points=[0.5],
    )  # fmt: skip
    c, d = report.group("g").groups
    assert c.error_rates[0].false_positive_rate is None
    assert c.error_rates[0].false_negative_rate == 0.5
    assert d.error_rates[0].false_negative_rate is None
    assert d.error_rates[0].false_positive_rate == 0.5
    assert c.auc is None  # one outcome class
    assert c.auc_ci is None


def test_model_cut_points_and_band_names_are_used() -> None:
    model = FixedModel(TINY_P, cut_points=(0.5,), bands=("lower", "higher"))
    report = evaluate(model, rows(10), TINY_Y)
    assert [b.band for b in report.bands] == ["lower", "higher"]
    assert report.bands[1].label == "higher (50% or more)"
    with pytest.raises(ValueError, match="own cut_points") as err:
        evaluate(model, rows(10), TINY_Y, cut_points=[0.3])
    assert str(err.value) == CUT_POINTS_CONFLICT.format(own=[0.5])
    same = evaluate(model, rows(10), TINY_Y, cut_points=[0.5], n_bootstrap=0)
    assert same.bands[1].n == report.bands[1].n


def test_without_cut_points_there_are_no_bands_and_a_warning() -> None:
    report = evaluate(FixedModel(TINY_P), rows(10), TINY_Y, n_bootstrap=0)
    assert report.bands == ()
    assert report.error_rates == ()
    assert any("no cut-points" in w for w in report.warnings)


# --- groups: warnings and isolation ------------------------------------------------------------


def test_small_group_warning_fires_and_marks_the_group_unreliable() -> None:
    p, y = simulate(500, seed=8)
    group = np.where(np.arange(500) < 20, "small", "large")
    report = evaluate(FixedModel(p), rows(500), y, {"site": group}, n_bootstrap=50)
    small = report.group("site").group("small")
    large = report.group("site").group("large")
    assert not small.reliable
    assert large.reliable
    expected = SMALL_GROUP.format(
        variable="site",
        group="small",
        n=20,
        positives=small.n_positive,
        negatives=20 - small.n_positive,
        min_n=30,
        min_events=5,
    )
    assert expected in report.warnings
    assert "group site=small is too small to say anything (n=20;" in expected
    assert not any("site=large" in w for w in report.warnings)


def test_group_with_few_outcomes_is_unreliable_whatever_its_size() -> None:
    y = np.array([1] * 3 + [0] * 97 + [1] * 30 + [0] * 70)
    p = np.full(200, 0.3)  # all tied: AUC 0.5 in every resample, an interval of width 0
    group = ["rare"] * 100 + ["common"] * 100
    report = evaluate(FixedModel(p), rows(200), y, {"g": group}, n_bootstrap=100)
    rare = report.group("g").group("rare")
    assert not rare.reliable
    assert rare.unreliable_reason == "3 with the outcome, fewer than 5"
    common = report.group("g").group("common")
    assert common.reliable
    assert common.unreliable_reason is None


def test_small_overall_sample_is_warned_about() -> None:
    report = evaluate(FixedModel(TINY_P), rows(10), TINY_Y, cut_points=[0.5], n_bootstrap=0)
    expected = SMALL_SAMPLE.format(n=10, positives=4, negatives=6, events=100)
    assert expected in report.warnings
    p, y = simulate(2000, seed=1)
    big = evaluate(FixedModel(p), rows(2000), y, cut_points=[0.5], n_bootstrap=0)
    assert not any(w.startswith("only ") for w in big.warnings)


def test_one_outcome_class_is_reported_not_raised() -> None:
    report = evaluate(FixedModel(TINY_P), rows(10), [0] * 10, cut_points=[0.5], n_bootstrap=10)
    assert report.auc is None
    assert report.calibration_intercept is None
    assert report.error_rates[0].false_negative_rate is None
    assert ONE_CLASS.format(value="absent") in report.warnings


def test_missing_group_labels_form_a_not_recorded_group() -> None:
    labels = ["x", None, "x", float("nan"), "y", "x", None, "y", "x", "y"]
    report = evaluate(FixedModel(TINY_P), rows(10), TINY_Y, {"eth": labels}, n_bootstrap=0)
    groups = {g.group: g.n for g in report.group("eth").groups}
    assert groups == {NOT_RECORDED: 3, "x": 4, "y": 3}


def test_group_variables_never_reach_the_model() -> None:
    p, y = simulate(300, seed=9)
    X = rows(300)
    model = FixedModel(p)
    groups = {"sex": np.where(p > 0.3, "f", "m"), "ethnicity": np.arange(300) % 4}
    evaluate(model, X, y, groups, n_bootstrap=0)
    assert len(model.seen) == 1
    assert model.seen[0] is X  # passed unchanged: no group column added
    assert np.asarray(model.seen[0]).shape == (300, 1)


def test_a_group_variable_that_is_also_a_model_input_is_warned_about() -> None:
    import pandas as pd

    frame = pd.DataFrame({"row": np.arange(10), "ethnicity": ["a", "b"] * 5})
    report = evaluate(
        FixedModel(TINY_P), frame, TINY_Y, {"ethnicity": frame["ethnicity"]}, n_bootstrap=0
    )
    assert GROUP_IS_INPUT.format(variable="ethnicity") in report.warnings


class SpyScorer(WeightedScorer):
    """A scorer that records what it is asked to score."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.calls: list[tuple[Any, ...]] = []

    def score(self, *args: Any, **kwargs: Any) -> stalkrisk.Assessment:
        self.calls.append(args + tuple(kwargs.values()))
        return super().score(*args, **kwargs)


def test_group_variables_never_reach_the_scorer() -> None:
    cases = stalkrisk.load_examples()
    spy = SpyScorer("stalkrisk-screen")
    groups = {"ethnicity": ["a", "b"] * 5}
    evaluate(spy, cases, [1, 0] * 5, groups, n_bootstrap=0)
    assert len(spy.calls) == len(cases)
    for call, case in zip(spy.calls, cases, strict=True):
        assert len(call) == 1
        assert call[0] is case


# --- instruments -------------------------------------------------------------------------------

#: Fabricated outcomes for the ten example cases (EX-01 ... EX-10).
EXAMPLE_Y = [1, 0, 0, 1, 1, 0, 1, 0, 1, 1]


def test_screen_instrument_on_the_example_cases() -> None:
    cases = stalkrisk.load_examples()
    report = evaluate(SCREEN_1, cases, EXAMPLE_Y, n_bootstrap=100)
    assert report.source_kind == "instrument"
    assert report.source.startswith("stalkrisk-screen@1.0.0#sha256:")
    assert report.scale == "continued_stalking"
    assert report.n_input == 10
    assert report.n_not_scored == 1
    assert report.not_scored == ("EX-04",)
    assert report.n == 9
    assert report.brier is None
    assert report.calibration_intercept is None
    assert report.calibration_slope is None
    assert report.reliability is None
    assert not report.has_probabilities
    assert report.calibration_note == NOT_APPLICABLE_POINTS
    assert report.threshold_unit == "points"
    assert sum(b.n for b in report.bands) == 9
    assert [c.band for c in report.cut_points] == ["moderate", "high"]
    assert [c.label for c in report.cut_points] == ["Moderate or higher", "High or higher"]
    expected = NOT_SCORED_EXCLUDED.format(k=1, n=10, scale="continued_stalking", ids="EX-04")
    assert expected in report.warnings
    kept = [y for c, y in zip(cases, EXAMPLE_Y, strict=True) if c.case_id != "EX-04"]
    screen = WeightedScorer(SCREEN_1)
    totals = [screen.score(c).scale("continued_stalking").total for c in cases]
    assert report.auc == roc_auc_score(kept, [t for t in totals if t is not None])
    assert NOT_APPLICABLE_POINTS in str(report)


def test_instrument_bands_come_from_the_assessment() -> None:
    cases = stalkrisk.load_examples()
    report = evaluate(WeightedScorer(), cases, EXAMPLE_Y, scale="serious_harm", n_bootstrap=0)
    bands = [stalkrisk.score(c).scale("serious_harm").band for c in cases]
    for row in report.bands:
        assert row.n == sum(1 for b in bands if b is not None and b.id == row.band)
    assert report.n_not_scored == 1


def test_not_scored_cases_are_counted_per_group() -> None:
    cases = stalkrisk.load_examples()
    sex = ["f", "f", "f", "m", "m", "m", "m", "f", "f", "m"]  # EX-04 is "m"
    report = evaluate(SCREEN_1, cases, EXAMPLE_Y, {"sex": sex}, n_bootstrap=0)
    audit = report.group("sex")
    assert audit.group("m").n_not_scored == 1
    assert audit.group("m").n == 4
    assert audit.group("f").n_not_scored == 0
    assert audit.group("f").n == 5


def test_an_answers_instrument_is_evaluated_from_item_answers() -> None:
    answers = [
        stalkrisk.ItemAnswers.model_validate_json((ANSWERS / name).read_text(encoding="utf-8"))
        for name in ("psa-scenario-1.json", "psa-partly-unknown.json")
    ]
    report = evaluate("psa", answers, [1, 0], n_bootstrap=0)
    assert report.source.startswith("psa@")
    assert report.n_input == 2
    assert report.n + report.n_not_scored == 2
    assert sum(b.n for b in report.bands) == report.n


def test_a_group_with_no_scored_case_is_kept_with_empty_figures() -> None:
    cases = stalkrisk.load_examples()
    sex = ["f", "f", "f", "x", "f", "f", "f", "f", "f", "f"]  # only EX-04, not scored, is "x"
    report = evaluate(SCREEN_1, cases, EXAMPLE_Y, {"sex": sex}, n_bootstrap=0)
    x = report.group("sex").group("x")
    assert (x.n, x.n_not_scored, x.reliable, x.base_rate, x.auc) == (0, 1, False, None, None)
    assert [b.n for b in x.bands] == [0, 0, 0]
    assert [(e.false_positive_rate, e.false_negative_rate) for e in x.error_rates] == [
        (None, None),
        (None, None),
    ]
    assert "group sex=x is too small to say anything (n=0;" in str(report)


def _logistic_instrument() -> stalkrisk.Instrument:
    return instrument_from_data(
        {
            "format": "stalkrisk-instrument/1",
            "id": "test-strangulation",
            "version": "0.1.0",
            "title": "Strangulation (test)",
            "description": "One binary item on a logistic scale, for tests.",
            "citation": ["Test data only."],
            "validation": {"status": "illustrative", "statement": "Test coefficients only."},
            "items": [
                {
                    "id": "strangulation",
                    "factor": "strangulation",
                    "label": "Strangulation",
                    "rationale": "Test item: 1.5 log-odds when present.",
                    "points": 1.5,
                }
            ],
            "scales": [
                {
                    "id": "harm",
                    "title": "Harm",
                    "description": "Probability of the test outcome within a year.",
                    "kind": "logistic",
                    "items": ["strangulation"],
                    "horizons": [{"id": "one_year", "label": "1 year", "constant": -1.5}],
                    "bands": [
                        {"id": "low", "label": "Low", "max": 30},
                        {"id": "high", "label": "High", "min": 30},
                    ],
                    "missing": {"max_unknown": 0, "method": "known_only"},
                }
            ],
        }
    )


def _strangulation_case(i: int, present: bool | None) -> Case:
    value = "unknown" if present is None else "present" if present else "absent"
    return Case(
        case_id=f"T-{i:03d}",
        assessment_date="2024-05-01",
        synthetic=True,
        episode={"strangulation": value},
        relationship={"domestic_abuse": {"strangulation": value}},
    )


def test_logistic_instrument_gives_probabilities_and_a_brier_score() -> None:
    rng = np.random.default_rng(21)
    n = 240
    present = rng.random(n) < 0.4
    known: list[bool | None] = [bool(x) for x in present]
    known[0] = None  # unknown: the logistic scale cannot be scored
    p = expit(-1.5 + 1.5 * present)
    y = (rng.random(n) < p).astype(int)
    cases = [_strangulation_case(i, v) for i, v in enumerate(known)]
    report = evaluate(_logistic_instrument(), cases, y, n_bootstrap=100)
    assert report.has_probabilities
    assert report.n_not_scored == 1
    assert report.not_scored == ("T-000",)
    assert report.score == "scale total (log-odds)"
    assert report.threshold_unit == "percent"
    assert report.brier == pytest.approx(np.mean((p[1:] - y[1:]) ** 2))
    assert report.auc == roc_auc_score(y[1:], present[1:])
    assert report.calibration_intercept is not None
    se_a, _ = standard_errors(p[1:])
    assert report.calibration_intercept == pytest.approx(0, abs=4 * se_a)
    # Two distinct probabilities (18.2%, 50%): two reliability bins, which are the two bands.
    assert report.reliability is not None
    assert [b.n for b in report.reliability] == [b.n for b in report.bands]
    assert [b.band for b in report.bands] == ["low", "high"]
    assert report.cut_points[0].threshold == 30
    assert report.calibration_note is None


# --- ranking by band (what the court sees) ----------------------------------------------------


def _red_flag_instrument() -> stalkrisk.Instrument:
    """Strangulation (1 point, and a red flag to High) and recent violence (3 points)."""
    return instrument_from_data(
        {
            "format": "stalkrisk-instrument/1",
            "id": "test-red-flag",
            "version": "0.1.0",
            "title": "Red flag (test)",
            "description": "Two items and a red flag, for tests.",
            "citation": ["Test data only."],
            "validation": {"status": "illustrative", "statement": "Test points only."},
            "items": [
                {
                    "id": "strangulation",
                    "factor": "strangulation",
                    "label": "Strangulation",
                    "rationale": "Test item: 1 point.",
                    "points": 1,
                },
                {
                    "id": "violence",
                    "factor": "violence_recent",
                    "label": "Violence",
                    "rationale": "Test item: 3 points.",
                    "points": 3,
                },
            ],
            "scales": [
                {
                    "id": "harm",
                    "title": "Harm",
                    "description": "The test outcome.",
                    "items": ["strangulation", "violence"],
                    "bands": [
                        {"id": "low", "label": "Low", "max": 2},
                        {"id": "moderate", "label": "Moderate", "min": 2, "max": 4},
                        {"id": "high", "label": "High", "min": 4},
                    ],
                    "missing": {"max_unknown": 0, "method": "known_only"},
                    "red_flags": [
                        {
                            "id": "strangulation",
                            "factor": "strangulation",
                            "minimum_band": "high",
                            "label": "Strangulation",
                            "rationale": "Test red flag: no total outvotes it.",
                        }
                    ],
                }
            ],
        }
    )


def _flag_case(i: int, strangled: bool, violent: bool) -> Case:
    def presence(x: bool) -> str:
        return "present" if x else "absent"

    return Case(
        case_id=f"T-{i:03d}",
        assessment_date="2024-05-01",
        synthetic=True,
        episode={"strangulation": presence(strangled), "violence": presence(violent)},
        relationship={"domestic_abuse": {"strangulation": presence(strangled)}},
    )


def test_rank_by_band_ranks_a_red_flag_above_a_higher_total_in_a_lower_band() -> None:
    instrument = _red_flag_instrument()
    flagged = _flag_case(0, strangled=True, violent=False)  # total 1, raised to High
    violent = _flag_case(1, strangled=False, violent=True)  # total 3, Moderate
    harm = [WeightedScorer(instrument).score(c).scale("harm") for c in (flagged, violent)]
    assert [(r.total, r.band.id) for r in harm if r.band] == [(1, "high"), (3, "moderate")]
    y = [1, 0]  # the red-flagged case went on to the outcome
    by_total = evaluate(instrument, [flagged, violent], y, n_bootstrap=0)
    by_band = evaluate(instrument, [flagged, violent], y, n_bootstrap=0, rank_by="band")
    assert by_total.auc == 0.0  # the total ranks the red-flagged case below
    assert by_band.auc == 1.0  # the band ranks it above, as a court reads it
    assert (by_total.rank_by, by_band.rank_by) == ("total", "band")
    assert by_band.score == "band (after red flags), then scale total (points) within a band"
    assert by_band.to_dict()["rank_by"] == "band"
    assert "rank_by=band" in str(by_band)
    assert by_band.bands == by_total.bands  # the bands themselves do not change


def test_rank_by_band_matches_an_explicit_lexicographic_auc_and_keeps_ties() -> None:
    instrument = _red_flag_instrument()
    kinds = [(True, False), (False, True), (False, False), (True, True)]
    rng = np.random.default_rng(4)
    picks = rng.integers(0, 4, size=80)
    cases = [_flag_case(i, *kinds[k]) for i, k in enumerate(picks)]
    y = (rng.random(80) < 0.4).astype(int)
    report = evaluate(instrument, cases, y, n_bootstrap=0, rank_by="band")
    scorer = WeightedScorer(instrument)
    results = [scorer.score(c).scale("harm") for c in cases]
    key = [r.band.rank * 100 + r.total for r in results if r.band and r.total is not None]
    assert report.auc == pytest.approx(roc_auc_score(y, key), abs=1e-15)
    totals = [r.total for r in results]
    assert evaluate(instrument, cases, y, n_bootstrap=0).auc == roc_auc_score(y, totals)
    # Two cases with the same band and total stay tied: each ordering counts one half.
    tied = evaluate(instrument, [cases[0], cases[0]], [1, 0], n_bootstrap=0, rank_by="band")
    assert tied.auc == 0.5


def test_band_then_score_is_exact_and_orders_band_first() -> None:
    rank = np.array([1, 0, 1, 1, 2, 0], dtype=np.int64)
    score = np.array([5.0, 9.0, 5.0, 5.0 + 1e-12, -3.0, 9.0])
    codes = _band_then_score(rank, score)
    assert codes.tolist() == [1.0, 0.0, 1.0, 2.0, 3.0, 0.0]  # nearly equal totals stay apart


def test_rank_by_band_for_a_model_orders_as_the_probability() -> None:
    p, y = simulate(400, seed=14)
    by_band = evaluate(FixedModel(p), rows(400), y, cut_points=[0.2, 0.5], rank_by="band")
    by_p = evaluate(FixedModel(p), rows(400), y, cut_points=[0.2, 0.5])
    assert by_band.auc == roc_auc_score(y, p)  # the cut-points follow the probability
    assert by_band.auc_ci == by_p.auc_ci
    assert by_band.score == "band (from the cut-points), then predicted probability within a band"
    with pytest.raises(ValueError, match="needs bands") as err:
        evaluate(FixedModel(p), rows(400), y, rank_by="band")
    assert str(err.value) == BAND_NEEDS_BANDS


def test_default_ranking_by_total_is_unchanged() -> None:
    # Figures computed by the evaluation before rank_by and the width rule existed.
    report = _report()
    assert report.rank_by == "total"
    assert report.auc == 0.7757283834586466
    assert report.auc_ci is not None
    assert (report.auc_ci.low, report.auc_ci.high) == (0.7322676809210527, 0.8307242716165414)
    f, m = report.group("sex").groups
    assert f.auc == 0.8366013071895425
    assert f.auc_ci is not None
    assert (f.auc_ci.low, f.auc_ci.high) == (0.7023692810457516, 0.9510620915032679)
    assert m.auc == 0.7680282796543599
    assert m.auc_ci is not None
    assert (m.auc_ci.low, m.auc_ci.high) == (0.7070227808326788, 0.8343322859387274)
    p, y = simulate(300, seed=30)
    assert report.auc == roc_auc_score(y, p)
    sex = np.where(np.arange(300) % 7 == 0, "f", "m")
    explicit = evaluate(
        FixedModel(p), rows(300), y, {"sex": sex}, cut_points=[0.2, 0.5], n_bootstrap=200,
        rank_by="total",
    )  # fmt: skip
    assert explicit.to_json() == report.to_json()


def test_default_ranking_of_an_instrument_is_its_total() -> None:
    c = stalkrisk.synthetic.cohort(300, seed=5)
    scorer = WeightedScorer(SCREEN_1)
    results = [scorer.score(case).scale("serious_harm") for case in c.cases]
    kept = [i for i, r in enumerate(results) if r.band is not None and r.total is not None]
    y = np.asarray(c.outcomes)[kept]
    totals = [results[i].total for i in kept]
    report = evaluate(scorer, c.cases, c.outcomes, scale="serious_harm", n_bootstrap=0)
    assert report.auc == roc_auc_score(y, totals)
    assert report.score == "scale total (points)"
    by_band = evaluate(
        scorer, c.cases, c.outcomes, scale="serious_harm", n_bootstrap=0, rank_by="band"
    )
    key = [results[i].band.rank * 1000 + results[i].total for i in kept]  # type: ignore[union-attr,operator]
    assert by_band.auc == pytest.approx(roc_auc_score(y, key), abs=1e-15)


@pytest.mark.parametrize("bad", ["points", "Band", None, 1])
def test_a_bad_rank_by_is_refused_by_name(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"^rank_by must be one of 'total' or 'band'; received"):
        evaluate(FixedModel(TINY_P), rows(10), TINY_Y, rank_by=bad)


# --- group reliability: the width of the AUC interval ------------------------------------------


def _female_38() -> tuple[EvaluationReport, NDArray[np.int64]]:
    """2000 male cases and a female group of 38 (11 with the outcome), AUC about .7."""
    rng = np.random.default_rng(38)
    y = np.concatenate([(rng.random(2000) < 0.3).astype(np.int64), np.array([1] * 11 + [0] * 27)])
    # Scores of cases with the outcome are shifted up by 0.75 SD: an AUC of about .7.
    p = expit(-1 + 0.75 * y + rng.normal(size=len(y)))
    sex = np.array(["male"] * 2000 + ["female"] * 38)
    return evaluate(FixedModel(p), rows(len(y)), y, {"sex": sex}, cut_points=[0.3, 0.5]), y


def test_a_group_of_38_with_a_wide_auc_interval_is_not_reliable() -> None:
    report, _ = _female_38()
    female = report.group("sex").group("female")
    assert female.n == 38
    assert female.n >= report.min_group_size  # the old rule (n >= 30, 5 of each) passed it
    assert min(female.n_positive, female.n - female.n_positive) >= MIN_GROUP_EVENTS
    assert female.auc_ci is not None
    width = female.auc_ci.high - female.auc_ci.low
    assert width > MAX_RELIABLE_AUC_WIDTH
    assert not female.reliable
    reason = (
        f"AUC 95% interval {female.auc_ci.low:.3f} to {female.auc_ci.high:.3f} is "
        f"{width:.3f} wide, more than 0.2"
    )
    assert female.unreliable_reason == reason
    warning = WIDE_GROUP_INTERVAL.format(
        variable="sex",
        group="female",
        low=female.auc_ci.low,
        high=female.auc_ci.high,
        width=width,
        n=38,
        max_width=0.2,
    )
    assert warning in report.warnings
    male = report.group("sex").group("male")
    assert male.auc_ci is not None
    assert male.auc_ci.high - male.auc_ci.low <= MAX_RELIABLE_AUC_WIDTH
    assert male.reliable
    assert not any("sex=male" in w for w in report.warnings)
    assert report.max_reliable_auc_width == MAX_RELIABLE_AUC_WIDTH


def test_without_a_bootstrap_no_group_is_reliable_and_the_report_says_why() -> None:
    _, y = _female_38()
    p, _ = simulate(len(y), seed=3)
    sex = np.array(["male"] * 2000 + ["female"] * 38)
    report = evaluate(FixedModel(p), rows(len(y)), y, {"sex": sex}, n_bootstrap=0)
    male = report.group("sex").group("male")
    assert not male.reliable
    assert male.unreliable_reason == "no AUC interval (n_bootstrap=0)"
    assert NO_GROUP_INTERVAL.format(max_width=0.2) in report.warnings
    assert "no group can be shown reliable" in NO_GROUP_INTERVAL
    without_groups = evaluate(FixedModel(p), rows(len(y)), y, n_bootstrap=0)
    assert NO_GROUP_INTERVAL.format(max_width=0.2) not in without_groups.warnings


def test_min_group_size_remains_a_floor() -> None:
    report, y = _female_38()
    assert report.group("sex").group("male").reliable
    p = expit(-1 + 0.75 * y)  # any scores: the floor decides before the interval
    sex = np.array(["male"] * 2000 + ["female"] * 38)
    strict = evaluate(
        FixedModel(p), rows(len(y)), y, {"sex": sex}, n_bootstrap=50, min_group_size=5000
    )
    male = strict.group("sex").group("male")
    assert not male.reliable
    assert male.unreliable_reason == "n=2000, fewer than 5000 cases"
    assert strict.min_group_size == 5000
    assert any(w.startswith("group sex=male is too small") for w in strict.warnings)


def test_text_shows_group_intervals_reasons_and_band_rates_by_group() -> None:
    report, _ = _female_38()
    text = str(report)
    female = report.group("sex").group("female")
    assert female.auc_ci is not None
    lines = text.splitlines()
    by_sex = lines.index("By sex")
    header, row, male_row = lines[by_sex + 1 : by_sex + 4]
    assert header.split()[:6] == ["group", "n", "base", "rate", "AUC", "AUC"]
    assert header.endswith("reliable")
    assert row.split()[:3] == ["female", "38", f"{100 * female.base_rate:.1f}%"]  # type: ignore[operator]
    assert f"{female.auc_ci.low:.3f} to {female.auc_ci.high:.3f}" in row
    assert row.endswith(f"NO: {female.unreliable_reason}")
    assert male_row.startswith("  male ")
    assert male_row.endswith("yes")
    start = lines.index("Band outcome rates by sex")
    table = lines[start + 1 : start + 2 + 2 * len(report.bands)]
    assert table[0].split() == ["group", "band", "n", "with", "outcome", "rate", "95%", "CI"]
    for g_index, g in enumerate(report.group("sex").groups):
        for b in g.bands:
            line = table[1 + g_index * len(report.bands) + b.rank]
            assert line.startswith(f"  {g.group}" if b.rank == 0 else "   ")
            assert b.label in line
            assert b.n > 0  # every band holds cases here, so every rate has an interval
            low, high = wilson_interval(b.n_positive, b.n)  # type: ignore[misc]
            assert line.split()[-6:] == [
                str(b.n),
                str(b.n_positive),
                f"{100 * b.n_positive / b.n:.1f}%",
                f"{100 * low:.1f}%",
                "to",
                f"{100 * high:.1f}%",
            ]


# --- the report --------------------------------------------------------------------------------


def _report() -> EvaluationReport:
    p, y = simulate(300, seed=30)
    sex = np.where(np.arange(300) % 7 == 0, "f", "m")
    return evaluate(
        FixedModel(p), rows(300), y, {"sex": sex}, cut_points=[0.2, 0.5], n_bootstrap=200
    )


def test_json_round_trip() -> None:
    report = _report()
    text = report.to_json()
    assert EvaluationReport.model_validate_json(text) == report
    assert json.loads(text) == report.to_dict()
    assert report.to_dict()["groups"][0]["variable"] == "sex"
    with pytest.raises(ValueError, match="frozen"):
        report.n = 3  # type: ignore[misc]


def test_same_inputs_and_seed_give_identical_json() -> None:
    assert _report().to_json() == _report().to_json()
    p, y = simulate(300, seed=30)
    other = evaluate(FixedModel(p), rows(300), y, n_bootstrap=200, random_state=1)
    assert other.auc == _report().auc
    assert other.auc_ci != _report().auc_ci


def test_text_table_and_reprs() -> None:
    report = _report()
    text = str(report)
    assert text.startswith("Evaluation of FixedModel")
    for part in ("AUC", "Brier score", "Calibration slope", "Bands", "By sex", "Warnings"):
        assert part in text
    assert "\n" not in repr(report)
    assert repr(report).startswith("<EvaluationReport FixedModel: n=300, AUC=")
    assert report._repr_html_().startswith("<table>")
    hostile = evaluate(
        FixedModel(TINY_P), rows(10), TINY_Y, {"<script>": TINY_GROUP}, n_bootstrap=0
    )
    assert "<script>" not in hostile._repr_html_()
    assert "&lt;script&gt;" in hostile._repr_html_()


# --- errors ------------------------------------------------------------------------------------


def test_invalid_inputs_raise_clear_errors() -> None:
    model = FixedModel(TINY_P)
    cases = stalkrisk.load_examples()
    with pytest.raises(ValueError, match="y must hold only 0 and 1"):
        evaluate(model, rows(10), [0, 1, 2, 0, 1, 0, 1, 0, 1, 0])
    message = LENGTH_MISMATCH.format(what="group variable 'g'", got=9, n=10)
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate(model, rows(10), TINY_Y, {"g": ["a"] * 9})
    message = BAD_CUT_POINTS.format(cut_points=[0.5, 0.2])
    with pytest.raises(ValueError, match=re.escape(message)):
        evaluate(model, rows(10), TINY_Y, cut_points=[0.5, 0.2])
    with pytest.raises(ValueError, match=re.escape(NOT_FOR_MODEL)):
        evaluate(model, rows(10), TINY_Y, scale="harm")
    with pytest.raises(ValueError, match=re.escape(NOT_FOR_INSTRUMENT)):
        evaluate("stalkrisk-screen", cases, TINY_Y, cut_points=[1])
    with pytest.raises(TypeError, match="predict_proba"):
        evaluate(object(), rows(10), TINY_Y)
    with pytest.raises(TypeError, match=r"stalkrisk\.Case"):
        evaluate("stalkrisk-screen", [{"case_id": "X"}], [1])
    with pytest.raises(ValueError, match="finite numbers in"):
        evaluate(FixedModel([1.5] * 10), rows(10), TINY_Y)


def test_missing_ml_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fairlearn.metrics", None)
    with pytest.raises(ImportError) as err:
        evaluate(FixedModel(TINY_P), rows(10), TINY_Y)
    assert str(err.value) == ML_EXTRA
    assert "pip install 'stalkrisk[ml]'" in ML_EXTRA


def test_docs_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import stalkrisk.model

    for name in (
        "evaluate",
        "EvaluationReport",
        "RocDisplay",
        "CalibrationCurveDisplay",
        "BandRatesDisplay",
    ):
        assert name in stalkrisk.model.__all__  # the docs import these from the package
    doc = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert len(blocks) == 5
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            for block in blocks:
                exec(compile(block, "docs/evaluation.md", "exec"), namespace)
    finally:
        plt.close("all")
    assert "Evaluation of LogisticRegression" in out.getvalue()
    assert (tmp_path / "evaluation.png").exists()
    assert namespace["report"].group("ethnicity").group(NOT_RECORDED).n == 1


def test_importing_the_evaluation_and_plot_modules_does_not_import_matplotlib() -> None:
    code = (
        "import sys, stalkrisk.model._evaluation, stalkrisk.model._plots; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
