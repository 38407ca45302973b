"""``PointsRiskModel``: a sparse integer-points risk score learned from data.

A points risk score gives each of a few items a small integer number of points; the total
points ``s`` map to a probability through ``P(y = 1) = sigmoid(multiplier * s + intercept)``.
The points are *learned*, not obtained by rounding a fitted logistic regression. The method
follows FasterRisk (Liu, Zhong, Li, Seltzer and Rudin, "FasterRisk: Fast and Accurate
Interpretable Risk Scores", NeurIPS 2022), which approximates the optimisation problem that
RiskSLIM (Ustun and Rudin, "Learning Optimized Risk Scores", JMLR 20(150), 2019) solves
exactly with a mixed-integer solver: minimise the logistic loss over integer points with a
bounded range and at most ``k`` non-zero items, with a free real multiplier and intercept.
Everything here is numpy (plus scikit-learn's input validation); no solver is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["PointsRiskModel"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# Message templates (kept as constants so that tests can match them exactly).
NOT_BINARY = (
    "Only binary classification is supported. The type of the target is {y_type}. "
    "PointsRiskModel predicts one outcome against its absence; encode y with two classes."
)
ONE_CLASS = (
    "PointsRiskModel needs samples of at least 2 classes in the data, but the data contains "
    "only one class: {label!r}"
)
BAD_MAX_ITEMS = "max_items must be an integer of at least 1; got {value!r}"
BAD_POINTS_RANGE = (
    "points_range must be a pair of integers (low, high) with low <= 0 <= high and low < high, "
    "such as (-5, 5) or (0, 3); got {value!r}"
)
BAD_COUNT = "{name} must be an integer of at least 1; got {value!r}"
BAD_L2 = "l2_penalty must be a non-negative finite number; got {value!r}"

_NEWTON_MAX_ITER = 50
_NEWTON_TOL = 1e-9
_IMPROVEMENT_TOL = 1e-10
_MAX_SWEEPS = 50
_EXACT_OPTIONS = 4  # options per sequential-rounding step compared by their exact loss


def _log_loss(margin: FloatArray) -> float:
    """Mean logistic loss of the margins ``y * f`` (y in {-1, +1})."""
    return float(np.mean(np.logaddexp(0.0, -margin)))


def _newton(
    A: FloatArray,
    y: FloatArray,
    beta: FloatArray,
    penalty: FloatArray,
) -> tuple[FloatArray, float]:
    """Minimise ``mean(log(1 + exp(-y * A @ beta))) + 0.5 * sum(penalty * beta**2)``.

    A damped Newton method; the problems here have at most ``max_items + 1`` unknowns, so each
    step is one small linear solve. Returns the minimiser and the objective value.
    """
    n = A.shape[0]

    def objective(b: FloatArray) -> float:
        return _log_loss(y * (A @ b)) + 0.5 * float(np.sum(penalty * b * b))

    value = objective(beta)
    for _ in range(_NEWTON_MAX_ITER):
        f = A @ beta
        p = expit(f)
        grad = A.T @ (p - (y > 0)) / n + penalty * beta
        weight = p * (1.0 - p)
        hess = (A.T * weight) @ A / n + np.diag(penalty + 1e-10)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        decrease = float(grad @ step)
        if decrease < _NEWTON_TOL:
            break
        t = 1.0
        while True:
            candidate = beta - t * step
            new_value = objective(candidate)
            if new_value <= value - 1e-4 * t * decrease or t < 1e-10:
                break
            t *= 0.5
        if new_value > value:
            break
        beta, value = candidate, new_value
    return beta, value


def _fit_scale(
    z: FloatArray,
    y: FloatArray,
    start: tuple[float, float],
    squared_norm: float,
    l2: float,
) -> tuple[float, float, float]:
    """Fit the multiplier ``m > 0`` and intercept ``b`` of ``m * z + b`` (z: total points).

    Returns ``(m, b, objective)``, or an infinite objective when the best multiplier is not
    positive (the points then order the cases the wrong way round).
    """
    A = np.column_stack([z, np.ones_like(z)])
    penalty = np.array([l2 * squared_norm, 0.0])
    beta, value = _newton(A, y, np.array(start, dtype=np.float64), penalty)
    if not beta[0] > 0:
        return 1.0, float(beta[1]), math.inf
    return float(beta[0]), float(beta[1]), value


@dataclass(frozen=True)
class _Problem:
    """The training data and constraints shared by the three stages of the search."""

    X: FloatArray
    signs: FloatArray  # the outcome as +1 (classes_[1]) and -1
    low: int
    high: int
    l2: float


class _Continuous:
    """A continuous sparse logistic solution on a support (one beam or pool member)."""

    __slots__ = ("coef", "intercept", "objective", "support")

    def __init__(
        self, support: tuple[int, ...], coef: FloatArray, intercept: float, objective: float
    ) -> None:
        self.support = support
        self.coef = coef
        self.intercept = intercept
        self.objective = objective


class _Integer:
    """An integer-points solution: points on a support, multiplier and intercept."""

    __slots__ = ("intercept", "multiplier", "objective", "points", "support")

    def __init__(
        self,
        support: tuple[int, ...],
        points: IntArray,
        multiplier: float,
        intercept: float,
        objective: float,
    ) -> None:
        self.support = support
        self.points = points
        self.multiplier = multiplier
        self.intercept = intercept
        self.objective = objective


class PointsRiskModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A sparse risk score with small integer points, learned from data.

    The fitted model gives each of at most ``max_items`` features an integer number of points
    within ``points_range``; a case's total points ``s = X @ points_`` maps to a probability
    ``sigmoid(multiplier_ * s + intercept_)``. Features are meant to be binary items or small
    counts, as in a points instrument: the points apply to the raw feature values, so a
    feature on a wide scale (age in years) would get points per unit, which is too coarse to
    be useful; band such a feature into binary items first.

    **Method.** The model minimises the mean logistic loss over integer points (the
    problem that RiskSLIM, Ustun and Rudin 2019, solves exactly with a mixed-integer solver),
    following the three stages of FasterRisk (Liu et al. 2022):

    1. *Sparse beam search.* Starting from the intercept-only model, supports grow one feature
       at a time. For each of the ``n_candidates`` supports in the beam, the features whose
       loss gradient (scaled by the feature's spread) is largest are tried as additions; each
       child is refitted by Newton's method (logistic loss with a small ridge penalty,
       ``l2_penalty``) and the ``n_candidates`` best children form the next beam. The final
       beam is a pool of diverse near-optimal sparse continuous solutions.
    2. *Star ray search.* Each continuous solution ``w`` is scaled along its ray to
       ``n_multipliers`` sizes, from the largest item worth about one point to the largest
       scaling that keeps every item within ``points_range``. Each scaled vector is rounded by
       *sequential rounding*: coordinates are rounded one at a time, each time choosing the
       coordinate and direction (down or up) that increase the logistic loss least (the
       options are shortlisted by a second-order expansion of the loss and the shortlist is
       compared by exact loss). The multiplier and intercept are then refitted (a
       two-parameter logistic fit on the total points).
    3. *Local search.* The best integer solution of each support is improved by coordinate
       moves of one point up or down, each accepted only when the refitted loss decreases
       (the coordinates are visited in an order drawn from ``random_state``).

    The solution with the smallest objective (mean logistic loss plus the small ridge penalty
    on ``multiplier_ * points_``) over the whole pool is kept.

    Parameters
    ----------
    max_items : int, default 6
        The most features that may receive non-zero points.
    points_range : tuple of (int, int), default (-5, 5)
        The smallest and largest points an item may receive; ``low <= 0 <= high``. Use
        ``(0, high)`` for a score in which every item adds risk.
    n_candidates : int, default 10
        Beam width of the sparse beam search, and so the size of the pool of supports that
        are rounded and searched.
    n_multipliers : int, default 20
        Number of multipliers (scalings) tried per support in the star ray search.
    l2_penalty : float, default 1e-4
        Ridge penalty on the log-odds coefficients (``multiplier_ * points_`` for the integer
        model), on the scale of the mean loss; it keeps fits finite on separable data.
    random_state : int, RandomState instance or None, default None
        Seed for the order in which the local search visits the items.

    Attributes
    ----------
    points_ : ndarray of shape (n_features_in_,), dtype int64
        Points of each feature; zero outside the support.
    support_ : ndarray of int64
        Indices of the features with non-zero points, ascending.
    multiplier_ : float
        The positive factor turning total points into log-odds.
    intercept_ : float
        The log-odds of the outcome at zero points.
    loss_ : float
        Mean logistic loss of the fitted score on the training data.
    classes_ : ndarray of shape (2,)
        The class labels; the second is the outcome ("positive") class.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Feature names seen in ``fit``; only when ``X`` had string column names.

    See Also
    --------
    LogisticRiskModel : A calibrated logistic model with real-valued coefficients.

    Notes
    -----
    Rounding the coefficients of a fitted logistic regression is the usual way points are
    made, and it can be much worse than optimising the integer problem directly: small or
    correlated coefficients round to zero or to the wrong ratio (Ustun and Rudin 2019, sec. 6).
    Here the loss is optimised over the integers themselves, and the multiplier is free, so
    ``(2, 1, -1)`` and ``(4, 2, -2)`` compete on equal terms.

    This is a compact re-implementation of FasterRisk's ideas, not a port of its code: the
    pool of diverse supports is the final beam (FasterRisk grows a separate pool by swapping
    features of the best support), and the local search of stage 3 is an addition. Like
    FasterRisk, and unlike RiskSLIM, it gives no certificate of optimality.

    References
    ----------
    .. [1] J. Liu, C. Zhong, B. Li, M. Seltzer and C. Rudin. "FasterRisk: Fast and Accurate
       Interpretable Risk Scores". Advances in Neural Information Processing Systems 35
       (NeurIPS 2022).
    .. [2] B. Ustun and C. Rudin. "Learning Optimized Risk Scores". Journal of Machine
       Learning Research 20(150):1-75, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from stalkrisk.model import PointsRiskModel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 2, size=(600, 5))
    >>> log_odds = -1.5 + 0.8 * (2 * X[:, 0] + X[:, 1] - X[:, 2])
    >>> y = (rng.uniform(size=600) < 1 / (1 + np.exp(-log_odds))).astype(int)
    >>> model = PointsRiskModel(max_items=3, points_range=(-3, 3), random_state=0).fit(X, y)
    >>> model.points_table()
    [('x0', 3), ('x1', 1), ('x2', -1)]
    >>> X[:2]
    array([[1, 1, 1, 0, 0],
           [0, 0, 0, 0, 1]])
    >>> model.score_points(X[:2])
    array([3, 0])
    >>> model.predict_proba(X[:2]).round(2)
    array([[0.38, 0.62],
           [0.81, 0.19]])
    >>> bool(np.allclose(model.decision_function(X[:2]),
    ...                  model.multiplier_ * model.score_points(X[:2]) + model.intercept_))
    True
    """

    def __init__(
        self,
        max_items: int = 6,
        *,
        points_range: tuple[int, int] = (-5, 5),
        n_candidates: int = 10,
        n_multipliers: int = 20,
        l2_penalty: float = 1e-4,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.max_items = max_items
        self.points_range = points_range
        self.n_candidates = n_candidates
        self.n_multipliers = n_multipliers
        self.l2_penalty = l2_penalty
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # ------------------------------------------------------------------ parameters

    def _check_params(self) -> tuple[int, int]:
        if not _is_int(self.max_items) or self.max_items < 1:
            raise ValueError(BAD_MAX_ITEMS.format(value=self.max_items))
        for name in ("n_candidates", "n_multipliers"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise ValueError(BAD_COUNT.format(name=name, value=value))
        bounds = self.points_range
        try:
            low, high = bounds
        except (TypeError, ValueError):
            raise ValueError(BAD_POINTS_RANGE.format(value=bounds)) from None
        if not (_is_int(low) and _is_int(high)) or not low <= 0 <= high or low >= high:
            raise ValueError(BAD_POINTS_RANGE.format(value=bounds))
        l2 = self.l2_penalty
        if isinstance(l2, bool) or not isinstance(l2, int | float) or not 0 <= l2 < math.inf:
            raise ValueError(BAD_L2.format(value=l2))
        return int(low), int(high)

    # ------------------------------------------------------------------ fitting

    def fit(self, X: ArrayLike, y: ArrayLike) -> PointsRiskModel:
        """Learn the points, multiplier and intercept from training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature values: binary items or small counts. No missing values.
        y : array-like of shape (n_samples,)
            Binary outcome; the larger label (``classes_[1]``) is the outcome modelled.

        Returns
        -------
        PointsRiskModel
            The fitted model (``self``).
        """
        low, high = self._check_params()
        X_arr, y_arr = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y_arr)
        y_type = type_of_target(y_arr, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(NOT_BINARY.format(y_type=y_type))
        self.classes_ = np.unique(y_arr)
        if self.classes_.size < 2:
            label = self.classes_[0]
            label = label.item() if isinstance(label, np.generic) else label
            raise ValueError(ONE_CLASS.format(label=label))
        signs = np.where(y_arr == self.classes_[1], 1.0, -1.0)
        rng = check_random_state(self.random_state)
        problem = _Problem(X_arr, signs, low, high, float(self.l2_penalty))

        pool = self._beam_search(problem)
        best = _null_solution(signs)
        for member in pool:
            candidate = self._round(problem, member)
            if candidate is None:
                continue
            candidate = self._local_search(problem, candidate, rng)
            if candidate.objective < best.objective - _IMPROVEMENT_TOL:
                best = candidate

        points = np.zeros(X_arr.shape[1], dtype=np.int64)
        points[list(best.support)] = best.points
        self.points_ = points
        self.support_ = np.flatnonzero(points).astype(np.int64)
        self.multiplier_ = float(best.multiplier)
        self.intercept_ = float(best.intercept)
        margin = signs * (self.multiplier_ * (X_arr @ points) + self.intercept_)
        self.loss_ = _log_loss(margin)
        return self

    def _beam_search(self, problem: _Problem) -> list[_Continuous]:
        """Stage 1: grow supports one feature at a time, keeping the best ``n_candidates``."""
        X, signs, low, high, l2 = problem.X, problem.signs, problem.low, problem.high, problem.l2
        n = X.shape[0]
        spread = X.std(axis=0)
        usable = spread > 1e-12 * (1.0 + np.abs(X).max(axis=0))
        scale = np.where(usable, spread, 1.0)
        null = _null_solution(signs)
        beam = [_Continuous((), np.zeros(0), null.intercept, null.objective)]
        width = int(self.n_candidates)
        for _ in range(min(int(self.max_items), int(usable.sum()))):
            children: dict[tuple[int, ...], _Continuous] = {}
            for parent in beam:
                support = list(parent.support)
                f = X[:, support] @ parent.coef + parent.intercept
                residual = expit(f) - (signs > 0)
                gradient = X.T @ residual / n
                # Only moves the points range allows: with low == 0, only features whose
                # coefficient would grow (negative gradient) can be added; likewise high == 0.
                if low == 0:
                    gain = np.maximum(-gradient, 0.0)
                elif high == 0:
                    gain = np.maximum(gradient, 0.0)
                else:
                    gain = np.abs(gradient)
                gain = np.where(usable, gain / scale, 0.0)
                gain[support] = 0.0
                order = np.argsort(-gain, kind="stable")[:width]
                for j in order:
                    if gain[j] <= 0:
                        break
                    child_support = tuple(sorted((*support, int(j))))
                    if child_support in children:
                        continue
                    start = np.zeros(len(child_support) + 1)
                    position = {feature: i for i, feature in enumerate(child_support)}
                    for feature, value in zip(support, parent.coef, strict=True):
                        start[position[feature]] = value
                    start[-1] = parent.intercept
                    A = np.column_stack([X[:, list(child_support)], np.ones(n)])
                    penalty = np.full(len(child_support) + 1, l2)
                    penalty[-1] = 0.0
                    beta, value = _newton(A, signs, start, penalty)
                    children[child_support] = _Continuous(
                        child_support, beta[:-1], float(beta[-1]), value
                    )
            if not children:
                break
            ranked = sorted(children.values(), key=lambda c: (c.objective, c.support))
            beam = ranked[:width]
        return [member for member in beam if member.support]

    def _round(self, problem: _Problem, member: _Continuous) -> _Integer | None:
        """Stage 2: star ray search with sequential rounding for one continuous solution."""
        X, signs, low, high = problem.X, problem.signs, problem.low, problem.high
        support = member.support
        Xs = X[:, list(support)]
        w = member.coef
        # The largest scaling that keeps every item inside the points range (items whose sign
        # the range forbids are clipped to zero and do not limit the scaling).
        limits = [high / c for c in w if c > 0 and high > 0] + [
            low / c for c in w if c < 0 and low < 0
        ]
        allowed = np.array([(c > 0 and high > 0) or (c < 0 and low < 0) for c in w])
        if not limits or not allowed.any():
            return None
        s_max = min(limits)
        largest = float(np.max(np.abs(w[allowed])))
        top = s_max * largest  # the largest item's points at the widest scaling
        # From the widest scaling down to the largest item worth one point (with a single
        # multiplier, only the widest scaling is tried).
        sizes = np.unique(np.linspace(top, min(1.0, top), int(self.n_multipliers)))
        best: _Integer | None = None
        seen: set[tuple[int, ...]] = set()
        for size in sizes:
            s = size / largest
            target = np.clip(w * s, low, high)
            points = _sequential_round(
                Xs,
                signs,
                target,
                multiplier=1.0 / s,
                intercept=member.intercept,
                bounds=(low, high),
            )
            key = tuple(int(v) for v in points)
            if key in seen or not any(key):
                continue
            seen.add(key)
            total = Xs @ points
            m, b, value = _fit_scale(
                total, signs, (1.0 / s, member.intercept), float(points @ points), problem.l2
            )
            if best is None or value < best.objective:
                best = _Integer(support, points, m, b, value)
        return best

    def _local_search(
        self, problem: _Problem, solution: _Integer, rng: np.random.RandomState
    ) -> _Integer:
        """Stage 3: one-point moves on single items, kept when the refitted loss drops."""
        X, signs, low, high, l2 = problem.X, problem.signs, problem.low, problem.high, problem.l2
        Xs = X[:, list(solution.support)]
        points = solution.points.copy()
        m, b, value = solution.multiplier, solution.intercept, solution.objective
        total = Xs @ points
        for _ in range(_MAX_SWEEPS):
            improved = False
            for j in rng.permutation(len(points)):
                for step in (1, -1):
                    new = points[j] + step
                    if not low <= new <= high:
                        continue
                    trial = points.copy()
                    trial[j] = new
                    if not trial.any():
                        continue
                    trial_total = total + step * Xs[:, j]
                    tm, tb, tvalue = _fit_scale(
                        trial_total, signs, (m, b), float(trial @ trial), l2
                    )
                    if tvalue < value - _IMPROVEMENT_TOL:
                        points, total, m, b, value = trial, trial_total, tm, tb, tvalue
                        improved = True
                        break
            if not improved:
                break
        return _Integer(solution.support, points, m, b, value)

    # ------------------------------------------------------------------ prediction

    def decision_function(self, X: ArrayLike) -> FloatArray:
        """Return the log-odds ``multiplier_ * (X @ points_) + intercept_`` of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature values.

        Returns
        -------
        ndarray of shape (n_samples,)
            Log-odds of the outcome class ``classes_[1]``.
        """
        check_is_fitted(self)
        X_arr = validate_data(self, X, reset=False, dtype=np.float64)
        result: FloatArray = self.multiplier_ * (X_arr @ self.points_) + self.intercept_
        return result

    def predict_proba(self, X: ArrayLike) -> FloatArray:
        """Return the probability of each class, columns ordered as ``classes_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature values.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            ``[P(classes_[0]), P(classes_[1])]`` for each row.
        """
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """Return the more probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature values.

        Returns
        -------
        ndarray of shape (n_samples,)
            ``classes_[1]`` where the log-odds are positive, else ``classes_[0]``.
        """
        log_odds = self.decision_function(X)
        result: NDArray[Any] = self.classes_[(log_odds > 0).astype(np.intp)]
        return result

    def score_points(self, X: ArrayLike) -> NDArray[Any]:
        """Return each row's total points ``X @ points_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Feature values.

        Returns
        -------
        ndarray of shape (n_samples,)
            Total points; of dtype int64 when every value in ``X`` is a whole number (binary
            items and counts), float64 otherwise.
        """
        check_is_fitted(self)
        X_arr = validate_data(self, X, reset=False, dtype=np.float64)
        total = X_arr @ self.points_.astype(np.float64)
        result: NDArray[Any] = total
        if np.array_equal(X_arr, np.round(X_arr)):
            result = np.rint(total).astype(np.int64)
        return result

    def points_table(self) -> list[tuple[str, int]]:
        """Return ``(feature name, points)`` for each feature with non-zero points.

        Features are named by ``feature_names_in_`` when the model was fitted on a DataFrame,
        otherwise ``x0``, ``x1``, ... by column position.

        Returns
        -------
        list of (str, int)
            One pair per item of the score, in column order.
        """
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        return [
            (str(names[j]) if names is not None else f"x{j}", int(self.points_[j]))
            for j in self.support_
        ]


def _null_solution(signs: FloatArray) -> _Integer:
    """Return the intercept-only score: no points, the base rate as the probability."""
    rate = float(np.mean(signs > 0))
    intercept = math.log(rate / (1.0 - rate))
    objective = _log_loss(signs * intercept)
    return _Integer((), np.zeros(0, dtype=np.int64), 1.0, intercept, objective)


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _sequential_round(
    Xs: FloatArray,
    signs: FloatArray,
    target: FloatArray,
    *,
    multiplier: float,
    intercept: float,
    bounds: tuple[int, int],
) -> IntArray:
    """Round ``target`` to integers one coordinate at a time (FasterRisk's sequential rounding).

    At each step every unrounded coordinate is tried rounded down and up, with the others at
    their current values and the multiplier and intercept fixed; the move that gives the
    smallest logistic loss is made, and the search continues with the remaining coordinates.
    """
    low, high = bounds
    values = target.astype(np.float64).copy()
    columns = np.ascontiguousarray(Xs.T)
    squares = columns**2
    positive = signs > 0
    f = multiplier * (Xs @ values) + intercept
    remaining = list(range(values.size))
    while remaining:
        cols = np.array(remaining)
        down = np.clip(np.floor(values[cols]), low, high)
        up = np.clip(np.ceil(values[cols]), low, high)
        options = np.concatenate([down, up])
        which = np.concatenate([cols, cols])
        deltas = multiplier * (options - values[which])
        # Rank the options by a second-order expansion of the loss (two small matrix-vector
        # products), then compare the most promising few by their exact loss.
        p = expit(f)
        slope = columns[cols] @ (p - positive)
        curvature = squares[cols] @ (p * (1.0 - p))
        approx = deltas * np.concatenate([slope, slope]) + 0.5 * deltas**2 * np.concatenate(
            [curvature, curvature]
        )
        shortlist = np.argsort(approx, kind="stable")[:_EXACT_OPTIONS]
        trial = f[None, :] + deltas[shortlist][:, None] * columns[which[shortlist]]
        losses = np.logaddexp(0.0, -signs[None, :] * trial).sum(axis=1)
        best = int(np.argmin(losses))
        pick = int(shortlist[best])
        j = int(which[pick])
        f = trial[best]
        values[j] = options[pick]
        remaining.remove(j)
    return np.rint(values).astype(np.int64)
