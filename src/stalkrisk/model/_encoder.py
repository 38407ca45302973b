"""Cases to a feature matrix, through the factor registry (one definition of every factor)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from stalkrisk.features import FACTORS, FactorKind, evaluate_factors
from stalkrisk.schemas import Case

__all__ = ["BAD_FACTORS", "UNKNOWN_FACTORS", "CaseEncoder"]

UNKNOWN_SUFFIX = "__unknown"

#: Raised (as ``ValueError``) by :meth:`CaseEncoder.fit` for names that are not factors.
UNKNOWN_FACTORS: Final = (
    "no factor is named {names}; `stalkrisk factors` lists the registered factors "
    "(stalkrisk.FACTORS in Python)"
)
#: Raised (as ``ValueError``) by :meth:`CaseEncoder.fit` for ``factors`` that are not a list
#: of different names.
BAD_FACTORS: Final = "factors must be a sequence of different factor names, or None for all"
_NAMES_SHOWN: Final = 5
_NAME_CHARS: Final = 64


def _quoted(name: object) -> str:
    text = str(name)
    return repr(text if len(text) <= _NAME_CHARS else text[:_NAME_CHARS] + "...")


def _as_case(record: Case | Mapping[str, Any]) -> Case:
    return record if isinstance(record, Case) else Case.model_validate(record)


class CaseEncoder(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Encode cases as a numeric matrix, one or more columns per registered factor.

    Unknowns are explicit, never imputed silently: each factor has a value column and, by
    default, an indicator column ``<factor>__unknown`` that is 1 when the value is not exactly
    known. The value column then holds the smallest value the case allows (0 when nothing is
    known): a count known to be "at least 2" encodes as 2 with the indicator set. A category
    factor has one 0/1 column per category (``<factor>=<category>``) and its indicator.

    Parameters
    ----------
    factors : sequence of str, optional
        The factors to encode, in order; by default every registered factor except
        ``perpetrator_sex`` (sex is an audit group, not a scoring input, unless named).
    unknown_indicators : bool, default True
        Add the ``__unknown`` indicator columns.

    Raises
    ------
    ValueError
        From :meth:`fit`, if a name in ``factors`` is not a registered factor (the message,
        :data:`UNKNOWN_FACTORS`, names it and points to ``stalkrisk factors``), or if
        ``factors`` is a single string or names a factor twice.

    Examples
    --------
    >>> import stalkrisk
    >>> enc = CaseEncoder(factors=["previous_convictions", "ex_intimate_partner"])
    >>> X = enc.fit_transform([stalkrisk.load_example("EX-01"), stalkrisk.load_example("EX-04")])
    >>> for name in enc.get_feature_names_out():
    ...     print(name)
    previous_convictions
    previous_convictions__unknown
    ex_intimate_partner
    ex_intimate_partner__unknown
    >>> X.tolist()
    [[14.0, 0.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]]
    """

    def __init__(
        self, factors: Sequence[str] | None = None, unknown_indicators: bool = True
    ) -> None:
        self.factors = factors
        self.unknown_indicators = unknown_indicators

    def _factor_names(self) -> list[str]:
        if self.factors is None:
            return [n for n in FACTORS if n != "perpetrator_sex"]
        if isinstance(self.factors, str | bytes) or not isinstance(self.factors, Iterable):
            raise ValueError(BAD_FACTORS)
        names = list(self.factors)
        unknown = [n for n in names if not isinstance(n, str) or n not in FACTORS]
        if unknown:
            shown = ", ".join(_quoted(n) for n in unknown[:_NAMES_SHOWN])
            if len(unknown) > _NAMES_SHOWN:
                shown += f" (and {len(unknown) - _NAMES_SHOWN} more)"
            raise ValueError(UNKNOWN_FACTORS.format(names=shown))
        if len(set(names)) != len(names):
            raise ValueError(f"{BAD_FACTORS}; a factor is named twice")
        return names

    def fit(self, X: Iterable[Case | Mapping[str, Any]], y: Any = None) -> CaseEncoder:
        """Record the factors and columns (the cases themselves are only validated)."""
        factors = self._factor_names()  # before the cases: a wrong name fails fast
        for record in X:
            _as_case(record)
        self.factors_ = factors
        columns: list[str] = []
        for name in self.factors_:
            factor = FACTORS[name]
            if factor.kind is FactorKind.CATEGORY:
                columns += [f"{name}={c}" for c in factor.categories]
            else:
                columns.append(name)
            if self.unknown_indicators:
                columns.append(name + UNKNOWN_SUFFIX)
        self.feature_names_out_ = np.asarray(columns, dtype=object)
        self.n_features_out_ = len(columns)
        return self

    def transform(self, X: Iterable[Case | Mapping[str, Any]]) -> NDArray[np.float64]:
        """Return the feature matrix (float64, one row per case)."""
        check_is_fitted(self, "feature_names_out_")
        rows = [self.encode_one(_as_case(record)) for record in X]
        if not rows:
            return np.zeros((0, self.n_features_out_))
        return np.asarray(rows, dtype=np.float64)

    def encode_one(self, case: Case) -> list[float]:
        """Return one case's feature values, in the order of :meth:`get_feature_names_out`."""
        check_is_fitted(self, "feature_names_out_")
        values = evaluate_factors(case, self.factors_)
        row: list[float] = []
        for name in self.factors_:
            value = values[name]
            factor = FACTORS[name]
            if factor.kind is FactorKind.CATEGORY:
                row += [1.0 if value.category == c else 0.0 for c in factor.categories]
            else:
                row.append(float(value.low) if value.low is not None else 0.0)
            if self.unknown_indicators:
                row.append(0.0 if value.known else 1.0)
        return row

    def get_feature_names_out(self, input_features: Any = None) -> NDArray[Any]:
        """Return the column names."""
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
