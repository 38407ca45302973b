"""Hypothesis strategies for valid, synthetic cases (implementation of :mod:`stalkrisk.testing`).

Every strategy builds its values so that they pass the schema's cross-field rules by
construction; nothing is filtered. Dependent values are drawn in order: the assessment date,
then the perpetrator (whose age bounds every conviction age), then the parts of the case,
each of which keeps its own dates between its lower bound and the assessment date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, Final, Literal, TypeVar, get_args

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from pydantic import BaseModel, TypeAdapter

from stalkrisk.assessment import Assessment
from stalkrisk.instruments import DEFAULT_INSTRUMENT
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import (
    AdvocateKind,
    AgencyCheck,
    Barriers,
    Behaviour,
    BehaviourKind,
    Case,
    Channel,
    CheckResult,
    CheckStatus,
    ConditionsInformation,
    Conviction,
    CriminalHistory,
    CurrentOffence,
    Disposal,
    DomesticAbuse,
    Employment,
    Escalation,
    Frequency,
    MappaStatus,
    MaracStatus,
    MentalDisorder,
    Motivation,
    MultiAgencyStatus,
    OffenceCategory,
    Ogrs3OffenceGroup,
    OrderBreach,
    OrderKind,
    OrderTerm,
    PendingCharge,
    Perpetrator,
    Presence,
    ProtectiveFactors,
    ProtectiveOrder,
    Relationship,
    RelationshipType,
    Sex,
    StalkingEpisode,
    Threats,
    Timed,
    Treatment,
    VictimFear,
    VictimSituation,
)
from stalkrisk.schemas._base import Date
from stalkrisk.scoring import WeightedScorer

__all__ = [
    "Completeness",
    "assessments",
    "case_dicts",
    "case_ids",
    "cases",
    "criminal_histories",
    "perpetrators",
    "presences",
    "relationships",
    "stalking_episodes",
    "timeds",
    "victim_situations",
]

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=StrEnum)

#: How much of a generated case is recorded: ``"full"`` (nothing unknown, every list and date
#: recorded, so every scale of the default instrument can be scored), ``"partial"`` (a few
#: unknowns) or ``"sparse"`` (many). ``None`` draws one of the three for each case.
Completeness = Literal["full", "partial", "sparse"]

# Bounds of the values generated. Ages follow the schema's ``Age`` (10 to 110 years).
_MIN_AGE: Final = 10
_MAX_AGE: Final = 110
_FIRST_ASSESSMENT: Final = dt.date(2000, 1, 1)
_LAST_ASSESSMENT: Final = dt.date(2035, 12, 31)
_HISTORY_YEARS: Final = 40
_RELATIONSHIP_YEARS: Final = 10
_EPISODE_YEARS: Final = 5
_MAX_CONVICTIONS: Final = 6
_MAX_UNLISTED: Final = 10
_MAX_ORDERS: Final = 3
_MAX_BREACHES: Final = 3
_MAX_CHARGES: Final = 3
_MAX_BEHAVIOURS: Final = 5
_MAX_CHANNELS: Final = 4
_MAX_ESCALATION_DATES: Final = 3
_DAYS_PER_YEAR: Final = 365.25

_P, _A, _U = Presence.PRESENT, Presence.ABSENT, Presence.UNKNOWN
# Each case draws one pool and takes all its tri-state answers from it, so that some cases are
# mostly absent and others mostly present. The first entry is what a value shrinks to.
_POOLS: Final[Mapping[Completeness, tuple[tuple[Presence, ...], ...]]] = {
    "sparse": ((_U, _A, _P), (_U, _U, _A, _P)),
    "partial": (
        (_U, _A, _A, _A, _A, _P, _P, _P, _P),
        (_U, *[_A] * 8, _P, _P),
        (_U, _A, _A, *[_P] * 6),
    ),
    "full": ((_A, _P), (_A, _A, _A, _A, _P), (_A, _P, _P, _P)),
}
# One optional value in this many is left unrecorded (``None``); 0 means never.
_NONE_RATIO: Final[Mapping[Completeness, int]] = {"full": 0, "partial": 5, "sparse": 2}
_CASE_PARTS: Final = (
    "schema_version",
    "case_id",
    "assessment_date",
    "perpetrator",
    "history",
    "episode",
    "relationship",
    "victim",
    "current_offence",
    "multi_agency",
    "conditions",
    "sources",
)


def _presence_fields(model: type[BaseModel], handled: Iterable[str]) -> tuple[str, ...]:
    """Return the :class:`Presence` fields of ``model`` that are not ``handled``.

    Any other field that is not handled is an error, so that a field added to the schema
    cannot silently keep its default in every generated case.
    """
    handled = set(handled)
    names = []
    for name, info in model.model_fields.items():
        if name in handled:
            continue
        if info.annotation is not Presence:
            raise TypeError(
                f"stalkrisk.testing has no strategy for {model.__name__}.{name}; add one"
            )
        names.append(name)
    return tuple(names)


def _consistent_timed(pair: tuple[Presence, Presence]) -> Timed:
    lifetime, recent = pair
    if lifetime is Presence.ABSENT and recent is Presence.PRESENT:
        recent = Presence.ABSENT  # something present recently was present in the lifetime
    return Timed(lifetime=lifetime, recent=recent)


class _Style:
    """How completely one generated case is recorded, with the strategies that follow from it.

    The strategies are built once per style (not once per draw), which keeps generation fast.
    """

    def __init__(self, completeness: Completeness, pool: tuple[Presence, ...]) -> None:
        self.completeness = completeness
        self.complete = completeness == "full"
        ratio = _NONE_RATIO[completeness]
        self._recorded = None if ratio == 0 else st.integers(0, ratio - 1)
        self.presence = st.sampled_from(pool)
        self.channels = st.lists(
            st.sampled_from(Channel),
            unique=True,
            min_size=1 if self.complete else 0,
            max_size=_MAX_CHANNELS,
        )
        self.timed = st.tuples(self.presence, self.presence).map(_consistent_timed)
        self.threats = self.builds(Threats)
        self.domestic_abuse = self.builds(DomesticAbuse)
        self.perpetrator = self.builds(
            Perpetrator,
            age=self.optional(st.integers(_MIN_AGE, _MAX_AGE)),
            sex=self.enum(Sex),
            substance_misuse=self.timed,
            mental_disorder=self.builds(MentalDisorder),
            suicidality=self.timed,
            employment=self.enum(Employment),
            motivation=self.enum(Motivation),
            treatment=self.builds(Treatment),
            protective=self.builds(ProtectiveFactors),
        )
        self.victim = self.builds(
            VictimSituation,
            sex=self.enum(Sex),
            fear=self.enum(VictimFear),
            barriers=self.builds(Barriers),
        )
        # Never scored: drawn so that software downstream sees every part of a case filled.
        self.conditions = self.builds(
            ConditionsInformation,
            previous_bail_breaches=self.optional(st.integers(0, 5)),
            electronic_monitoring_assessed=st.sampled_from(
                ["suitable", "unsuitable", "not_assessed"]
            ),
            victim_view=st.none(),
        )
        known_checks = [
            AgencyCheck(status=CheckStatus.NOT_MADE),
            AgencyCheck(status=CheckStatus.MADE, result=CheckResult.NOTHING_FOUND),
            AgencyCheck(status=CheckStatus.MADE, result=CheckResult.INFORMATION_FOUND),
        ]
        known_marac = [
            MaracStatus(referred=_A, heard=_A),
            MaracStatus(referred=_P, heard=_A),
            MaracStatus(referred=_P, heard=_P),
        ]
        known_mappa = [MappaStatus(eligible=_A), MappaStatus(eligible=_P, category=1, level=1)]
        unrecorded = (
            [] if self.complete else [AgencyCheck(), AgencyCheck(status=CheckStatus.PENDING)]
        )
        self.multi_agency = st.builds(
            MultiAgencyStatus,
            marac=st.sampled_from(known_marac + ([] if self.complete else [MaracStatus()])),
            mappa=st.sampled_from(known_mappa + ([] if self.complete else [MappaStatus()])),
            advocate=self.enum(AdvocateKind),
            police_callout_check=st.sampled_from(known_checks + unrecorded),
            childrens_services_check=st.sampled_from(known_checks + unrecorded),
            victim_contact_scheme=self.presence,
        )

    def __repr__(self) -> str:
        return f"<{self.completeness} case>"

    def builds(self, model: type[M], **fields: st.SearchStrategy[Any]) -> st.SearchStrategy[M]:
        """Return ``st.builds(model, ...)``, every field given, tri-state ones from the style."""
        for name in _presence_fields(model, fields):
            fields[name] = self.presence
        return st.builds(model, **fields)

    def enum(self, enum: type[E]) -> st.SearchStrategy[E]:
        """Return a strategy for ``enum``, with its ``unknown`` member if the style allows."""
        known = [m for m in enum if m.value != "unknown"]
        unknown = [m for m in enum if m.value == "unknown"]
        if self.complete or not unknown:
            return st.sampled_from(known)
        repeat = len(known) if self.completeness == "sparse" else 1
        return st.sampled_from(unknown * repeat + known)

    def optional(self, strategy: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
        """Return ``strategy``, or ``None`` (unrecorded) as often as the style allows."""
        if self._recorded is None:
            return strategy

        def expand(recorded: bool) -> st.SearchStrategy[T | None]:
            return strategy if recorded else st.none()

        return self._recorded.map(bool).flatmap(expand)

    def records(self, draw: st.DrawFn) -> bool:
        """Draw whether an optional value is recorded (it shrinks to "not recorded")."""
        return self._recorded is None or draw(self._recorded) > 0

    def presences(
        self, draw: st.DrawFn, model: type[BaseModel], given: dict[str, Any]
    ) -> dict[str, Any]:
        """Return ``given`` with every other (tri-state) field of ``model`` drawn."""
        for name in _presence_fields(model, given):
            given[name] = draw(self.presence)
        return given


_STYLES: Final[Mapping[Completeness, tuple[_Style, ...]]] = {
    name: tuple(_Style(name, pool) for pool in pools) for name, pools in _POOLS.items()
}
_ALL_STYLES: Final = st.sampled_from([s for styles in _STYLES.values() for s in styles])


def _check_completeness(completeness: object) -> None:
    if completeness is not None and completeness not in get_args(Completeness):
        raise InvalidArgument(
            f"completeness must be one of {', '.join(map(repr, get_args(Completeness)))} or "
            f"None, not {completeness!r}"
        )


def _styles(completeness: Completeness | None) -> st.SearchStrategy[_Style]:
    _check_completeness(completeness)
    # "sparse" comes first: failing examples shrink towards the defaults ("unknown").
    return _ALL_STYLES if completeness is None else st.sampled_from(_STYLES[completeness])


def _years_before(day: dt.date, years: float) -> dt.date:
    return max(dt.date.min, day - dt.timedelta(days=math.floor(years * _DAYS_PER_YEAR)))


def _day(draw: st.DrawFn, earliest: dt.date, latest: dt.date) -> dt.date:
    """Draw a date in ``[earliest, latest]``."""
    return earliest + dt.timedelta(days=draw(st.integers(0, (latest - earliest).days)))


def _maybe_day(
    draw: st.DrawFn, style: _Style, earliest: dt.date, latest: dt.date
) -> dt.date | None:
    return _day(draw, earliest, latest) if style.records(draw) else None


def _length(draw: st.DrawFn, style: _Style, max_size: int) -> int | None:
    """Draw the length of a list, or ``None`` when the list is not recorded."""
    return draw(st.integers(0, max_size)) if style.records(draw) else None


# --- tri-state answers ----------------------------------------------------------------------


def presences(*, unknown: bool = True) -> st.SearchStrategy[Presence]:
    """Generate tri-state answers, shrinking towards ``"unknown"`` (the schema's default).

    Parameters
    ----------
    unknown : bool, default True
        Whether ``"unknown"`` may be generated; ``False`` gives only ``"present"`` and
        ``"absent"``.

    Returns
    -------
    SearchStrategy[Presence]

    Examples
    --------
    >>> from hypothesis import find
    >>> find(presences(), lambda p: True)  # the simplest answer
    <Presence.UNKNOWN: 'unknown'>
    >>> find(presences(unknown=False), lambda p: True)
    <Presence.ABSENT: 'absent'>
    """
    known = (Presence.ABSENT, Presence.PRESENT)
    return st.sampled_from((Presence.UNKNOWN, *known) if unknown else known)


def timeds() -> st.SearchStrategy[Timed]:
    """Generate :class:`~stalkrisk.schemas.Timed` answers (lifetime and recent).

    Every consistent pair is generated; ``recent="present"`` never comes with
    ``lifetime="absent"``.

    Returns
    -------
    SearchStrategy[Timed]

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=25, database=None)
    ... @given(timeds())
    ... def check(t):
    ...     assert not (t.recent == "present" and t.lifetime == "absent")
    >>> check()
    """
    return st.tuples(presences(), presences()).map(_consistent_timed)


# --- identifiers and dates ------------------------------------------------------------------

_CASE_ID_PATTERN: Final = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
_CASE_IDS: Final = st.from_regex(_CASE_ID_PATTERN, fullmatch=True)
_ASSESSMENT_DATES: Final = st.dates(_FIRST_ASSESSMENT, _LAST_ASSESSMENT)
_DATES: Final = TypeAdapter(Date)


def case_ids() -> st.SearchStrategy[str]:
    """Generate pseudonymous case ids: every string the schema's ``case_id`` pattern allows.

    Returns
    -------
    SearchStrategy[str]

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from stalkrisk import Case
    >>> @settings(max_examples=25, database=None)
    ... @given(case_ids())
    ... def check(case_id):
    ...     assert Case(case_id=case_id, assessment_date="2024-05-01").case_id == case_id
    >>> check()
    """
    return _CASE_IDS


# --- group A: criminal history --------------------------------------------------------------


def _draw_conviction(
    draw: st.DrawFn, style: _Style, assessment_date: dt.date, perpetrator_age: int | None
) -> Conviction:
    # A known perpetrator age bounds the conviction date: nobody is convicted before age 10.
    years = _HISTORY_YEARS if perpetrator_age is None else perpetrator_age - _MIN_AGE
    earliest = _years_before(assessment_date, years)
    recorded = "both" if style.complete else draw(st.sampled_from(("date", "age", "both")))
    date = None if recorded == "age" else _day(draw, earliest, assessment_date)
    age: int | None = None
    if recorded != "date":
        oldest = _MAX_AGE if perpetrator_age is None else perpetrator_age
        if date is None or perpetrator_age is None:
            age = draw(st.integers(_MIN_AGE, oldest))
        else:
            # The age the date implies; either whole number next to it is within the tolerance.
            implied = perpetrator_age - (assessment_date - date).days / _DAYS_PER_YEAR
            low = min(max(math.floor(implied), _MIN_AGE), oldest)
            age = low + draw(st.integers(0, min(math.ceil(implied), oldest) - low))
    given = {
        "offence": draw(st.sampled_from(OffenceCategory)),
        "date": date,
        "age": age,
        "disposal": draw(style.enum(Disposal)),
    }
    return Conviction(**style.presences(draw, Conviction, given))


def _draw_protective_order(
    draw: st.DrawFn, style: _Style, assessment_date: dt.date
) -> ProtectiveOrder:
    earliest = _years_before(assessment_date, _HISTORY_YEARS)
    made_on = _maybe_day(draw, style, earliest, assessment_date)
    n = _length(draw, style, _MAX_BREACHES)
    breaches = None
    if n is not None:
        breaches = [
            OrderBreach(date=_maybe_day(draw, style, made_on or earliest, assessment_date))
            for _ in range(n)
        ]
    expires_on = None
    if made_on is not None and style.records(draw):
        expires_on = made_on + dt.timedelta(days=draw(st.integers(1, 5 * 365)))
    terms = draw(style.optional(st.lists(st.sampled_from(OrderTerm), unique=True, max_size=4)))
    given = {
        "kind": draw(st.sampled_from(OrderKind)),
        "made_on": made_on,
        "expires_on": expires_on,
        "terms": terms,
        "breaches": breaches,
    }
    return ProtectiveOrder(**style.presences(draw, ProtectiveOrder, given))


def _first_conviction_ceiling(
    convictions: list[Conviction], assessment_date: dt.date, perpetrator_age: int | None
) -> int:
    """Return the oldest the perpetrator can have been at their first conviction."""
    ceiling = _MAX_AGE if perpetrator_age is None else perpetrator_age
    for c in convictions:
        if c.age is not None:
            ceiling = min(ceiling, c.age)
        elif c.date is not None and perpetrator_age is not None:
            implied = perpetrator_age - (assessment_date - c.date).days / _DAYS_PER_YEAR
            ceiling = min(ceiling, max(_MIN_AGE, math.floor(implied)))
    return ceiling


#: A few Home Office codes: mapped to a group, needing the exact offence, and without weight.
_HOME_OFFICE_CODES: Final = ("02700", "09230", "11618", "00500", "10500", "08800", "95000")


def _draw_current_offence(
    draw: st.DrawFn, style: _Style, assessment_date: dt.date, perpetrator_age: int | None
) -> CurrentOffence:
    top = perpetrator_age if perpetrator_age is not None else _MAX_AGE
    at_conviction = draw(st.integers(_MIN_AGE, top)) if style.records(draw) else None
    follow_up = None
    if style.records(draw):
        low = at_conviction if at_conviction is not None else _MIN_AGE
        follow_up = draw(st.integers(low, min(low + 15, _MAX_AGE)))
    earliest = _years_before(assessment_date, _HISTORY_YEARS)
    given = {
        "category": draw(st.sampled_from(OffenceCategory)) if style.records(draw) else None,
        "ogrs3_group": (draw(st.sampled_from(Ogrs3OffenceGroup)) if style.records(draw) else None),
        "home_office_code": (
            draw(st.sampled_from(_HOME_OFFICE_CODES)) if style.records(draw) else None
        ),
        "conviction_date": _maybe_day(draw, style, earliest, assessment_date),
        "age_at_conviction": at_conviction,
        "age_at_start_of_follow_up": follow_up,
    }
    return CurrentOffence(**style.presences(draw, CurrentOffence, given))


def _draw_history(
    draw: st.DrawFn,
    style: _Style,
    assessment_date: dt.date,
    perpetrator_age: int | None,
    age_at_conviction: int | None = None,
) -> CriminalHistory:
    n = _length(draw, style, _MAX_CONVICTIONS)
    convictions = None
    if n is not None:
        convictions = [
            _draw_conviction(draw, style, assessment_date, perpetrator_age) for _ in range(n)
        ]
    listed = convictions or []
    count: int | None
    if style.complete:
        # Every conviction is itemised: the count, if given, is the list's length.
        count = draw(st.sampled_from((None, len(listed))))
    elif style.records(draw):
        count = len(listed) + draw(st.integers(0, _MAX_UNLISTED))
    else:
        count = None
    total = count if count is not None else (None if convictions is None else len(listed))
    custody = sum(c.disposal is Disposal.CUSTODY for c in listed)
    custodial = None
    if style.records(draw):
        most = custody + _MAX_UNLISTED if total is None else total
        custodial = custody + draw(st.integers(0, most - custody))
    first_age = None
    if total != 0 and style.records(draw):
        ceiling = _first_conviction_ceiling(listed, assessment_date, perpetrator_age)
        first_age = draw(st.integers(_MIN_AGE, ceiling))
    orders = None
    n = _length(draw, style, _MAX_ORDERS)
    if n is not None:
        orders = [_draw_protective_order(draw, style, assessment_date) for _ in range(n)]
    charges = None
    n = _length(draw, style, _MAX_CHARGES)
    if n is not None:
        earliest = _years_before(assessment_date, _HISTORY_YEARS)
        charges = [
            PendingCharge(
                offence=draw(st.sampled_from(OffenceCategory)),
                charged_on=_maybe_day(draw, style, earliest, assessment_date),
            )
            for _ in range(n)
        ]
    sanctions = None
    if style.records(draw):
        sanctions = max(total or 0, custodial or 0) + draw(st.integers(0, _MAX_UNLISTED))
    first_sanction = None
    if style.records(draw):
        if sanctions == 0 and age_at_conviction is not None:
            first_sanction = age_at_conviction  # the current sanction is the first
        else:
            tops = [a for a in (age_at_conviction, perpetrator_age) if a is not None]
            first_sanction = draw(st.integers(_MIN_AGE, min(tops, default=_MAX_AGE)))
    given = {
        "previous_sanctions": sanctions,
        "age_at_first_sanction": first_sanction,
        "convictions": convictions,
        "conviction_count": count,
        "custodial_sentence_count": custodial,
        "age_at_first_conviction": first_age,
        "protective_orders": orders,
        "pending_charges": charges,
    }
    return CriminalHistory(**style.presences(draw, CriminalHistory, given))


# --- group B: the stalking episode ----------------------------------------------------------


def _draw_behaviour(
    draw: st.DrawFn, style: _Style, earliest: dt.date, latest: dt.date
) -> Behaviour:
    first = _maybe_day(draw, style, earliest, latest)
    return Behaviour(
        kind=draw(st.sampled_from(BehaviourKind)),
        channels=draw(style.channels),
        first_date=first,
        last_date=_maybe_day(draw, style, first or earliest, latest),
    )


def _draw_escalation(
    draw: st.DrawFn, style: _Style, earliest: dt.date, latest: dt.date
) -> Escalation:
    frequency, severity = draw(style.presence), draw(style.presence)
    dates: list[dt.date] = []
    if Presence.PRESENT in (frequency, severity):
        n = draw(st.integers(0, _MAX_ESCALATION_DATES))
        dates = [_day(draw, earliest, latest) for _ in range(n)]
    return Escalation(frequency=frequency, severity=severity, dates=dates)


def _draw_episode(draw: st.DrawFn, style: _Style, assessment_date: dt.date) -> StalkingEpisode:
    earliest = _years_before(assessment_date, _EPISODE_YEARS)
    start = _maybe_day(draw, style, earliest, assessment_date)
    earliest = start or earliest
    n = _length(draw, style, _MAX_BEHAVIOURS)
    behaviours = None
    if n is not None:
        behaviours = [_draw_behaviour(draw, style, earliest, assessment_date) for _ in range(n)]
    given = {
        "start_date": start,
        "last_incident_date": _maybe_day(draw, style, earliest, assessment_date),
        "frequency": draw(style.enum(Frequency)),
        "behaviours": behaviours,
        "threats": draw(style.threats),
        "escalation": _draw_escalation(draw, style, earliest, assessment_date),
    }
    return StalkingEpisode(**style.presences(draw, StalkingEpisode, given))


# --- group C: the relationship --------------------------------------------------------------


def _draw_relationship(draw: st.DrawFn, style: _Style, assessment_date: dt.date) -> Relationship:
    kind = draw(style.enum(RelationshipType))
    separation = None
    if kind is RelationshipType.EX_INTIMATE_PARTNER:
        earliest = _years_before(assessment_date, _RELATIONSHIP_YEARS)
        separation = _maybe_day(draw, style, earliest, assessment_date)
    children = draw(style.presence)
    dispute = draw(style.presence)
    if children is Presence.ABSENT and dispute is Presence.PRESENT:
        dispute = Presence.ABSENT  # a contact dispute needs children in common
    given = {
        "type": kind,
        "separation_date": separation,
        "domestic_abuse": draw(style.domestic_abuse),
        "children_in_common": children,
        "child_contact_dispute": dispute,
    }
    return Relationship(**style.presences(draw, Relationship, given))


@st.composite
def _parts(
    draw: st.DrawFn,
    completeness: Completeness | None,
    build: Callable[[st.DrawFn, _Style], T],
) -> T:
    return build(draw, draw(_styles(completeness)))


# --- public strategies for the parts of a case ----------------------------------------------


def perpetrators(*, completeness: Completeness | None = None) -> st.SearchStrategy[Perpetrator]:
    """Generate :class:`~stalkrisk.schemas.Perpetrator` parts (group D).

    Parameters
    ----------
    completeness : {"full", "partial", "sparse"} or None, default None
        How much is recorded; see :data:`Completeness`.

    Returns
    -------
    SearchStrategy[Perpetrator]

    Examples
    --------
    >>> from hypothesis import find
    >>> p = find(perpetrators(completeness="full"), lambda p: p.age is not None and p.age < 18)
    >>> p.age, p.sex.value != "unknown"
    (10, True)
    """
    return _styles(completeness).flatmap(lambda style: style.perpetrator)


def victim_situations(
    *, completeness: Completeness | None = None
) -> st.SearchStrategy[VictimSituation]:
    """Generate :class:`~stalkrisk.schemas.VictimSituation` parts (group E).

    Parameters
    ----------
    completeness : {"full", "partial", "sparse"} or None, default None
        How much is recorded; see :data:`Completeness`.

    Returns
    -------
    SearchStrategy[VictimSituation]

    Examples
    --------
    >>> from hypothesis import find
    >>> find(victim_situations(), lambda v: v.fear == "very_afraid").fear.value
    'very_afraid'
    """
    return _styles(completeness).flatmap(lambda style: style.victim)


def criminal_histories(
    assessment_date: dt.date,
    perpetrator_age: int | None = None,
    *,
    completeness: Completeness | None = None,
) -> st.SearchStrategy[CriminalHistory]:
    """Generate :class:`~stalkrisk.schemas.CriminalHistory` parts (group A) for one case.

    Every date falls on or before ``assessment_date``; every conviction age, and the age at
    first conviction, is consistent with ``perpetrator_age`` and with the conviction's date.

    Parameters
    ----------
    assessment_date : datetime.date
        The case's assessment date.
    perpetrator_age : int or None, default None
        The perpetrator's age at the assessment date, if recorded.
    completeness : {"full", "partial", "sparse"} or None, default None
        How much is recorded; see :data:`Completeness`.

    Returns
    -------
    SearchStrategy[CriminalHistory]

    Examples
    --------
    >>> import datetime as dt
    >>> from hypothesis import find
    >>> h = find(criminal_histories(dt.date(2024, 5, 1), 30),
    ...          lambda h: h.convictions and h.convictions[0].age is not None)
    >>> h.convictions[0].age <= 30
    True
    """
    return _parts(
        completeness,
        lambda draw, style: _draw_history(draw, style, assessment_date, perpetrator_age),
    )


def stalking_episodes(
    assessment_date: dt.date, *, completeness: Completeness | None = None
) -> st.SearchStrategy[StalkingEpisode]:
    """Generate :class:`~stalkrisk.schemas.StalkingEpisode` parts (group B) for one case.

    Behaviour and escalation dates fall within the episode and on or before
    ``assessment_date``; escalation dates come only with an escalation that is present.

    Parameters
    ----------
    assessment_date : datetime.date
        The case's assessment date.
    completeness : {"full", "partial", "sparse"} or None, default None
        How much is recorded; see :data:`Completeness`.

    Returns
    -------
    SearchStrategy[StalkingEpisode]

    Examples
    --------
    >>> import datetime as dt
    >>> from hypothesis import find
    >>> ep = find(stalking_episodes(dt.date(2024, 5, 1)), lambda e: e.escalation.dates)
    >>> "present" in (ep.escalation.frequency, ep.escalation.severity)
    True
    """
    return _parts(completeness, lambda draw, style: _draw_episode(draw, style, assessment_date))


def relationships(
    assessment_date: dt.date, *, completeness: Completeness | None = None
) -> st.SearchStrategy[Relationship]:
    """Generate :class:`~stalkrisk.schemas.Relationship` parts (group C) for one case.

    A separation date is generated only for former intimate partners, and never after
    ``assessment_date``.

    Parameters
    ----------
    assessment_date : datetime.date
        The case's assessment date.
    completeness : {"full", "partial", "sparse"} or None, default None
        How much is recorded; see :data:`Completeness`.

    Returns
    -------
    SearchStrategy[Relationship]

    Examples
    --------
    >>> import datetime as dt
    >>> from hypothesis import find
    >>> r = find(relationships(dt.date(2024, 5, 1)), lambda r: r.separation_date is not None)
    >>> r.type.value
    'ex_intimate_partner'
    """
    return _parts(
        completeness, lambda draw, style: _draw_relationship(draw, style, assessment_date)
    )


# --- cases ------------------------------------------------------------------------------------


def _coerce_part(name: str, value: object) -> object:
    """Read an override's drawn value as the field's type (a dict becomes the part's model)."""
    parts: dict[str, Callable[[object], object]] = {
        "assessment_date": _DATES.validate_python,
        "perpetrator": Perpetrator.model_validate,
        "history": CriminalHistory.model_validate,
        "episode": StalkingEpisode.model_validate,
        "relationship": Relationship.model_validate,
        "victim": VictimSituation.model_validate,
        "current_offence": CurrentOffence.model_validate,
    }
    return parts[name](value) if name in parts else value


def _as_strategies(overrides: Mapping[str, object]) -> dict[str, st.SearchStrategy[Any]]:
    if "synthetic" in overrides:
        raise InvalidArgument(
            "synthetic cannot be overridden: every generated case has synthetic=True, so that "
            "it is never mistaken for a real one"
        )
    unknown = sorted(set(overrides) - set(_CASE_PARTS))
    if unknown:
        raise InvalidArgument(
            f"Case has no field {', '.join(map(repr, unknown))}; the fields that can be "
            f"overridden are {', '.join(_CASE_PARTS)}"
        )
    return {
        name: value if isinstance(value, st.SearchStrategy) else st.just(value)
        for name, value in overrides.items()
    }


@st.composite
def _cases(
    draw: st.DrawFn,
    completeness: Completeness | None,
    overrides: Mapping[str, st.SearchStrategy[Any]],
) -> Case:
    style = draw(_styles(completeness))

    def part(name: str, generate: Callable[[], object]) -> Any:
        if name in overrides:
            return _coerce_part(name, draw(overrides[name]))
        return generate()

    assessment_date: dt.date = part("assessment_date", lambda: draw(_ASSESSMENT_DATES))
    perpetrator: Perpetrator = part("perpetrator", lambda: draw(style.perpetrator))
    age = perpetrator.age
    offence: CurrentOffence = part(
        "current_offence", lambda: _draw_current_offence(draw, style, assessment_date, age)
    )
    at_conviction = offence.age_at_conviction
    fields: dict[str, Any] = {
        "case_id": part("case_id", lambda: draw(_CASE_IDS)),
        "assessment_date": assessment_date,
        "synthetic": True,
        "perpetrator": perpetrator,
        "history": part(
            "history",
            lambda: _draw_history(draw, style, assessment_date, age, at_conviction),
        ),
        "episode": part("episode", lambda: _draw_episode(draw, style, assessment_date)),
        "relationship": part(
            "relationship", lambda: _draw_relationship(draw, style, assessment_date)
        ),
        "victim": part("victim", lambda: draw(style.victim)),
        "current_offence": offence,
        "multi_agency": part("multi_agency", lambda: draw(style.multi_agency)),
        "conditions": part("conditions", lambda: draw(style.conditions)),
        "sources": part("sources", lambda: None),
    }
    if "schema_version" in overrides:
        fields["schema_version"] = draw(overrides["schema_version"])
    return Case(**fields)


def cases(
    *, completeness: Completeness | None = None, **overrides: object
) -> st.SearchStrategy[Case]:
    """Generate valid, synthetic :class:`~stalkrisk.Case` objects across the whole schema.

    Every part of a case is generated: criminal history (convictions, protective orders and
    their breaches, pending charges, each list recorded, empty or ``None``), the episode
    (behaviours, channels, threats, escalation), the relationship, the perpetrator (including
    the lifetime and recent answers of :class:`~stalkrisk.schemas.Timed` fields) and the victim.
    The cases satisfy every cross-field rule by construction, so drawing one never fails
    validation, and every case has ``synthetic=True``.

    Parameters
    ----------
    completeness : {"full", "partial", "sparse"} or None, default None
        How much of each case is recorded (see :data:`Completeness`); ``None`` mixes all three.
        ``"full"`` cases can be scored on every scale of the default instrument.
    **overrides : value or SearchStrategy
        A value, or a strategy, for any of the fields ``case_id``, ``assessment_date``,
        ``perpetrator``, ``history``, ``episode``, ``relationship``, ``victim`` (or
        ``schema_version``). The other parts are generated to agree with the assessment date
        and the perpetrator's age; overriding a part with values that break a cross-field rule
        (for example a history with conviction ages above the perpetrator's age) fails
        validation. ``synthetic`` cannot be overridden.

    Returns
    -------
    SearchStrategy[Case]

    Raises
    ------
    hypothesis.errors.InvalidArgument
        If an override names no field of :class:`~stalkrisk.Case`, or names ``synthetic``.

    Examples
    --------
    A property test of software that uses stalkrisk:

    >>> import datetime as dt
    >>> from hypothesis import given, settings
    >>> import stalkrisk
    >>> @settings(max_examples=20, database=None)
    ... @given(cases(assessment_date=dt.date(2024, 5, 1)))
    ... def test_every_scale_has_a_result(case):
    ...     assert case.synthetic
    ...     scales = [s.scale for s in stalkrisk.score(case).scales]
    ...     assert scales == ["persistence", "recurrence", "serious_harm"]
    >>> test_every_scale_has_a_result()

    Fix a part of the case with a value or a strategy; the rest is generated to agree with it.
    A fixed part keeps its own unknowns, so record in it what the scales read (here the
    mental-disorder answers that the recurrence scale needs):

    >>> from stalkrisk.schemas import MentalDisorder, Perpetrator
    >>> known = MentalDisorder(personality_disorder="absent", delusional_disorder="absent")
    >>> @settings(max_examples=20, database=None)
    ... @given(cases(perpetrator=Perpetrator(age=19, mental_disorder=known), completeness="full"))
    ... def test_convictions_follow_the_age(case):
    ...     assert all(10 <= c.age <= 19 for c in case.history.convictions)
    ...     assert stalkrisk.score(case).scorable
    >>> test_convictions_follow_the_age()
    """
    _check_completeness(completeness)
    return _cases(completeness, _as_strategies(overrides))


def case_dicts(
    *, completeness: Completeness | None = None, **overrides: object
) -> st.SearchStrategy[dict[str, Any]]:
    """Generate JSON-ready dicts of valid cases (``case.model_dump(mode="json")``).

    Takes the same arguments as :func:`cases`. Useful for testing code that reads case files
    or receives cases over an API.

    Returns
    -------
    SearchStrategy[dict[str, Any]]

    Examples
    --------
    >>> import json
    >>> from hypothesis import given, settings
    >>> from stalkrisk import Case
    >>> @settings(max_examples=20, database=None)
    ... @given(case_dicts())
    ... def test_case_files_load(data):
    ...     assert Case.model_validate_json(json.dumps(data)).model_dump(mode="json") == data
    >>> test_case_files_load()
    """
    return cases(completeness=completeness, **overrides).map(lambda c: c.model_dump(mode="json"))


def assessments(
    instrument: InstrumentSource = DEFAULT_INSTRUMENT,
    *,
    completeness: Completeness | None = None,
    **overrides: object,
) -> st.SearchStrategy[Assessment]:
    """Generate :class:`~stalkrisk.Assessment` results of generated cases.

    Parameters
    ----------
    instrument : str, path or Instrument, default "stalkrisk-screen"
        The instrument to score with (loaded once, when the strategy is made).
    completeness : {"full", "partial", "sparse"} or None, default None
        How much of each case is recorded; see :func:`cases`.
    **overrides : value or SearchStrategy
        As for :func:`cases`.

    Returns
    -------
    SearchStrategy[Assessment]

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> import stalkrisk
    >>> @settings(max_examples=20, database=None)
    ... @given(assessments(completeness="full"))
    ... def test_explanations_carry_the_notice(assessment):
    ...     assert assessment.scorable and assessment.synthetic
    ...     assert assessment.notice in stalkrisk.render_text(assessment)
    >>> test_explanations_carry_the_notice()
    """
    scorer = WeightedScorer(instrument)
    return cases(completeness=completeness, **overrides).map(scorer.score)
