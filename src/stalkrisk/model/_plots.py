"""Plots of an :class:`~stalkrisk.model._evaluation.EvaluationReport`, in scikit-learn's style.

Each display is built with ``from_report`` (or ``from_predictions``), draws at once, keeps
what it drew (``ax_``, ``figure_`` and the artists) and never calls ``plt.show()``. Call
``plot(ax=...)`` again to draw the same data elsewhere.

matplotlib (the ``plot`` extra) is imported only when a display draws; without it, drawing
raises :class:`ImportError` naming ``pip install 'stalkrisk[plot]'``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from stalkrisk.model._evaluation import (
    NOT_APPLICABLE_POINTS,
    EvaluationReport,
    GroupResult,
    ReliabilityBin,
    _binary,
    reliability_table,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer, ErrorbarContainer
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.lines import Line2D
    from matplotlib.text import Annotation

__all__ = ["PLOT_EXTRA", "BandRatesDisplay", "CalibrationCurveDisplay", "RocDisplay"]

#: The message of the ImportError raised when matplotlib is missing.
PLOT_EXTRA = "plotting needs matplotlib, which is not installed: pip install 'stalkrisk[plot]'"
NO_CURVE = "the report has no {what}{where}: {why}"

FloatArray = NDArray[np.float64]


def _axes(ax: Axes | None) -> tuple[Axes, Figure | SubFigure]:
    """Return ``ax`` (or new axes on a new figure) and its figure; import matplotlib here."""
    try:
        import matplotlib  # noqa: PLC0415, F401  # optional extra, imported only to draw
    except ImportError as exc:
        raise ImportError(PLOT_EXTRA) from exc
    if ax is None:
        import matplotlib.pyplot as plt  # noqa: PLC0415  # optional extra

        figure, ax = plt.subplots()
        return ax, figure
    return ax, ax.figure


def _series_name(group: GroupResult) -> str:
    return f"{group.group} (n={group.n}{'' if group.reliable else ', unreliable'})"


def _series(report: EvaluationReport, group_variable: str | None) -> list[tuple[str, Any]]:
    """Return the whole sample, or each group of ``group_variable``, with a legend name."""
    if group_variable is None:
        return [(f"all cases (n={report.n})", report)]
    return [(_series_name(g), g) for g in report.group(group_variable).groups]


def _title(report: EvaluationReport, group_variable: str | None) -> str:
    what = report.source + (f", {report.scale}" if report.scale else "")
    return what + (f", by {group_variable}" if group_variable else "")


class RocDisplay:
    """ROC curves: one for the whole sample, or one per group.

    Create it with :meth:`from_report` or :meth:`from_predictions`; all parameters are
    stored as attributes.

    Parameters
    ----------
    fpr, tpr : sequence of array-like
        False- and true-positive rates of each curve.
    names : sequence of str
        Each curve's name, shown in the legend.
    roc_auc : sequence of float or None, optional
        Each curve's AUC, shown in the legend.
    title : str, optional
        The axes title.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per curve.
    chance_level_ : matplotlib Line2D
        The diagonal of a score that ranks at random.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> display = RocDisplay.from_predictions([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], ax=ax)
    >>> display.lines_[0].get_label()
    'predictions (AUC = 0.75)'
    """

    def __init__(
        self,
        *,
        fpr: Sequence[ArrayLike],
        tpr: Sequence[ArrayLike],
        names: Sequence[str],
        roc_auc: Sequence[float | None] | None = None,
        title: str | None = None,
    ) -> None:
        self.fpr = [np.asarray(x, dtype=np.float64) for x in fpr]
        self.tpr = [np.asarray(x, dtype=np.float64) for x in tpr]
        self.names = list(names)
        self.roc_auc = list(roc_auc) if roc_auc is not None else [None] * len(self.names)
        self.title = title

    @classmethod
    def from_predictions(
        cls,
        y_true: ArrayLike,
        y_score: ArrayLike,
        *,
        name: str = "predictions",
        ax: Axes | None = None,
    ) -> RocDisplay:
        """Draw the ROC curve of scores ``y_score`` (higher: more likely) against ``y_true``."""
        from sklearn.metrics import roc_auc_score, roc_curve  # noqa: PLC0415  # optional extra

        y = _binary(y_true)
        score = np.asarray(y_score, dtype=np.float64)
        fpr, tpr, _ = roc_curve(y, score)
        display = cls(fpr=[fpr], tpr=[tpr], names=[name], roc_auc=[float(roc_auc_score(y, score))])
        return display.plot(ax=ax)

    @classmethod
    def from_report(
        cls,
        report: EvaluationReport,
        *,
        group_variable: str | None = None,
        ax: Axes | None = None,
    ) -> RocDisplay:
        """Draw the report's ROC curve, or one per group of ``group_variable``.

        Groups with only one outcome class have no curve and are left out.

        Raises
        ------
        ValueError
            If no curve can be drawn (every case has the same outcome).
        """
        fpr, tpr, names, aucs = [], [], [], []
        for name, result in _series(report, group_variable):
            if result.roc is None:
                continue
            fpr.append(result.roc.fpr)
            tpr.append(result.roc.tpr)
            names.append(name)
            aucs.append(result.auc)
        if not names:
            where = f" for any group of {group_variable}" if group_variable else ""
            raise ValueError(
                NO_CURVE.format(
                    what="ROC curve", where=where, why="the outcome is the same in every case"
                )
            )
        display = cls(
            fpr=fpr, tpr=tpr, names=names, roc_auc=aucs, title=_title(report, group_variable)
        )
        return display.plot(ax=ax)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> RocDisplay:
        """Draw the curves on ``ax`` (default: new axes); ``kwargs`` go to ``ax.plot``.

        Returns
        -------
        RocDisplay
            ``self``, with ``ax_``, ``figure_``, ``lines_`` and ``chance_level_`` set.
        """
        self.ax_, self.figure_ = _axes(ax)
        self.lines_: list[Line2D] = []
        for fpr, tpr, name, auc in zip(self.fpr, self.tpr, self.names, self.roc_auc, strict=True):
            label = name if auc is None else f"{name} (AUC = {auc:.2f})"
            (line,) = self.ax_.plot(fpr, tpr, drawstyle="steps-post", label=label, **kwargs)
            self.lines_.append(line)
        (self.chance_level_,) = self.ax_.plot(
            [0, 1], [0, 1], linestyle="--", color="grey", label="chance (AUC = 0.5)"
        )
        self.ax_.set(
            xlabel="False-positive rate",
            ylabel="True-positive rate",
            xlim=(-0.01, 1.01),
            ylim=(-0.01, 1.01),
            aspect="equal",
        )
        if self.title:
            self.ax_.set_title(self.title)
        self.ax_.legend(loc="lower right")
        return self


@dataclass
class _Bins:
    """Reliability bins of several series, gathered for :class:`CalibrationCurveDisplay`."""

    mean_predicted: list[list[float]] = field(default_factory=list)
    observed: list[list[float]] = field(default_factory=list)
    ci_low: list[list[float]] = field(default_factory=list)
    ci_high: list[list[float]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def add(self, bins: Sequence[ReliabilityBin], name: str) -> None:
        self.mean_predicted.append([b.mean_predicted for b in bins])
        self.observed.append([b.observed_rate for b in bins])
        self.ci_low.append([b.ci.low for b in bins])
        self.ci_high.append([b.ci.high for b in bins])
        self.names.append(name)


class CalibrationCurveDisplay:
    """Reliability diagrams: observed against predicted outcome rates, with 95% intervals.

    Points on the diagonal are well calibrated; points below it mean the predictions were
    too high. Create it with :meth:`from_report` or :meth:`from_predictions`.

    Parameters
    ----------
    mean_predicted, observed : sequence of array-like
        Each series' bins: the mean predicted probability and the observed outcome rate.
    ci_low, ci_high : sequence of array-like
        Each series' Wilson 95% interval of the observed rate, per bin.
    names : sequence of str
        Each series' name, shown in the legend.
    title : str, optional
        The axes title.

    Attributes
    ----------
    errorbars_ : list of matplotlib ErrorbarContainer
        One per series.
    lines_ : list of matplotlib Line2D
        One per series: the line through the bins.
    reference_line_ : matplotlib Line2D
        The diagonal of perfect calibration.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.6, 400)
    >>> y = rng.random(400) < p
    >>> display = CalibrationCurveDisplay.from_predictions(y, p, n_bins=5, ax=Figure().subplots())
    >>> len(display.lines_[0].get_xdata())
    5
    """

    def __init__(
        self,
        *,
        mean_predicted: Sequence[ArrayLike],
        observed: Sequence[ArrayLike],
        ci_low: Sequence[ArrayLike],
        ci_high: Sequence[ArrayLike],
        names: Sequence[str],
        title: str | None = None,
    ) -> None:
        self.mean_predicted = [np.asarray(x, dtype=np.float64) for x in mean_predicted]
        self.observed = [np.asarray(x, dtype=np.float64) for x in observed]
        self.ci_low = [np.asarray(x, dtype=np.float64) for x in ci_low]
        self.ci_high = [np.asarray(x, dtype=np.float64) for x in ci_high]
        self.names = list(names)
        self.title = title

    @classmethod
    def from_predictions(
        cls,
        y_true: ArrayLike,
        y_prob: ArrayLike,
        *,
        n_bins: int = 10,
        name: str = "predictions",
        ax: Axes | None = None,
    ) -> CalibrationCurveDisplay:
        """Draw the reliability diagram of probabilities ``y_prob`` in ``n_bins`` quantile bins."""
        parts = _Bins()
        parts.add(reliability_table(y_true, y_prob, n_bins=n_bins), name)
        return cls(**parts.__dict__).plot(ax=ax)

    @classmethod
    def from_report(
        cls,
        report: EvaluationReport,
        *,
        group_variable: str | None = None,
        ax: Axes | None = None,
    ) -> CalibrationCurveDisplay:
        """Draw the report's reliability table, or one per group of ``group_variable``.

        Raises
        ------
        ValueError
            If the report has no probabilities (a points scale: calibration is not
            applicable).
        """
        if not report.has_probabilities:
            raise ValueError(
                NO_CURVE.format(what="calibration", where="", why=NOT_APPLICABLE_POINTS)
            )
        parts = _Bins()
        for name, result in _series(report, group_variable):
            if result.reliability:
                parts.add(result.reliability, name)
        return cls(**parts.__dict__, title=_title(report, group_variable)).plot(ax=ax)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> CalibrationCurveDisplay:
        """Draw the diagrams on ``ax`` (default: new axes); ``kwargs`` go to ``ax.errorbar``.

        Returns
        -------
        CalibrationCurveDisplay
            ``self``, with ``ax_``, ``figure_``, ``errorbars_``, ``lines_`` and
            ``reference_line_`` set.
        """
        self.ax_, self.figure_ = _axes(ax)
        (self.reference_line_,) = self.ax_.plot(
            [0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated"
        )
        self.errorbars_: list[ErrorbarContainer] = []
        self.lines_: list[Line2D] = []
        series = zip(
            self.mean_predicted,
            self.observed,
            self.ci_low,
            self.ci_high,
            self.names,
            strict=True,
        )
        for x, y, low, high, name in series:
            container = self.ax_.errorbar(
                x,
                y,
                yerr=np.vstack([y - low, high - y]),
                marker="o",
                capsize=3,
                label=name,
                **kwargs,
            )
            self.errorbars_.append(container)
            line = container.lines[0]
            assert line is not None  # a marker is drawn
            self.lines_.append(line)
        self.ax_.set(
            xlabel="Mean predicted probability",
            ylabel="Observed outcome rate (95% CI)",
            xlim=(-0.01, 1.01),
            ylim=(-0.01, 1.01),
            aspect="equal",
        )
        if self.title:
            self.ax_.set_title(self.title)
        self.ax_.legend(loc="upper left")
        return self


class BandRatesDisplay:
    """Observed outcome rates by band, with Wilson 95% intervals, overall or by group.

    With a group variable, each group's bars stand side by side within each band. Each bar
    is labelled with its number of cases; an empty band has no bar and ``n=0``.
    Create it with :meth:`from_report`.

    Parameters
    ----------
    bands : sequence of str
        Band labels, lowest first.
    rates : sequence of array-like
        Each series' observed rate per band (NaN for an empty band).
    ci_low, ci_high : sequence of array-like
        Each series' interval per band (NaN for an empty band).
    counts : sequence of array-like of int
        Each series' number of cases per band.
    names : sequence of str
        Each series' name, shown in the legend.
    title : str, optional
        The axes title.

    Attributes
    ----------
    bars_ : list of matplotlib BarContainer
        One per series, one bar per band.
    errorbars_ : list of matplotlib ErrorbarContainer
        One per series.
    count_labels_ : list of list of matplotlib Annotation
        The ``n=`` label of each bar.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import stalkrisk
    >>> from matplotlib.figure import Figure
    >>> from stalkrisk.model._evaluation import evaluate
    >>> cases = stalkrisk.load_examples()
    >>> report = evaluate("stalkrisk-screen", cases, [1, 0, 0, 1, 1, 0, 1, 0, 1, 1],
    ...                   n_bootstrap=0)
    >>> display = BandRatesDisplay.from_report(report, ax=Figure().subplots())
    >>> [len(bars.patches) for bars in display.bars_]
    [3]
    """

    def __init__(
        self,
        *,
        bands: Sequence[str],
        rates: Sequence[ArrayLike],
        ci_low: Sequence[ArrayLike],
        ci_high: Sequence[ArrayLike],
        counts: Sequence[ArrayLike],
        names: Sequence[str],
        title: str | None = None,
    ) -> None:
        self.bands = list(bands)
        self.rates = [np.asarray(x, dtype=np.float64) for x in rates]
        self.ci_low = [np.asarray(x, dtype=np.float64) for x in ci_low]
        self.ci_high = [np.asarray(x, dtype=np.float64) for x in ci_high]
        self.counts = [np.asarray(x, dtype=np.int64) for x in counts]
        self.names = list(names)
        self.title = title

    @classmethod
    def from_report(
        cls,
        report: EvaluationReport,
        *,
        group_variable: str | None = None,
        ax: Axes | None = None,
    ) -> BandRatesDisplay:
        """Draw the report's band outcome rates, or each group's side by side.

        Raises
        ------
        ValueError
            If the report has no bands (a model evaluated without cut-points).
        """
        if not report.bands:
            raise ValueError(
                NO_CURVE.format(what="bands", where="", why="it was evaluated without cut-points")
            )
        nan = float("nan")
        rates, lows, highs, counts, names = [], [], [], [], []
        for name, result in _series(report, group_variable):
            rows = result.bands  # every band, empty ones included (n=0, no rate)
            rates.append([nan if r.observed_rate is None else r.observed_rate for r in rows])
            lows.append([nan if r.ci is None else r.ci.low for r in rows])
            highs.append([nan if r.ci is None else r.ci.high for r in rows])
            counts.append([r.n for r in rows])
            names.append(name)
        display = cls(
            bands=[b.label for b in report.bands],
            rates=rates,
            ci_low=lows,
            ci_high=highs,
            counts=counts,
            names=names,
            title=_title(report, group_variable),
        )
        return display.plot(ax=ax)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> BandRatesDisplay:
        """Draw the bars on ``ax`` (default: new axes); ``kwargs`` go to ``ax.bar``.

        Returns
        -------
        BandRatesDisplay
            ``self``, with ``ax_``, ``figure_``, ``bars_``, ``errorbars_`` and
            ``count_labels_`` set.
        """
        self.ax_, self.figure_ = _axes(ax)
        self.bars_: list[BarContainer] = []
        self.errorbars_: list[ErrorbarContainer] = []
        self.count_labels_: list[list[Annotation]] = []
        k = len(self.names)
        width = 0.8 / max(k, 1)
        x = np.arange(len(self.bands), dtype=np.float64)
        series = zip(self.rates, self.ci_low, self.ci_high, self.counts, self.names, strict=True)
        for i, (rate, low, high, count, name) in enumerate(series):
            at = x - 0.4 + width * (i + 0.5)
            heights = np.nan_to_num(rate, nan=0.0)  # an empty band: no bar, labelled n=0
            bars = self.ax_.bar(at, heights, width=width, label=name, **kwargs)
            errors = self.ax_.errorbar(
                at,
                rate,
                yerr=np.vstack([rate - low, high - rate]),
                fmt="none",
                capsize=3,
                ecolor="black",
            )
            labels = self.ax_.bar_label(bars, labels=[f"n={c}" for c in count], fontsize="small")
            self.bars_.append(bars)
            self.errorbars_.append(errors)
            self.count_labels_.append(labels)
        self.ax_.set_xticks(x, self.bands)
        self.ax_.set(xlabel="Band", ylabel="Observed outcome rate (95% CI)", ylim=(0, 1.05))
        if self.title:
            self.ax_.set_title(self.title)
        if k > 1:
            self.ax_.legend(loc="upper left")
        return self
