"""``LogisticRiskModel``: a calibrated, banded, explainable logistic classifier."""

from __future__ import annotations

import hashlib
import itertools
import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, ClassVar, Final, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from stalkrisk._version import __version__
from stalkrisk.bands import Identifier
from stalkrisk.model._evaluation import _calibration

__all__ = [
    "BAD_BAND_LABELS",
    "BAD_CUT_POINTS_PARAM",
    "CUT_POINTS_TEXT",
    "BandsAndTop",
    "LogisticRiskModel",
    "ModelExplanation",
    "calibration_intercept_slope",
    "parse_cut_points",
]

#: The rule for ``cut_points`` (a parameter or a model file's ``params.cut_points``); a
#: reason follows it, never the values.
BAD_CUT_POINTS_PARAM: Final = (
    "cut_points must be increasing probabilities strictly between 0 and 1 (at least one)"
)
#: What :func:`parse_cut_points` says about text it cannot read (the ``--cut-points`` option).
CUT_POINTS_TEXT: Final = (
    "--cut-points takes increasing probabilities between 0 and 1, separated by commas, e.g. 0.2,0.5"
)
#: The rule for band labels: the identifier rule of band ids (:class:`stalkrisk.BandSpec`), so
#: that a label is safe in a CSV cell, a report and an instrument made from the model.
BAD_BAND_LABELS: Final = (
    "band_labels needs one label more than there are cut_points, each a different identifier "
    "(a lower-case letter, then up to 63 lower-case letters, digits or underscores, e.g. 'high')"
)
# The pattern of Identifier (stalkrisk.bands), read from its one declaration.
_IDENTIFIER: Final = re.compile(
    next(m.pattern for m in get_args(Identifier)[1:] if getattr(m, "pattern", None))
)
# A decimal number as --cut-points takes it: no signs, no "nan", "inf", "1_0" or non-ASCII digits.
_DECIMAL: Final = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _ordinal(i: int) -> str:
    n = i + 1
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def cut_points_problem(cuts: Any) -> str | None:
    """Return why ``cuts`` are not valid band cut-points, or ``None`` if they are.

    Valid cut-points are one or more finite probabilities strictly between 0 and 1, in strictly
    increasing order. The reason never repeats the values.
    """
    if isinstance(cuts, np.ndarray):
        cuts = cuts.tolist()
    if isinstance(cuts, str | bytes) or not isinstance(cuts, Sequence):
        return "they must be a sequence of numbers"
    values = list(cuts)
    if not values:
        return "there are none"
    for i, c in enumerate(values):
        if isinstance(c, bool) or not isinstance(c, numbers.Real):
            return f"the {_ordinal(i)} is not a number"
        if not (math.isfinite(float(c)) and 0 < float(c) < 1):
            return f"the {_ordinal(i)} is not strictly between 0 and 1"
    if any(float(a) >= float(b) for a, b in itertools.pairwise(values)):
        return "each must be larger than the one before"
    return None


def band_labels_problem(labels: Any, n_cut_points: int) -> str | None:
    """Return why ``labels`` are not valid band labels for ``n_cut_points``, or ``None``."""
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if isinstance(labels, str | bytes) or not isinstance(labels, Sequence):
        return "they must be a sequence of identifiers"
    values = list(labels)
    if len(values) != n_cut_points + 1:
        return f"there are {len(values)} for {n_cut_points + 1} bands"
    for i, label in enumerate(values):
        if not isinstance(label, str) or not _IDENTIFIER.fullmatch(label):
            return f"the {_ordinal(i)} is not an identifier"
    if len(set(values)) != len(values):
        return "two are the same"
    return None


def parse_cut_points(text: str) -> tuple[float, ...]:
    """Read band cut-points written as text, e.g. the ``--cut-points`` option's ``"0.2,0.5"``.

    Parameters
    ----------
    text : str
        Decimal probabilities separated by commas (spaces around them are allowed).

    Returns
    -------
    tuple of float
        The cut-points, each strictly between 0 and 1, strictly increasing.

    Raises
    ------
    ValueError
        If the text is not such a list; the message is :data:`CUT_POINTS_TEXT` and a reason
        (which value, by position, and what is wrong with it), never the text itself.

    Examples
    --------
    >>> parse_cut_points("0.2, 0.5")
    (0.2, 0.5)
    >>> parse_cut_points("0.5,abc")
    Traceback (most recent call last):
    ...
    ValueError: --cut-points takes increasing probabilities ... (the 2nd is not a number)
    """
    if not isinstance(text, str):
        raise TypeError("text must be a str")
    if not text.strip():
        raise ValueError(f"{CUT_POINTS_TEXT} (there are none)")
    parts = text.split(",")
    values: list[float] = []
    for i, part in enumerate(parts):
        item = part.strip()
        if not _DECIMAL.fullmatch(item):
            reason = "one is empty" if not item else f"the {_ordinal(i)} is not a number"
            raise ValueError(f"{CUT_POINTS_TEXT} ({reason})")
        values.append(float(item))
    problem = cut_points_problem(values)
    if problem is not None:
        raise ValueError(f"{CUT_POINTS_TEXT} ({problem})")
    return tuple(values)


_EPS = 1e-12
#: Rows per block in the block-by-block matrix paths: a block of ~150 float64 features
#: (1.2 MB) stays in cache between the steps (measured best of 64, 256 and 1024 rows).
_BLOCK_ROWS = 1024


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(expit(z), dtype=np.float64)  # stable for large |z|


def calibration_intercept_slope(y: ArrayLike, p: ArrayLike) -> tuple[float | None, float | None]:
    """Return calibration-in-the-large (intercept, with logit(p) as offset) and the slope.

    The same computation as :func:`stalkrisk.model.evaluate` reports; ``None`` where the fit
    does not exist (one outcome class, identical predictions, separation). A well-calibrated
    model has intercept 0 and slope 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(0.05, 0.95, 20000)
    >>> y = rng.uniform(size=p.size) < p
    >>> a, b = calibration_intercept_slope(y, p)
    >>> abs(a) < 0.05, abs(b - 1) < 0.1
    (True, True)
    """
    return _calibration(np.asarray(y).astype(np.int64), np.asarray(p, dtype=np.float64))


@dataclass(frozen=True)
class ModelExplanation:
    """Per-feature contributions on the log-odds scale.

    ``contributions[i, j]`` is coefficient j times feature j of row i; each row's
    contributions plus ``intercept`` sum to its ``linear_predictor`` (to within rounding:
    ``linear_predictor`` is the model's decision function itself, the value its probability
    and band come from).
    """

    feature_names: tuple[str, ...]
    contributions: NDArray[np.float64]
    intercept: float
    linear_predictor: NDArray[np.float64]

    def top(self, row: int, n: int = 3) -> list[tuple[str, float]]:
        """Return the ``n`` largest contributions (by absolute size) of one row."""
        order = np.argsort(-np.abs(self.contributions[row]), kind="stable")[:n]
        return [(self.feature_names[j], float(self.contributions[row, j])) for j in order]


@dataclass(frozen=True)
class BandsAndTop:
    """Probabilities, bands and the largest contributions of many rows (one entry per row)."""

    probability: NDArray[np.float64]
    band: NDArray[np.int64]
    """Band index, 0 the lowest, cut at the model's ``cut_points``."""
    top: NDArray[np.intp]
    """Shape (n_rows, n): feature indices, the largest absolute contribution first."""
    feature_names: tuple[str, ...]
    top_value: NDArray[np.float64]
    """Shape (n_rows, n): the contributions (log-odds) of the features in ``top``, each equal
    to the one :meth:`LogisticRiskModel.explain` gives."""

    def top_features(self, row: int) -> list[str]:
        """Return the names of one row's largest contributions, largest first."""
        return [self.feature_names[j] for j in self.top[row]]


class LogisticRiskModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A logistic risk model with cross-validated calibration, bands and explanations.

    Parameters
    ----------
    C : float, default 1.0
        Inverse L2 regularisation strength, as in scikit-learn's ``LogisticRegression``. The
        features are standardised for fitting, so the penalty treats them alike; ``coef_`` is
        reported per unit of the original features.
    class_weight : dict, "balanced" or None, default None
        Class weights for fitting.
    calibration : {"none", "sigmoid"}, default "none"
        ``"sigmoid"`` recalibrates the model with the intercept and slope estimated from
        cross-validated predictions (the model stays logistic, so explanations still add up).
        Whatever the choice, the cross-validated calibration intercept and slope are reported
        in ``calibration_``.
    cv : int, default 5
        Folds for the cross-validated calibration estimate (fewer if a class is small); at
        least 2.
    cut_points : tuple of float, default (0.2, 0.5)
        Probability cut-points between bands: at least one, each strictly between 0 and 1,
        strictly increasing; ``len(cut_points) + 1`` bands.
    band_labels : tuple of str, optional
        Band labels, lowest first, one more than there are cut-points; each an identifier as
        band ids are (``"high"``, ``"band_2"``: lower-case letters, digits and underscores,
        starting with a letter) and all different. Default ``("low", "moderate", "high")`` for
        two cut-points, ``band_0``, ``band_1``, ... otherwise.
    max_iter : int, default 1000
        Iterations for the solver.
    random_state : int or None, default None
        Seed for the cross-validation folds.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Coefficients on the log-odds scale (after any recalibration), per unit of each
        feature. One-dimensional, where scikit-learn's ``LogisticRegression`` keeps shape
        ``(1, n_features)`` for a binary outcome: the model only ever predicts an outcome and
        its absence, and one number per feature is what a model file stores, what
        :func:`~stalkrisk.model.to_instrument` turns into points and what explanations
        multiply; ``coef_.reshape(1, -1)`` gives scikit-learn's shape.
    intercept_ : float
        Intercept on the log-odds scale.
    classes_ : ndarray of shape (2,)
        The class labels; the second is the outcome ("positive") class.
    calibration_ : dict or None
        Cross-validated calibration intercept and slope (``None`` when a class has fewer than
        two cases).
    training_ : dict
        ``n``, ``base_rate`` and ``data_sha256`` of the training data: a fingerprint of the
        data, the same on every platform (the sha256 of ``"{rows}x{columns};"``, the features
        as little-endian float64 and the outcomes as little-endian int64, row by row).
    library_version_ : str
        The stalkrisk version that fitted the model (for a loaded model, the one recorded in
        its file).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 2, size=(500, 3)).astype(float)
    >>> y = (rng.uniform(size=500) < 1 / (1 + np.exp(-(X @ [1.5, -1.0, 0.0] - 0.2)))).astype(int)
    >>> model = LogisticRiskModel(random_state=0).fit(X, y)
    >>> model.predict_band(X[:3]).tolist()
    [2, 1, 1]
    >>> explanation = model.explain(X[:1])
    >>> bool(np.isclose(explanation.contributions.sum() + explanation.intercept,
    ...                 model.decision_function(X[:1])[0]))
    True
    """

    def __init__(
        self,
        C: float = 1.0,
        *,
        class_weight: Mapping[Any, float] | str | None = None,
        calibration: str = "none",
        cv: int = 5,
        cut_points: Sequence[float] = (0.2, 0.5),
        band_labels: Sequence[str] | None = None,
        max_iter: int = 1000,
        random_state: int | None = None,
    ) -> None:
        self.C = C
        self.class_weight = class_weight
        self.calibration = calibration
        self.cv = cv
        self.cut_points = cut_points
        self.band_labels = band_labels
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    #: The parameters' types and ranges, checked by scikit-learn's ``_validate_params`` when
    #: fitting (``InvalidParameterError``, a ``ValueError`` that names the parameter and its
    #: rule). They are the rules a model file's ``params`` follow (``_persistence._Params``).
    #: ``cut_points`` and ``band_labels`` are checked by the functions a model file is checked
    #: with (:func:`cut_points_problem`, :func:`band_labels_problem`), whose reasons name a
    #: value by its position and never repeat it.
    _parameter_constraints: ClassVar[dict[str, Any]] = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "calibration": [StrOptions({"none", "sigmoid"})],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "cut_points": "no_validation",
        "band_labels": "no_validation",
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
    }

    def _check_params(self) -> None:
        """Refuse the parameters a model file would refuse, with the same rules."""
        self._validate_params()
        reason = cut_points_problem(self.cut_points)
        if reason is not None:
            raise ValueError(f"{BAD_CUT_POINTS_PARAM}; {reason}")
        if self.band_labels is not None:
            reason = band_labels_problem(self.band_labels, len(self.cut_points))
            if reason is not None:
                raise ValueError(f"{BAD_BAND_LABELS}; {reason}")

    def _base(self) -> Pipeline:
        # Standardised features: the solver converges on wide-scale columns (days, ages) and
        # the penalty treats every feature alike. Coefficients are mapped back to original units.
        return make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter),
        )

    def fit(self, X: ArrayLike, y: ArrayLike) -> LogisticRiskModel:
        """Fit the model, estimate its calibration by cross-validation, and return ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                "Only binary classification is supported. The type of the target is "
                f"{y_type}. LogisticRiskModel predicts an outcome and its absence."
            )
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError(
                "LogisticRiskModel needs both classes in y (the outcome and its absence); "
                f"got {self.classes_.size} class"
            )
        target = (y == self.classes_[1]).astype(np.float64)
        pipeline = self._base().fit(X, target)
        scaler, fitted = pipeline[0], pipeline[-1]
        self.n_iter_ = fitted.n_iter_
        scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
        coef = (fitted.coef_[0] / scale).astype(np.float64)  # per unit of each feature
        intercept = float(fitted.intercept_[0] - np.sum(coef * scaler.mean_))

        self.calibration_: dict[str, Any] | None = None
        smallest = int(min(target.sum(), target.size - target.sum()))
        folds = min(self.cv, smallest)
        if folds >= 2:
            splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            p_cv = cross_val_predict(self._base(), X, target, cv=splitter, method="predict_proba")[
                :, 1
            ]
            a, b = calibration_intercept_slope(target, p_cv)
            if a is not None and b is not None:
                self.calibration_ = {"intercept": a, "slope": b, "folds": folds}
            if self.calibration == "sigmoid":
                refit = LogisticRegression(C=np.inf, max_iter=1000).fit(
                    _logit(p_cv).reshape(-1, 1), target
                )
                a2, b2 = float(refit.intercept_[0]), float(refit.coef_[0, 0])
                coef, intercept = b2 * coef, a2 + b2 * intercept
        self.coef_ = coef
        self.intercept_ = intercept
        # A fingerprint of the training data, the same on every platform: the shape, then the
        # features as little-endian float64 and the outcomes as little-endian int64, row by
        # row. (Data, not a JSON document, so not RFC 8785.)
        features = np.ascontiguousarray(X, dtype="<f8")
        digest = hashlib.sha256(f"{features.shape[0]}x{features.shape[1]};".encode())
        digest.update(features.tobytes())
        digest.update(np.ascontiguousarray(target, dtype="<i8").tobytes())
        self.training_ = {
            "n": int(target.size),
            "base_rate": float(target.mean()),
            "data_sha256": digest.hexdigest(),
        }
        self.library_version_ = __version__
        return self

    # ------------------------------------------------------------------ predictions
    #
    # Every prediction is derived from one decision function, as scikit-learn's
    # LinearClassifierMixin derives its own. A row's log-odds are the sum of its contributions
    # (coefficient times value, feature by feature, summed along the row) plus the intercept,
    # computed by _log_odds on a block of rows at a time. The sum of a row depends on that row
    # alone, so a case gets the same probability to the bit whether it is scored alone
    # (predict_one), with others (predict_proba, a batch) or explained (explain), and its
    # contributions add up to exactly the log-odds it was scored with. _sigmoid turns log-odds
    # into probabilities and _band_of cuts those into bands.

    def _blocks(
        self, data: NDArray[np.float64]
    ) -> Iterator[tuple[slice, NDArray[np.float64], NDArray[np.float64]]]:
        """Yield ``(rows, block, contributions)`` for each block of rows of validated data.

        The contributions are ``block * coef_``, in a buffer reused from block to block (so
        no matrix-sized temporary is made, and each block stays in the processor's cache);
        they are valid until the next block is asked for.
        """
        coef, _ = self._terms()
        data = np.ascontiguousarray(data, dtype=np.float64)  # rows summed in memory order
        rows, k = data.shape
        buffer = np.empty((min(_BLOCK_ROWS, rows), k))
        for start in range(0, rows, _BLOCK_ROWS):
            block = data[start : start + _BLOCK_ROWS]
            m = block.shape[0]
            yield slice(start, start + m), block, np.multiply(block, coef, out=buffer[:m])

    def _log_odds(self, contributions: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the log-odds of rows (or of one row) from their contributions.

        This is the decision function: every prediction's log-odds come from here.
        """
        return np.asarray(contributions.sum(axis=-1) + self.intercept_, dtype=np.float64)

    def _linear_predictor(self, data: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the log-odds of each row of validated data."""
        z = np.empty(data.shape[0], dtype=np.float64)
        for rows, _, contributions in self._blocks(data):
            z[rows] = self._log_odds(contributions)
        return z

    def _band_of(self, probability: NDArray[np.float64]) -> NDArray[np.int64]:
        """Return the band index of each probability (0 the lowest), cut at ``cut_points``."""
        cuts = np.asarray(self.cut_points, dtype=np.float64)
        return np.searchsorted(cuts, probability, side="right").astype(np.int64)

    def _validated(self, X: ArrayLike, *, finite: bool = True) -> NDArray[np.float64]:
        check_is_fitted(self, "coef_")
        data: NDArray[np.float64] = validate_data(
            self, X, dtype=np.float64, reset=False, ensure_all_finite=finite
        )
        return data

    def decision_function(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the linear predictor (log-odds) of each row."""
        return self._linear_predictor(self._validated(X))

    def predict_bands_and_top(self, X: ArrayLike, n: int = 3) -> BandsAndTop:
        """Return each row's probability, band and ``n`` largest contributions.

        For scoring a large encoded matrix: the contributions are computed a block of rows at
        a time in a reused buffer, and each block's log-odds and largest contributions are
        taken from it, so the work on each block stays in the processor's cache and no
        matrix-sized temporary is made. The probabilities and bands equal
        :meth:`predict_proba` and :meth:`predict_band` to the bit; the top contributions are
        those of :meth:`explain` (largest absolute size first, ties to the lower feature
        index, as :meth:`ModelExplanation.top` orders them), with their values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Encoded cases.
        n : int, default 3
            How many contributions to keep per row (at most the number of features).

        Returns
        -------
        BandsAndTop

        Raises
        ------
        ValueError
            If ``X`` holds NaN or infinity, has the wrong number of features, or ``n`` is out
            of range.

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> X = rng.integers(0, 2, size=(500, 3)).astype(float)
        >>> y = (rng.uniform(size=500) < 1 / (1 + np.exp(-(X @ [1.5, -1.0, 0.0])))).astype(int)
        >>> model = LogisticRiskModel(random_state=0).fit(X, y)
        >>> result = model.predict_bands_and_top(X[:2], n=2)
        >>> result.band.tolist() == model.predict_band(X[:2]).tolist()
        True
        >>> result.top_features(0)
        ['x0', 'x1']
        """
        data = self._validated(X, finite=False)
        rows, k = data.shape
        if not 0 <= n <= k:
            raise ValueError(f"n must be from 0 to the number of features ({k}); got {n}")
        _, names = self._terms()
        z = np.empty(rows, dtype=np.float64)
        top = np.empty((rows, n), dtype=np.intp)
        top_value = np.empty((rows, n), dtype=np.float64)
        for part, block, contributions in self._blocks(data):
            z[part] = self._log_odds(contributions)
            size = np.abs(contributions)  # a block-sized temporary
            index = np.arange(block.shape[0])
            for j in range(n):
                best = size.argmax(axis=1)
                top[part, j] = best
                top_value[part, j] = contributions[index, best]
                size[index, best] = -1.0
        # A row's log-odds are NaN or infinite exactly when one of its values is (or a product
        # overflows), so checking them checks the matrix.
        if not np.isfinite(z).all():
            raise ValueError("Input X contains NaN or infinity.")
        probability = _sigmoid(z)
        return BandsAndTop(
            probability=probability,
            band=self._band_of(probability),
            top=top,
            feature_names=tuple(names),
            top_value=top_value,
        )

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return the probabilities of the two classes, shape (n, 2)."""
        p = _sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the more probable class of each row."""
        p = self.predict_proba(X)[:, 1]
        return np.asarray(self.classes_[(p >= 0.5).astype(int)])

    @property
    def bands(self) -> tuple[str, ...]:
        """The band labels, lowest first."""
        if self.band_labels is not None:
            return tuple(self.band_labels)
        n = len(tuple(self.cut_points)) + 1
        return ("low", "moderate", "high") if n == 3 else tuple(f"band_{i}" for i in range(n))

    def predict_band(self, X: ArrayLike) -> NDArray[np.int64]:
        """Return each row's band index (0 is the lowest), cut at ``cut_points``."""
        return self._band_of(_sigmoid(self.decision_function(X)))

    def explain(self, X: ArrayLike, feature_names: Sequence[str] | None = None) -> ModelExplanation:
        """Return per-feature contributions on the log-odds scale; they sum to the predictor.

        ``feature_names`` names the columns when the model was fitted on a plain array (for
        example ``encoder.get_feature_names_out()``); otherwise the fitted names are used.
        """
        data = self._validated(X)
        coef, fitted_names = self._terms()
        contributions = np.ascontiguousarray(data) * coef
        names = tuple(feature_names if feature_names is not None else fitted_names)
        if len(names) != contributions.shape[1]:
            raise ValueError(f"expected {contributions.shape[1]} feature names, got {len(names)}")
        return ModelExplanation(
            feature_names=names,
            contributions=contributions,
            intercept=self.intercept_,
            linear_predictor=self._log_odds(contributions),
        )

    def _feature_names(self) -> list[str]:
        for attribute in ("feature_names_in_", "feature_names_"):
            names = getattr(self, attribute, None)
            if names is not None:
                return [str(n) for n in names]
        return [f"x{i}" for i in range(self.n_features_in_)]

    def _terms(self, *, keep: bool = False) -> tuple[NDArray[np.float64], list[str]]:
        """Return the coefficients as a float64 array and the feature names.

        With ``keep``, they are kept until ``coef_`` is replaced (by fitting again, or by
        loading), for :meth:`predict_one`'s one case at a time; scikit-learn's methods leave
        the estimator's ``__dict__`` as it was (scikit-learn's checks test it).
        """
        coef = getattr(self, "coef_", None)
        if coef is None:
            check_is_fitted(self, "coef_")  # raises NotFittedError
        cached = self.__dict__.get("_terms_cache")
        if cached is None or cached[0] is not coef:
            cached = (coef, np.ascontiguousarray(coef, dtype=np.float64), self._feature_names())
            if keep:
                self.__dict__["_terms_cache"] = cached
        return cached[1], cached[2]

    def predict_one(self, features: Mapping[str, float] | Sequence[float]) -> float:
        """Return the outcome probability of one case, with no scikit-learn call.

        For one case at a time (a court-support screen) this skips scikit-learn's input
        checks, and goes through the same decision function, so it equals
        :meth:`predict_proba` to the bit.

        Parameters
        ----------
        features : mapping or sequence
            Feature values by name (every feature the model was fitted on), or in order.

        Raises
        ------
        KeyError
            If a named feature is missing.
        ValueError
            If there are too few or too many values, or a value is NaN or infinite.
        """
        coef, names = self._terms(keep=True)
        count = len(names)
        if isinstance(features, Mapping):
            try:
                values = np.fromiter((features[n] for n in names), np.float64, count)
            except KeyError:
                missing = [n for n in names if n not in features]
                raise KeyError(f"missing feature(s): {', '.join(missing[:5])}") from None
        else:
            if len(features) != count:
                raise ValueError(f"expected {count} feature values, got {len(features)}")
            values = np.fromiter(features, np.float64, count)
        z = self._log_odds(values * coef)
        if not math.isfinite(z):
            raise ValueError("the features contain NaN or infinity (or values too large)")
        return float(_sigmoid(z))
