"""The factor registry: the one place where case fields become numbers.

A *factor* is a named, documented quantity computed from a :class:`~stalkrisk.schemas.Case`:
binary (present or absent), a count, or a category. Instruments, the logistic model, batch
scoring and explanations all read factors from here, so each definition exists once.

Unknowns
--------
A factor value is an interval, so partial knowledge is kept rather than rounded to "absent".
A binary factor is ``[1, 1]`` (present), ``[0, 0]`` (absent) or ``[0, 1]`` (unknown). A count
is ``[low, high]``, where ``high`` is ``None`` when there is no upper bound: three listed
violent convictions out of five recorded convictions, with two unlisted, give ``[3, 5]``.
A category is its value or ``None``. An instrument item is scored when every value in the
interval falls in the same level; otherwise the item is unknown.

Combining tri-state answers follows Kleene's logic: "any of" is present when one part is
present, absent when every part is absent, and unknown otherwise. A recorded list of behaviours
is taken as complete; an unrecorded one (``null``) is unknown.

Examples
--------
>>> from stalkrisk import Case, FactorKind, evaluate_factors
>>> case = Case(case_id="DOC-1", assessment_date="2024-03-01",
...             history={"convictions": [{"offence": "wounding_gbh", "age": 25}],
...                      "conviction_count": 3})
>>> values = evaluate_factors(case)
>>> values["previous_convictions"]
FactorValue(low=3, high=3)
>>> values["serious_violence_convictions"].describe()  # two convictions are not itemised
'1 to 3'
>>> values["threats_to_kill_recent"].describe(FactorKind.BINARY)
'unknown'
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from stalkrisk._internal.ogrs3 import group_for_category, group_for_code

from .errors import UNKNOWN_FACTOR, UnknownFactorError
from .schemas import (
    Barriers,
    BehaviourKind,
    Case,
    Channel,
    Conviction,
    CriminalHistory,
    Disposal,
    Employment,
    Frequency,
    Motivation,
    OffenceCategory,
    Ogrs3OffenceGroup,
    OrderKind,
    Presence,
    RelationshipType,
    Sex,
    Timed,
    VictimFear,
)

__all__ = [
    "FACTORS",
    "Factor",
    "FactorKind",
    "FactorValue",
    "evaluate_factors",
    "get_factor",
]


class FactorKind(StrEnum):
    """What kind of value a factor takes."""

    BINARY = "binary"
    COUNT = "count"
    NUMBER = "number"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class FactorValue:
    """A factor's value: an interval for binary and count factors, a label for categories.

    Parameters
    ----------
    low : int or None
        Smallest value consistent with the case (numeric factors).
    high : int or None
        Largest value consistent with the case; ``None`` means no upper bound.
    category : str or None
        The category (category factors); ``None`` when unknown.

    Examples
    --------
    >>> FactorValue.of(Presence.PRESENT).describe(FactorKind.BINARY)
    'present'
    >>> FactorValue(2, None).describe()
    'at least 2'
    >>> FactorValue(2, None).known
    False
    """

    low: float | None = None
    high: float | None = None
    category: str | None = None
    note: str | None = None
    """Why the value is unknown, when there is more to say than "not recorded"."""

    @classmethod
    def of(cls, presence: Presence) -> FactorValue:
        """Return the binary value of a tri-state answer."""
        shared = _BINARY_VALUES.get(presence) if cls is FactorValue else None
        if shared is not None:  # the three values are immutable, so they are shared
            return shared
        if presence is Presence.PRESENT:
            return cls(1, 1)
        if presence is Presence.ABSENT:
            return cls(0, 0)
        return cls(0, 1)

    @classmethod
    def count(cls, n: float | None) -> FactorValue:
        """Return a known count, or an unknown one (``[0, ∞)``) for ``None``."""
        return cls(0, None) if n is None else cls(n, n)

    @classmethod
    def of_category(cls, value: str | None) -> FactorValue:
        """Return a category value (``None`` when unknown)."""
        return cls(category=value)

    @property
    def known(self) -> bool:
        """True when the value is exactly determined."""
        if self.low is None:
            return self.category is not None
        return self.low == self.high

    @property
    def value(self) -> float | str | None:
        """The exact value when known, else ``None``."""
        if not self.known:
            return None
        return self.low if self.low is not None else self.category

    def describe(self, kind: FactorKind | None = None) -> str:
        """Describe the value in words (``"present"``, ``"3"``, ``"at least 2"``, ``"unknown"``)."""
        text = self._describe(kind)
        return f"{text} ({self.note})" if self.note else text

    def _describe(self, kind: FactorKind | None) -> str:
        if self.low is None:
            return self.category if self.category is not None else "unknown"
        if kind == FactorKind.BINARY:
            if self.low == self.high:
                return "present" if self.low == 1 else "absent"
            return "unknown"
        low = _num(self.low)
        if self.low == self.high:
            return low
        if self.high is None:
            return "unknown" if self.low == 0 else f"at least {low}"
        return f"{low} to {_num(self.high)}"

    def __repr__(self) -> str:
        note = f", note={self.note!r}" if self.note else ""
        if self.low is None:
            return f"FactorValue(category={self.category!r}{note})"
        return f"FactorValue(low={_num(self.low)}, high={_num(self.high)}{note})"


_BINARY_VALUES: Final = {
    Presence.PRESENT: FactorValue(1, 1),
    Presence.ABSENT: FactorValue(0, 0),
    Presence.UNKNOWN: FactorValue(0, 1),
}
#: The identities of the three shared binary values, which live as long as the process (the
#: vectorised scorer looks items up by them).
_SHARED_BINARY_IDS: Final = frozenset(id(v) for v in _BINARY_VALUES.values())


def _num(x: float | None) -> str:
    """Write a number without a spurious ``.0``; ``None`` as ``None``."""
    if x is None:
        return "None"
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True, slots=True)
class Factor:
    """A named factor: its definition, kind, and how unknowns propagate.

    Attributes
    ----------
    name : str
        The registry key, used by instrument items.
    kind : FactorKind
        Binary, count or category.
    group : str
        DOMAIN.md group: A criminal history, B stalking episode, C relationship,
        D perpetrator, E victim.
    definition : str
        What the factor measures, and from which case fields.
    unknown : str
        When the value is unknown or only bounded.
    categories : tuple of str
        The possible values of a category factor.
    compute : callable
        ``Case -> FactorValue``.
    bounds : tuple of (float, float) or None
        The least and greatest value a valid case can give a count or number factor (both
        inclusive). ``None``: a count from 0 to 10,000, the case schema's ``Count``. Direct
        answers outside the bounds are refused.
    """

    name: str
    kind: FactorKind
    group: str
    definition: str
    unknown: str
    compute: Callable[[Case], FactorValue]
    categories: tuple[str, ...] = ()
    bounds: tuple[float, float] | None = None


# --- building blocks ------------------------------------------------------------------------


def any_of(*answers: Presence) -> Presence:
    """Kleene "or" of tri-state answers.

    Examples
    --------
    >>> any_of(Presence.ABSENT, Presence.UNKNOWN)
    <Presence.UNKNOWN: 'unknown'>
    >>> any_of(Presence.UNKNOWN, Presence.PRESENT)
    <Presence.PRESENT: 'present'>
    """
    if Presence.PRESENT in answers:
        return Presence.PRESENT
    if answers.count(Presence.ABSENT) == len(answers):
        return Presence.ABSENT
    return Presence.UNKNOWN


def all_of(*answers: Presence) -> Presence:
    """Kleene "and" of tri-state answers."""
    if Presence.ABSENT in answers:
        return Presence.ABSENT
    if answers.count(Presence.PRESENT) == len(answers):
        return Presence.PRESENT
    return Presence.UNKNOWN


def _is(flag: bool) -> Presence:
    return Presence.PRESENT if flag else Presence.ABSENT


def _recent(t: Timed) -> Presence:
    return Presence.ABSENT if t.lifetime is Presence.ABSENT else t.recent


def _lifetime(t: Timed) -> Presence:
    return Presence.PRESENT if t.recent is Presence.PRESENT else t.lifetime


def _count_presences(answers: Iterable[Presence]) -> FactorValue:
    answers = list(answers)
    low = answers.count(Presence.PRESENT)
    return FactorValue(low, len(answers) - answers.count(Presence.ABSENT))


def _unlisted(h: CriminalHistory) -> int | None:
    """Convictions counted in ``conviction_count`` but not itemised (``None``: unbounded)."""
    listed = len(h.convictions or [])
    if h.conviction_count is not None:
        return h.conviction_count - listed
    return 0 if h.convictions is not None else None


def _count_convictions(h: CriminalHistory, test: Callable[[Conviction], Presence]) -> FactorValue:
    """Count convictions passing ``test``; unlisted convictions widen the upper bound."""
    results = [test(c) for c in h.convictions or ()]  # one walk: each test runs once
    low = results.count(Presence.PRESENT)
    high = len(results) - results.count(Presence.ABSENT)
    extra = _unlisted(h)
    return FactorValue(low, None if extra is None else high + extra)


def _in(categories: frozenset[OffenceCategory]) -> Callable[[Conviction], Presence]:
    return lambda c: _is(c.offence in categories)


def _max(a: FactorValue, b: FactorValue) -> FactorValue:
    """Return the larger of two counts that each bound the same quantity from below."""
    high = None if a.high is None or b.high is None else max(a.high, b.high)
    return FactorValue(max(a.low or 0, b.low or 0), high)


def _order_breaches(case: Case, kinds: frozenset[OrderKind]) -> FactorValue:
    orders = case.history.protective_orders
    if orders is None:
        return FactorValue(0, None)
    low, high = 0, 0
    unbounded = False
    for order in orders:
        if order.kind not in kinds:
            continue
        if order.breaches is None:
            unbounded = True
        else:
            low += len(order.breaches)
            high += len(order.breaches)
    return FactorValue(low, None if unbounded else high)


def _listed_behaviour(case: Case, kinds: frozenset[BehaviourKind]) -> Presence:
    behaviours = case.episode.behaviours
    if behaviours is None:
        return Presence.UNKNOWN
    return _is(any(b.kind in kinds for b in behaviours))


#: Offence groups used by the conviction factors.
VIOLENT_OFFENCES = frozenset(
    {
        OffenceCategory.COMMON_ASSAULT,
        OffenceCategory.ASSAULT_OCCASIONING_HARM,
        OffenceCategory.WOUNDING_GBH,
        OffenceCategory.THREATS_TO_KILL,
        OffenceCategory.ATTEMPTED_MURDER,
        OffenceCategory.HOMICIDE,
        OffenceCategory.SEXUAL_OFFENCE,
    }
)
SERIOUS_VIOLENCE_OFFENCES = frozenset(
    {
        OffenceCategory.THREATS_TO_KILL,
        OffenceCategory.WOUNDING_GBH,
        OffenceCategory.ATTEMPTED_MURDER,
        OffenceCategory.HOMICIDE,
    }
)
STALKING_OFFENCES = frozenset(
    {
        OffenceCategory.HARASSMENT,
        OffenceCategory.STALKING,
        OffenceCategory.MALICIOUS_COMMUNICATIONS,
        OffenceCategory.INTIMATE_IMAGE_ABUSE,
    }
)
PROTECTIVE_ORDER_BREACH_OFFENCES = frozenset(
    {
        OffenceCategory.BREACH_RESTRAINING_ORDER,
        OffenceCategory.BREACH_NON_MOLESTATION_ORDER,
        OffenceCategory.BREACH_STALKING_PROTECTION_ORDER,
    }
)
BAIL_LICENCE_BREACH_OFFENCES = frozenset(
    {OffenceCategory.BREACH_BAIL, OffenceCategory.BREACH_LICENCE}
)
PROTECTIVE_ORDERS = frozenset(
    {
        OrderKind.RESTRAINING_ORDER,
        OrderKind.NON_MOLESTATION_ORDER,
        OrderKind.STALKING_PROTECTION_ORDER,
        OrderKind.DOMESTIC_ABUSE_PROTECTION_ORDER,
        OrderKind.OTHER,
    }
)
BAIL_LICENCE_CONDITIONS = frozenset({OrderKind.BAIL_CONDITIONS, OrderKind.LICENCE_CONDITIONS})
APPROACH_BEHAVIOURS = frozenset(
    {
        BehaviourKind.FOLLOWING,
        BehaviourKind.LOITERING,
        BehaviourKind.TURNING_UP_AT_HOME,
        BehaviourKind.TURNING_UP_AT_WORK,
        BehaviourKind.APPROACHING,
    }
)
SURVEILLANCE_BEHAVIOURS = frozenset({BehaviourKind.SURVEILLANCE, BehaviourKind.TRACKING_DEVICE})
#: A separation within this many days of the assessment is "recent" (DOMAIN.md: 12 months).
RECENT_DAYS = 365


# --- the factors ----------------------------------------------------------------------------


def _previous_convictions(c: Case) -> FactorValue:
    return FactorValue.count(c.history.total_convictions())


def _custodial_sentences(c: Case) -> FactorValue:
    h = c.history
    if h.custodial_sentence_count is not None:
        return FactorValue.count(h.custodial_sentence_count)
    return _count_convictions(
        h,
        lambda v: (
            Presence.UNKNOWN
            if v.disposal is Disposal.UNKNOWN
            else _is(v.disposal is Disposal.CUSTODY)
        ),
    )


def _partner_or_female_assault(v: Conviction) -> Presence:
    return all_of(
        _is(v.offence in VIOLENT_OFFENCES),
        any_of(v.against_intimate_partner, v.victim_female),
    )


def _early_onset(c: Case) -> FactorValue:
    h = c.history
    if h.total_convictions() == 0:
        return FactorValue.of(Presence.ABSENT)
    ages = [v.age for v in h.convictions or [] if v.age is not None]
    if h.age_at_first_conviction is not None:
        ages.append(h.age_at_first_conviction)
    if any(a < 18 for a in ages):
        return FactorValue.of(Presence.PRESENT)
    if h.age_at_first_conviction is not None:
        return FactorValue.of(Presence.ABSENT)
    listed = h.convictions or []
    if _unlisted(h) == 0 and listed and all(v.age is not None for v in listed):
        return FactorValue.of(Presence.ABSENT)  # the whole record is listed, every age known
    return FactorValue.of(Presence.UNKNOWN)


def _negate(answer: Presence) -> Presence:
    return {Presence.PRESENT: Presence.ABSENT, Presence.ABSENT: Presence.PRESENT}.get(
        answer, Presence.UNKNOWN
    )


def _prior_stalking(c: Case, this_victim: bool) -> FactorValue:
    """Kleene "or" of the history field and each stalking conviction's victim.

    A stalking conviction whose victim is not recorded could be against either, so it leaves
    an "absent" field unknown rather than confirming it.
    """
    h = c.history
    field = h.prior_stalking_this_victim if this_victim else h.prior_stalking_other_victims
    convictions = [v for v in h.convictions or [] if v.offence in STALKING_OFFENCES]
    against = [
        v.against_current_victim if this_victim else _negate(v.against_current_victim)
        for v in convictions
    ]
    return FactorValue.of(any_of(field, *against))


def _duration_days(c: Case) -> FactorValue:
    start = c.episode.start_date
    return FactorValue.count(None if start is None else (c.assessment_date - start).days)


def _latest_incident(c: Case) -> tuple[dt.date | None, bool]:
    """Return the latest incident date the case records, and whether it is the last one.

    ``episode.last_incident_date`` is the last incident by definition; otherwise the latest
    behaviour ``last_date``, which is the last incident only when every behaviour has one.
    """
    e = c.episode
    dates = [b.last_date for b in e.behaviours or [] if b.last_date is not None]
    if e.last_incident_date is not None:
        return max([e.last_incident_date, *dates]), True
    complete = bool(e.behaviours) and len(dates) == len(e.behaviours or [])
    return (max(dates) if dates else None), complete


def _conduct_span(c: Case) -> FactorValue:
    """Days from the first to the last behaviour; to the assessment date while ongoing."""
    e = c.episode
    firsts = [b.first_date for b in e.behaviours or [] if b.first_date is not None]
    start = e.start_date if e.start_date is not None else min(firsts, default=None)
    if start is None:
        return FactorValue(0, None)
    open_start = e.start_date is None  # the true start may be earlier than any recorded date
    to_assessment = (c.assessment_date - start).days
    last, certain = _latest_incident(c)
    known = 0 if last is None else max(0, (last - start).days)
    if e.ongoing is Presence.PRESENT:
        return FactorValue(to_assessment, None if open_start else to_assessment)
    if e.ongoing is Presence.ABSENT and certain:
        return FactorValue(known, None if open_start else known)
    return FactorValue(known, None if open_start else to_assessment)


def _days_since_last_incident(c: Case) -> FactorValue:
    """Days from the last incident to the assessment (0 while the episode is ongoing)."""
    e = c.episode
    last, certain = _latest_incident(c)
    if e.last_incident_date is None and e.ongoing is Presence.PRESENT:
        return FactorValue(0, 0)
    if last is None:
        return FactorValue(0, None)
    days = (c.assessment_date - last).days
    return FactorValue(days, days) if certain else FactorValue(0, days)


def _weapon_access_level(c: Case) -> FactorValue:
    """0 no access, 1 a weapon other than a firearm, 2 a firearm (an interval when unknown)."""
    e = c.episode
    if e.firearm_access is Presence.PRESENT:
        return FactorValue(2, 2)
    if e.weapon_access is Presence.ABSENT:
        return FactorValue(0, 0)  # weapon_access includes firearms
    if e.firearm_access is Presence.ABSENT:
        return FactorValue.of(e.weapon_access)  # 0 or 1, or unknown between them
    if e.weapon_access is Presence.PRESENT:
        return FactorValue(1, 2)
    return FactorValue(0, None)  # nothing recorded: unknown, as an unanswered count is


def _partner_or_family_violence(v: Conviction) -> Presence:
    return all_of(
        _is(v.offence in VIOLENT_OFFENCES),
        any_of(v.against_intimate_partner, v.against_family_member),
    )


def _violence_history_level(c: Case) -> FactorValue:
    """3 serious violence, 2 partner or family violence, 1 other violence, 0 none.

    Each conviction is counted once, at the highest level it reaches; the level is the highest
    among the convictions (an interval while convictions or their victims are unrecorded).
    """
    h = c.history
    levels = [
        _count_convictions(h, _in(SERIOUS_VIOLENCE_OFFENCES)),
        _count_convictions(h, _partner_or_family_violence),
        _count_convictions(h, _in(VIOLENT_OFFENCES)),
    ]
    low = next((3 - i for i, v in enumerate(levels) if (v.low or 0) >= 1), 0)
    high = next((3 - i for i, v in enumerate(levels) if v.high is None or v.high >= 1), 0)
    if (low, high) == (0, 3):
        return FactorValue(0, None)  # nothing known: unknown, as an unanswered count is
    return FactorValue(low, high)


def _conviction_categories(c: Case) -> FactorValue:
    """Distinct offence categories among the convictions (criminal versatility)."""
    h = c.history
    seen = len({v.offence for v in h.convictions or []})
    extra = _unlisted(h)
    if extra is None:
        return FactorValue(seen, None) if h.convictions else FactorValue(0, None)
    return FactorValue(seen, min(len(OffenceCategory), seen + extra))


def _channels(c: Case) -> FactorValue:
    behaviours = c.episode.behaviours
    if behaviours is None:
        return FactorValue(0, None)
    seen: set[Channel] = {ch for b in behaviours for ch in b.channels}
    unrecorded = any(not b.channels for b in behaviours)
    return FactorValue(len(seen), None if unrecorded else len(seen))


def _recent_separation(c: Case) -> FactorValue:
    r = c.relationship
    if r.type is RelationshipType.UNKNOWN:
        return FactorValue.of(Presence.UNKNOWN)
    if r.type is not RelationshipType.EX_INTIMATE_PARTNER:
        return FactorValue.of(Presence.ABSENT)
    if r.separation_date is None:
        return FactorValue.of(Presence.UNKNOWN)
    return FactorValue.of(_is((c.assessment_date - r.separation_date).days <= RECENT_DAYS))


def _unemployed(c: Case) -> FactorValue:
    e = c.perpetrator.employment
    return FactorValue.of(
        Presence.UNKNOWN if e is Employment.UNKNOWN else _is(e is Employment.UNEMPLOYED)
    )


#: The ages a case can hold (``Age`` in the case schema: 10, the age of criminal responsibility
#: in England and Wales, to 110).
AGE_BOUNDS: Final = (10, 110)
#: The longest criminal career those ages allow, in years.
MAX_CAREER_YEARS: Final = AGE_BOUNDS[1] - AGE_BOUNDS[0]
#: The largest count a case can hold (``Count`` in the case schema).
MAX_COUNT: Final = 10_000


def _outwards(low: float, high: float) -> tuple[float, float]:
    """Round a range outwards to 5 decimals, the precision of the Copas rate."""
    step = Decimal("0.00001")
    return (
        float(Decimal(low).quantize(step, rounding=ROUND_FLOOR)),
        float(Decimal(high).quantize(step, rounding=ROUND_CEILING)),
    )


def _copas_rate_range(sanctions: int | None, career_years: int) -> tuple[float, float]:
    """Return the least and greatest Copas rate a valid case can give (see :func:`_copas_rate`).

    ``sanctions`` is the number of previous sanctions (``None``: any from 0 to 10,000);
    ``career_years`` the most years from the first sanction to the current conviction. With
    no previous sanction the current sanction is the first, so the career is 0 years. The
    range is rounded outwards to 5 decimals, so that it holds both the exact rate and the
    rate rounded as the case path rounds it.

    Examples
    --------
    >>> _copas_rate_range(0, 40)
    (-2.30259, -2.30258)
    >>> _copas_rate_range(None, MAX_CAREER_YEARS)
    (-4.00734, 6.90786)
    """
    if sanctions == 0:
        rate = math.log(1 / 10)
        return _outwards(rate, rate)
    least = 1 if sanctions is None else sanctions  # the rate grows with the sanctions
    most = MAX_COUNT if sanctions is None else sanctions
    low = math.log((1 + least) / (10 + career_years))
    if sanctions is None:
        low = min(low, math.log(1 / 10))  # no previous sanction: a career of 0 years
    return _outwards(low, math.log((1 + most) / 10))


def _copas_rate(c: Case) -> FactorValue:
    """Return OGRS3's Copas rate, rounded half up to 5 decimals as the MoJ implementation does.

    ln((1 + previous sanctions) / (10 + years from first sanction to current conviction)).
    """
    sanctions = c.history.previous_sanctions
    first = c.history.age_at_first_sanction
    current = c.current_offence.age_at_conviction
    if sanctions is None or first is None or current is None:
        return FactorValue(None, None)
    rate = math.log((1 + sanctions) / (10 + current - first))
    rounded = float(Decimal(rate).quantize(Decimal("0.00001"), rounding=ROUND_HALF_UP))
    return FactorValue(rounded, rounded)


def _ogrs3_offence_group(c: Case) -> FactorValue:
    offence = c.current_offence
    found: list[tuple[str, str | None, str | None]] = []  # (source, group, note)
    if offence.ogrs3_group is not None:
        found.append(("ogrs3_group", offence.ogrs3_group.value, None))
    if offence.home_office_code is not None:
        group, note = group_for_code(offence.home_office_code)
        found.append(("home_office_code", None if group is None else group.value, note))
    if not found and offence.category is not None:
        group, note = group_for_category(offence.category)
        return FactorValue(category=None if group is None else group.value, note=note)
    groups = {g for _, g, _ in found if g is not None}
    if len(groups) > 1:
        return FactorValue(note="current_offence.ogrs3_group and home_office_code disagree")
    if groups:
        return FactorValue.of_category(groups.pop())
    notes = [n for _, _, n in found if n]
    return FactorValue(note=notes[0] if notes else None)


def _category(value: StrEnum, unknown: StrEnum) -> FactorValue:
    return FactorValue.of_category(None if value is unknown else value.value)


def _categories(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum if m.value != "unknown")


_BIN = FactorKind.BINARY
_CNT = FactorKind.COUNT
_CAT = FactorKind.CATEGORY
_UNK_FIELD = "unknown when the field is 'unknown'"
_UNK_ANY = "present if any part is present; unknown unless every part is recorded"
_UNK_LIST = "unknown when the convictions were not recorded; unlisted convictions widen the range"
_UNK_PRIOR = (
    "present if the field or a stalking conviction shows it; otherwise unknown when the field "
    "is unknown or a stalking conviction's victim is not recorded"
)
_UNK_BEHAVIOUR = "unknown when the episode's behaviours were not recorded (null)"


def _binary(
    name: str,
    group: str,
    definition: str,
    get: Callable[[Case], Presence],
    unknown: str = _UNK_FIELD,
) -> Factor:
    return Factor(name, _BIN, group, definition, unknown, lambda c: FactorValue.of(get(c)))


_A, _B, _C, _D, _E = (
    "A criminal history",
    "B stalking episode",
    "C relationship",
    "D perpetrator",
    "E victim",
)

_FACTOR_LIST: tuple[Factor, ...] = (
    # A. criminal history
    Factor(
        "previous_convictions",
        _CNT,
        _A,
        "Number of previous convictions (history.conviction_count, else the listed convictions).",
        "unknown when neither conviction_count nor the convictions list is recorded",
        _previous_convictions,
    ),
    Factor(
        "violent_convictions",
        _CNT,
        _A,
        "Previous convictions for violence: common assault, assault occasioning harm, "
        "wounding/GBH, threats to kill, attempted murder, homicide, sexual offences.",
        _UNK_LIST,
        lambda c: _count_convictions(c.history, _in(VIOLENT_OFFENCES)),
    ),
    Factor(
        "serious_violence_convictions",
        _CNT,
        _A,
        "Previous convictions for threats to kill, wounding/GBH, attempted murder or homicide.",
        _UNK_LIST,
        lambda c: _count_convictions(c.history, _in(SERIOUS_VIOLENCE_OFFENCES)),
    ),
    Factor(
        "stalking_harassment_convictions",
        _CNT,
        _A,
        "Previous convictions for stalking, harassment, malicious communications or "
        "intimate-image abuse.",
        _UNK_LIST,
        lambda c: _count_convictions(c.history, _in(STALKING_OFFENCES)),
    ),
    Factor(
        "partner_or_female_assault_convictions",
        _CNT,
        _A,
        "Previous violent convictions against an intimate partner or a woman or girl.",
        _UNK_LIST + "; a conviction whose victim is not recorded widens it too",
        lambda c: _count_convictions(c.history, _partner_or_female_assault),
    ),
    Factor(
        "partner_or_family_violence_convictions",
        _CNT,
        _A,
        "Previous violent convictions against a current or former intimate partner or a family "
        "member, whatever the victim's sex.",
        _UNK_LIST + "; a conviction whose victim is not recorded widens it too",
        lambda c: _count_convictions(c.history, _partner_or_family_violence),
    ),
    Factor(
        "violence_history_level",
        _CNT,
        _A,
        "The most serious kind of previous violent conviction, each conviction counted once: "
        "3 serious violence (threats to kill, wounding/GBH, attempted murder, homicide), "
        "2 violence against a partner or family member, 1 other violence, 0 none.",
        _UNK_LIST + "; a conviction whose victim is not recorded widens it too",
        _violence_history_level,
        bounds=(0, 3),
    ),
    Factor(
        "conviction_categories",
        _CNT,
        _A,
        "Distinct offence categories among the previous convictions (criminal versatility).",
        _UNK_LIST,
        _conviction_categories,
        bounds=(0, len(OffenceCategory)),
    ),
    Factor(
        "custodial_sentences",
        _CNT,
        _A,
        "Previous custodial sentences (history.custodial_sentence_count, else listed "
        "convictions with disposal 'custody').",
        _UNK_LIST + "; a disposal of 'unknown' widens it too",
        _custodial_sentences,
    ),
    Factor(
        "protective_order_breaches",
        _CNT,
        _A,
        "Breaches of restraining, non-molestation, stalking-protection or domestic-abuse "
        "protection orders: recorded breaches or convictions for breach, whichever is larger.",
        "unbounded above unless every protective order's breaches are recorded",
        lambda c: _max(
            _order_breaches(c, PROTECTIVE_ORDERS),
            _count_convictions(c.history, _in(PROTECTIVE_ORDER_BREACH_OFFENCES)),
        ),
    ),
    Factor(
        "bail_or_licence_breaches",
        _CNT,
        _A,
        "Breaches of bail or licence conditions: recorded breaches or convictions for breach, "
        "whichever is larger.",
        "unbounded above unless every bail or licence condition's breaches are recorded",
        lambda c: _max(
            _order_breaches(c, BAIL_LICENCE_CONDITIONS),
            _count_convictions(c.history, _in(BAIL_LICENCE_BREACH_OFFENCES)),
        ),
    ),
    Factor(
        "pending_charges",
        _CNT,
        _A,
        "Number of charges awaiting trial.",
        "unknown when pending charges were not recorded",
        lambda c: FactorValue.count(
            None if c.history.pending_charges is None else len(c.history.pending_charges)
        ),
    ),
    Factor(
        "early_onset",
        _BIN,
        _A,
        "First conviction before the age of 18.",
        "absent when there are no convictions, or when age_at_first_conviction, or the age "
        "of every conviction (all itemised), is 18 or over; otherwise unknown",
        _early_onset,
    ),
    Factor(
        "prior_stalking_this_victim",
        _BIN,
        _A,
        "Stalking or harassment of this victim before the current episode "
        "(history.prior_stalking_this_victim, or a conviction against the current victim).",
        _UNK_PRIOR,
        lambda c: _prior_stalking(c, True),
    ),
    Factor(
        "prior_stalking_other_victims",
        _BIN,
        _A,
        "Stalking or harassment of other people (history.prior_stalking_other_victims, or a "
        "conviction against someone other than the current victim).",
        _UNK_PRIOR,
        lambda c: _prior_stalking(c, False),
    ),
    _binary(
        "prior_assault_charges_female_victims",
        _A,
        "Previous charges of assaulting women or girls, whatever their outcome.",
        lambda c: c.history.prior_assault_charges_female_victims,
    ),
    Factor(
        "previous_sanctions",
        _CNT,
        _A,
        "Cautions, reprimands, final warnings and convictions before the current one "
        "(history.previous_sanctions).",
        "unknown when history.previous_sanctions is not recorded",
        lambda c: FactorValue.count(c.history.previous_sanctions),
    ),
    Factor(
        "age_at_follow_up_start",
        _CNT,
        _A,
        "Age in completed years when follow-up starts after the current offence "
        "(current_offence.age_at_start_of_follow_up).",
        "unknown when current_offence.age_at_start_of_follow_up is not recorded",
        lambda c: FactorValue.count(c.current_offence.age_at_start_of_follow_up),
        bounds=AGE_BOUNDS,
    ),
    Factor(
        "ogrs3_copas_rate",
        FactorKind.NUMBER,
        _A,
        "The Copas rate of OGRS3: ln((1 + previous sanctions) / (10 + age at current "
        "conviction - age at first sanction)), rounded half up to 5 decimals as in the Ministry "
        "of Justice's implementation.",
        "unknown unless history.previous_sanctions, history.age_at_first_sanction and "
        "current_offence.age_at_conviction are all recorded",
        _copas_rate,
        bounds=_copas_rate_range(None, MAX_CAREER_YEARS),
    ),
    Factor(
        "ogrs3_offence_group",
        _CAT,
        _A,
        "The OGRS3 offence group of the current offence: current_offence.ogrs3_group, or the "
        "group of current_offence.home_office_code in the Ministry of Justice's table, or the "
        "documented default for current_offence.category.",
        "unknown, with the reason, when nothing is recorded, when the Home Office code needs "
        "the exact offence (999) or has no OGRS3 weight, when the category spans several "
        "groups, or when the stated group and code disagree",
        _ogrs3_offence_group,
        tuple(g.value for g in Ogrs3OffenceGroup),
    ),
    # B. the current episode
    Factor(
        "episode_duration_days",
        _CNT,
        _B,
        "Days from episode.start_date to the assessment date.",
        "unknown when episode.start_date is not recorded",
        _duration_days,
    ),
    Factor(
        "conduct_span_days",
        _CNT,
        _B,
        "Days the conduct has lasted: from episode.start_date (else the earliest behaviour's "
        "first_date) to the last incident (episode.last_incident_date, or the latest behaviour "
        "last_date), or to the assessment date while episode.ongoing is 'present'.",
        "unknown without a start; a range while the end of the conduct is not known",
        _conduct_span,
    ),
    Factor(
        "days_since_last_incident",
        _CNT,
        _B,
        "Days from the last incident (episode.last_incident_date, else the latest behaviour "
        "last_date) to the assessment date; 0 while the episode is ongoing and no last "
        "incident date is recorded.",
        "unknown when no incident date is recorded; a range from 0 while a behaviour has no "
        "last_date",
        _days_since_last_incident,
    ),
    _binary(
        "contact_since_arrest_or_charge",
        _B,
        "Contact with the victim, directly or through others, after arrest or charge for the "
        "current conduct.",
        lambda c: c.episode.contact_since_arrest_or_charge,
    ),
    Factor(
        "contact_frequency",
        _CAT,
        _B,
        "episode.frequency: how often the behaviour happens.",
        _UNK_FIELD,
        lambda c: _category(c.episode.frequency, Frequency.UNKNOWN),
        _categories(Frequency),
    ),
    Factor(
        "contact_channels",
        _CNT,
        _B,
        "Number of distinct channels used across the episode's behaviours.",
        _UNK_BEHAVIOUR + "; a behaviour with no channels recorded leaves it unbounded above",
        _channels,
        bounds=(0, len(Channel)),
    ),
    _binary(
        "approach_or_following",
        _B,
        "Following, loitering, approaching, or turning up at the victim's home or work.",
        lambda c: _listed_behaviour(c, APPROACH_BEHAVIOURS),
        _UNK_BEHAVIOUR,
    ),
    _binary(
        "surveillance_or_tracking",
        _B,
        "Surveillance of the victim or a tracking device (behaviour kinds).",
        lambda c: _listed_behaviour(c, SURVEILLANCE_BEHAVIOURS),
        _UNK_BEHAVIOUR,
    ),
    _binary(
        "image_based_abuse",
        _B,
        "Sharing or threatening to share intimate images (behaviour kind).",
        lambda c: _listed_behaviour(c, frozenset({BehaviourKind.IMAGE_BASED_ABUSE})),
        _UNK_BEHAVIOUR,
    ),
    _binary(
        "property_damage",
        _B,
        "Damage to the victim's property (behaviour kind).",
        lambda c: _listed_behaviour(c, frozenset({BehaviourKind.PROPERTY_DAMAGE})),
        _UNK_BEHAVIOUR,
    ),
    _binary(
        "threats_of_violence_recent",
        _B,
        "Threats of violence, sexual violence or to kill in the current episode.",
        lambda c: any_of(
            c.episode.threats.violence, c.episode.threats.sexual_violence, c.episode.threats.to_kill
        ),
        _UNK_ANY,
    ),
    _binary(
        "threats_other_than_to_kill",
        _B,
        "Threats of violence or sexual violence, or threats against third parties or children, "
        "in the current episode. A threat to kill is the factor threats_to_kill_recent: record "
        "it there, and here only other threats.",
        lambda c: any_of(
            c.episode.threats.violence,
            c.episode.threats.sexual_violence,
            c.episode.threats.against_third_parties,
            c.episode.threats.against_children,
        ),
        _UNK_ANY,
    ),
    _binary(
        "threats_to_kill_recent",
        _B,
        "Threats to kill in the current episode.",
        lambda c: c.episode.threats.to_kill,
    ),
    _binary(
        "threats_to_others",
        _B,
        "Threats against third parties or children.",
        lambda c: any_of(
            c.episode.threats.against_third_parties, c.episode.threats.against_children
        ),
        _UNK_ANY,
    ),
    _binary(
        "countdown",
        _B,
        'A "countdown" or deadline announcing harm.',
        lambda c: c.episode.threats.countdown,
    ),
    _binary(
        "violence_recent",
        _B,
        "Violence against the victim in the current episode.",
        lambda c: c.episode.violence,
    ),
    _binary(
        "strangulation",
        _B,
        "Strangulation, suffocation or choking, in the episode or earlier in the relationship.",
        lambda c: any_of(c.episode.strangulation, c.relationship.domestic_abuse.strangulation),
        _UNK_ANY,
    ),
    _binary(
        "weapons",
        _B,
        "A weapon used or threatened, or access to weapons.",
        lambda c: any_of(c.episode.weapon_used_or_threatened, c.episode.weapon_access),
        _UNK_ANY,
    ),
    _binary(
        "weapon_used_or_threatened",
        _B,
        "A weapon used or threatened in the current episode.",
        lambda c: c.episode.weapon_used_or_threatened,
    ),
    Factor(
        "weapon_access_level",
        _CNT,
        _B,
        "Access to weapons: 2 a firearm (episode.firearm_access), 1 another weapon "
        "(episode.weapon_access, which includes firearms), 0 none.",
        "a range while firearm_access or weapon_access is 'unknown'",
        _weapon_access_level,
        bounds=(0, 2),
    ),
    _binary(
        "third_party_harassment",
        _B,
        "Harassment of the victim's family, friends, new partner or colleagues.",
        lambda c: c.episode.third_party_harassment,
    ),
    _binary(
        "recruiting_others",
        _B,
        "Others recruited to contact, watch or harass the victim.",
        lambda c: c.episode.recruiting_others,
    ),
    _binary(
        "procuring_violence",
        _B,
        "An attempt to pay or persuade someone else to harm the victim or people close to them.",
        lambda c: c.episode.procuring_violence,
    ),
    _binary(
        "escalating",
        _B,
        "Escalation in frequency or severity.",
        lambda c: any_of(c.episode.escalation.frequency, c.episode.escalation.severity),
        _UNK_ANY,
    ),
    # C. relationship and domestic abuse
    Factor(
        "relationship_type",
        _CAT,
        _C,
        "relationship.type.",
        _UNK_FIELD,
        lambda c: _category(c.relationship.type, RelationshipType.UNKNOWN),
        _categories(RelationshipType),
    ),
    _binary(
        "ex_intimate_partner",
        _C,
        "The perpetrator is the victim's former intimate partner.",
        lambda c: (
            Presence.UNKNOWN
            if c.relationship.type is RelationshipType.UNKNOWN
            else _is(c.relationship.type is RelationshipType.EX_INTIMATE_PARTNER)
        ),
        "unknown when relationship.type is 'unknown'",
    ),
    Factor(
        "recent_separation",
        _BIN,
        _C,
        f"Former intimate partners who separated within {RECENT_DAYS} days of the assessment.",
        "unknown when the relationship type, or a former partner's separation date, is not "
        "recorded",
        _recent_separation,
    ),
    _binary(
        "domestic_abuse_history",
        _C,
        "Physical or sexual violence, coercive control or strangulation in the relationship.",
        lambda c: any_of(
            c.relationship.domestic_abuse.physical,
            c.relationship.domestic_abuse.sexual,
            c.relationship.domestic_abuse.coercive_control,
            c.relationship.domestic_abuse.strangulation,
        ),
        _UNK_ANY,
    ),
    _binary(
        "partner_abuse_history",
        _C,
        "Physical or sexual violence or coercive control in the relationship (strangulation is "
        "the factor strangulation, so that it is counted once).",
        lambda c: any_of(
            c.relationship.domestic_abuse.physical,
            c.relationship.domestic_abuse.sexual,
            c.relationship.domestic_abuse.coercive_control,
        ),
        _UNK_ANY,
    ),
    _binary(
        "jealousy",
        _C,
        "Extreme or possessive jealousy in the relationship.",
        lambda c: c.relationship.domestic_abuse.jealousy,
    ),
    _binary(
        "child_contact_dispute",
        _C,
        "A dispute over child contact or residence.",
        lambda c: c.relationship.child_contact_dispute,
    ),
    _binary(
        "victim_pregnant",
        _C,
        "The victim is pregnant or has recently given birth.",
        lambda c: c.relationship.victim_pregnant,
    ),
    # D. perpetrator
    Factor(
        "perpetrator_age",
        _CNT,
        _D,
        "perpetrator.age in years.",
        "unknown when perpetrator.age is not recorded",
        lambda c: FactorValue.count(c.perpetrator.age),
        bounds=AGE_BOUNDS,
    ),
    Factor(
        "perpetrator_sex",
        _CAT,
        _D,
        "perpetrator.sex as recorded.",
        _UNK_FIELD,
        lambda c: _category(c.perpetrator.sex, Sex.UNKNOWN),
        _categories(Sex),
    ),
    _binary(
        "substance_misuse_recent",
        _D,
        "Alcohol or drug misuse in the last 12 months.",
        lambda c: _recent(c.perpetrator.substance_misuse),
        "absent when lifetime is 'absent'; otherwise unknown when recent is 'unknown'",
    ),
    _binary(
        "substance_misuse_lifetime",
        _D,
        "Alcohol or drug misuse at any time.",
        lambda c: _lifetime(c.perpetrator.substance_misuse),
        "present when recent is 'present'; otherwise unknown when lifetime is 'unknown'",
    ),
    _binary(
        "personality_disorder",
        _D,
        "A diagnosed personality disorder.",
        lambda c: c.perpetrator.mental_disorder.personality_disorder,
    ),
    _binary(
        "delusional_disorder",
        _D,
        "A diagnosed delusional or other psychotic disorder.",
        lambda c: c.perpetrator.mental_disorder.delusional_disorder,
    ),
    _binary(
        "suicidality_recent",
        _D,
        "Suicidal threats or attempts in the last 12 months.",
        lambda c: _recent(c.perpetrator.suicidality),
        "absent when lifetime is 'absent'; otherwise unknown when recent is 'unknown'",
    ),
    _binary(
        "obsession",
        _D,
        "Obsessive preoccupation with the victim.",
        lambda c: c.perpetrator.obsession,
    ),
    _binary(
        "anger", _D, "Marked anger or grievance towards the victim.", lambda c: c.perpetrator.anger
    ),
    _binary(
        "lack_of_remorse",
        _D,
        "No remorse, or minimisation of the behaviour.",
        lambda c: c.perpetrator.lack_of_remorse,
    ),
    Factor(
        "unemployed",
        _BIN,
        _D,
        "perpetrator.employment is 'unemployed'.",
        "unknown when employment is 'unknown'",
        _unemployed,
    ),
    _binary(
        "financial_problems",
        _D,
        "Serious financial problems.",
        lambda c: c.perpetrator.financial_problems,
    ),
    Factor(
        "motivation",
        _CAT,
        _D,
        "Motivation type in the Mullen typology.",
        _UNK_FIELD,
        lambda c: _category(c.perpetrator.motivation, Motivation.UNKNOWN),
        _categories(Motivation),
    ),
    _binary(
        "stalking_specific_treatment",
        _D,
        "Has received stalking-specific treatment.",
        lambda c: c.perpetrator.treatment.stalking_specific,
    ),
    _binary(
        "engaged_with_supervision",
        _D,
        "Keeps appointments and engages with supervision or treatment (a protective factor).",
        lambda c: c.perpetrator.protective.engaged_with_supervision,
    ),
    _binary(
        "stable_accommodation_away_from_victim",
        _D,
        "Stable accommodation away from the victim's home, work and routes (a protective factor).",
        lambda c: c.perpetrator.protective.stable_accommodation_away_from_victim,
    ),
    _binary(
        "prosocial_support",
        _D,
        "Supportive family or friends who do not condone the behaviour (a protective factor).",
        lambda c: c.perpetrator.protective.prosocial_support,
    ),
    # E. victim
    Factor(
        "victim_fear",
        _CAT,
        _E,
        "The victim's own view of the risk (victim.fear).",
        _UNK_FIELD,
        lambda c: _category(c.victim.fear, VictimFear.UNKNOWN),
        _categories(VictimFear),
    ),
    Factor(
        "victim_sex",
        _CAT,
        _E,
        "victim.sex as recorded.",
        _UNK_FIELD,
        lambda c: _category(c.victim.sex, Sex.UNKNOWN),
        _categories(Sex),
    ),
    Factor(
        "victim_barriers",
        _CNT,
        _E,
        "Number of barriers to support: isolation, dependants, no transport, language or "
        "immigration.",
        "each 'unknown' barrier widens the range by one",
        lambda c: _count_presences(
            getattr(c.victim.barriers, f) for f in type(c.victim.barriers).model_fields
        ),
        bounds=(0, len(Barriers.model_fields)),
    ),
    _binary(
        "unsafe_living_situation",
        _E,
        "The victim lives where the perpetrator knows or can easily reach them.",
        lambda c: c.victim.unsafe_living_situation,
    ),
    _binary(
        "children_in_household",
        _E,
        "Children live with the victim.",
        lambda c: c.victim.children_in_household,
    ),
)

#: Every registered factor, by name (read-only).
FACTORS: Mapping[str, Factor] = MappingProxyType({f.name: f for f in _FACTOR_LIST})


def get_factor(name: str) -> Factor:
    """Return the factor called ``name``.

    Raises
    ------
    UnknownFactorError
        If no factor has that name.

    Examples
    --------
    >>> get_factor("threats_to_kill_recent").kind
    <FactorKind.BINARY: 'binary'>
    """
    try:
        return FACTORS[name]
    except KeyError:
        raise UnknownFactorError(UNKNOWN_FACTOR.format(name=name)) from None


def evaluate_factors(case: Case, names: Iterable[str] | None = None) -> dict[str, FactorValue]:
    """Compute factor values for ``case`` (all registered factors, or just ``names``).

    Examples
    --------
    >>> from stalkrisk import Case
    >>> case = Case(case_id="DOC-2", assessment_date="2024-03-01",
    ...             relationship={"type": "ex_intimate_partner"})
    >>> evaluate_factors(case, ["ex_intimate_partner"])
    {'ex_intimate_partner': FactorValue(low=1, high=1)}
    """
    selected = FACTORS.values() if names is None else [get_factor(n) for n in names]
    return {f.name: f.compute(case) for f in selected}
