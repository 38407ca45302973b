"""Plots of evaluation reports: scikit-learn-style displays, checked through their artists."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import matplotlib
import numpy as np
import pytest
from sklearn.metrics import roc_curve

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # after choosing the backend

import stalkrisk
from stalkrisk.model._evaluation import (
    NOT_APPLICABLE_POINTS,
    EvaluationReport,
    evaluate,
)
from stalkrisk.model._plots import (
    PLOT_EXTRA,
    BandRatesDisplay,
    CalibrationCurveDisplay,
    RocDisplay,
)


class FixedModel:
    classes_ = np.array([0, 1])

    def __init__(self, p: Any) -> None:
        self.p = np.asarray(p, dtype=float)

    def predict_proba(self, X: Any) -> Any:
        rows = np.asarray(X).ravel().astype(int)
        return np.column_stack([1 - self.p[rows], self.p[rows]])


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def no_show(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a display must never call plt.show()")

    monkeypatch.setattr(plt, "show", no_show)
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    rng = np.random.default_rng(7)
    n = 600
    p = 1 / (1 + np.exp(-(-1 + rng.normal(size=n))))
    y = (rng.random(n) < p).astype(int)
    sex = np.where(np.arange(n) % 10 == 0, "f", "m")
    site = np.where(np.arange(n) < 8, "tiny", "main")
    return evaluate(
        FixedModel(p),
        np.arange(n),
        y,
        {"sex": sex, "site": site},
        cut_points=[0.2, 0.4],
        n_bootstrap=50,
    )


@pytest.fixture(scope="module")
def screen_report() -> EvaluationReport:
    y = [1, 0, 0, 1, 1, 0, 1, 0, 1, 1]
    sex = ["f", "m"] * 5
    return evaluate("stalkrisk-screen", stalkrisk.load_examples(), y, {"sex": sex}, n_bootstrap=0)


# --- ROC ---------------------------------------------------------------------------------------


def test_roc_from_predictions_draws_sklearns_curve() -> None:
    y = [0, 0, 1, 1, 0, 1]
    score = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]
    display = RocDisplay.from_predictions(y, score, name="model")
    fpr, tpr, _ = roc_curve(y, score)
    np.testing.assert_array_equal(display.lines_[0].get_xdata(), fpr)
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), tpr)
    assert display.lines_[0].get_label() == "model (AUC = 0.89)"
    np.testing.assert_array_equal(display.chance_level_.get_xdata(), [0, 1])
    assert display.ax_.get_xlabel() == "False-positive rate"
    assert display.ax_.get_ylabel() == "True-positive rate"
    assert display.figure_ is display.ax_.figure


def test_roc_from_report(report: EvaluationReport) -> None:
    display = RocDisplay.from_report(report)
    assert report.roc is not None
    assert len(display.lines_) == 1
    np.testing.assert_array_equal(display.lines_[0].get_xdata(), report.roc.fpr)
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), report.roc.tpr)
    assert display.lines_[0].get_label() == f"all cases (n=600) (AUC = {report.auc:.2f})"
    assert display.ax_.get_title() == "FixedModel"


def test_roc_by_group_has_one_line_per_group(report: EvaluationReport) -> None:
    display = RocDisplay.from_report(report, group_variable="sex")
    labels = [line.get_label() for line in display.lines_]
    assert len(labels) == 2
    assert labels[0].startswith("f (n=60")
    assert labels[1].startswith("m (n=540)")
    legend = display.ax_.get_legend()
    assert legend is not None
    assert len(legend.get_texts()) == 3  # two groups and chance


def test_roc_marks_small_groups(report: EvaluationReport) -> None:
    display = RocDisplay.from_report(report, group_variable="site")
    assert report.group("site").group("tiny").roc is not None  # both outcomes among 8 cases
    labels = [str(line.get_label()) for line in display.lines_]
    assert labels[0].startswith("main (n=592) (AUC = ")
    assert labels[1].startswith("tiny (n=8, unreliable) (AUC = ")


def test_roc_leaves_out_groups_with_one_outcome() -> None:
    report = evaluate(
        FixedModel([0.1, 0.6, 0.3, 0.8, 0.5]), np.arange(5), [0, 1, 0, 1, 1],
        {"g": ["a", "a", "a", "a", "b"]}, n_bootstrap=0,
    )  # fmt: skip
    display = RocDisplay.from_report(report, group_variable="g")
    assert [str(line.get_label()) for line in display.lines_] == [
        "a (n=4, unreliable) (AUC = 1.00)"
    ]


def test_plot_draws_on_given_axes_and_returns_self(report: EvaluationReport) -> None:
    fig, (left, right) = plt.subplots(1, 2)
    display = RocDisplay.from_report(report, ax=left)
    assert display.ax_ is left
    assert display.figure_ is fig
    again = display.plot(ax=right)
    assert again is display
    assert display.ax_ is right
    assert len(right.get_lines()) == 2  # the curve and chance


def test_roc_needs_both_outcomes() -> None:
    flat = evaluate(FixedModel([0.2, 0.3, 0.4]), np.arange(3), [0, 0, 0], n_bootstrap=0)
    with pytest.raises(ValueError, match="no ROC curve"):
        RocDisplay.from_report(flat)


# --- calibration -------------------------------------------------------------------------------


def test_calibration_from_report(report: EvaluationReport) -> None:
    display = CalibrationCurveDisplay.from_report(report)
    assert report.reliability is not None
    line = display.lines_[0]
    np.testing.assert_allclose(line.get_xdata(), [b.mean_predicted for b in report.reliability])
    np.testing.assert_allclose(line.get_ydata(), [b.observed_rate for b in report.reliability])
    assert len(display.errorbars_) == 1
    (bars,) = display.errorbars_[0].lines[2]
    segments = bars.get_segments()
    assert len(segments) == len(report.reliability)
    for segment, b in zip(segments, report.reliability, strict=True):
        assert segment[:, 1].tolist() == pytest.approx([b.ci.low, b.ci.high])
    np.testing.assert_array_equal(display.reference_line_.get_ydata(), [0, 1])
    assert display.ax_.get_xlabel() == "Mean predicted probability"


def test_calibration_by_group(report: EvaluationReport) -> None:
    display = CalibrationCurveDisplay.from_report(report, group_variable="sex")
    assert str(display.errorbars_[0].get_label()).startswith("f (n=60")
    assert len(display.lines_) == len(display.errorbars_) == 2


def test_calibration_from_predictions_bins() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.05, 0.6, 400)
    y = rng.random(400) < p
    display = CalibrationCurveDisplay.from_predictions(y, p, n_bins=4, name="p")
    assert len(display.lines_[0].get_xdata()) == 4
    assert display.errorbars_[0].get_label() == "p"


def test_calibration_is_refused_for_a_points_scale(screen_report: EvaluationReport) -> None:
    with pytest.raises(ValueError, match="no calibration") as err:
        CalibrationCurveDisplay.from_report(screen_report)
    assert NOT_APPLICABLE_POINTS in str(err.value)


# --- band rates --------------------------------------------------------------------------------


def test_band_rates_from_report(report: EvaluationReport) -> None:
    display = BandRatesDisplay.from_report(report)
    assert len(display.bars_) == 1
    bars = display.bars_[0].patches
    assert len(bars) == len(report.bands) == 3
    heights = [bar.get_height() for bar in bars]
    assert heights == pytest.approx([b.observed_rate for b in report.bands])
    labels = [t.get_text() for t in display.count_labels_[0]]
    assert labels == [f"n={b.n}" for b in report.bands]
    ticks = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert ticks == [b.label for b in report.bands]
    (segments,) = display.errorbars_[0].lines[2]
    assert len(segments.get_segments()) == 3
    assert display.ax_.get_legend() is None  # one series


def test_band_rates_by_group_side_by_side(report: EvaluationReport) -> None:
    display = BandRatesDisplay.from_report(report, group_variable="sex")
    assert len(display.bars_) == 2
    assert [len(c.patches) for c in display.bars_] == [3, 3]
    assert len(display.errorbars_) == 2
    f = report.group("sex").group("f")
    heights = [bar.get_height() for bar in display.bars_[0].patches]
    assert heights == pytest.approx([b.observed_rate or 0 for b in f.bands])
    legend = display.ax_.get_legend()
    assert legend is not None
    assert legend.get_texts()[0].get_text().startswith("f (n=60")


def test_band_rates_for_an_instrument(screen_report: EvaluationReport) -> None:
    display = BandRatesDisplay.from_report(screen_report, group_variable="sex")
    assert [len(c.patches) for c in display.bars_] == [3, 3]
    ticks = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert ticks == ["Fewer factors", "Several factors", "Many factors"]
    counts = [t.get_text() for labels in display.count_labels_ for t in labels]
    assert sum(int(c.removeprefix("n=")) for c in counts) == screen_report.n
    assert "stalkrisk-screen" in display.ax_.get_title()
    assert RocDisplay.from_report(screen_report).lines_


def test_empty_band_has_no_bar_but_a_count() -> None:
    report = evaluate(
        FixedModel([0.1, 0.15, 0.9, 0.95]), np.arange(4), [0, 1, 1, 0], cut_points=[0.3, 0.6],
        n_bootstrap=0,
    )  # fmt: skip
    display = BandRatesDisplay.from_report(report)
    assert [bar.get_height() for bar in display.bars_[0].patches] == [0.5, 0.0, 0.5]
    assert [t.get_text() for t in display.count_labels_[0]] == ["n=2", "n=0", "n=2"]


def test_band_rates_need_bands() -> None:
    report = evaluate(FixedModel([0.1, 0.9]), np.arange(2), [0, 1], n_bootstrap=0)
    with pytest.raises(ValueError, match="no bands"):
        BandRatesDisplay.from_report(report)


# --- matplotlib is optional ----------------------------------------------------------------------


def test_missing_matplotlib_names_the_plot_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    display = RocDisplay(fpr=[[0, 1]], tpr=[[0, 1]], names=["x"])
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError) as err:
        display.plot()
    assert str(err.value) == PLOT_EXTRA
    assert "pip install 'stalkrisk[plot]'" in str(err.value)
