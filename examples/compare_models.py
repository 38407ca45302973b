"""Compare the logistic model, learned points and stalkrisk-screen on a synthetic cohort.

One command produces the comparison table quoted in docs/model.md:

    python examples/compare_models.py --n 6000 --seed 0

The cohort is synthetic (stalkrisk.synthetic): its outcome model is known, so the table says
how close each method gets to what the data can support, not how well any of them would do on
real cases. By default the outcomes come from ``LITERATURE_OUTCOME_MODEL`` (published effect
sizes, independent of the screen); ``--outcomes screen`` draws them from the screen's own
factors, on which an evaluation of the screen is circular. Two thirds of the cohort fit the
models; every figure is measured on the other third. The screens are ranked by what a court
sees: the band after red flags, then the total (``rank_by="band"``).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

from stalkrisk.model import (
    CaseEncoder,
    EvaluationReport,
    LogisticRiskModel,
    PointsRiskModel,
    evaluate,
    to_instrument,
)
from stalkrisk.synthetic import LITERATURE_OUTCOME_MODEL, OUTCOME_MODEL, cohort

OUTCOME_MODELS = {"literature": LITERATURE_OUTCOME_MODEL, "screen": OUTCOME_MODEL}

#: Learned points use 0/1 and small-count columns; wide-scale columns (ages, days) would need
#: banding into items first.
MAX_COLUMN_VALUE = 20


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _row(name: str, report: EvaluationReport) -> str:
    auc = "n/a"
    if report.auc is not None and report.auc_ci is not None:
        auc = f"{report.auc:.3f} ({report.auc_ci.low:.3f}-{report.auc_ci.high:.3f})"
    return (
        f"| {name} | {report.n} | {auc} | {_fmt(report.brier)} | "
        f"{_fmt(report.calibration_intercept)} | {_fmt(report.calibration_slope)} |"
    )


def main(argv: list[str] | None = None) -> str:
    """Print the comparison table and return it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--outcomes",
        choices=sorted(OUTCOME_MODELS),
        default="literature",
        help="where the synthetic outcomes come from (default: published effect sizes)",
    )
    args = parser.parse_args(argv)

    data = cohort(args.n, seed=args.seed, outcome_model=OUTCOME_MODELS[args.outcomes])
    cases, y = list(data.cases), np.asarray(data.outcomes)
    cut = (2 * len(cases)) // 3
    train, test, y_train, y_test = cases[:cut], cases[cut:], y[:cut], y[cut:]

    encoder = CaseEncoder().fit(train)
    x_train, x_test = encoder.transform(train), encoder.transform(test)
    logistic = LogisticRiskModel(random_state=args.seed).fit(x_train, y_train)

    small = np.flatnonzero(x_train.max(axis=0) <= MAX_COLUMN_VALUE)
    points = PointsRiskModel(max_items=6, random_state=args.seed).fit(x_train[:, small], y_train)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # items zeroed by rounding are listed below
        frozen = to_instrument(logistic, encoder, id="learned-points", cases=test, y=y_test)

    rows = [
        _row("Logistic model (all factors)", evaluate(logistic, x_test, y_test)),
        _row("Learned points, at most 6 items", evaluate(points, x_test[:, small], y_test)),
        _row("Logistic model frozen into points", evaluate(frozen.instrument, test, y_test)),
        *(
            _row(
                f"stalkrisk-screen {version}, {scale.replace('_', ' ')}",
                evaluate(f"stalkrisk-screen@{version}", test, y_test, scale=scale, rank_by="band"),
            )
            for version, scale in (
                ("1.0.0", "continued_stalking"),
                ("2.0.0", "persistence"),
                ("2.0.0", "recurrence"),
            )
        ),
    ]
    names = encoder.get_feature_names_out()[small]
    items = ", ".join(
        f"{names[j]} {int(points.points_[j]):+d}" for j in np.flatnonzero(points.points_)
    )
    lines = [
        data.caption,
        f"{len(test)} held-out cases (base rate {y_test.mean():.3f}).",
        "",
        "| Method | Cases evaluated | AUC (95% CI) | Brier | Calibration intercept | "
        "Calibration slope |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        f"Learned points: {items}.",
        f"Freezing the logistic model into points cost {frozen.auc_cost:.3f} AUC on the "
        f"held-out cases it could score ({frozen.n_compared}); zeroed: "
        f"{', '.join(frozen.zeroed) or 'none'}.",
        "Points instruments give totals, not probabilities: Brier and calibration are n/a.",
    ]
    text = "\n".join(lines)
    print(text)
    return text


if __name__ == "__main__":
    main()
