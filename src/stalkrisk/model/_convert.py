"""Freezing a fitted model into an integer-points instrument that the transparent scorer runs."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score

from stalkrisk.features import FACTORS, FactorKind
from stalkrisk.instruments import FORMAT, Instrument, instrument_from_data
from stalkrisk.model._encoder import UNKNOWN_SUFFIX, CaseEncoder
from stalkrisk.model._logistic import LogisticRiskModel
from stalkrisk.schemas import Case
from stalkrisk.scoring import WeightedScorer

__all__ = ["PointsConversion", "to_instrument"]


@dataclass(frozen=True)
class PointsConversion:
    """An instrument made from a model, and what the rounding to integer points cost.

    Attributes
    ----------
    instrument : Instrument
        The points instrument (status ``locally_fitted``).
    log_odds_per_point : float
        The scaling: one point is worth this many log-odds.
    zeroed : tuple of str
        Factors with a non-zero coefficient whose points all rounded to 0 (left out).
    skipped : tuple of str
        Factors that a points item cannot express (numbers; left out).
    auc_model, auc_points : float or None
        Discrimination of the model's probabilities and of the instrument's totals on the
        cases given, over the ``n_compared`` cases the instrument could score.
    """

    instrument: Instrument
    log_odds_per_point: float
    zeroed: tuple[str, ...]
    skipped: tuple[str, ...]
    auc_model: float | None = None
    auc_points: float | None = None
    n_compared: int = 0

    @property
    def auc_cost(self) -> float | None:
        """How much AUC the rounding lost (model minus points); ``None`` without data."""
        if self.auc_model is None or self.auc_points is None:
            return None
        return self.auc_model - self.auc_points


def _levels_for_count(beta: float, unit: float, cap: int) -> list[dict[str, Any]]:
    levels: list[dict[str, Any]] = [
        {"min": v, "max": v, "points": round(beta * v / unit)} for v in range(cap)
    ]
    levels.append({"min": cap, "points": round(beta * cap / unit)})
    return levels


def _items(
    coef: dict[str, float], encoder: CaseEncoder, unit: float, count_cap: int
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Return the items, the factors zeroed by rounding, and the factors left out."""
    items: list[dict[str, Any]] = []
    zeroed: list[str] = []
    skipped: list[str] = []
    for name in encoder.factors_:
        factor = FACTORS[name]
        if factor.kind is FactorKind.NUMBER:
            skipped.append(name)
            continue
        if factor.kind is FactorKind.CATEGORY:
            levels = [
                {"categories": [c], "points": round(coef[f"{name}={c}"] / unit)}
                for c in factor.categories
            ]
            betas = [coef[f"{name}={c}"] for c in factor.categories]
        elif factor.kind is FactorKind.BINARY:
            levels = [
                {"min": 0, "max": 0, "points": 0},
                {"min": 1, "max": 1, "points": round(coef[name] / unit)},
            ]
            betas = [coef[name]]
        else:
            levels = _levels_for_count(coef[name], unit, count_cap)
            betas = [coef[name]]
        if all(lv["points"] == 0 for lv in levels):
            if any(b != 0 for b in betas):
                zeroed.append(name)
            continue
        items.append(
            {
                "id": name,
                "factor": name,
                "label": name.replace("_", " ").capitalize(),
                "rationale": (
                    f"Learned from local outcome data: {', '.join(f'{b:.4f}' for b in betas)} "
                    f"log-odds per unit; one point is {unit:.4f} log-odds."
                ),
                "levels": levels,
            }
        )
    return items, zeroed, skipped


def _bands(model: LogisticRiskModel, unit: float) -> list[dict[str, Any]]:
    """Turn the model's probability cut-points into point totals."""
    cuts = sorted(
        {
            math.ceil((math.log(c / (1 - c)) - model.intercept_) / unit - 1e-9)
            for c in model.cut_points
        }
    )
    labels = list(model.bands)
    if len(cuts) < len(model.cut_points):
        warnings.warn(
            "some probability cut-points fall on the same point total; their bands merge",
            UserWarning,
            stacklevel=2,
        )
        labels = labels[: len(cuts) + 1]
    bands: list[dict[str, Any]] = []
    for i, label in enumerate(labels):
        band: dict[str, Any] = {"id": f"band_{i}", "label": label}
        if i > 0:
            band["min"] = cuts[i - 1]
        if i < len(cuts):
            band["max"] = cuts[i]
        bands.append(band)

    return bands


def _compare(
    model: LogisticRiskModel,
    encoder: CaseEncoder,
    instrument: Instrument,
    cases: Sequence[Case] | None,
    y: ArrayLike | None,
) -> tuple[float | None, float | None, int]:
    """Return the AUC of the model and of the points on the cases the instrument scores."""
    auc_model = auc_points = None
    compared = 0
    if cases is not None and y is not None:
        outcome = np.asarray(y)
        scorer = WeightedScorer(instrument)
        totals, probs, kept = [], [], []
        p = model.predict_proba(encoder.transform(cases))[:, 1]
        for i, case in enumerate(cases):
            result = scorer.score(case).scales[0]
            if result.total is not None:
                totals.append(result.total)
                probs.append(p[i])
                kept.append(outcome[i])
        compared = len(kept)
        if compared and len(set(kept)) == 2:
            auc_model = float(roc_auc_score(kept, probs))
            auc_points = float(roc_auc_score(kept, totals))
    return auc_model, auc_points, compared


def to_instrument(
    model: LogisticRiskModel,
    encoder: CaseEncoder | None = None,
    *,
    id: str,
    version: str = "1.0.0",
    title: str | None = None,
    max_points: int = 5,
    count_cap: int = 5,
    max_unknown: int = 2,
    cases: Sequence[Case] | None = None,
    y: ArrayLike | None = None,
) -> PointsConversion:
    """Convert a model fitted on :class:`CaseEncoder` features into a points instrument.

    Points-to-odds scaling: one point is worth ``max |coefficient| / max_points`` log-odds,
    so the strongest single-unit effect scores ``max_points``; every item's points are its
    coefficient times its value in that unit, rounded (counts get one level per value up to
    ``count_cap``, then one open level). The unknown-indicator coefficients are not carried
    over: the instrument handles unknown items by its missing-data rule (``max_unknown``
    unknown items, total of the known ones). Bands are the model's probability cut-points
    turned into point totals. A warning names every factor whose points all round to 0.

    Parameters
    ----------
    model : LogisticRiskModel
        Fitted on the columns of ``encoder`` (a loaded model carries it as ``encoder_``).
    encoder : CaseEncoder, optional
        The fitted encoder that made the features.
    id, version, title : str
        The new instrument's identity.
    max_points, count_cap, max_unknown : int
        Scaling, count levels and missing-data tolerance.
    cases, y : optional
        Cases and outcomes on which to report the AUC of the model and of the points.

    Returns
    -------
    PointsConversion
    """
    encoder = encoder if encoder is not None else getattr(model, "encoder_", None)
    if encoder is None:
        raise ValueError(
            "to_instrument needs the CaseEncoder whose columns the model was fitted on"
        )
    names = [str(n) for n in encoder.get_feature_names_out()]
    if len(names) != len(model.coef_):
        raise ValueError(
            f"the model has {len(model.coef_)} coefficients but the encoder makes "
            f"{len(names)} columns; fit the model on this encoder's output"
        )
    coef = dict(zip(names, model.coef_.tolist(), strict=True))
    strengths = [abs(b) for n, b in coef.items() if not n.endswith(UNKNOWN_SUFFIX)]
    largest = max(strengths, default=0.0)
    if largest == 0.0:
        raise ValueError("every coefficient is 0: there is nothing to turn into points")
    unit = largest / max_points

    items, zeroed, skipped = _items(coef, encoder, unit, count_cap)
    if zeroed:
        warnings.warn(
            "rounding to integer points zeroes these factors, which are left out: "
            + ", ".join(zeroed),
            UserWarning,
            stacklevel=2,
        )
    if not items:
        raise ValueError("no factor keeps a non-zero point after rounding; raise max_points")

    bands = _bands(model, unit)
    training = model.training_
    data = {
        "format": FORMAT,
        "id": id,
        "version": version,
        "title": title or f"Points from a model ({id})",
        "description": "An integer-points instrument made from a LogisticRiskModel fitted to "
        "local outcome data (stalkrisk.model.to_instrument).",
        "citation": [
            f"Fitted by stalkrisk on n={training['n']} cases (base rate "
            f"{training['base_rate']:.3f}; data sha256 {training['data_sha256']})."
        ],
        "validation": {
            "status": "locally_fitted",
            "statement": "Points learned from local outcome data and not yet checked on cases "
            "not used to fit them; check discrimination and calibration before relying on the "
            "bands. The result supports a professional's judgement and is not a decision.",
        },
        "items": items,
        "scales": [
            {
                "id": "outcome",
                "title": "Outcome risk (learned points)",
                "description": f"Integer points; one point is {unit:.4f} log-odds.",
                "items": [item["id"] for item in items],
                "bands": bands,
                "missing": {"max_unknown": min(max_unknown, len(items)), "method": "known_only"},
            }
        ],
    }
    instrument = instrument_from_data(data, f"<to_instrument {id}>")
    auc_model, auc_points, compared = _compare(model, encoder, instrument, cases, y)
    return PointsConversion(
        instrument=instrument,
        log_odds_per_point=unit,
        zeroed=tuple(zeroed),
        skipped=tuple(skipped),
        auc_model=auc_model,
        auc_points=auc_points,
        n_compared=compared,
    )
