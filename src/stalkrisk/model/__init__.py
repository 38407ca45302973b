"""The optional model: learn weights from local outcome data (needs ``stalkrisk[ml]``).

``CaseEncoder`` turns cases into a feature matrix through the same factor registry the
instruments use; ``LogisticRiskModel`` is a scikit-learn classifier with cross-validated
calibration, bands and per-feature explanations; models save to and load from JSON.
"""

try:
    import sklearn  # noqa: F401  # the extra this package needs; checked before anything else
except ImportError as exc:  # pragma: no cover - exercised with scikit-learn hidden
    raise ImportError(
        "stalkrisk.model needs scikit-learn, which is not installed; "
        "install it with: pip install 'stalkrisk[ml]'"
    ) from exc

from stalkrisk.model._convert import PointsConversion, to_instrument
from stalkrisk.model._data import Dataset, read_dataset
from stalkrisk.model._encoder import CaseEncoder
from stalkrisk.model._logistic import LogisticRiskModel, ModelExplanation
from stalkrisk.model._persistence import MODEL_FORMAT, load_model, save_model
from stalkrisk.model._points import PointsRiskModel

__all__ = [
    "MODEL_FORMAT",
    "CaseEncoder",
    "Dataset",
    "LogisticRiskModel",
    "ModelExplanation",
    "PointsConversion",
    "PointsRiskModel",
    "load_model",
    "read_dataset",
    "save_model",
    "to_instrument",
]
