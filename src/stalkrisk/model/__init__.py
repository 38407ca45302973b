"""The optional model: learn weights from local outcome data (needs ``stalkrisk[ml]``).

``CaseEncoder`` turns cases into a feature matrix through the same factor registry the
instruments use; ``LogisticRiskModel`` is a scikit-learn classifier with cross-validated
calibration, bands and per-feature explanations, saved to and loaded from JSON;
``score_case`` and ``score_cases`` score cases with a fitted model (the one path every command
takes, each result named by the model's ``model_sha256``); ``PointsRiskModel`` learns a small
integer score directly; ``to_instrument`` freezes a model
into a points instrument; ``evaluate`` reports discrimination, calibration and a fairness
audit by group, and the ``*Display`` classes plot it (needs ``stalkrisk[plot]``).
"""

try:
    import sklearn  # noqa: F401  # the extra this package needs; checked before anything else
except ImportError as exc:  # pragma: no cover - exercised with scikit-learn hidden
    raise ImportError(
        "stalkrisk.model needs scikit-learn, which is not installed; "
        "install it with: pip install 'stalkrisk[ml]'"
    ) from exc

from stalkrisk._internal.public import export
from stalkrisk.model._convert import PointsConversion, to_instrument
from stalkrisk.model._data import Dataset, read_dataset
from stalkrisk.model._encoder import CaseEncoder
from stalkrisk.model._evaluation import (
    MAX_RELIABLE_AUC_WIDTH,
    MIN_GROUP_EVENTS,
    RANK_BY,
    EvaluationReport,
    GroupAudit,
    evaluate,
    reliability_table,
    wilson_interval,
)
from stalkrisk.model._logistic import (
    BandsAndTop,
    LogisticRiskModel,
    ModelExplanation,
    parse_cut_points,
)
from stalkrisk.model._persistence import (
    MODEL_FORMAT,
    is_model_file,
    load_model,
    model_sha256,
    save_model,
)
from stalkrisk.model._plots import BandRatesDisplay, CalibrationCurveDisplay, RocDisplay
from stalkrisk.model._points import PointsRiskModel
from stalkrisk.model._scoring import CaseModel, ModelScore, score_case, score_cases

__all__ = [
    "MAX_RELIABLE_AUC_WIDTH",
    "MIN_GROUP_EVENTS",
    "MODEL_FORMAT",
    "RANK_BY",
    "BandRatesDisplay",
    "BandsAndTop",
    "CalibrationCurveDisplay",
    "CaseEncoder",
    "CaseModel",
    "Dataset",
    "EvaluationReport",
    "GroupAudit",
    "LogisticRiskModel",
    "ModelExplanation",
    "ModelScore",
    "PointsConversion",
    "PointsRiskModel",
    "RocDisplay",
    "evaluate",
    "is_model_file",
    "load_model",
    "model_sha256",
    "parse_cut_points",
    "read_dataset",
    "reliability_table",
    "save_model",
    "score_case",
    "score_cases",
    "to_instrument",
    "wilson_interval",
]

export(__name__, __all__, globals())
