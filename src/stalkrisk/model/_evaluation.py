"""Evaluation: discrimination, calibration, band outcome rates and a fairness audit by group.

:func:`evaluate` measures how well a fitted model or a points instrument separates and predicts
an observed binary outcome (for example, continued stalking within a year), overall and within
each group of an audit variable (age band, sex, ethnicity where recorded). It returns an
:class:`EvaluationReport`: an immutable result with a text table, JSON, and everything the plots
in :mod:`stalkrisk.model._plots` need.

Group variables are audit inputs only: :func:`evaluate` never passes them to the model or the
scorer, and a variable that is also a column of the model's input is reported in
:attr:`EvaluationReport.warnings`.

scikit-learn and fairlearn (the ``ml`` extra) are imported when :func:`evaluate` runs, not when
this module is imported; matplotlib is never imported here.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import BaseModel, ConfigDict

from stalkrisk._version import __version__
from stalkrisk.assessment import ScaleStatus
from stalkrisk.instruments import Instrument
from stalkrisk.schemas import Case, ItemAnswers
from stalkrisk.scoring import WeightedScorer

if TYPE_CHECKING:
    from stalkrisk.instruments import Scale

__all__ = [
    "BOOTSTRAP_METHOD",
    "MAX_RELIABLE_AUC_WIDTH",
    "MIN_GROUP_EVENTS",
    "NOT_APPLICABLE_POINTS",
    "NOT_RECORDED",
    "RANK_BY",
    "BandRow",
    "CutPoint",
    "ErrorRates",
    "EvaluationReport",
    "GroupAudit",
    "GroupResult",
    "Interval",
    "ReliabilityBin",
    "RocCurve",
    "evaluate",
    "reliability_table",
    "wilson_interval",
]

#: How the AUC confidence interval is computed.
BOOTSTRAP_METHOD = (
    "stratified percentile bootstrap: cases with and without the outcome are resampled "
    "separately, so every resample keeps the sample's numbers of each"
)
#: Why a points scale has no Brier score or calibration.
NOT_APPLICABLE_POINTS = "not applicable (points, not probabilities)"
#: The group label given to a missing group value (``None`` or NaN).
NOT_RECORDED = "not recorded"
#: Fewer cases than this with, or without, the outcome and the whole sample is flagged small.
SMALL_SAMPLE_EVENTS = 100
#: The fewest cases with, and without, the outcome for a group's figures to be shown as reliable.
MIN_GROUP_EVENTS = 5
#: The widest 95% interval of a group's AUC for the group's figures to be shown as reliable.
#:
#: 0.2 is plus or minus 0.1 around the estimate. That is about the whole spread of published
#: stalking instruments (AUC .66 to .76), and about the distance between a modest tool (.7) and
#: chance (.5): a group whose interval is wider cannot tell a useful ranking from a useless one,
#: so its figures, and any difference from other groups, mean nothing. The number of cases is
#: no substitute: 38 cases with 11 outcomes and an AUC of .7 give an interval about .4 wide.
MAX_RELIABLE_AUC_WIDTH = 0.2
#: What :func:`evaluate` can rank for the AUC (its ``rank_by``): the total (a model's
#: predicted probability), or the band first and the total within a band.
RANK_BY = ("total", "band")
#: The fewest cases per reliability bin (up to 10 bins).
MIN_PER_BIN = 20
#: The most points of an ROC curve kept in a report (evenly spaced along the curve).
MAX_ROC_POINTS = 500
#: Predicted probabilities are clipped to [EPS, 1 - EPS] before taking log-odds.
EPS = 1e-10

# Message templates: constants, so tests and downstream software can match them exactly.
SMALL_GROUP = (
    "group {variable}={group} is too small to say anything (n={n}; {positives} with the "
    "outcome, {negatives} without; at least {min_n} cases and {min_events} of each are "
    "needed): its figures are marked unreliable"
)
WIDE_GROUP_INTERVAL = (
    "group {variable}={group} has an AUC 95% interval of {low:.3f} to {high:.3f}, {width:.3f} "
    "wide (n={n}; at most {max_width} is needed): too uncertain to compare with other groups, "
    "so its figures are marked unreliable"
)
NO_GROUP_INTERVAL = (
    "n_bootstrap=0: no AUC intervals were computed, so no group can be shown reliable (a "
    "group's figures are reliable only when its AUC's 95% interval is at most {max_width} wide)"
)
BAD_RANK_BY = "rank_by must be one of {allowed}; received {value}"
BAND_NEEDS_BANDS = (
    "rank_by='band' needs bands: pass cut_points (probabilities, ascending) or use a model "
    "with a cut_points attribute"
)
SMALL_SAMPLE = (
    "only {n} cases ({positives} with the outcome, {negatives} without): validation needs "
    "about {events} of each, so treat every figure here as rough"
)
ONE_CLASS = (
    "every evaluated case has the same outcome ({value}): AUC, calibration and error rates "
    "cannot be computed"
)
NOT_SCORED_EXCLUDED = (
    "{k} of {n} cases could not be scored on scale {scale!r} and are excluded from every "
    "figure: {ids}"
)
GROUP_IS_INPUT = (
    "group variable {variable!r} is also a column of the model's input: check that it belongs "
    "there (ethnicity must never be a scoring input)"
)
NO_CUT_POINTS = (
    "no cut-points: the report has no band table and no false-positive or false-negative "
    "rates; pass cut_points (probabilities, ascending) or use a model with a cut_points "
    "attribute"
)
Y_NOT_BINARY = "y must hold only 0 and 1 (or False and True); received the values {values}"
LENGTH_MISMATCH = "{what} has {got} entries but y has {n}; give exactly one per case"
BAD_PROBABILITIES = "the model's predicted probabilities must be finite numbers in [0, 1]"
BAD_CUT_POINTS = (
    "cut_points must be probabilities strictly between 0 and 1, in strictly ascending order; "
    "received {cut_points}"
)
CUT_POINTS_CONFLICT = (
    "the model has its own cut_points {own}; pass cut_points only for a model without them"
)
NOT_FOR_INSTRUMENT = "cut_points applies to models only: an instrument's bands set its cut-points"
NOT_FOR_MODEL = "scale applies to instruments only; a model has a single predicted probability"
NOT_EVALUABLE = (
    "expected a fitted classifier with predict_proba, a stalkrisk.Instrument, a "
    "WeightedScorer, or an instrument id or path; received {kind}"
)
NOT_A_CASE = (
    "an instrument scores stalkrisk.Case (or stalkrisk.ItemAnswers) objects; item {index} is "
    "a {kind}"
)
ML_EXTRA = "evaluation needs scikit-learn and fairlearn: pip install 'stalkrisk[ml]'"

_Z95 = NormalDist().inv_cdf(0.975)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Interval(_Frozen):
    """A 95% confidence interval ``[low, high]``."""

    low: float
    high: float


class RocCurve(_Frozen):
    """The points of an ROC curve (false-positive rate, true-positive rate), for plotting.

    Curves with more than 500 corners are thinned to 500, evenly spaced along the curve and
    always keeping (0, 0) and (1, 1); the AUC is always computed from every case.
    """

    fpr: tuple[float, ...]
    tpr: tuple[float, ...]


class ReliabilityBin(_Frozen):
    """One bin of a reliability table: cases with similar predicted probabilities."""

    lower: float
    """The smallest predicted probability in the bin."""
    upper: float
    """The largest predicted probability in the bin."""
    mean_predicted: float
    observed_rate: float
    """The share of the bin's cases with the outcome."""
    n: int
    n_positive: int
    ci: Interval
    """Wilson 95% interval of the observed rate."""


class BandRow(_Frozen):
    """Outcomes in one band: how many cases, how many had the outcome, and the rate."""

    band: str
    """The band's id."""
    label: str
    rank: int
    """0 is the lowest band."""
    lower_bound: float | None
    """Where the band starts (``None`` for the lowest band), in the report's threshold unit."""
    n: int
    n_positive: int
    observed_rate: float | None
    """``None`` when the band is empty."""
    ci: Interval | None
    """Wilson 95% interval of the observed rate (``None`` when the band is empty)."""


class CutPoint(_Frozen):
    """A cut-point: a case is "positive" when its band is this band or a higher one."""

    band: str
    """The id of the lowest "positive" band."""
    label: str
    """What counts as positive, in words: ``"Several factors or higher"``, ``"20% or more"``."""
    threshold: float | None
    """The band's lower bound, in the report's threshold unit."""


class ErrorRates(_Frozen):
    """False-positive and false-negative rates at one cut-point (``band``: at or above it).

    A rate is ``None`` when it is undefined: no cases without the outcome (false-positive
    rate) or none with it (false-negative rate).
    """

    band: str
    threshold: float | None
    false_positive_rate: float | None
    false_negative_rate: float | None


class _Metrics(_Frozen):
    n: int
    """Cases evaluated (scored, with an outcome)."""
    n_positive: int
    """Evaluated cases with the outcome."""
    base_rate: float | None
    """The share of evaluated cases with the outcome (``None`` if there are none)."""
    auc: float | None
    """Area under the ROC curve (``None`` if only one outcome class is present)."""
    auc_ci: Interval | None
    """95% bootstrap interval of the AUC (see :data:`BOOTSTRAP_METHOD`)."""
    brier: float | None
    """Mean squared difference between predicted probability and outcome (probabilities
    only)."""
    calibration_intercept: float | None
    """Calibration-in-the-large: ``a`` in logit P(y) = a + logit(p); 0 is ideal."""
    calibration_slope: float | None
    """``b`` in logit P(y) = a + b logit(p); 1 is ideal, below 1 means predictions too
    extreme."""
    roc: RocCurve | None
    reliability: tuple[ReliabilityBin, ...] | None
    """Observed against predicted, in quantile bins (probabilities only)."""
    bands: tuple[BandRow, ...]
    """Every band, lowest first, with its outcome rate."""
    error_rates: tuple[ErrorRates, ...]
    """False-positive and false-negative rates at each cut-point."""


class GroupResult(_Metrics):
    """The figures for one group of an audit variable."""

    group: str
    n_not_scored: int
    """Cases of this group that could not be scored (excluded from its figures)."""
    reliable: bool
    """True only when the group has at least ``min_group_size`` cases, at least
    :data:`MIN_GROUP_EVENTS` with and without the outcome, and an AUC 95% interval at most
    :data:`MAX_RELIABLE_AUC_WIDTH` wide (so never when ``n_bootstrap`` is 0)."""
    unreliable_reason: str | None = None
    """Why the group is not reliable, in words (``None`` when it is)."""


class GroupAudit(_Frozen):
    """The fairness audit for one group variable: every group's figures, side by side.

    Examples
    --------
    >>> import stalkrisk
    >>> sex = ["f", "f", "f", "m", "m", "m", "m", "f", "f", "m"]  # fabricated
    >>> report = evaluate("stalkrisk-screen", stalkrisk.load_examples(),
    ...                   [1, 0, 0, 1, 1, 0, 1, 0, 1, 1], {"sex": sex}, n_bootstrap=0)
    >>> audit = report.group("sex")
    >>> [(g.group, g.n, g.n_not_scored, g.reliable) for g in audit.groups]
    [('f', 5, 0, False), ('m', 4, 1, False)]
    >>> [round(e.false_negative_rate, 2) for e in audit.group("m").error_rates]
    [0.33, 1.0]
    """

    variable: str
    groups: tuple[GroupResult, ...]

    def group(self, label: str) -> GroupResult:
        """Return the result for group ``label``."""
        for g in self.groups:
            if g.group == label:
                return g
        raise KeyError(f"variable {self.variable!r} has no group {label!r}")


def _num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _ci(ci: Interval | None, pct: bool = False) -> str:
    if ci is None:
        return "-"
    if pct:
        return f"{_pct(ci.low)} to {_pct(ci.high)}"
    return f"{ci.low:.3f} to {ci.high:.3f}"


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    indent: str = "  ",
    left: Sequence[int] = (0,),
) -> list[str]:
    """Return a plain-text table; columns ``left`` are left-aligned, the others right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    out = []
    for row in (header, *rows):
        cells = [
            str(c).ljust(w) if i in left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append(indent + "  ".join(cells).rstrip())
    return out


class EvaluationReport(_Metrics):
    """How well a model or an instrument discriminates and is calibrated, overall and by group.

    Build one with :func:`evaluate`. Immutable; ``str(report)`` is a readable table,
    :meth:`to_json` and :meth:`to_dict` give the whole report, and
    ``EvaluationReport.model_validate_json`` reads it back.

    Examples
    --------
    >>> import stalkrisk
    >>> outcome = [1, 0, 0, 1, 1, 0, 1, 0, 1, 1]  # fabricated, for illustration
    >>> report = evaluate("stalkrisk-screen", stalkrisk.load_examples(), outcome,
    ...                   n_bootstrap=100)
    >>> report.n_input, report.n_not_scored, report.not_scored, report.n
    (10, 1, ('EX-04',), 9)
    >>> report.brier is None, report.calibration_note
    (True, 'not applicable (points, not probabilities)')
    >>> [(b.label, b.n, b.n_positive) for b in report.bands]
    [('Fewer factors', 5, 1), ('Several factors', 4, 4), ('Many factors', 0, 0)]
    >>> print(str(report).splitlines()[0])
    Evaluation of stalkrisk-screen@2.0.0#sha256:..., scale persistence
    >>> EvaluationReport.model_validate_json(report.to_json()) == report
    True
    """

    source_kind: Literal["model", "instrument"]
    source: str
    """The model's class name, or the instrument's reference (id, version and hash)."""
    scale: str | None
    """The instrument scale evaluated (``None`` for a model)."""
    score: str
    """What was ranked for the AUC, in words: the predicted probability or the scale's total,
    or the band and then either within a band."""
    rank_by: Literal["total", "band"] = "total"
    """How cases were ranked for the AUC (:func:`evaluate`'s ``rank_by``): ``"total"``, the
    scale's total (a model's predicted probability); or ``"band"``, the band (an instrument's
    after red flags) and then the total within a band."""
    has_probabilities: bool
    """False for a points scale, whose Brier score and calibration are not applicable."""
    calibration_note: str | None
    """Why calibration is missing, when it is not applicable."""
    threshold_unit: Literal["probability", "points", "percent"]
    """The unit of band lower bounds and cut-point thresholds."""
    n_input: int
    """Cases given, scored or not."""
    n_not_scored: int
    """Cases whose scale could not be scored: excluded from every figure, and counted here."""
    not_scored: tuple[str, ...]
    """The case ids of the cases not scored."""
    bootstrap: str
    n_bootstrap: int
    random_state: int | None
    min_group_size: int = 30
    """A group with fewer cases is marked unreliable."""
    max_reliable_auc_width: float = MAX_RELIABLE_AUC_WIDTH
    """A group whose AUC 95% interval is wider than this (or missing) is marked unreliable."""
    cut_points: tuple[CutPoint, ...]
    groups: tuple[GroupAudit, ...]
    """The fairness audit: one entry per group variable."""
    warnings: tuple[str, ...]
    """Everything that limits what the figures can say: small samples, small groups,
    excluded cases."""
    library_version: str = __version__

    def group(self, variable: str) -> GroupAudit:
        """Return the audit of group variable ``variable``."""
        for g in self.groups:
            if g.variable == variable:
                return g
        raise KeyError(f"this report has no group variable {variable!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-compatible Python data."""
        return self.model_dump(mode="json")

    def to_json(self, indent: int | None = 2) -> str:
        """Return the report as JSON; equal inputs give identical JSON."""
        return self.model_dump_json(indent=indent)

    def __repr__(self) -> str:
        auc = "AUC n/a" if self.auc is None else f"AUC={self.auc:.3f}"
        if self.auc_ci is not None:
            auc += f" ({self.auc_ci.low:.3f}-{self.auc_ci.high:.3f})"
        what = self.source + (f" {self.scale}" if self.scale else "")
        return (
            f"<EvaluationReport {what}: n={self.n}, {auc}, {len(self.warnings)} warning"
            f"{'' if len(self.warnings) == 1 else 's'}>"
        )

    def __str__(self) -> str:
        lines = [f"Evaluation of {self.source}" + (f", scale {self.scale}" if self.scale else "")]
        lines.append(
            f"Cases: {self.n_input} given, {self.n_not_scored} not scored, {self.n} evaluated; "
            f"{self.n_positive} with the outcome (base rate {_pct(self.base_rate)})"
        )
        lines.append(f"Score ranked: {self.score} (rank_by={self.rank_by})")
        lines.append("")
        lines.append(
            f"AUC                    {_num(self.auc)} (95% CI {_ci(self.auc_ci)}; "
            f"{self.n_bootstrap} stratified bootstrap resamples)"
        )
        if self.has_probabilities:
            lines.append(f"Brier score            {_num(self.brier)}")
            lines.append(f"Calibration intercept  {_num(self.calibration_intercept)} (ideal 0)")
            lines.append(f"Calibration slope      {_num(self.calibration_slope)} (ideal 1)")
        else:
            lines.append(f"Brier, calibration     {self.calibration_note}")
        if self.reliability:
            lines += ["", "Reliability (quantile bins)"]
            lines += _table(
                ["predicted", "n", "with outcome", "observed", "95% CI"],
                [
                    [
                        _pct(b.mean_predicted),
                        str(b.n),
                        str(b.n_positive),
                        _pct(b.observed_rate),
                        _ci(b.ci, pct=True),
                    ]
                    for b in self.reliability
                ],
            )
        if self.bands:
            lines += ["", "Bands"]
            lines += _table(
                ["band", "n", "with outcome", "rate", "95% CI"],
                [
                    [
                        b.label,
                        str(b.n),
                        str(b.n_positive),
                        _pct(b.observed_rate),
                        _ci(b.ci, pct=True),
                    ]
                    for b in self.bands
                ],
            )
        if self.error_rates:
            labels = {c.band: c.label for c in self.cut_points}
            lines += ["", "Error rates at each cut-point"]
            lines += _table(
                ["cut-point", "false-positive rate", "false-negative rate"],
                [
                    [
                        labels[e.band],
                        _pct(e.false_positive_rate),
                        _pct(e.false_negative_rate),
                    ]
                    for e in self.error_rates
                ],
            )
        for audit in self.groups:
            lines += ["", f"By {audit.variable}"]
            lines += _table(
                [
                    "group",
                    "n",
                    "base rate",
                    "AUC",
                    "AUC 95% CI",
                    "Brier",
                    "intercept",
                    "slope",
                    "reliable",
                ],
                [
                    [
                        g.group,
                        str(g.n),
                        _pct(g.base_rate),
                        _num(g.auc),
                        _ci(g.auc_ci),
                        _num(g.brier),
                        _num(g.calibration_intercept),
                        _num(g.calibration_slope),
                        "yes" if g.reliable else f"NO: {g.unreliable_reason}",
                    ]
                    for g in audit.groups
                ],
                left=(0, 8),
            )
            if self.bands:
                lines += ["", f"Band outcome rates by {audit.variable}"]
                lines += _table(
                    ["group", "band", "n", "with outcome", "rate", "95% CI"],
                    [
                        [
                            g.group if b.rank == 0 else "",
                            b.label,
                            str(b.n),
                            str(b.n_positive),
                            _pct(b.observed_rate),
                            _ci(b.ci, pct=True),
                        ]
                        for g in audit.groups
                        for b in g.bands
                    ],
                    left=(0, 1),
                )
                lines += ["", f"Error rates by {audit.variable}"]
            for cut in self.cut_points:
                rates = [
                    (g.group, next(e for e in g.error_rates if e.band == cut.band))
                    for g in audit.groups
                ]
                lines.append(
                    f"  positive = {cut.label}: "
                    + "; ".join(
                        f"{name} FPR {_pct(e.false_positive_rate)}, "
                        f"FNR {_pct(e.false_negative_rate)}"
                        for name, e in rates
                    )
                )
        if self.warnings:
            lines += ["", "Warnings"]
            lines += [f"  - {w}" for w in self.warnings]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        if self.has_probabilities:
            brier = _num(self.brier)
            calibration = f"{_num(self.calibration_intercept)} / {_num(self.calibration_slope)}"
        else:
            brier = calibration = str(self.calibration_note)
        rows = [
            ("Cases evaluated", f"{self.n} of {self.n_input} ({self.n_not_scored} not scored)"),
            ("Base rate", _pct(self.base_rate)),
            ("Ranked by", f"{self.score} (rank_by={self.rank_by})"),
            ("AUC (95% CI)", f"{_num(self.auc)} ({_ci(self.auc_ci)})"),
            ("Brier score", brier),
            ("Calibration intercept / slope", calibration),
            ("Warnings", str(len(self.warnings))),
        ]
        body = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
        warnings = "".join(f"<li>{e(w)}</li>" for w in self.warnings)
        return (
            f"<table><caption>Evaluation of {e(self.source)}"
            f"{e(', scale ' + self.scale) if self.scale else ''}</caption>{body}</table>"
            + (f"<ul>{warnings}</ul>" if warnings else "")
        )


# --- statistics ----------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int) -> tuple[float, float] | None:
    """Return the Wilson score 95% interval of a proportion ``successes / n``.

    Unlike the normal-approximation interval it stays within [0, 1] and is sensible for 0 or
    ``n`` successes and for small ``n``. ``None`` when ``n`` is 0.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_interval(0, 10)]
    [0.0, 0.2775]
    >>> [round(x, 4) for x in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    >>> wilson_interval(0, 0) is None
    True
    """
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n; received successes={successes}, n={n}")
    if n == 0:
        return None
    p = successes / n
    z2 = _Z95 * _Z95
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = _Z95 / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(successes: int, n: int) -> Interval | None:
    ci = wilson_interval(successes, n)
    return None if ci is None else Interval(low=ci[0], high=ci[1])


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, EPS, 1 - EPS)
    return np.asarray(np.log(q) - np.log1p(-q), dtype=np.float64)


def _fit_logistic(
    design: FloatArray, offset: FloatArray, y: FloatArray, start: FloatArray
) -> FloatArray | None:
    """Maximum-likelihood logistic regression by Newton's method with step halving.

    Returns ``None`` when the fit does not exist or does not converge (one outcome class,
    separation, a singular design).
    """
    if y.min() == y.max():
        return None

    def loglik(beta: FloatArray) -> float:
        eta = offset + design @ beta
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    beta = start.astype(np.float64)
    current = loglik(beta)
    for _ in range(100):
        eta = offset + design @ beta
        mu = 0.5 * (1.0 + np.tanh(0.5 * eta))  # the logistic function, without overflow
        w = mu * (1.0 - mu)
        gradient = design.T @ (y - mu)
        hessian = (design * w[:, None]).T @ design
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        t = 1.0
        while t > 1e-8:
            candidate = beta + t * step
            value = loglik(candidate)
            if value >= current - 1e-12:
                break
            t /= 2
        else:
            return None
        beta, current = candidate, value
        if float(np.max(np.abs(t * step))) < 1e-10:
            return beta if np.all(np.abs(beta) < 1e6) else None
    return None


def _calibration(y: IntArray, p: FloatArray) -> tuple[float | None, float | None]:
    """Return (calibration intercept, calibration slope) of probabilities ``p``."""
    if len(y) == 0:
        return None, None
    lp = _logit(p)
    yf = y.astype(np.float64)
    ones = np.ones((len(y), 1))
    fit = _fit_logistic(ones, lp, yf, np.zeros(1))
    intercept = None if fit is None else float(fit[0])
    slope = None
    if np.ptp(lp) > 0:
        fit2 = _fit_logistic(np.column_stack([ones, lp]), np.zeros(len(y)), yf, np.array([0, 1.0]))
        slope = None if fit2 is None else float(fit2[1])
    return intercept, slope


def _n_bins(n: int) -> int:
    return min(10, max(1, n // MIN_PER_BIN))


def reliability_table(
    y: ArrayLike, p: ArrayLike, n_bins: int | None = None
) -> tuple[ReliabilityBin, ...]:
    """Return observed against predicted outcome rates in quantile bins of ``p``.

    Bins hold about equal numbers of cases; tied probabilities always share a bin, so there
    may be fewer bins than asked for. By default there are 10 bins, or one per 20 cases when
    there are fewer than 200 cases.

    Parameters
    ----------
    y : array-like of 0/1
        Observed outcomes.
    p : array-like of float
        Predicted probabilities of the outcome.
    n_bins : int, optional
        The most bins to use.

    Examples
    --------
    >>> table = reliability_table([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.9], n_bins=2)
    >>> [(b.n, round(b.mean_predicted, 2), round(b.observed_rate, 2)) for b in table]
    [(3, 0.2, 0.33), (3, 0.73, 0.67)]
    """
    yy = _binary(y)
    pp = np.asarray(p, dtype=np.float64)
    if pp.shape != yy.shape:
        raise ValueError(LENGTH_MISMATCH.format(what="p", got=len(pp), n=len(yy)))
    if len(yy) == 0:
        return ()
    k = _n_bins(len(yy)) if n_bins is None else n_bins
    if k < 1:
        raise ValueError(f"n_bins must be at least 1; received {n_bins}")
    inner = np.unique(np.quantile(pp, np.linspace(0, 1, k + 1)[1:-1]))
    index = np.searchsorted(inner, pp, side="right")
    out = []
    for b in range(len(inner) + 1):
        mask = index == b
        n = int(mask.sum())
        if n == 0:
            continue
        positives = int(yy[mask].sum())
        ci = _interval(positives, n)
        assert ci is not None  # n > 0
        out.append(
            ReliabilityBin(
                lower=float(pp[mask].min()),
                upper=float(pp[mask].max()),
                mean_predicted=float(pp[mask].mean()),
                observed_rate=positives / n,
                n=n,
                n_positive=positives,
                ci=ci,
            )
        )
    return tuple(out)


def _resampled_auc(pos_codes: IntArray, neg_codes: IntArray, m: int) -> FloatArray:
    """AUC of each row: ``pos_codes`` (b, n1) and ``neg_codes`` (b, n0) are ranks of scores.

    Ranks are dense codes in ``range(m)`` (equal scores, equal codes); ties count one half,
    as in :func:`sklearn.metrics.roc_auc_score`.
    """
    b, n0 = neg_codes.shape
    n1 = pos_codes.shape[1]
    offsets = (np.arange(b, dtype=np.int64) * m)[:, None]
    counts = np.bincount((neg_codes + offsets).ravel(), minlength=b * m).reshape(b, m)
    below = np.cumsum(counts, axis=1) - counts
    credit = below + 0.5 * counts
    wins = np.take_along_axis(credit, pos_codes, axis=1).sum(axis=1)
    return np.asarray(wins / (n1 * n0), dtype=np.float64)


def _bootstrap_auc(
    y: IntArray, s: FloatArray, n_bootstrap: int, rng: np.random.Generator
) -> Interval | None:
    """Stratified percentile bootstrap 95% interval of the AUC."""
    if n_bootstrap == 0:
        return None
    values, codes = np.unique(s, return_inverse=True)
    codes = codes.astype(np.int64).ravel()
    pos, neg = codes[y == 1], codes[y == 0]
    n1, n0, m = len(pos), len(neg), len(values)
    if n1 == 0 or n0 == 0:
        return None
    aucs = np.empty(n_bootstrap)
    block = max(1, 4_000_000 // (m + n1 + n0))
    for start in range(0, n_bootstrap, block):
        b = min(block, n_bootstrap - start)
        neg_draw = neg[rng.integers(0, n0, size=(b, n0))]
        pos_draw = pos[rng.integers(0, n1, size=(b, n1))]
        aucs[start : start + b] = _resampled_auc(pos_draw, neg_draw, m)
    low, high = np.quantile(aucs, [0.025, 0.975])
    return Interval(low=float(low), high=float(high))


# --- inputs --------------------------------------------------------------------------------------


def _binary(y: ArrayLike) -> IntArray:
    arr = np.asarray(y)
    if arr.ndim != 1:
        arr = arr.ravel()
    try:
        as_float = arr.astype(np.float64)
    except (TypeError, ValueError):
        values = sorted({str(v) for v in arr.tolist()})[:10]
        raise ValueError(Y_NOT_BINARY.format(values=", ".join(values))) from None
    bad = ~np.isin(as_float, (0.0, 1.0))
    if bad.any():
        values = sorted({repr(v) for v in arr[bad].tolist()})[:10]
        raise ValueError(Y_NOT_BINARY.format(values=", ".join(values)))
    return as_float.astype(np.int64)


def _label(value: Any) -> str:
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return NOT_RECORDED
    if isinstance(value, float | np.floating) and math.isnan(value):
        return NOT_RECORDED
    return str(value)


def _group_labels(groups: Any, n: int) -> dict[str, list[str]]:
    if groups is None:
        return {}
    items = groups.items() if hasattr(groups, "items") else None
    if items is None:
        raise TypeError("groups must be a mapping of variable name to labels, one per case")
    out: dict[str, list[str]] = {}
    for name, values in items:
        labels = [_label(v) for v in list(values)]
        if len(labels) != n:
            raise ValueError(
                LENGTH_MISMATCH.format(what=f"group variable {name!r}", got=len(labels), n=n)
            )
        out[str(name)] = labels
    return out


@dataclass(frozen=True)
class _Scored:
    """What the metrics need from a model or an instrument, for every case given."""

    source_kind: Literal["model", "instrument"]
    source: str
    scale: str | None
    score_name: str
    scored: NDArray[np.bool_]
    """Whether each case was scored (models score every case)."""
    score: FloatArray
    """What the AUC ranks (NaN where not scored)."""
    probability: FloatArray | None
    """Predicted probabilities, or ``None`` for a points scale."""
    rank: IntArray | None
    """Band ranks, or ``None`` when there are no bands."""
    bands: list[tuple[str, str, float | None]]
    """(id, label, lower bound) of every band, lowest first."""
    threshold_unit: Literal["probability", "points", "percent"]
    case_ids: list[str]
    cut_labels: list[str]
    """What "positive" means at each cut-point, in words (one per band above the lowest)."""


def _fmt_prob(x: float) -> str:
    return f"{100 * x:g}%"


def _model_bands(cuts: Sequence[float], names: Any) -> list[tuple[str, str, float | None]]:
    """Return (id, label, lower bound) of each band that ``cuts`` make.

    Band ids are ``names`` (e.g. a model's ``bands``) when it names each band, else
    ``band_0``, ``band_1``, ...; labels add the band's range of probabilities.
    """
    if not cuts:
        return []
    ok = isinstance(names, Sequence) and not isinstance(names, str)
    ids = [str(x) for x in names] if ok and len(names) == len(cuts) + 1 else None
    bounds: list[float | None] = [None, *cuts]
    out: list[tuple[str, str, float | None]] = []
    for i, low in enumerate(bounds):
        high = cuts[i] if i < len(cuts) else None
        if low is None:
            label = f"under {_fmt_prob(cuts[0])}"
        elif high is None:
            label = f"{_fmt_prob(low)} or more"
        else:
            label = f"{_fmt_prob(low)} to under {_fmt_prob(high)}"
        out.append(
            (f"band_{i}", label, low) if ids is None else (ids[i], f"{ids[i]} ({label})", low)
        )
    return out


def _from_model(model: Any, X: Any, n: int, cut_points: Sequence[float] | None) -> _Scored:
    own = getattr(model, "cut_points", None)
    if own is not None:
        own_cuts = [float(c) for c in own]
        if cut_points is not None and [float(c) for c in cut_points] != own_cuts:
            raise ValueError(CUT_POINTS_CONFLICT.format(own=own_cuts))
        cuts = own_cuts
    else:
        cuts = [float(c) for c in cut_points] if cut_points is not None else []
    if any(not 0 < c < 1 for c in cuts) or any(a >= b for a, b in pairwise(cuts)):
        raise ValueError(BAD_CUT_POINTS.format(cut_points=cuts))
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    if proba.ndim == 2:
        classes = list(getattr(model, "classes_", [0, 1]))
        column = classes.index(1) if 1 in classes else proba.shape[1] - 1
        proba = proba[:, column]
    if len(proba) != n:
        raise ValueError(
            LENGTH_MISMATCH.format(what="the model's predictions", got=len(proba), n=n)
        )
    if not np.all(np.isfinite(proba)) or proba.min(initial=0) < 0 or proba.max(initial=0) > 1:
        raise ValueError(BAD_PROBABILITIES)
    rank = np.searchsorted(np.asarray(cuts), proba, side="right").astype(np.int64) if cuts else None
    return _Scored(
        source_kind="model",
        source=type(model).__name__,
        scale=None,
        score_name="predicted probability",
        scored=np.ones(n, dtype=bool),
        score=proba,
        probability=proba,
        rank=rank,
        bands=_model_bands(cuts, getattr(model, "bands", None)),
        threshold_unit="probability",
        case_ids=[],
        cut_labels=[f"{_fmt_prob(c)} or more" for c in cuts],
    )


def _from_instrument(scorer: WeightedScorer, cases: Sequence[Any], scale_id: str | None) -> _Scored:
    instrument = scorer.instrument
    spec: Scale = instrument.scale(scale_id) if scale_id else instrument.scales[0]
    n = len(cases)
    scored = np.zeros(n, dtype=bool)
    score = np.full(n, np.nan)
    probability = np.full(n, np.nan)
    rank = np.zeros(n, dtype=np.int64)
    ids: list[str] = []
    for i, case in enumerate(cases):
        if isinstance(case, Case):
            assessment = scorer.score(case)
        elif isinstance(case, ItemAnswers):
            assessment = scorer.score_answers(case)
        else:
            raise TypeError(NOT_A_CASE.format(index=i, kind=type(case).__name__))
        ids.append(assessment.case_id)
        result = assessment.scale(spec.id)
        if result.status is not ScaleStatus.SCORED or result.total is None or result.band is None:
            continue
        scored[i] = True
        score[i] = result.total
        rank[i] = result.band.rank
        if result.kind == "logistic":
            probability[i] = next(h.probability for h in result.horizons if h.id == result.band_on)
    logistic = spec.kind == "logistic"
    unit: Literal["points", "percent"] = "percent" if logistic else "points"
    return _Scored(
        source_kind="instrument",
        source=instrument.reference,
        scale=spec.id,
        score_name="scale total (log-odds)" if logistic else "scale total (points)",
        scored=scored,
        score=score,
        probability=probability if logistic else None,
        rank=rank,
        bands=[(b.id, b.label, b.min) for b in spec.bands],
        threshold_unit=unit,
        case_ids=ids,
        cut_labels=[f"{b.label} or higher" for b in spec.bands[1:]],
    )


# --- metrics -------------------------------------------------------------------------------------


def _require_ml() -> tuple[Callable[..., Any], Callable[..., Any], Any, Any, Any]:
    try:
        from fairlearn.metrics import (  # noqa: PLC0415  # optional extra
            MetricFrame,
            false_negative_rate,
            false_positive_rate,
        )
        from sklearn.metrics import roc_auc_score, roc_curve  # noqa: PLC0415  # optional extra
    except ImportError as exc:
        raise ImportError(ML_EXTRA) from exc
    return roc_auc_score, roc_curve, MetricFrame, false_positive_rate, false_negative_rate


@dataclass(frozen=True)
class _Kept:
    """The scored cases only: what every figure is computed from."""

    y: IntArray
    score: FloatArray
    probability: FloatArray | None
    rank: IntArray | None
    bands: list[tuple[str, str, float | None]]
    cuts: list[CutPoint]


def _metrics(
    kept: _Kept,
    *,
    mask: NDArray[np.bool_] | None,
    error_rates: tuple[ErrorRates, ...],
    n_bootstrap: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    """Compute the figures shared by the whole sample and each group (``mask``: a group)."""
    roc_auc_score, roc_curve, _, _, _ = _require_ml()
    select = np.ones(len(kept.y), dtype=bool) if mask is None else mask
    y, s = kept.y[select], kept.score[select]
    p = None if kept.probability is None else kept.probability[select]
    rank = None if kept.rank is None else kept.rank[select]
    n = len(y)
    positives = int(y.sum())
    both = 0 < positives < n
    auc = float(roc_auc_score(y, s)) if both else None
    roc = None
    if both:
        fpr, tpr, _ = roc_curve(y, s)
        if len(fpr) > MAX_ROC_POINTS:  # keep reports small: evenly spaced corners suffice
            pick = np.unique(np.linspace(0, len(fpr) - 1, MAX_ROC_POINTS).round().astype(int))
            fpr, tpr = fpr[pick], tpr[pick]
        roc = RocCurve(fpr=tuple(float(v) for v in fpr), tpr=tuple(float(v) for v in tpr))
    brier = intercept = slope = None
    reliability = None
    if p is not None and n > 0:
        brier = float(np.mean((p - y) ** 2))
        intercept, slope = _calibration(y, p)
        reliability = reliability_table(y, p)
    band_rows = []
    if rank is not None:
        for r, (band_id, label, low) in enumerate(kept.bands):
            in_band = rank == r
            count = int(in_band.sum())
            hits = int(y[in_band].sum())
            band_rows.append(
                BandRow(
                    band=band_id,
                    label=label,
                    rank=r,
                    lower_bound=low,
                    n=count,
                    n_positive=hits,
                    observed_rate=hits / count if count else None,
                    ci=_interval(hits, count),
                )
            )
    return {
        "n": n,
        "n_positive": positives,
        "base_rate": positives / n if n else None,
        "auc": auc,
        "auc_ci": _bootstrap_auc(y, s, n_bootstrap, rng) if both else None,
        "brier": brier,
        "calibration_intercept": intercept,
        "calibration_slope": slope,
        "roc": roc,
        "reliability": reliability,
        "bands": tuple(band_rows),
        "error_rates": error_rates,
    }


def _rate(value: Any, defined: bool) -> float | None:
    return float(value) if defined else None


def _overall_error_rates(kept: _Kept) -> tuple[ErrorRates, ...]:
    """False-positive and false-negative rates at each cut, with fairlearn's functions."""
    _, _, _, fpr, fnr = _require_ml()
    if kept.rank is None:
        return ()
    y = kept.y
    positives = int(y.sum())
    out = []
    for k, cut in enumerate(kept.cuts, start=1):
        flagged = (kept.rank >= k).astype(np.int64)
        out.append(
            ErrorRates(
                band=cut.band,
                threshold=cut.threshold,
                false_positive_rate=_rate(fpr(y, flagged, pos_label=1), positives < len(y)),
                false_negative_rate=_rate(fnr(y, flagged, pos_label=1), positives > 0),
            )
        )
    return tuple(out)


def _at_cut(rate: Callable[..., Any], k: int) -> Callable[[Any, Any], float]:
    """Return ``rate`` (a fairlearn metric) of the prediction "band rank is ``k`` or more"."""

    def metric(y_true: Any, rank: Any) -> float:
        return float(rate(y_true, (np.asarray(rank) >= k).astype(np.int64), pos_label=1))

    return metric


def _group_error_rates(
    kept: _Kept, labels: NDArray[np.object_], variable: str
) -> dict[str, tuple[ErrorRates, ...]]:
    """Return false-positive and false-negative rates by group at each cut.

    Computed with fairlearn's ``false_positive_rate`` and ``false_negative_rate`` in a
    :class:`~fairlearn.metrics.MetricFrame` (``by_group``), one pair of metrics per cut.
    """
    _, _, metric_frame, fpr, fnr = _require_ml()
    present = sorted(set(labels.tolist()))
    if kept.rank is None or len(kept.y) == 0:
        return dict.fromkeys(present, ())
    metrics = {}
    for k in range(1, len(kept.cuts) + 1):
        metrics[f"fpr_{k}"] = _at_cut(fpr, k)
        metrics[f"fnr_{k}"] = _at_cut(fnr, k)
    frame = metric_frame(
        metrics=metrics,
        y_true=kept.y,
        y_pred=kept.rank,
        sensitive_features={variable: labels},
    )
    by_group = frame.by_group.to_dict(orient="index")
    out: dict[str, tuple[ErrorRates, ...]] = {}
    for g in present:
        in_group = labels == g
        n, positives = int(in_group.sum()), int(kept.y[in_group].sum())
        out[g] = tuple(
            ErrorRates(
                band=cut.band,
                threshold=cut.threshold,
                false_positive_rate=_rate(by_group[g][f"fpr_{k}"], positives < n),
                false_negative_rate=_rate(by_group[g][f"fnr_{k}"], positives > 0),
            )
            for k, cut in enumerate(kept.cuts, start=1)
        )
    return out


def _audit(
    variable: str,
    labels: NDArray[np.object_],
    *,
    keep: NDArray[np.bool_],
    kept: _Kept,
    n_bootstrap: int,
    seeds: Iterator[np.random.SeedSequence],
    min_group_size: int,
    warnings: list[str],
) -> GroupAudit:
    """Return every group's figures for one variable, appending small-group warnings."""
    labels_kept = labels[keep]
    rates = _group_error_rates(kept, labels_kept, variable)
    # A group none of whose cases could be scored has no rates at any cut-point.
    undefined = tuple(
        ErrorRates(
            band=c.band, threshold=c.threshold, false_positive_rate=None, false_negative_rate=None
        )
        for c in kept.cuts
    )
    results = []
    for g in sorted(set(labels.tolist())):
        metrics = _metrics(
            kept,
            mask=labels_kept == g,
            error_rates=rates.get(g, undefined),
            n_bootstrap=n_bootstrap,
            rng=np.random.default_rng(next(seeds)),
        )
        n, positives = metrics["n"], metrics["n_positive"]
        ci: Interval | None = metrics["auc_ci"]
        reasons = _unreliable(n, positives, ci, min_group_size)
        if n < min_group_size or min(positives, n - positives) < MIN_GROUP_EVENTS:
            warnings.append(
                SMALL_GROUP.format(
                    variable=variable,
                    group=g,
                    n=n,
                    positives=positives,
                    negatives=n - positives,
                    min_n=min_group_size,
                    min_events=MIN_GROUP_EVENTS,
                )
            )
        elif ci is not None and ci.high - ci.low > MAX_RELIABLE_AUC_WIDTH:
            warnings.append(
                WIDE_GROUP_INTERVAL.format(
                    variable=variable,
                    group=g,
                    low=ci.low,
                    high=ci.high,
                    width=ci.high - ci.low,
                    n=n,
                    max_width=MAX_RELIABLE_AUC_WIDTH,
                )
            )
        # A group that passes the size rules but has no interval (n_bootstrap=0) is covered by
        # the report's single NO_GROUP_INTERVAL warning.
        results.append(
            GroupResult(
                group=g,
                n_not_scored=int((labels == g).sum()) - n,
                reliable=not reasons,
                unreliable_reason="; ".join(reasons) or None,
                **metrics,
            )
        )
    return GroupAudit(variable=variable, groups=tuple(results))


def _unreliable(n: int, positives: int, ci: Interval | None, min_group_size: int) -> list[str]:
    """Return why a group's figures are unreliable, in words (empty when they are reliable).

    A group is reliable only with at least ``min_group_size`` cases, at least
    :data:`MIN_GROUP_EVENTS` with and without the outcome, and an AUC 95% interval at most
    :data:`MAX_RELIABLE_AUC_WIDTH` wide.

    Examples
    --------
    >>> _unreliable(38, 11, Interval(low=0.51, high=0.84), 30)
    ['AUC 95% interval 0.510 to 0.840 is 0.330 wide, more than 0.2']
    >>> _unreliable(20, 4, None, 30)
    ['n=20, fewer than 30 cases', '4 with the outcome, fewer than 5']
    >>> _unreliable(500, 120, None, 30)
    ['no AUC interval (n_bootstrap=0)']
    >>> _unreliable(500, 120, Interval(low=0.62, high=0.74), 30)
    []
    """
    negatives = n - positives
    reasons = []
    if n < min_group_size:
        reasons.append(f"n={n}, fewer than {min_group_size} cases")
    if positives < MIN_GROUP_EVENTS:
        reasons.append(f"{positives} with the outcome, fewer than {MIN_GROUP_EVENTS}")
    if negatives < MIN_GROUP_EVENTS:
        reasons.append(f"{negatives} without the outcome, fewer than {MIN_GROUP_EVENTS}")
    if ci is None:
        if not reasons:  # the size rules pass: only the missing interval stands in the way
            reasons.append("no AUC interval (n_bootstrap=0)")
    elif ci.high - ci.low > MAX_RELIABLE_AUC_WIDTH:
        reasons.append(
            f"AUC 95% interval {ci.low:.3f} to {ci.high:.3f} is {ci.high - ci.low:.3f} wide, "
            f"more than {MAX_RELIABLE_AUC_WIDTH}"
        )
    return reasons


def _band_then_score(rank: IntArray, score: FloatArray) -> FloatArray:
    """Return one sortable score per case: its position in the order (band, then score).

    Cases are sorted by band rank and, within a band, by score; each distinct (band, score)
    pair gets the next whole number, so equal pairs stay tied (as the AUC needs) and any
    higher band outranks every lower one whatever the scores. Exact: no arithmetic is done on
    the scores, so nearly equal totals are never merged.

    Examples
    --------
    >>> rank = np.array([0, 2, 1, 1, 0, 1])
    >>> total = np.array([9.0, 1.0, 4.0, 4.0, 2.0, 6.0])
    >>> _band_then_score(rank, total).tolist()
    [1.0, 4.0, 2.0, 2.0, 0.0, 3.0]
    """
    order = np.lexsort((score, rank))  # the last key sorts first
    r, s = rank[order], score[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (r[1:] != r[:-1]) | (s[1:] != s[:-1])
    position = np.empty(len(order), dtype=np.float64)
    position[order] = np.cumsum(new) - 1
    return position


def _rank_by_band(data: _Scored) -> _Scored:
    """Return ``data`` scored by (band, then score) for ``rank_by="band"``."""
    if data.rank is None:
        raise ValueError(BAND_NEEDS_BANDS)
    score = np.full(len(data.score), np.nan)
    keep = data.scored
    score[keep] = _band_then_score(data.rank[keep], data.score[keep])
    after = " (after red flags)" if data.source_kind == "instrument" else " (from the cut-points)"
    return replace(
        data, score=score, score_name=f"band{after}, then {data.score_name} within a band"
    )


def _resolve(model_or_instrument: Any) -> WeightedScorer | None:
    if isinstance(model_or_instrument, WeightedScorer):
        return model_or_instrument
    if isinstance(model_or_instrument, Instrument | str | os.PathLike):
        return WeightedScorer(model_or_instrument)
    if callable(getattr(model_or_instrument, "predict_proba", None)):
        return None
    raise TypeError(NOT_EVALUABLE.format(kind=type(model_or_instrument).__name__))


def evaluate(
    model_or_instrument: Any,
    X_or_cases: Any,
    y: ArrayLike,
    groups: Mapping[str, ArrayLike] | None = None,
    *,
    scale: str | None = None,
    cut_points: Sequence[float] | None = None,
    n_bootstrap: int = 1000,
    random_state: int | None = 0,
    min_group_size: int = 30,
    rank_by: Literal["total", "band"] = "total",
) -> EvaluationReport:
    """Evaluate a model or an instrument against observed outcomes, overall and by group.

    Parameters
    ----------
    model_or_instrument : classifier, Instrument, WeightedScorer or str
        A fitted scikit-learn-style binary classifier with ``predict_proba``; or an instrument
        (an :class:`~stalkrisk.Instrument`, a :class:`~stalkrisk.WeightedScorer`, or a bundled
        instrument's id or the path of an instrument file).
    X_or_cases : array-like, DataFrame or sequence of Case
        For a model, its input, passed to ``predict_proba`` unchanged. For an instrument, the
        cases (:class:`~stalkrisk.Case`, or :class:`~stalkrisk.ItemAnswers` for instruments
        scored from answers).
    y : array-like of 0/1, one per case
        The observed outcome (1: it happened).
    groups : mapping of str to array-like, optional
        Audit variables, e.g. ``{"sex": [...], "age_band": [...]}``, one label per case.
        ``None`` or NaN labels form the group ``"not recorded"``. They are used only to split
        the figures, never passed to the model or scorer.
    scale : str, optional
        Instruments: the scale to evaluate (default: the instrument's first scale).
    cut_points : sequence of float, optional
        Models without a ``cut_points`` attribute: band cut-points as probabilities,
        ascending. A case is in band ``k`` when ``k`` cut-points are at or below its
        probability.
    n_bootstrap : int, default 1000
        Bootstrap resamples for the AUC's 95% interval (0: no interval).
    random_state : int or None, default 0
        Seed of the bootstrap; the same inputs and seed give an identical report.
    min_group_size : int, default 30
        A floor: groups with fewer cases (or fewer than :data:`MIN_GROUP_EVENTS` with, or
        without, the outcome) are warned about and marked unreliable. Passing it is not
        enough: a group is reliable only when its AUC 95% interval is also at most
        :data:`MAX_RELIABLE_AUC_WIDTH` wide, so with ``n_bootstrap=0`` no group is.
    rank_by : {"total", "band"}, default "total"
        What the AUC (and the ROC curve) ranks. ``"total"``: an instrument scale's total, or
        a model's predicted probability. ``"band"``: the band first (an instrument's band as
        the assessment gives it, after red flags), then the total within a band, so a case
        raised to the top band by a red flag ranks above every case in a lower band whatever
        its total; cases with the same band and total stay tied. For a model the band comes
        from the cut-points, which follow the probability, so the ranking is the same as
        ``"total"``; a model without cut-points cannot be ranked by band.

    Returns
    -------
    EvaluationReport

    Raises
    ------
    ValueError
        For a bad argument (``rank_by`` not ``"total"`` or ``"band"``, ``rank_by="band"`` for
        a model without cut-points, outcomes not 0 or 1, lengths that differ, ...).

    Notes
    -----
    For an instrument the AUC ranks the scale's total by default; ``rank_by="band"`` ranks
    what a court sees, the band after red flags, with the total breaking ties. Cases whose
    scale is not scored are excluded from every figure and counted in ``n_not_scored``. The
    bands, and so the cut-points for false-positive and false-negative rates, are the
    assessment's bands (after red flags): "positive" at a cut-point means "in that band or a
    higher one". A logistic scale's probability is that of its ``band_on`` horizon; a points
    scale has no probability, so its Brier score and calibration are ``None``.

    A group's figures are marked reliable only when the group has at least
    ``min_group_size`` cases, at least :data:`MIN_GROUP_EVENTS` with and without the
    outcome, and an AUC 95% interval at most :data:`MAX_RELIABLE_AUC_WIDTH` wide; each
    unreliable group says why in ``unreliable_reason`` and in a warning.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(600, 2))
    >>> y = rng.random(600) < 1 / (1 + np.exp(-(X[:, 0] - 1)))
    >>> sex = rng.choice(["female", "male"], size=600, p=[0.05, 0.95])  # audit only
    >>> model = LogisticRegression().fit(X[:300], y[:300])
    >>> report = evaluate(model, X[300:], y[300:], {"sex": sex[300:]},
    ...                   cut_points=[0.2, 0.5], n_bootstrap=200)
    >>> report.n, round(report.auc, 2), [band.n for band in report.bands]
    (300, 0.71, [115, 150, 35])
    >>> report.group("sex").group("female").reliable
    False
    >>> print(report.warnings[-1])
    group sex=female is too small to say anything (n=17; 4 with the outcome, 13 without; ...
    >>> print(report.group("sex").group("female").unreliable_reason)
    n=17, fewer than 30 cases; 4 with the outcome, fewer than 5; AUC 95% interval 0.288 to ...

    Ranking by band first: a model's bands follow its probability, so the AUC is unchanged.

    >>> by_band = evaluate(model, X[300:], y[300:], cut_points=[0.2, 0.5], n_bootstrap=0,
    ...                    rank_by="band")
    >>> by_band.rank_by, by_band.auc == report.auc
    ('band', True)
    >>> by_band.score
    'band (from the cut-points), then predicted probability within a band'
    """
    if rank_by not in RANK_BY:
        raise ValueError(
            BAD_RANK_BY.format(allowed=" or ".join(map(repr, RANK_BY)), value=repr(rank_by)[:40])
        )
    if n_bootstrap < 0:
        raise ValueError(f"n_bootstrap must be 0 or more; received {n_bootstrap}")
    if min_group_size < 1:
        raise ValueError(f"min_group_size must be at least 1; received {min_group_size}")
    outcome = _binary(y)
    n_input = len(outcome)
    labels_by_variable = _group_labels(groups, n_input)
    scorer = _resolve(model_or_instrument)
    warnings: list[str] = []
    if scorer is None:
        if scale is not None:
            raise ValueError(NOT_FOR_MODEL)
        columns = {str(c) for c in getattr(X_or_cases, "columns", [])}
        warnings += [GROUP_IS_INPUT.format(variable=v) for v in labels_by_variable if v in columns]
        data = _from_model(model_or_instrument, X_or_cases, n_input, cut_points)
    else:
        if cut_points is not None:
            raise ValueError(NOT_FOR_INSTRUMENT)
        cases = list(X_or_cases)
        if len(cases) != n_input:
            raise ValueError(LENGTH_MISMATCH.format(what="the cases", got=len(cases), n=n_input))
        data = _from_instrument(scorer, cases, scale)
    if rank_by == "band":
        data = _rank_by_band(data)

    keep = data.scored
    kept = _Kept(
        y=outcome[keep],
        score=data.score[keep],
        probability=None if data.probability is None else data.probability[keep],
        rank=None if data.rank is None else data.rank[keep],
        bands=data.bands,
        cuts=[
            CutPoint(band=b, label=label, threshold=low)
            for (b, _, low), label in zip(data.bands[1:], data.cut_labels, strict=True)
        ],
    )
    not_scored = [cid for cid, ok in zip(data.case_ids, keep, strict=False) if not ok]

    # One independent random stream per bootstrap: the overall AUC, then each group in order.
    seeds = iter(
        np.random.SeedSequence(random_state).spawn(
            1 + sum(len(set(v)) for v in labels_by_variable.values())
        )
    )
    overall = _metrics(
        kept,
        mask=None,
        error_rates=_overall_error_rates(kept),
        n_bootstrap=n_bootstrap,
        rng=np.random.default_rng(next(seeds)),
    )

    if not_scored:
        warnings.append(
            NOT_SCORED_EXCLUDED.format(
                k=len(not_scored), n=n_input, scale=data.scale, ids=", ".join(not_scored)
            )
        )
    n, positives = overall["n"], overall["n_positive"]
    if n and positives in (0, n):
        warnings.append(ONE_CLASS.format(value="present" if positives else "absent"))
    if min(positives, n - positives) < SMALL_SAMPLE_EVENTS:
        warnings.append(
            SMALL_SAMPLE.format(
                n=n, positives=positives, negatives=n - positives, events=SMALL_SAMPLE_EVENTS
            )
        )
    if not data.bands:
        warnings.append(NO_CUT_POINTS)
    if labels_by_variable and n_bootstrap == 0:
        warnings.append(NO_GROUP_INTERVAL.format(max_width=MAX_RELIABLE_AUC_WIDTH))

    audits = []
    for variable, labels in labels_by_variable.items():
        audit = _audit(
            variable,
            np.asarray(labels, dtype=object),
            keep=keep,
            kept=kept,
            n_bootstrap=n_bootstrap,
            seeds=seeds,
            min_group_size=min_group_size,
            warnings=warnings,
        )
        audits.append(audit)

    has_probabilities = data.probability is not None
    return EvaluationReport(
        source_kind=data.source_kind,
        source=data.source,
        scale=data.scale,
        score=data.score_name,
        rank_by=rank_by,
        has_probabilities=has_probabilities,
        calibration_note=None if has_probabilities else NOT_APPLICABLE_POINTS,
        threshold_unit=data.threshold_unit,
        n_input=n_input,
        n_not_scored=len(not_scored),
        not_scored=tuple(not_scored),
        bootstrap=BOOTSTRAP_METHOD,
        n_bootstrap=n_bootstrap,
        random_state=random_state,
        min_group_size=min_group_size,
        cut_points=tuple(kept.cuts),
        groups=tuple(audits),
        warnings=tuple(warnings),
        **overall,
    )
