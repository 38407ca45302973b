"""Synthetic cohorts: valid, fictional cases with known outcomes, for demos, tests and notebooks.

:func:`cohort` draws ``n`` :class:`~stalkrisk.Case` objects and a binary outcome for each. The
cases are **synthetic** (``synthetic=True``, ids ``SYN-000001`` ...) and must never be mistaken
for real ones: nobody in them exists. They are built so that every cross-field rule of the case
schema holds by construction.

What the cohort reproduces, and what it does not:

- **Marginals.** Eight shares reproduce the UK probation study of 80 stalking cases (Napo and
  Protection Against Stalking; see :data:`STUDY_MARGINALS`): previous convictions, convictions
  for serious violence, charges of assaulting women, age, the perpetrator's and the victim's
  sex, and relationships that ended after domestic violence. Everything else is filled with
  plausible, documented probabilities (``docs/synthetic.md``); they are the developers'
  choices, not estimates.
- **Unknowns.** Each recorded field, or block of fields that one factor reads, is hidden
  ("unknown", or ``null`` for a list) with probability :data:`UNKNOWN_SHARE`, independently of
  everything else, so code that handles unknowns is exercised. The shares of the study are
  reproduced among the cases where they are known.
- **Outcomes.** Each case's outcome is drawn from a known logistic model on the case's *true*
  values, before any field is hidden: a hidden field still shaped the outcome. Fitting a
  logistic regression to the true values (:attr:`Cohort.true_features`) recovers the
  coefficients within sampling error. The default, :data:`OUTCOME_MODEL`, is built from the
  screen's own factors, so an evaluation of the screen on it is circular;
  :data:`LITERATURE_OUTCOME_MODEL` (``cohort(n, seed, outcome_model=...)``) takes its weights
  from published associations instead, with a 12-month base rate of about 0.39.
  :attr:`Cohort.caption` says which drew a cohort's outcomes: print it beside every result.
- **Groups.** :attr:`Cohort.groups` holds labels for fairness audits: ``age_group``, ``sex``,
  and ``ethnicity``. Ethnicity is a synthetic label drawn independently of everything else; it
  is never placed in a case (the case schema has no such field) and never scored.

Examples
--------
>>> from stalkrisk.synthetic import LITERATURE_OUTCOME_MODEL, cohort
>>> data = cohort(5, seed=1)
>>> data
<Cohort n=5 seed=1 synthetic>
>>> data.cases[0].case_id, data.cases[0].synthetic
('SYN-000001', True)
>>> data.outcomes.dtype.name, sorted(data.groups)
('int8', ['age_group', 'ethnicity', 'sex'])
>>> cohort(5, seed=1, outcome_model=LITERATURE_OUTCOME_MODEL).model.outcome
'stalking recurrence or persistence within 12 months of the assessment'
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from stalkrisk._internal.files import atomic_output
from stalkrisk.features import FactorValue, evaluate_factors
from stalkrisk.schemas import (
    Barriers,
    Case,
    CriminalHistory,
    CurrentOffence,
    DomesticAbuse,
    MentalDisorder,
    Perpetrator,
    ProtectiveFactors,
    Relationship,
    StalkingEpisode,
    Threats,
    Timed,
    Treatment,
    VictimSituation,
)

__all__ = [
    "ETHNICITY_SHARES",
    "INVALID_N",
    "LITERATURE_OUTCOME_MODEL",
    "OUTCOME_MODEL",
    "RECENT_INCIDENT_DAYS",
    "STUDY_MARGINALS",
    "UNKNOWN_SHARE",
    "Cohort",
    "Marginal",
    "OutcomeModel",
    "OutcomeTerm",
    "cohort",
]

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Row = dict[str, Any]
M = TypeVar("M", bound=BaseModel)

#: The share of each recorded field (or block of fields read by one factor) left unknown.
UNKNOWN_SHARE: Final = 0.07

#: Shares of the synthetic ``ethnicity`` label: the five high-level groups of the 2021 Census of
#: England and Wales (ONS), rounded. Drawn independently of everything else.
ETHNICITY_SHARES: Final[Mapping[str, float]] = MappingProxyType(
    {"white": 0.817, "asian": 0.093, "black": 0.040, "mixed": 0.029, "other": 0.021}
)

_STUDY: Final = (
    "Napo and Protection Against Stalking: review of 80 probation stalking cases "
    "in England and Wales"
)
_NO_CONVICTIONS, _ONE_OR_TWO, _THREE_PLUS = 10 / 80, 23 / 80, 47 / 80
_SERIOUS = 11 / 80
# The study's 11 with serious-violence convictions split by number of convictions (a choice:
# more convictions, more often serious); the two rates give 11/80 overall.
_SERIOUS_GIVEN_ONE_OR_TWO = 0.09
_SERIOUS_GIVEN_THREE_PLUS = (_SERIOUS - _ONE_OR_TWO * _SERIOUS_GIVEN_ONE_OR_TWO) / _THREE_PLUS
# "18 more had been charged with assault on female victims": 18 of the 69 without a
# serious-violence conviction.
_ASSAULT_CHARGE_GIVEN_NOT_SERIOUS = 18 / 69
_AGE_40_PLUS = 0.55
_MALE = 79 / 80
_VICTIM_FEMALE = 79 / 80
_EX_PARTNER = 0.70
_EX_PARTNER_WITH_ABUSE = 0.55  # "more than half" of all cases
_ABUSE_GIVEN_EX_PARTNER = _EX_PARTNER_WITH_ABUSE / _EX_PARTNER

_FIRST_ASSESSMENT: Final = dt.date(2022, 1, 1).toordinal()
_LAST_ASSESSMENT: Final = dt.date(2024, 12, 31).toordinal()
_DAYS_PER_YEAR: Final = 365.25
_MAX_CONVICTIONS: Final = 25
_MAX_BREACHES: Final = 8

#: The message of the ``ValueError`` raised for an invalid ``n``.
INVALID_N: Final = "n must be a whole number of cases, 0 or more; received {n!r}"


# --- reading factors ------------------------------------------------------------------------


def _at_least(value: FactorValue, threshold: float) -> float:
    """Return 1.0 if every value in the interval is ``>= threshold``, 0.0 if none is, else NaN."""
    if value.low is not None and value.low >= threshold:
        return 1.0
    if value.high is not None and value.high < threshold:
        return 0.0
    return math.nan


def _at_most(value: FactorValue, threshold: float) -> float:
    """Return 1.0 if every value in the interval is ``<= threshold``, 0.0 if none is, else NaN."""
    if value.high is not None and value.high <= threshold:
        return 1.0
    if value.low is not None and value.low > threshold:
        return 0.0
    return math.nan


def _any(readings: Iterable[float]) -> float:
    """Combine readings with "or": 1.0 if any is 1, 0.0 if all are 0, else NaN (unknown)."""
    listed = list(readings)
    if any(x == 1.0 for x in listed):
        return 1.0
    if all(x == 0.0 for x in listed):
        return 0.0
    return math.nan


# --- the outcome models ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutcomeTerm:
    """One binary term of :class:`OutcomeModel`: a registry factor at or above a threshold.

    Parameters
    ----------
    name : str
        The term's name (the key of :attr:`OutcomeModel.coefficients`).
    factor : str
        The registry factor read (see :data:`stalkrisk.FACTORS`).
    threshold : int, default 1
        The term is 1 when the factor is at least this (present, for a binary factor).
    at_most : bool, default False
        Turn the comparison round: the term is 1 when the factor is at most ``threshold``
        (``days_since_last_incident`` at most 30, say).
    also : tuple of str, default ()
        Further registry factors read the same way: the term is 1 when any of ``factor`` and
        ``also`` passes the threshold, 0 when none does, and unknown otherwise.

    Examples
    --------
    >>> from stalkrisk import Case
    >>> term = OutcomeTerm("previous_convictions_3plus", "previous_convictions", 3)
    >>> term.value(Case(case_id="DOC-1", assessment_date="2024-05-01",
    ...                 history={"conviction_count": 4}))
    1.0
    >>> term.value(Case(case_id="DOC-2", assessment_date="2024-05-01"))  # not recorded
    nan
    >>> recent = OutcomeTerm("recent", "days_since_last_incident", 30, at_most=True)
    >>> recent.value(Case(case_id="DOC-3", assessment_date="2024-05-01",
    ...                   episode={"start_date": "2024-01-01", "ongoing": "absent",
    ...                            "last_incident_date": "2024-04-20"}))
    1.0
    >>> prior = OutcomeTerm("prior", "prior_stalking_this_victim",
    ...                     also=("prior_stalking_other_victims",))
    >>> prior.value(Case(case_id="DOC-4", assessment_date="2024-05-01",
    ...                  history={"prior_stalking_other_victims": "present"}))
    1.0
    """

    name: str
    factor: str
    threshold: int = 1
    at_most: bool = False
    also: tuple[str, ...] = ()

    @property
    def factors(self) -> tuple[str, ...]:
        """Every registry factor the term reads: ``factor``, then ``also``."""
        return (self.factor, *self.also)

    def read(self, values: Mapping[str, FactorValue]) -> float:
        """Return the term from evaluated factors: 1.0, 0.0, or NaN when they do not decide it."""
        compare = _at_most if self.at_most else _at_least
        return _any(compare(values[f], self.threshold) for f in self.factors)

    def value(self, case: Case) -> float:
        """Return 1.0 or 0.0, or NaN when the case does not determine the term."""
        return self.read(evaluate_factors(case, self.factors))

    def true_value(self, truths: Mapping[str, npt.NDArray[Any]]) -> BoolArray:
        """Return the term from arrays of true factor values (one entry per case)."""
        passed = [
            truths[f] <= self.threshold if self.at_most else truths[f] >= self.threshold
            for f in self.factors
        ]
        result: BoolArray = np.logical_or.reduce(passed)
        return result


@dataclass(frozen=True, slots=True)
class OutcomeModel:
    """The logistic model that generates each synthetic case's outcome; its weights are known.

    ``logit P(outcome = 1) = intercept + sum(coefficients[t] * x[t])``, where each ``x[t]`` is a
    binary :class:`OutcomeTerm` read from the case's *true* values (before any field was hidden).
    Two models are bundled: :data:`OUTCOME_MODEL` (the default, built from the screen's own
    factors) and :data:`LITERATURE_OUTCOME_MODEL` (published effect sizes).

    Parameters
    ----------
    intercept : float
        The log-odds when every term is 0.
    terms : tuple of OutcomeTerm
        The terms, in the column order of :meth:`design_matrix`.
    coefficients : Mapping[str, float]
        Log-odds per term, by term name.
    outcome : str
        What the outcome stands for.
    name : str, default "a custom OutcomeModel"
        How :attr:`Cohort.caption` names the model.
    provenance : str, default "not real outcomes"
        Where the weights come from, and what a comparison on its outcomes is worth; the end
        of :attr:`Cohort.caption`.

    Examples
    --------
    >>> OUTCOME_MODEL.names[:2]
    ('previous_convictions_3plus', 'protective_order_breach')
    >>> round(float(OUTCOME_MODEL.probability([[0] * 8])[0]), 3)  # nothing present
    0.142
    >>> LITERATURE_OUTCOME_MODEL.name, LITERATURE_OUTCOME_MODEL.names[0]
    ('LITERATURE_OUTCOME_MODEL', 'prior_stalking')
    """

    intercept: float
    terms: tuple[OutcomeTerm, ...]
    coefficients: Mapping[str, float]
    outcome: str
    name: str = "a custom OutcomeModel"
    provenance: str = "not real outcomes"

    @property
    def names(self) -> tuple[str, ...]:
        """The term names, in column order."""
        return tuple(t.name for t in self.terms)

    @property
    def beta(self) -> FloatArray:
        """The coefficients as an array, in column order (without the intercept)."""
        return np.array([self.coefficients[name] for name in self.names])

    @property
    def factors(self) -> tuple[str, ...]:
        """Every registry factor the terms read, each once, in order of first use."""
        return tuple(dict.fromkeys(f for t in self.terms for f in t.factors))

    def features(self, case: Case) -> FloatArray:
        """Return the case's terms as read from the case: 1.0, 0.0, or NaN where unknown.

        Examples
        --------
        >>> from stalkrisk import Case
        >>> case = Case(case_id="DOC-3", assessment_date="2024-05-01",
        ...             relationship={"type": "ex_intimate_partner"})
        >>> OUTCOME_MODEL.features(case)[2]  # ex_intimate_partner
        np.float64(1.0)
        """
        values = evaluate_factors(case, self.factors)
        return np.array([t.read(values) for t in self.terms])

    def design_matrix(self, cases: Iterable[Case]) -> FloatArray:
        """Return the ``(n, k)`` matrix of :meth:`features`, one row per case (NaN: unknown).

        For a synthetic cohort drawn with this model, every known entry equals the true value
        in :attr:`Cohort.true_features`.

        Examples
        --------
        >>> data = cohort(3, seed=2)
        >>> OUTCOME_MODEL.design_matrix(data.cases).shape
        (3, 8)
        """
        rows = [self.features(case) for case in cases]
        if not rows:
            return np.empty((0, len(self.terms)))
        return np.vstack(rows)

    def log_odds(self, x: npt.ArrayLike) -> FloatArray:
        """Return the log-odds for each row of a 0/1 design matrix ``x``."""
        return self.intercept + np.asarray(x, dtype=float) @ self.beta

    def probability(self, x: npt.ArrayLike) -> FloatArray:
        """Return ``P(outcome = 1)`` for each row of a 0/1 design matrix ``x``."""
        return 1.0 / (1.0 + np.exp(-self.log_odds(x)))


_TERMS: Final = (
    OutcomeTerm("previous_convictions_3plus", "previous_convictions", 3),
    OutcomeTerm("protective_order_breach", "protective_order_breaches", 1),
    OutcomeTerm("ex_intimate_partner", "ex_intimate_partner"),
    OutcomeTerm("escalating", "escalating"),
    OutcomeTerm("personality_disorder", "personality_disorder"),
    OutcomeTerm("substance_misuse_recent", "substance_misuse_recent"),
    OutcomeTerm("threats_of_violence_recent", "threats_of_violence_recent"),
    OutcomeTerm("violence_recent", "violence_recent"),
)

#: The default outcome model of a synthetic cohort: intercept and coefficients (log-odds) are
#: exact. Its terms are the items of the screen ``stalkrisk-screen`` 1.0.0, so an evaluation of
#: that screen (or of one that shares its items) on these outcomes is circular; use
#: :data:`LITERATURE_OUTCOME_MODEL` for comparisons.
OUTCOME_MODEL: Final = OutcomeModel(
    intercept=-1.8,
    terms=_TERMS,
    coefficients=MappingProxyType(
        {
            "previous_convictions_3plus": 0.60,
            "protective_order_breach": 0.70,
            "ex_intimate_partner": 0.50,
            "escalating": 0.45,
            "personality_disorder": 0.55,
            "substance_misuse_recent": 0.40,
            "threats_of_violence_recent": 0.35,
            "violence_recent": 0.30,
        }
    ),
    outcome="reoffending within 12 months of the assessment",
    name="OUTCOME_MODEL",
    provenance="built from the screen's own factors: an evaluation of the screen on it is circular",
)

#: Days since the last incident at or below which :data:`LITERATURE_OUTCOME_MODEL` counts the
#: conduct as recent.
RECENT_INCIDENT_DAYS: Final = 30

# Each term: its registry factor(s), then the odds ratio its coefficient is the log of, and the
# source. No term has a pooled published odds ratio for 12-month stalking recurrence; each
# value is a judgement consistent with the sources named (docs/synthetic.md gives the table).
_LITERATURE_TERMS: Final = (
    # OR 2.0. Earlier stalking is the behaviour the outcome repeats, and structured stalking
    # guidelines consider it; the Stalking Risk Profile's ratings predicted re-stalking (McEwan
    # et al. 2018). OUTCOME_MODEL omits it.
    OutcomeTerm(
        "prior_stalking",
        "prior_stalking_this_victim",
        also=("prior_stalking_other_victims", "stalking_harassment_convictions"),
    ),
    # OR 2.5. The strongest predictor of recidivism among 148 offenders, above all Cluster B
    # (Rosenfeld 2003); it predicted recurrence in McEwan et al. (2017).
    OutcomeTerm("personality_disorder", "personality_disorder"),
    # OR 1.6. A history of substance abuse was associated with recidivism, most of all with a
    # personality disorder (Rosenfeld 2003). Lifetime, not recent: Rosenfeld coded history.
    OutcomeTerm("substance_misuse_history", "substance_misuse_lifetime"),
    # OR 1.8. Criminal versatility predicted recurrence (McEwan et al. 2017): three or more
    # distinct offence categories among the previous convictions.
    OutcomeTerm("criminal_versatility", "conviction_categories", 3),
    # OR 1.3. Ex-intimates pursue for longer (persistence; McEwan, Mullen & MacKenzie 2009) but
    # ex-intimacy predicted violence, not recurrence, in McEwan et al. (2017): a small weight.
    OutcomeTerm("ex_intimate_partner", "ex_intimate_partner"),
    # OR 1.8. A breach of a court order is conduct continuing despite a legal barrier; a
    # judgement (the structured guidelines rate supervision violations).
    OutcomeTerm("protective_order_breach", "protective_order_breaches", 1),
    # OR 2.5. Time since the last incident was the most influential variable in a UK police
    # model of repeat domestic abuse (Turner, Brown & Medina-Ariza 2022): an analogy.
    OutcomeTerm("recent_incident", "days_since_last_incident", RECENT_INCIDENT_DAYS, at_most=True),
    # OR 0.6. Delusional disorder (e.g. erotomania) was associated with *lower* recidivism
    # (Rosenfeld 2003); McEwan et al. (2017) found erotomanic delusions predicted recurrence,
    # so the evidence conflicts and the weight is modest.
    OutcomeTerm("delusional_disorder", "delusional_disorder"),
)

#: An outcome model from published associations with stalking recidivism and persistence,
#: independent of the screen's items and weights: each coefficient is the log of an odds ratio
#: consistent with the source named beside it (see ``docs/synthetic.md``). Its intercept gives
#: a base rate of about 0.39 on a cohort: Rosenfeld (2003) found 49% reoffended over 2.5-13
#: years, 80% of them within the first year, so about 0.8 x 49% = 39% within 12 months.
LITERATURE_OUTCOME_MODEL: Final = OutcomeModel(
    # Solved numerically (bisection): the intercept at which the mean true probability of
    # cohort(200_000, seed=0, outcome_model=LITERATURE_OUTCOME_MODEL) is 0.39 is -2.7575;
    # rounded to two decimals, it gives 0.3895 on that cohort (docs/synthetic.md).
    intercept=-2.76,
    terms=_LITERATURE_TERMS,
    coefficients=MappingProxyType(
        {
            "prior_stalking": 0.69,  # ln 2.0
            "personality_disorder": 0.92,  # ln 2.5
            "substance_misuse_history": 0.47,  # ln 1.6
            "criminal_versatility": 0.59,  # ln 1.8
            "ex_intimate_partner": 0.26,  # ln 1.3
            "protective_order_breach": 0.59,  # ln 1.8
            "recent_incident": 0.92,  # ln 2.5
            "delusional_disorder": -0.51,  # ln 0.6
        }
    ),
    outcome="stalking recurrence or persistence within 12 months of the assessment",
    name="LITERATURE_OUTCOME_MODEL",
    provenance="published effect sizes, not real outcomes",
)


# --- the study's marginals ------------------------------------------------------------------


def _factor_at_least(factor: str, threshold: float) -> Callable[[Case], bool | None]:
    def measure(case: Case) -> bool | None:
        x = _at_least(evaluate_factors(case, [factor])[factor], threshold)
        return None if math.isnan(x) else x == 1.0

    return measure


def _no_convictions(case: Case) -> bool | None:
    total = evaluate_factors(case, ["previous_convictions"])["previous_convictions"]
    return total.value == 0 if total.known else None


def _male(case: Case) -> bool | None:
    sex = evaluate_factors(case, ["perpetrator_sex"])["perpetrator_sex"].category
    return None if sex is None else sex == "male"


def _victim_female(case: Case) -> bool | None:
    sex = evaluate_factors(case, ["victim_sex"])["victim_sex"].category
    return None if sex is None else sex == "female"


def _ex_partner_with_abuse(case: Case) -> bool | None:
    values = evaluate_factors(case, ["ex_intimate_partner", "domestic_abuse_history"])
    both = [_at_least(v, 1) for v in values.values()]
    if any(math.isnan(x) for x in both):
        return None
    return all(x == 1.0 for x in both)


@dataclass(frozen=True, slots=True)
class Marginal:
    """A share the synthetic cohort reproduces, with its source and how to measure it.

    Parameters
    ----------
    name : str
        A short identifier.
    share : float
        The share in the source, as a probability.
    description : str
        What is counted.
    source : str
        Where the share comes from.
    measure : callable
        ``Case -> bool | None``: whether a case counts, or ``None`` when it is not known.

    Examples
    --------
    >>> m = STUDY_MARGINALS[0]
    >>> m.name, m.share
    ('no_previous_convictions', 0.125)
    >>> share, known = m.observed(cohort(200, seed=3).cases)
    >>> 0 <= share <= 1 and known <= 200
    True
    """

    name: str
    share: float
    description: str
    source: str
    measure: Callable[[Case], bool | None] = field(repr=False)

    def observed(self, cases: Iterable[Case]) -> tuple[float, int]:
        """Return the share among the cases where it is known, and how many those are."""
        known = [m for m in map(self.measure, cases) if m is not None]
        return (sum(known) / len(known) if known else math.nan), len(known)


#: The shares of the probation study that every synthetic cohort reproduces.
STUDY_MARGINALS: Final[tuple[Marginal, ...]] = (
    Marginal(
        "no_previous_convictions",
        _NO_CONVICTIONS,
        "no previous convictions (10 of 80)",
        _STUDY,
        _no_convictions,
    ),
    Marginal(
        "three_or_more_previous_convictions",
        _THREE_PLUS,
        "three or more previous convictions (47 of 80)",
        _STUDY,
        _factor_at_least("previous_convictions", 3),
    ),
    Marginal(
        "serious_violence_convictions",
        _SERIOUS,
        "a conviction for threats to kill, wounding/GBH, attempted murder or homicide (11 of 80)",
        _STUDY,
        _factor_at_least("serious_violence_convictions", 1),
    ),
    Marginal(
        "prior_assault_charges_female_victims",
        18 / 80,
        "charged with assault on female victims, beyond the 11 above (18 of 80)",
        _STUDY,
        _factor_at_least("prior_assault_charges_female_victims", 1),
    ),
    Marginal(
        "perpetrator_40_or_over",
        _AGE_40_PLUS,
        "perpetrator aged 40 or over (the study: 55% 'over 40')",
        _STUDY,
        _factor_at_least("perpetrator_age", 40),
    ),
    Marginal("perpetrator_male", _MALE, "perpetrator male (79 of 80)", _STUDY, _male),
    Marginal("victim_female", _VICTIM_FEMALE, "victim female (79 of 80)", _STUDY, _victim_female),
    Marginal(
        "ex_partner_with_domestic_abuse",
        _EX_PARTNER_WITH_ABUSE,
        "former intimate partner, with domestic abuse in the relationship ('more than half')",
        _STUDY,
        _ex_partner_with_abuse,
    ),
)


# --- drawing --------------------------------------------------------------------------------


class _Draw:
    """Every random draw of one cohort, from one generator, always in the same order."""

    def __init__(self, n: int, rng: np.random.Generator) -> None:
        self.n = n
        self.rng = rng

    def uniform(self, size: int | None = None) -> FloatArray:
        return self.rng.random(self.n if size is None else size)

    def flag(self, p: float | FloatArray, size: int | None = None) -> BoolArray:
        """Draw booleans (``n`` unless ``size``), each true with probability ``p``."""
        return self.uniform(size) < p

    def choice(self, shares: Mapping[str, float], size: int | None = None) -> list[str]:
        """Draw labels with the given shares (which sum to 1)."""
        labels = list(shares)
        edges = np.cumsum(list(shares.values()))
        index = np.searchsorted(edges / edges[-1], self.uniform(size), side="right")
        return [labels[i] for i in np.minimum(index, len(labels) - 1).tolist()]

    def hidden(self) -> BoolArray:
        """Draw which cases hide one field (or block of fields)."""
        return self.flag(UNKNOWN_SHARE)

    def tri(self, present: BoolArray, hidden: BoolArray | None = None) -> list[str]:
        """Return tri-state answers: the truth, or ``"unknown"`` where hidden."""
        hide = self.hidden() if hidden is None else hidden
        return self.known(np.where(present, "present", "absent"), "unknown", hide)

    def known(
        self,
        values: npt.NDArray[Any] | Sequence[Any],
        unknown: Any,
        hidden: BoolArray | None = None,
    ) -> list[Any]:
        """Return ``values`` as a list, with ``unknown`` in place of each hidden value."""
        hide = self.hidden() if hidden is None else hidden
        listed = values.tolist() if isinstance(values, np.ndarray) else values
        return [unknown if h else v for h, v in zip(hide.tolist(), listed, strict=True)]

    def presence(self, p: float | FloatArray, hidden: BoolArray | None = None) -> list[str]:
        """Draw a factor with probability ``p`` and return its tri-state answers."""
        return self.tri(self.flag(p), hidden)

    def days(self, ordinals: IntArray) -> list[dt.date]:
        return [_day(d) for d in ordinals.tolist()]


def _day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def _no_values() -> IntArray:
    return np.zeros(0, dtype=np.int64)


def _no_flags() -> BoolArray:
    return np.zeros(0, dtype=np.bool_)


@dataclass(frozen=True)
class _Truth:
    """The true values that the outcome and the study's shares depend on (one entry per case).

    The fields after ``stalked_others`` are filled in (with :func:`dataclasses.replace`) once
    every case field has been drawn: they are drawn, or read off, after all the draws that
    existed before them, so that adding them changed no earlier value of any cohort.
    """

    assessed: IntArray  # date ordinals
    age: IntArray
    male: BoolArray
    convictions: IntArray
    serious: BoolArray
    assault_charge: BoolArray
    relationship: npt.NDArray[np.str_]
    abuse: BoolArray
    breaches: IntArray
    escalating: BoolArray
    personality_disorder: BoolArray
    substance_lifetime: BoolArray
    substance_recent: BoolArray
    threats: BoolArray
    violence: BoolArray
    stalked_this_victim: BoolArray
    stalked_others: BoolArray
    # Filled in after every other draw.
    delusional_disorder: BoolArray = field(default_factory=_no_flags)
    stalking_convictions: IntArray = field(default_factory=_no_values)
    conviction_categories: IntArray = field(default_factory=_no_values)
    days_since_last_incident: IntArray = field(default_factory=_no_values)

    @property
    def ex_partner(self) -> BoolArray:
        ex: BoolArray = self.relationship == "ex_intimate_partner"
        return ex

    def factors(self) -> dict[str, npt.NDArray[Any]]:
        """Return the true value of each factor an outcome model may read, by factor name."""
        return {
            "previous_convictions": self.convictions,
            "protective_order_breaches": self.breaches,
            "ex_intimate_partner": self.ex_partner,
            "escalating": self.escalating,
            "personality_disorder": self.personality_disorder,
            "substance_misuse_lifetime": self.substance_lifetime,
            "substance_misuse_recent": self.substance_recent,
            "threats_of_violence_recent": self.threats,
            "violence_recent": self.violence,
            "prior_stalking_this_victim": self.stalked_this_victim,
            "prior_stalking_other_victims": self.stalked_others,
            "delusional_disorder": self.delusional_disorder,
            "stalking_harassment_convictions": self.stalking_convictions,
            "conviction_categories": self.conviction_categories,
            "days_since_last_incident": self.days_since_last_incident,
        }

    def features(self, model: OutcomeModel) -> npt.NDArray[np.int8]:
        """Return the true design matrix of ``model`` (one row per case, one column per term)."""
        truths = self.factors()
        columns = [term.true_value(truths) for term in model.terms]
        n, k = len(self.age), len(columns)
        if not columns:
            return np.zeros((n, 0), dtype=np.int8)
        return np.column_stack(columns).reshape(n, k).astype(np.int8)


_OTHER_RELATIONSHIPS: Final = {
    "acquaintance": 0.12,
    "work": 0.05,
    "family": 0.03,
    "stranger": 0.07,
    "other": 0.03,
}


def _draw_truth(d: _Draw) -> _Truth:
    n = d.n
    assessed = _FIRST_ASSESSMENT + np.floor(
        d.uniform() * (_LAST_ASSESSMENT - _FIRST_ASSESSMENT + 1)
    ).astype(np.int64)
    older = d.flag(_AGE_40_PLUS)
    age = np.where(
        older,
        40 + np.minimum(np.floor(d.rng.exponential(9.0, n)), 39),
        18 + np.floor(d.uniform() * 22),
    ).astype(np.int64)
    male = d.flag(_MALE)
    band = np.searchsorted(np.cumsum([_NO_CONVICTIONS, _ONE_OR_TWO]), d.uniform(), side="right")
    many = 2 + np.minimum(d.rng.geometric(0.2, n), _MAX_CONVICTIONS - 2)
    convictions = np.select([band == 0, band == 1], [0, 1 + d.flag(0.5)], many).astype(np.int64)
    p_serious = np.select(
        [convictions == 0, convictions <= 2],
        [0.0, _SERIOUS_GIVEN_ONE_OR_TWO],
        _SERIOUS_GIVEN_THREE_PLUS,
    )
    serious = d.flag(p_serious)
    assault_charge = ~serious & d.flag(_ASSAULT_CHARGE_GIVEN_NOT_SERIOUS)
    ex_share = {"ex_intimate_partner": _EX_PARTNER, **_OTHER_RELATIONSHIPS}
    relationship = np.array(d.choice(ex_share))
    ex = relationship == "ex_intimate_partner"
    abuse = ex & d.flag(_ABUSE_GIVEN_EX_PARTNER)
    p_breach = np.select([convictions == 0, convictions <= 2], [0.10, 0.30], 0.50)
    breaches = np.where(
        d.flag(p_breach), np.minimum(d.rng.geometric(0.5, n), _MAX_BREACHES), 0
    ).astype(np.int64)
    substance_lifetime = d.flag(0.50)
    threats = d.flag(0.45)
    return _Truth(
        assessed=assessed,
        age=age,
        male=male,
        convictions=convictions,
        serious=serious,
        assault_charge=assault_charge,
        relationship=relationship,
        abuse=abuse,
        breaches=breaches,
        escalating=d.flag(0.45),
        personality_disorder=d.flag(0.25),
        substance_lifetime=substance_lifetime,
        substance_recent=substance_lifetime & d.flag(0.70),
        threats=threats,
        violence=d.flag(np.where(threats, 0.45, 0.18)),
        stalked_this_victim=d.flag(np.where(ex, 0.35, 0.20)),
        stalked_others=d.flag(0.25),
    )


# --- group D: the perpetrator ---------------------------------------------------------------


def _timed(d: _Draw, lifetime: BoolArray, recent: BoolArray) -> list[Timed]:
    hidden = d.hidden()
    return _parts(Timed, {"lifetime": d.tri(lifetime, hidden), "recent": d.tri(recent, hidden)})


def _rows(columns: Mapping[str, Sequence[Any]]) -> list[Row]:
    """Turn columns (one value per case) into rows (one dict per case)."""
    keys = list(columns)
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _validated(model: type[M], columns: Mapping[str, Sequence[Any]]) -> list[M]:
    """Validate one part per case."""
    return [model.model_validate(row) for row in _rows(columns)]


def _parts(model: type[M], columns: Mapping[str, Sequence[Any]]) -> list[M]:
    """Validate one small part per case, once per distinct combination of values.

    The parts are immutable, so cases with the same answers share one validated instance.
    """
    keys = list(columns)
    cache: dict[tuple[Any, ...], M] = {}
    parts = []
    for values in zip(*columns.values(), strict=True):
        part = cache.get(values)
        if part is None:
            part = cache[values] = model.model_validate(dict(zip(keys, values, strict=True)))
        parts.append(part)
    return parts


_EMPLOYMENT: Final = {
    "employed": 0.42,
    "unemployed": 0.40,
    "student": 0.03,
    "retired": 0.07,
    "other": 0.08,
}
_MOTIVATION_EX: Final = {
    "rejected": 0.85,
    "resentful": 0.10,
    "intimacy_seeking": 0.02,
    "incompetent_suitor": 0.02,
    "predatory": 0.01,
}
_MOTIVATION_OTHER: Final = {
    "rejected": 0.05,
    "resentful": 0.40,
    "intimacy_seeking": 0.25,
    "incompetent_suitor": 0.20,
    "predatory": 0.10,
}


@dataclass(frozen=True)
class _Perpetrators:
    """The perpetrator columns (validated once the late fields are added) and a true value."""

    columns: dict[str, list[Any]]
    delusional_disorder: BoolArray


def _perpetrators(d: _Draw, t: _Truth) -> _Perpetrators:
    employment = [
        "other" if e == "retired" and a < 60 else e
        for e, a in zip(d.choice(_EMPLOYMENT), t.age.tolist(), strict=True)
    ]
    ex_motive, other_motive = d.choice(_MOTIVATION_EX), d.choice(_MOTIVATION_OTHER)
    motivation = np.where(t.ex_partner, ex_motive, other_motive)
    suicidal = d.flag(0.25)
    personality = d.tri(t.personality_disorder)
    delusional = d.flag(0.06)
    mental = _parts(
        MentalDisorder,
        {
            "personality_disorder": personality,
            "delusional_disorder": d.tri(delusional),
            "other": d.presence(0.15),
        },
    )
    treatment = _parts(
        Treatment,
        {"domestic_violence_programme": d.presence(0.08), "stalking_specific": d.presence(0.01)},
    )
    columns: dict[str, list[Any]] = {
        "age": d.known(t.age, None),
        "sex": d.known(np.where(t.male, "male", "female"), "unknown"),
        "substance_misuse": _timed(d, t.substance_lifetime, t.substance_recent),
        "mental_disorder": mental,
        "suicidality": _timed(d, suicidal, suicidal & d.flag(0.5)),
        "obsession": d.presence(0.65),
        "anger": d.presence(0.55),
        "lack_of_remorse": d.presence(0.55),
        "employment": d.known(employment, "unknown"),
        "financial_problems": d.presence(0.35),
        "motivation": d.known(motivation, "unknown"),
        "treatment": treatment,
    }
    return _Perpetrators(columns, delusional)


def _protective(d: _Draw, t: _Truth) -> list[ProtectiveFactors]:
    """Draw the protective factors (late: after every draw that existed before them)."""
    # Fewer engage with supervision where a personality disorder or recent substance misuse
    # gets in the way; the shares are choices.
    hindered = t.personality_disorder | t.substance_recent
    return _parts(
        ProtectiveFactors,
        {
            "engaged_with_supervision": d.presence(np.where(hindered, 0.45, 0.65)),
            "stable_accommodation_away_from_victim": d.presence(0.60),
            "prosocial_support": d.presence(0.50),
        },
    )


# --- group A: criminal history --------------------------------------------------------------

_SERIOUS_OFFENCES: Final = {
    "threats_to_kill": 0.45,
    "wounding_gbh": 0.45,
    "attempted_murder": 0.07,
    "homicide": 0.03,
}
_STALKING_OFFENCES: Final = {
    "harassment": 0.60,
    "stalking": 0.20,
    "malicious_communications": 0.15,
    "intimate_image_abuse": 0.05,
}
_OTHER_OFFENCES: Final = {
    "common_assault": 0.22,
    "assault_occasioning_harm": 0.12,
    "criminal_damage": 0.18,
    "public_order": 0.12,
    "breach_bail": 0.06,
    "breach_licence": 0.03,
    "weapon_possession": 0.04,
    "controlling_or_coercive_behaviour": 0.05,
    "sexual_offence": 0.02,
    "other": 0.16,
}
_VIOLENT: Final = frozenset(
    {"common_assault", "assault_occasioning_harm", "sexual_offence", *_SERIOUS_OFFENCES}
)
_DISPOSALS: Final = {
    "custody": 0.18,
    "suspended_sentence": 0.12,
    "community": 0.30,
    "fine": 0.25,
    "discharge": 0.10,
    "other": 0.05,
}
_DISPOSALS_SERIOUS: Final = {"custody": 0.70, "suspended_sentence": 0.15, "community": 0.15}
_ORDERS: Final = {
    "restraining_order": 0.60,
    "non_molestation_order": 0.30,
    "stalking_protection_order": 0.10,
}
_BREACH_OFFENCE: Final = {
    "restraining_order": "breach_restraining_order",
    "non_molestation_order": "breach_non_molestation_order",
    "stalking_protection_order": "breach_stalking_protection_order",
}


@dataclass(frozen=True)
class _Orders:
    """Each case's protective orders, recorded or not, and its order kind."""

    kind: list[str]
    rows: list[list[Row] | None]


def _orders(d: _Draw, t: _Truth) -> _Orders:
    """One protective order when there were breaches (and sometimes when there were none)."""
    kind = d.choice(_ORDERS)
    span = np.floor(30 + d.rng.exponential(700.0, d.n)).astype(np.int64)
    made_on = t.assessed - span
    unbreached_order = d.flag(0.2)
    in_force, protects = d.presence(0.6), d.presence(0.8)
    hidden = d.hidden().tolist()
    fractions = d.uniform(int(t.breaches.sum())).tolist()
    rows: list[list[Row] | None] = []
    at = 0
    for i, (count, made, days) in enumerate(
        zip(t.breaches.tolist(), made_on.tolist(), span.tolist(), strict=True)
    ):
        if hidden[i]:
            rows.append(None)
        elif count == 0 and not unbreached_order[i]:
            rows.append([])
        else:
            when = sorted(made + int(f * days) for f in fractions[at : at + count])
            order = {
                "kind": kind[i],
                "made_on": _day(made),
                "protects_current_victim": protects[i],
                "in_force": in_force[i],
                "breaches": [{"date": _day(w)} for w in when],
            }
            rows.append([order])
        at += count
    return _Orders(kind, rows)


def _offences(d: _Draw, t: _Truth, order_kind: list[str]) -> tuple[list[str], IntArray]:
    """Draw every conviction's offence (flattened, case by case) and each case's slot offsets.

    Within a case the first slots are, in turn: a serious-violence conviction (if any), breach
    convictions (at most one per recorded breach), stalking convictions (only when the
    perpetrator stalked before), then other offences.
    """
    k = t.convictions
    rest = k - t.serious
    breach = d.rng.binomial(np.minimum(rest, t.breaches), 0.6)
    stalked = t.stalked_this_victim | t.stalked_others
    stalking = np.where(stalked, d.rng.binomial(rest - breach, 0.35), 0)
    total = int(k.sum())
    case = np.repeat(np.arange(d.n), k)
    starts = np.concatenate(([0], np.cumsum(k)))
    slot = np.arange(total) - starts[case]
    serious, stalking_offence, other = (
        d.choice(_SERIOUS_OFFENCES, total),
        d.choice(_STALKING_OFFENCES, total),
        d.choice(_OTHER_OFFENCES, total),
    )
    edges = np.column_stack([t.serious, breach, stalking]).cumsum(axis=1)[case]
    offences = [
        serious[j]
        if s < e[0]
        else _BREACH_OFFENCE[order_kind[c]]
        if s < e[1]
        else stalking_offence[j]
        if s < e[2]
        else other[j]
        for j, (c, s, e) in enumerate(
            zip(case.tolist(), slot.tolist(), edges.tolist(), strict=True)
        )
    ]
    return offences, starts


def _convictions(d: _Draw, t: _Truth, order_kind: list[str]) -> list[list[Row]]:
    """Every case's full list of previous convictions, with ages and dates that agree."""
    offences, starts = _offences(d, t, order_kind)
    total = len(offences)
    k = t.convictions
    case = np.repeat(np.arange(d.n), k)
    first = np.minimum(t.age, 15 + np.floor(d.rng.exponential(8.0, d.n))).astype(np.int64)
    at_first = np.floor(d.uniform() * np.maximum(k, 1)).astype(np.int64)
    span = (t.age - first + 1)[case]
    age = first[case] + np.floor(d.uniform(total) * span).astype(np.int64)
    age = np.where(np.arange(total) - starts[case] == at_first[case], first[case], age)
    # A date a fraction of a year past the whole-year age, so that both agree within a year.
    years_ago = t.age[case] - age + d.uniform(total)
    date = t.assessed[case] - np.floor(years_ago * _DAYS_PER_YEAR).astype(np.int64)
    ordinary, serious = d.choice(_DISPOSALS, total), d.choice(_DISPOSALS_SERIOUS, total)
    victim_female, partner = d.flag(0.75, total), d.flag(0.5, total)
    current_victim = d.flag(0.3, total)
    both_stalked = (t.stalked_this_victim & t.stalked_others)[case]
    this_victim = np.where(both_stalked, d.flag(0.5, total), t.stalked_this_victim[case])
    disposal = [
        grave if o in _SERIOUS_OFFENCES else usual
        for o, grave, usual in zip(offences, serious, ordinary, strict=True)
    ]
    violent = zip(victim_female.tolist(), partner.tolist(), current_victim.tolist(), strict=True)
    rows: list[Row] = []
    for offence, day, years, outcome, flags, this in zip(
        offences,
        d.days(date),
        age.tolist(),
        disposal,
        violent,
        this_victim.tolist(),
        strict=True,
    ):
        row: Row = {"offence": offence, "date": day, "age": years, "disposal": outcome}
        if offence in _VIOLENT:
            row["victim_female"] = _word(flags[0])
            row["against_intimate_partner"] = _word(flags[1])
            row["against_current_victim"] = _word(flags[2])
        elif offence in _STALKING_OFFENCES:
            row["against_current_victim"] = _word(this)
        rows.append(row)
    bounds = starts.tolist()
    return [rows[bounds[i] : bounds[i + 1]] for i in range(d.n)]


def _word(flag: bool) -> str:
    return "present" if flag else "absent"


def _sanctions(listed: list[Row], age: int, cautions: int, earlier: int) -> Row:
    """Previous sanctions (convictions and cautions) and the age at the first one."""
    sanctions = len(listed) + cautions
    if sanctions == 0:
        first = age  # the current conviction is the first sanction
    elif listed:
        first = max(10, min(c["age"] for c in listed) - (earlier if cautions else 0))
    else:
        first = max(18, age - 5 * earlier)  # cautions only
    return {"previous_sanctions": sanctions, "age_at_first_sanction": first}


@dataclass(frozen=True)
class _Histories:
    """The criminal-history rows, validated once the late fields are added.

    ``convictions`` holds every case's full list of convictions: the same row objects as the
    record's, whether the record shows them or not.
    """

    rows: list[Row]
    convictions: list[list[Row]]


def _histories(d: _Draw, t: _Truth) -> _Histories:
    orders = _orders(d, t)
    convictions = _convictions(d, t, orders.kind)
    cautions = d.rng.poisson(0.8, d.n).tolist()
    earlier = np.floor(d.uniform() * 3).astype(np.int64).tolist()
    hide_convictions, hide_sanctions, hide_charges = (d.hidden().tolist() for _ in range(3))
    charged = d.flag(0.15).tolist()
    charges = zip(
        d.choice(_PENDING),
        d.days(t.assessed - np.floor(d.uniform() * 180).astype(np.int64)),
        strict=True,
    )
    rows: list[Row] = []
    for i, (listed, age, (offence, day)) in enumerate(
        zip(convictions, t.age.tolist(), charges, strict=True)
    ):
        row: Row = {"protective_orders": orders.rows[i]}
        if not hide_convictions[i]:
            row["convictions"] = listed
            row["custodial_sentence_count"] = sum(c["disposal"] == "custody" for c in listed)
            if listed:
                row["age_at_first_conviction"] = min(c["age"] for c in listed)
        if not hide_sanctions[i]:
            row.update(_sanctions(listed, age, cautions[i], earlier[i]))
        if not hide_charges[i]:
            row["pending_charges"] = [{"offence": offence, "charged_on": day}] if charged[i] else []
        rows.append(row)
    for name, values in (
        ("prior_assault_charges_female_victims", d.tri(t.assault_charge)),
        ("prior_stalking_this_victim", d.tri(t.stalked_this_victim)),
        ("prior_stalking_other_victims", d.tri(t.stalked_others)),
    ):
        for row, value in zip(rows, values, strict=True):
            row[name] = value
    return _Histories(rows, convictions)


def _conviction_victims(d: _Draw, t: _Truth, convictions: list[list[Row]]) -> None:
    """Record whether each violent or stalking conviction was against a family member (late).

    Violence against an intimate partner is not also against a family member; otherwise 15%
    of violent convictions are. A stalking conviction against the current victim is against
    a family member when the current relationship is family; 5% of the others are.
    """
    flat = [(i, row) for i, listed in enumerate(convictions) for row in listed]
    family_violence, family_stalking = d.flag(0.15, len(flat)), d.flag(0.05, len(flat))
    family_case = (t.relationship == "family").tolist()
    for (i, row), violent, stalking in zip(
        flat, family_violence.tolist(), family_stalking.tolist(), strict=True
    ):
        if row["offence"] in _VIOLENT:
            family = violent and row["against_intimate_partner"] == "absent"
        elif row["offence"] in _STALKING_OFFENCES:
            current = row["against_current_victim"] == "present"
            family = family_case[i] if current else stalking
        else:
            continue
        row["against_family_member"] = _word(family)


_PENDING: Final = {"harassment": 0.5, "common_assault": 0.3, "breach_restraining_order": 0.2}


# --- group B: the stalking episode ----------------------------------------------------------

_FREQUENCY: Final = {
    "less_than_weekly": 0.10,
    "weekly": 0.15,
    "several_times_a_week": 0.30,
    "daily": 0.30,
    "several_times_a_day": 0.15,
}
#: Behaviour kinds, the share of cases with each, and their channels (``None``: drawn).
_BEHAVIOURS: Final[tuple[tuple[str, float, tuple[str, ...] | None], ...]] = (
    ("unwanted_contact", 0.92, None),
    ("following", 0.30, ("in_person",)),
    ("loitering", 0.30, ("in_person",)),
    ("turning_up_at_home", 0.45, ("in_person",)),
    ("turning_up_at_work", 0.20, ("in_person",)),
    ("approaching", 0.30, ("in_person",)),
    ("surveillance", 0.15, ("in_person",)),
    ("tracking_device", 0.04, ("tracking_device",)),
    ("image_based_abuse", 0.10, ("social_media",)),
    ("property_damage", 0.20, ("in_person",)),
    ("unwanted_gifts", 0.12, ("letter",)),
    ("impersonation", 0.05, ("social_media",)),
)
_CONTACT_CHANNELS: Final = {
    "phone_call": 0.70,
    "text_message": 0.80,
    "social_media": 0.50,
    "email": 0.20,
    "letter": 0.05,
    "third_party": 0.15,
}
_MEDIAN_EPISODE_DAYS: Final = 150
_MAX_EPISODE_DAYS: Final = 5 * 365


def _behaviours(d: _Draw, start: IntArray, assessed: IntArray) -> list[list[Row] | None]:
    n, kinds = d.n, len(_BEHAVIOURS)
    present = d.rng.random((n, kinds)) < np.array([p for _, p, _ in _BEHAVIOURS])
    present[:, 0] |= ~present.any(axis=1)  # every episode has at least one behaviour
    names = list(_CONTACT_CHANNELS)
    channels = d.rng.random((n, len(names))) < np.array(list(_CONTACT_CHANNELS.values()))
    channels[:, 1] |= ~channels.any(axis=1)  # contact reaches the victim somehow: a text
    first = start[:, None] + np.floor(d.rng.random((n, kinds)) * (assessed - start)[:, None])
    first[:, 0] = start  # the episode starts with its first behaviour
    last = first + np.floor(d.rng.random((n, kinds)) * (assessed[:, None] - first))
    hidden = d.hidden().tolist()
    firsts, lasts = first.astype(np.int64).tolist(), last.astype(np.int64).tolist()
    kinds_present = [np.flatnonzero(row).tolist() for row in present]
    contact = [[names[c] for c in np.flatnonzero(row)] for row in channels]
    rows: list[list[Row] | None] = []
    for i in range(n):
        if hidden[i]:
            rows.append(None)
            continue
        listed = []
        for b in kinds_present[i]:
            kind, _, via = _BEHAVIOURS[b]
            listed.append(
                {
                    "kind": kind,
                    "channels": list(contact[i] if via is None else via),
                    "first_date": _day(firsts[i][b]),
                    "last_date": _day(lasts[i][b]),
                }
            )
        rows.append(listed)
    return rows


def _threats(d: _Draw, t: _Truth) -> list[Threats]:
    hidden = d.hidden()  # one block: the factor reads violence, sexual violence and to kill
    to_kill, sexual = t.threats & d.flag(0.35), t.threats & d.flag(0.12)
    violence = t.threats & (d.flag(0.85) | ~(to_kill | sexual))
    return _parts(
        Threats,
        {
            "violence": d.tri(violence, hidden),
            "sexual_violence": d.tri(sexual, hidden),
            "to_kill": d.tri(to_kill, hidden),
            "against_third_parties": d.tri(d.flag(np.where(t.threats, 0.30, 0.08)), hidden),
            "against_children": d.tri(d.flag(np.where(t.threats, 0.06, 0.01)), hidden),
            "countdown": d.tri(t.threats & d.flag(0.04), hidden),
        },
    )


def _escalations(d: _Draw, t: _Truth, start: IntArray) -> list[Row]:
    hidden = d.hidden()  # one block: the factor reads frequency and severity
    frequency = t.escalating & d.flag(0.7)
    severity = t.escalating & (d.flag(0.6) | ~frequency)
    count = np.where(t.escalating & ~hidden, np.searchsorted([0.4, 0.8], d.uniform()), 0)
    when = start[:, None] + np.floor(d.rng.random((d.n, 2)) * (t.assessed - start)[:, None])
    dates = [
        sorted(_day(w) for w in row[:c])
        for row, c in zip(when.astype(np.int64).tolist(), count.tolist(), strict=True)
    ]
    return _rows(
        {
            "frequency": d.tri(frequency, hidden),
            "severity": d.tri(severity, hidden),
            "dates": dates,
        }
    )


@dataclass(frozen=True)
class _Episodes:
    """The episode columns (validated once the late fields are added), and true values."""

    columns: dict[str, list[Any]]
    start: IntArray  # date ordinals
    frequency: list[str]
    ongoing: BoolArray
    weapon_access: BoolArray
    weapon_access_hidden: BoolArray


def _episodes(d: _Draw, t: _Truth) -> _Episodes:
    """Draw the episodes, all but the fields that :func:`_end_episodes` adds."""
    days = np.exp(d.rng.normal(math.log(_MEDIAN_EPISODE_DAYS), 1.0, d.n))
    start = t.assessed - np.clip(np.floor(days), 1, _MAX_EPISODE_DAYS).astype(np.int64)
    hidden_start = d.hidden()  # the true start still bounds every date in the episode
    frequency = d.choice(_FREQUENCY)
    shown_frequency = d.known(frequency, "unknown")
    # The draws below are made in the order of the fields, as they always were.
    ongoing = d.flag(0.75)
    columns: dict[str, list[Any]] = {
        "start_date": d.known(d.days(start), None, hidden_start),
        "ongoing": d.tri(ongoing),
        "frequency": shown_frequency,
        "behaviours": _behaviours(d, start, t.assessed),
        "threats": _threats(d, t),
        "violence": d.tri(t.violence),
        "strangulation": d.tri(t.violence & d.flag(0.12)),
        "weapon_used_or_threatened": d.presence(np.where(t.threats, 0.15, 0.02)),
    }
    access = d.flag(0.10)
    access_hidden = d.hidden()
    columns["weapon_access"] = d.tri(access, access_hidden)
    columns["third_party_harassment"] = d.presence(0.35)
    columns["recruiting_others"] = d.presence(0.08)
    columns["procuring_violence"] = d.presence(np.where(t.threats, 0.03, 0.005))
    columns["escalation"] = _escalations(d, t, start)
    return _Episodes(columns, start, frequency, ongoing, access, access_hidden)


#: Mean days from the last incident to the assessment while an episode is ongoing, by the
#: frequency of the conduct (an exponential, at most :data:`_ONGOING_MAX_GAP`).
_ONGOING_GAP_DAYS: Final = {
    "less_than_weekly": 14.0,
    "weekly": 7.0,
    "several_times_a_week": 4.0,
    "daily": 2.0,
    "several_times_a_day": 1.0,
}
_ONGOING_MAX_GAP: Final = 28  # ongoing: the last incident within the last four weeks
_ENDED_MEDIAN_GAP: Final = 45  # ended: a log-normal gap, median 45 days ...
_ENDED_MAX_GAP: Final = 365  # ... of at most a year
_BURST_SHARE: Final = 0.45  # of the ended episodes, a short burst: conduct under two weeks
_BURST_DAYS: Final = 14
_FIREARM_GIVEN_ACCESS: Final = 0.25  # 2.5% of all cases: firearms are rare in England and Wales


def _days_since_last_incident(d: _Draw, t: _Truth, e: _Episodes) -> IntArray:
    """Draw the days from the last incident to the assessment (late: after every older draw).

    Ongoing episodes: the last incident within four weeks, sooner the more frequent the
    conduct. Ended episodes: 45% were short bursts (the conduct lasted under two weeks), the
    others ended a log-normal 45 days (median) before the assessment; either way at most a
    year before it, and never before the episode started.
    """
    duration = t.assessed - e.start  # at least 1
    mean = np.array([_ONGOING_GAP_DAYS[f] for f in e.frequency], dtype=float)
    ongoing_gap = np.minimum(np.floor(d.rng.exponential(1.0, d.n) * mean), _ONGOING_MAX_GAP)
    burst = d.flag(_BURST_SHARE)
    burst_span = np.minimum(np.floor(d.uniform() * _BURST_DAYS), duration - 1)
    ended_gap = np.floor(np.exp(d.rng.normal(math.log(_ENDED_MEDIAN_GAP), 1.0, d.n)))
    ended_gap = np.clip(np.where(burst, duration - burst_span, ended_gap), 1, _ENDED_MAX_GAP)
    gap: FloatArray = np.minimum(np.where(e.ongoing, ongoing_gap, ended_gap), duration)
    return gap.astype(np.int64)


def _end_behaviours(listed: list[Row] | None, end: dt.date) -> None:
    """Make the last incident the latest: no behaviour goes on after it, and one ends on it."""
    if not listed:
        return
    for row in listed:
        row["last_date"] = min(row["last_date"], end)
        row["first_date"] = min(row["first_date"], row["last_date"])
    max(listed, key=lambda row: row["last_date"])["last_date"] = end


def _end_episodes(d: _Draw, t: _Truth, e: _Episodes, gap: IntArray) -> list[StalkingEpisode]:
    """Add the late fields (last incident, contact since arrest, firearms) and validate."""
    last = t.assessed - gap
    hidden_last = d.hidden()
    contact = d.presence(np.where(e.ongoing, 0.85, 0.15))
    firearm = e.weapon_access & d.flag(_FIREARM_GIVEN_ACCESS)
    # Shown only where weapon access is shown: a firearm is a weapon.
    firearm_hidden = e.weapon_access_hidden | d.hidden()
    ends = d.days(last)
    columns = dict(e.columns)
    columns["last_incident_date"] = d.known(ends, None, hidden_last)
    columns["contact_since_arrest_or_charge"] = contact
    columns["firearm_access"] = d.tri(firearm, firearm_hidden)
    for listed, end in zip(columns["behaviours"], ends, strict=True):
        _end_behaviours(listed, end)
    for escalation, end in zip(columns["escalation"], ends, strict=True):
        escalation["dates"] = [min(day, end) for day in escalation["dates"]]
    return _validated(StalkingEpisode, columns)


# --- group C: the relationship --------------------------------------------------------------


def _domestic_abuse(d: _Draw, t: _Truth) -> list[DomesticAbuse]:
    hidden = d.hidden()  # one block: the factor reads every kind of abuse
    physical, sexual, strangulation = d.flag(0.70), d.flag(0.20), d.flag(0.18)
    coercive = d.flag(0.80) | ~(physical | sexual | strangulation)
    jealousy = d.flag(np.where(t.abuse, 0.65, np.where(t.ex_partner, 0.25, 0.0)))
    return _parts(
        DomesticAbuse,
        {
            "physical": d.tri(t.abuse & physical, hidden),
            "sexual": d.tri(t.abuse & sexual, hidden),
            "coercive_control": d.tri(t.abuse & coercive, hidden),
            "jealousy": d.tri(jealousy, hidden),
            "strangulation": d.tri(t.abuse & strangulation, hidden),
        },
    )


def _relationships(d: _Draw, t: _Truth, start: IntArray) -> list[Relationship]:
    ex = t.ex_partner
    hidden_type, hidden_separation = d.hidden(), d.hidden()
    gap = np.floor(np.exp(d.rng.normal(math.log(60), 1.2, d.n))).astype(np.int64)
    separated = d.days(start - gap)
    separation = [
        day if known else None
        for day, known in zip(separated, ex & ~hidden_type & ~hidden_separation, strict=True)
    ]
    children = ex & d.flag(0.45)
    return _validated(
        Relationship,
        {
            "type": d.known(t.relationship, "unknown", hidden_type),
            "separation_date": separation,
            "domestic_abuse": _domestic_abuse(d, t),
            "children_in_common": d.tri(children),
            "child_contact_dispute": d.tri(children & d.flag(0.45)),
            "victim_pregnant": d.tri(ex & d.flag(0.03)),
        },
    )


# --- group E: the victim, and the current offence -------------------------------------------

_FEAR: Final = ("not_afraid", "afraid", "very_afraid")


def _victims(d: _Draw, t: _Truth) -> dict[str, list[Any]]:
    """Draw the victim columns, all but ``sex`` (validated once it is added)."""
    threatened = t.threats | t.violence
    # Shares of (not afraid, afraid) below which each answer falls; the rest is very afraid.
    edges = np.where(threatened[:, None], [0.10, 0.45], [0.30, 0.75])
    level = (d.uniform()[:, None] >= edges).sum(axis=1)
    fear = d.known(np.array(_FEAR)[level], "unknown")
    barriers = _parts(
        Barriers,
        {
            "isolation": d.presence(0.15),
            "dependants": d.presence(0.40),
            "no_transport": d.presence(0.15),
            "language_or_immigration": d.presence(0.05),
        },
    )
    return {
        "fear": fear,
        "barriers": barriers,
        "unsafe_living_situation": d.presence(0.30),
        "children_in_household": d.presence(0.45),
    }


def _victim_situations(d: _Draw, columns: Mapping[str, list[Any]]) -> list[VictimSituation]:
    """Add the victim's sex (late: after every older draw) and validate."""
    female = d.flag(_VICTIM_FEMALE)  # independently of the perpetrator's sex
    return _parts(
        VictimSituation,
        {"sex": d.known(np.where(female, "female", "male"), "unknown"), **columns},
    )


_CURRENT_OFFENCE: Final = {"stalking": 0.45, "harassment": 0.45, "malicious_communications": 0.10}


def _current_offences(d: _Draw, t: _Truth, ages: Sequence[int | None]) -> list[CurrentOffence]:
    """Draw the current conviction: shortly before the assessment, at the perpetrator's age."""
    convicted = d.days(t.assessed - np.floor(d.uniform() * 90).astype(np.int64))
    return _validated(
        CurrentOffence,
        {
            "category": d.choice(_CURRENT_OFFENCE),
            "conviction_date": convicted,
            "age_at_conviction": ages,
            "age_at_start_of_follow_up": ages,
        },
    )


# --- the cohort -----------------------------------------------------------------------------


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False, repr=False)
class Cohort:
    """A synthetic cohort: valid, fictional cases, their outcomes, and group labels.

    Build one with :func:`cohort`. Every case has ``synthetic=True`` and an id ``SYN-…``.

    Attributes
    ----------
    cases : tuple of Case
        The cases, as a practitioner would see them (some fields unknown).
    outcomes : numpy.ndarray of int8
        1 when the outcome (:attr:`OutcomeModel.outcome`) occurred, else 0; one per case.
    seed : int or None
        The seed given to :func:`numpy.random.default_rng`.
    n : int
        The number of cases.
    groups : Mapping[str, numpy.ndarray]
        Labels for fairness audits, one per case, none of them a scoring input:
        ``age_group`` (``"under_40"``, ``"40_plus"``) and ``sex`` (``"male"``, ``"female"``)
        from the true values (known even where the case hides them), and ``ethnicity``, a
        synthetic label drawn independently of everything (:data:`ETHNICITY_SHARES`) that
        is never placed in a case.
    true_features : numpy.ndarray of int8, shape (n, k)
        The true 0/1 terms of :attr:`model` (one column per term, in its order) that generated
        the outcomes.
    true_probabilities : numpy.ndarray of float
        The probability of the outcome each case was drawn with.
    model : OutcomeModel
        The model that generated the outcomes: :data:`OUTCOME_MODEL` unless :func:`cohort` was
        given another. :attr:`caption` says which, and what a comparison on it is worth.

    Examples
    --------
    >>> data = cohort(4, seed=7)
    >>> data.to_records()[0]["case"]["case_id"], data.to_records()[0]["outcome"] in (0, 1)
    ('SYN-000001', True)
    >>> sorted(data.to_records(groups=True)[0])
    ['age_group', 'case', 'ethnicity', 'outcome', 'sex']
    """

    cases: tuple[Case, ...]
    outcomes: npt.NDArray[np.int8]
    seed: int | None
    n: int
    groups: Mapping[str, npt.NDArray[np.str_]]
    true_features: npt.NDArray[np.int8]
    true_probabilities: FloatArray
    model: OutcomeModel = OUTCOME_MODEL

    def __repr__(self) -> str:
        return f"<Cohort n={self.n} seed={self.seed} synthetic>"

    @property
    def base_rate(self) -> float:
        """The share of cases whose outcome is 1."""
        return float(self.outcomes.mean()) if self.n else math.nan

    @property
    def caption(self) -> str:
        """A one-line caption for any comparison, table or figure made on this cohort.

        It says that the cohort is synthetic, which model drew its outcomes, and what a
        comparison on them is worth. Print it with every result computed on the cohort.

        Examples
        --------
        >>> cohort(20, seed=0, outcome_model=LITERATURE_OUTCOME_MODEL).caption
        'Synthetic cohort (n=20, seed 0): outcomes drawn from LITERATURE_OUTCOME_MODEL, \
published effect sizes, not real outcomes'
        >>> print(cohort(2_000, seed=1).caption)
        Synthetic cohort (n=2,000, seed 1): outcomes drawn from OUTCOME_MODEL, built from the \
screen's own factors: an evaluation of the screen on it is circular
        """
        seed = "no seed" if self.seed is None else f"seed {self.seed}"
        return (
            f"Synthetic cohort (n={self.n:,}, {seed}): outcomes drawn from {self.model.name}, "
            f"{self.model.provenance}"
        )

    def to_records(self, *, groups: bool = False) -> list[dict[str, Any]]:
        """Return one JSON-ready record per case: ``{"case": {...}, "outcome": 0 or 1}``.

        Parameters
        ----------
        groups : bool, default False
            Also give each record its group labels, as ``"age_group"``, ``"sex"`` and
            ``"ethnicity"`` beside ``"case"`` and ``"outcome"`` (never inside the case).

        Returns
        -------
        list of dict
        """
        outcomes = self.outcomes.tolist()
        labels = _rows({k: v.tolist() for k, v in self.groups.items()}) if groups else []
        records: list[dict[str, Any]] = []
        for i, case in enumerate(self.cases):
            record: dict[str, Any] = {"case": case.model_dump(mode="json"), "outcome": outcomes[i]}
            if groups:
                record.update(labels[i])
            records.append(record)
        return records

    def write_jsonl(self, path: str | Path, *, groups: bool = False) -> Path:
        """Write :meth:`to_records` to ``path`` as JSON Lines (UTF-8), one case per line.

        Parameters
        ----------
        path : str or Path
            The file to write (replaced if it exists).
        groups : bool, default False
            Include the group labels, as in :meth:`to_records`.

        Returns
        -------
        Path
            The file written.

        Examples
        --------
        >>> import json, tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     written = cohort(3, seed=1).write_jsonl(pathlib.Path(tmp) / "cohort.jsonl")
        ...     lines = written.read_text(encoding="utf-8").splitlines()
        >>> len(lines), sorted(json.loads(lines[0]))
        (3, ['case', 'outcome'])
        """
        path = Path(path)
        with atomic_output(path) as out:  # the file appears only when complete
            for record in self.to_records(groups=groups):
                out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        return path


def cohort(n: int, seed: int | None = 0, *, outcome_model: OutcomeModel = OUTCOME_MODEL) -> Cohort:
    """Draw a synthetic cohort of ``n`` valid cases, each with a binary outcome.

    Every random choice comes from ``numpy.random.default_rng(seed)``, so the same ``n`` and
    ``seed`` always give the same cases, outcomes and labels (``seed=None`` gives a fresh
    cohort each time). The first ``m`` cases of a cohort are not those of ``cohort(m, seed)``:
    the draws are made column by column. The cases do not depend on ``outcome_model``: with the
    same ``n`` and ``seed``, only the outcomes (and :attr:`Cohort.true_features`) differ.

    Parameters
    ----------
    n : int
        The number of cases (0 or more).
    seed : int or None, default 0
        The seed of the random generator.
    outcome_model : OutcomeModel, default OUTCOME_MODEL
        The model that draws the outcomes from the cases' true values. :data:`OUTCOME_MODEL`
        (the default) is built from the screen's own factors, so an evaluation of the screen
        on it is circular; :data:`LITERATURE_OUTCOME_MODEL` uses published effect sizes
        instead. A model of your own may read these registry factors: ``previous_convictions``,
        ``protective_order_breaches``, ``ex_intimate_partner``, ``escalating``,
        ``personality_disorder``, ``substance_misuse_lifetime``, ``substance_misuse_recent``,
        ``threats_of_violence_recent``, ``violence_recent``, ``prior_stalking_this_victim``,
        ``prior_stalking_other_victims``, ``delusional_disorder``,
        ``stalking_harassment_convictions``, ``conviction_categories`` and
        ``days_since_last_incident``.

    Returns
    -------
    Cohort

    Raises
    ------
    ValueError
        If ``n`` is not a whole number of 0 or more, or if ``outcome_model`` reads a factor
        whose true value the generator does not hold, or lacks a coefficient for a term.

    Examples
    --------
    >>> import stalkrisk
    >>> data = cohort(50, seed=11)
    >>> data.n, len(data.cases), data.outcomes.shape
    (50, 50, (50,))
    >>> case = data.cases[0]
    >>> case.synthetic, stalkrisk.score(case).synthetic
    (True, True)
    >>> cohort(50, seed=11).outcomes.tolist() == data.outcomes.tolist()
    True
    >>> other = cohort(50, seed=11, outcome_model=LITERATURE_OUTCOME_MODEL)
    >>> other.cases == data.cases, other.model.name, other.true_features.shape
    (True, 'LITERATURE_OUTCOME_MODEL', (50, 8))
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(INVALID_N.format(n=n))
    n = int(n)
    d = _Draw(n, np.random.default_rng(seed))
    truth = _draw_truth(d)
    _check_model(outcome_model, truth)
    chance = d.uniform()  # the outcome of case i is 1 when chance[i] < its probability
    groups = {
        "age_group": np.where(truth.age >= 40, "40_plus", "under_40"),
        "sex": np.where(truth.male, "male", "female"),
        "ethnicity": np.array(d.choice(ETHNICITY_SHARES), dtype=str),
    }
    perpetrators = _perpetrators(d, truth)
    histories = _histories(d, truth)
    episodes = _episodes(d, truth)
    relationships = _relationships(d, truth, episodes.start)
    victims = _victims(d, truth)
    offences = _current_offences(d, truth, perpetrators.columns["age"])
    # Every draw below was added after those above, so that no earlier value changed.
    gap = _days_since_last_incident(d, truth, episodes)
    finished_episodes = _end_episodes(d, truth, episodes, gap)
    _conviction_victims(d, truth, histories.convictions)
    victim_situations = _victim_situations(d, victims)
    perpetrators.columns["protective"] = _protective(d, truth)
    people = _validated(Perpetrator, perpetrators.columns)
    records = [CriminalHistory.model_validate(row) for row in histories.rows]
    truth = replace(
        truth,
        delusional_disorder=perpetrators.delusional_disorder,
        stalking_convictions=_count_listed(histories.convictions, _STALKING_OFFENCES),
        conviction_categories=np.array(
            [len({c["offence"] for c in listed}) for listed in histories.convictions],
            dtype=np.int64,
        ),
        days_since_last_incident=gap,
    )
    features = truth.features(outcome_model)
    probabilities = outcome_model.probability(features)
    outcomes = (chance < probabilities).astype(np.int8)
    width = max(6, len(str(n)))
    assessed = d.days(truth.assessed)
    # Each part has been validated by its own model; the case-level rules (no date after the
    # assessment, ages that agree) hold by construction, so the case is assembled directly.
    cases = tuple(
        Case.model_construct(
            case_id=f"SYN-{i + 1:0{width}d}",
            assessment_date=assessed[i],
            synthetic=True,
            perpetrator=people[i],
            history=records[i],
            episode=finished_episodes[i],
            relationship=relationships[i],
            victim=victim_situations[i],
            current_offence=offences[i],
        )
        for i in range(n)
    )
    return Cohort(
        cases=cases,
        outcomes=_frozen(outcomes),
        seed=seed,
        n=n,
        groups=MappingProxyType({k: _frozen(v) for k, v in groups.items()}),
        true_features=_frozen(features),
        true_probabilities=_frozen(probabilities),
        model=outcome_model,
    )


def _check_model(model: OutcomeModel, truth: _Truth) -> None:
    """Raise ``ValueError`` unless the generator can draw outcomes from ``model``."""
    held = truth.factors()
    unknown = [f for f in model.factors if f not in held]
    if unknown:
        raise ValueError(
            f"the synthetic generator holds no true value for {', '.join(unknown)}; an outcome "
            f"model may read only {', '.join(sorted(held))}"
        )
    missing = [name for name in model.names if name not in model.coefficients]
    if missing:
        raise ValueError(f"the outcome model has no coefficient for {', '.join(missing)}")


def _count_listed(convictions: list[list[Row]], offences: Iterable[str]) -> IntArray:
    """Count each case's convictions for one of ``offences``."""
    wanted = frozenset(offences)
    counts = [sum(c["offence"] in wanted for c in listed) for listed in convictions]
    return np.array(counts, dtype=np.int64)
