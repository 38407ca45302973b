"""The one place where the application's hearing files meet stalkrisk.

:func:`to_case` maps a :class:`~courtapp.hearing.HearingFile` to a :class:`stalkrisk.Case`;
:func:`import_referral` reads a stalkrisk case file (a referral from probation, say) into a
hearing file. Every mapping is an explicit table, and every table is total: each value on one
side has exactly one value on the other, and the application's tests check this in both
directions, so an upgrade of stalkrisk that adds a category fails those tests instead of
being mapped to something else without anyone noticing.

"Not recorded" always becomes ``"unknown"`` (or ``None`` for a list), never ``"absent"``: the
instrument's missing-data rule, not this adapter, decides what an unanswered question means.
Questions the form does not ask are left at stalkrisk's default, which is also "unknown".

Examples
--------
>>> import datetime as dt
>>> from courtapp.hearing import Answer, Hearing, HearingFile
>>> file = HearingFile(listing_ref="LST-2025-0412", defendant_ref="DEF-88410",
...                    hearing=Hearing.BAIL, hearing_date=dt.date(2025, 3, 14),
...                    screened_on=dt.date(2025, 3, 12), threatened_to_kill=Answer.YES,
...                    weapon_access=Answer.NO)
>>> case = to_case(file)
>>> case.episode.threats.to_kill.value, case.episode.weapon_access.value
('present', 'absent')
>>> case.episode.threats.violence.value  # not recorded on the form
'unknown'
>>> case.history.convictions is None  # the record was not checked
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, TypeVar

from courtapp.hearing import (
    Answer,
    ConductRecord,
    ContactFrequency,
    ContactRoute,
    Hearing,
    HearingFile,
    Motive,
    OffenceCode,
    OrderType,
    PreviousConviction,
    ProtectiveOrderRecord,
    Relation,
    ReportedConduct,
    VictimView,
)
from stalkrisk import Case, Presence
from stalkrisk.schemas import (
    Behaviour,
    BehaviourKind,
    Channel,
    Conviction,
    Frequency,
    Motivation,
    OffenceCategory,
    OrderKind,
    ProtectiveOrder,
    RelationshipType,
    VictimFear,
)

__all__ = [
    "ANSWERS",
    "ANSWER_FIELDS",
    "CONDUCT",
    "FREQUENCIES",
    "MOTIVES",
    "OFFENCES",
    "ORDERS",
    "RELATIONS",
    "ROUTES",
    "VICTIM_VIEWS",
    "FormValueError",
    "form_field",
    "import_referral",
    "to_case",
]

K = TypeVar("K", bound=StrEnum)
V = TypeVar("V", bound=StrEnum)

# --- the tables ------------------------------------------------------------------------------

#: A yes/no answer on the form and stalkrisk's tri-state answer. "Not recorded" is "unknown".
ANSWERS: Final[Mapping[Answer, Presence]] = {
    Answer.YES: Presence.PRESENT,
    Answer.NO: Presence.ABSENT,
    Answer.NOT_RECORDED: Presence.UNKNOWN,
}

RELATIONS: Final[Mapping[Relation, RelationshipType]] = {
    Relation.FORMER_PARTNER: RelationshipType.EX_INTIMATE_PARTNER,
    Relation.CURRENT_PARTNER: RelationshipType.CURRENT_INTIMATE_PARTNER,
    Relation.FAMILY_MEMBER: RelationshipType.FAMILY,
    Relation.ACQUAINTANCE: RelationshipType.ACQUAINTANCE,
    Relation.COLLEAGUE: RelationshipType.WORK,
    Relation.STRANGER: RelationshipType.STRANGER,
    Relation.OTHER: RelationshipType.OTHER,
    Relation.NOT_RECORDED: RelationshipType.UNKNOWN,
}

FREQUENCIES: Final[Mapping[ContactFrequency, Frequency]] = {
    ContactFrequency.LESS_THAN_WEEKLY: Frequency.LESS_THAN_WEEKLY,
    ContactFrequency.WEEKLY: Frequency.WEEKLY,
    ContactFrequency.SEVERAL_A_WEEK: Frequency.SEVERAL_TIMES_A_WEEK,
    ContactFrequency.DAILY: Frequency.DAILY,
    ContactFrequency.SEVERAL_A_DAY: Frequency.SEVERAL_TIMES_A_DAY,
    ContactFrequency.NOT_RECORDED: Frequency.UNKNOWN,
}

MOTIVES: Final[Mapping[Motive, Motivation]] = {
    Motive.REJECTED: Motivation.REJECTED,
    Motive.RESENTFUL: Motivation.RESENTFUL,
    Motive.INTIMACY_SEEKING: Motivation.INTIMACY_SEEKING,
    Motive.INCOMPETENT_SUITOR: Motivation.INCOMPETENT_SUITOR,
    Motive.PREDATORY: Motivation.PREDATORY,
    Motive.NOT_RECORDED: Motivation.UNKNOWN,
}

VICTIM_VIEWS: Final[Mapping[VictimView, VictimFear]] = {
    VictimView.NOT_AFRAID: VictimFear.NOT_AFRAID,
    VictimView.AFRAID: VictimFear.AFRAID,
    VictimView.VERY_AFRAID: VictimFear.VERY_AFRAID,
    VictimView.NOT_RECORDED: VictimFear.UNKNOWN,
}

CONDUCT: Final[Mapping[ReportedConduct, BehaviourKind]] = {
    ReportedConduct.MESSAGES_OR_CALLS: BehaviourKind.UNWANTED_CONTACT,
    ReportedConduct.FOLLOWING: BehaviourKind.FOLLOWING,
    ReportedConduct.LOITERING: BehaviourKind.LOITERING,
    ReportedConduct.AT_HOME: BehaviourKind.TURNING_UP_AT_HOME,
    ReportedConduct.AT_WORK: BehaviourKind.TURNING_UP_AT_WORK,
    ReportedConduct.APPROACHING: BehaviourKind.APPROACHING,
    ReportedConduct.WATCHING: BehaviourKind.SURVEILLANCE,
    ReportedConduct.TRACKER: BehaviourKind.TRACKING_DEVICE,
    ReportedConduct.INTIMATE_IMAGES: BehaviourKind.IMAGE_BASED_ABUSE,
    ReportedConduct.DAMAGE: BehaviourKind.PROPERTY_DAMAGE,
    ReportedConduct.GIFTS: BehaviourKind.UNWANTED_GIFTS,
    ReportedConduct.IMPERSONATION: BehaviourKind.IMPERSONATION,
    ReportedConduct.OTHER: BehaviourKind.OTHER,
}

ROUTES: Final[Mapping[ContactRoute, Channel]] = {
    ContactRoute.PHONE: Channel.PHONE_CALL,
    ContactRoute.TEXT: Channel.TEXT_MESSAGE,
    ContactRoute.SOCIAL_MEDIA: Channel.SOCIAL_MEDIA,
    ContactRoute.EMAIL: Channel.EMAIL,
    ContactRoute.LETTER: Channel.LETTER,
    ContactRoute.IN_PERSON: Channel.IN_PERSON,
    ContactRoute.TRACKER: Channel.TRACKING_DEVICE,
    ContactRoute.THROUGH_OTHERS: Channel.THIRD_PARTY,
    ContactRoute.OTHER: Channel.OTHER,
}

ORDERS: Final[Mapping[OrderType, OrderKind]] = {
    OrderType.RESTRAINING: OrderKind.RESTRAINING_ORDER,
    OrderType.NON_MOLESTATION: OrderKind.NON_MOLESTATION_ORDER,
    OrderType.STALKING_PROTECTION: OrderKind.STALKING_PROTECTION_ORDER,
    OrderType.INTERIM_STALKING_PROTECTION: OrderKind.INTERIM_STALKING_PROTECTION_ORDER,
    OrderType.DAPO: OrderKind.DOMESTIC_ABUSE_PROTECTION_ORDER,
    OrderType.DAPN: OrderKind.DOMESTIC_ABUSE_PROTECTION_NOTICE,
    OrderType.BAIL: OrderKind.BAIL_CONDITIONS,
    OrderType.LICENCE: OrderKind.LICENCE_CONDITIONS,
    OrderType.OTHER: OrderKind.OTHER,
}

OFFENCES: Final[Mapping[OffenceCode, OffenceCategory]] = {
    OffenceCode.HARASSMENT: OffenceCategory.HARASSMENT,
    OffenceCode.STALKING: OffenceCategory.STALKING,
    OffenceCode.MALICIOUS_COMMUNICATIONS: OffenceCategory.MALICIOUS_COMMUNICATIONS,
    OffenceCode.INTIMATE_IMAGES: OffenceCategory.INTIMATE_IMAGE_ABUSE,
    OffenceCode.COERCIVE_CONTROL: OffenceCategory.CONTROLLING_OR_COERCIVE_BEHAVIOUR,
    OffenceCode.BREACH_RESTRAINING_ORDER: OffenceCategory.BREACH_RESTRAINING_ORDER,
    OffenceCode.BREACH_NON_MOLESTATION_ORDER: OffenceCategory.BREACH_NON_MOLESTATION_ORDER,
    OffenceCode.BREACH_STALKING_PROTECTION_ORDER: (
        OffenceCategory.BREACH_STALKING_PROTECTION_ORDER
    ),
    OffenceCode.BREACH_BAIL: OffenceCategory.BREACH_BAIL,
    OffenceCode.BREACH_LICENCE: OffenceCategory.BREACH_LICENCE,
    OffenceCode.COMMON_ASSAULT: OffenceCategory.COMMON_ASSAULT,
    OffenceCode.ABH: OffenceCategory.ASSAULT_OCCASIONING_HARM,
    OffenceCode.WOUNDING_GBH: OffenceCategory.WOUNDING_GBH,
    OffenceCode.THREATS_TO_KILL: OffenceCategory.THREATS_TO_KILL,
    OffenceCode.ATTEMPTED_MURDER: OffenceCategory.ATTEMPTED_MURDER,
    OffenceCode.HOMICIDE: OffenceCategory.HOMICIDE,
    OffenceCode.SEXUAL: OffenceCategory.SEXUAL_OFFENCE,
    OffenceCode.WEAPON: OffenceCategory.WEAPON_POSSESSION,
    OffenceCode.CRIMINAL_DAMAGE: OffenceCategory.CRIMINAL_DAMAGE,
    OffenceCode.PUBLIC_ORDER: OffenceCategory.PUBLIC_ORDER,
    OffenceCode.OTHER: OffenceCategory.OTHER,
}

#: Each yes/no question on the form, and the field of :class:`stalkrisk.Case` it answers.
ANSWER_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "substance_misuse_ever": ("perpetrator", "substance_misuse", "lifetime"),
    "substance_misuse_last_12_months": ("perpetrator", "substance_misuse", "recent"),
    "suicidal_ever": ("perpetrator", "suicidality", "lifetime"),
    "suicidal_last_12_months": ("perpetrator", "suicidality", "recent"),
    "diagnosed_personality_disorder": ("perpetrator", "mental_disorder", "personality_disorder"),
    "diagnosed_delusional_disorder": ("perpetrator", "mental_disorder", "delusional_disorder"),
    "obsessed_with_victim": ("perpetrator", "obsession"),
    "engages_with_supervision": ("perpetrator", "protective", "engaged_with_supervision"),
    "stable_accommodation_away_from_victim": (
        "perpetrator",
        "protective",
        "stable_accommodation_away_from_victim",
    ),
    "supportive_people": ("perpetrator", "protective", "prosocial_support"),
    "earlier_stalking_of_this_victim": ("history", "prior_stalking_this_victim"),
    "earlier_stalking_of_others": ("history", "prior_stalking_other_victims"),
    "physical_abuse_in_relationship": ("relationship", "domestic_abuse", "physical"),
    "sexual_abuse_in_relationship": ("relationship", "domestic_abuse", "sexual"),
    "coercive_control_in_relationship": ("relationship", "domestic_abuse", "coercive_control"),
    "jealousy_in_relationship": ("relationship", "domestic_abuse", "jealousy"),
    "strangulation_in_relationship": ("relationship", "domestic_abuse", "strangulation"),
    "children_together": ("relationship", "children_in_common"),
    "child_contact_dispute": ("relationship", "child_contact_dispute"),
    "conduct_ongoing": ("episode", "ongoing"),
    "contact_since_arrest_or_charge": ("episode", "contact_since_arrest_or_charge"),
    "threatened_violence": ("episode", "threats", "violence"),
    "threatened_sexual_violence": ("episode", "threats", "sexual_violence"),
    "threatened_to_kill": ("episode", "threats", "to_kill"),
    "threatened_others": ("episode", "threats", "against_third_parties"),
    "threatened_children": ("episode", "threats", "against_children"),
    "countdown_to_harm": ("episode", "threats", "countdown"),
    "violence_in_episode": ("episode", "violence"),
    "strangulation_in_episode": ("episode", "strangulation"),
    "weapon_used_or_threatened": ("episode", "weapon_used_or_threatened"),
    "weapon_access": ("episode", "weapon_access"),
    "firearm_access": ("episode", "firearm_access"),
    "harassing_people_close_to_victim": ("episode", "third_party_harassment"),
    "recruited_others": ("episode", "recruiting_others"),
    "tried_to_procure_violence": ("episode", "procuring_violence"),
    "more_frequent_recently": ("episode", "escalation", "frequency"),
    "more_severe_recently": ("episode", "escalation", "severity"),
}

#: The other fields of the form, and the field of :class:`stalkrisk.Case` each one fills.
_OTHER_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "defendant_ref": ("case_id",),
    "screened_on": ("assessment_date",),
    "test_record": ("synthetic",),
    "defendant_age": ("perpetrator", "age"),
    "motive": ("perpetrator", "motivation"),
    "previous_convictions": ("history", "convictions"),
    "total_previous_convictions": ("history", "conviction_count"),
    "orders": ("history", "protective_orders"),
    "relation": ("relationship", "type"),
    "separated_on": ("relationship", "separation_date"),
    "conduct_began_on": ("episode", "start_date"),
    "last_incident_on": ("episode", "last_incident_date"),
    "frequency": ("episode", "frequency"),
    "conduct": ("episode", "behaviours"),
    "victim_view": ("victim", "fear"),
}

# Fields of the entries of a list on the form, and the stalkrisk fields they fill.
_ENTRY_FIELDS: Final[Mapping[tuple[str, str], str]] = {
    ("convictions", "offence"): "offence",
    ("convictions", "date"): "convicted_on",
    ("convictions", "age"): "age_at_conviction",
    ("convictions", "against_current_victim"): "against_this_victim",
    ("convictions", "against_intimate_partner"): "against_a_partner",
    ("convictions", "against_family_member"): "against_a_family_member",
    ("protective_orders", "kind"): "order",
    ("protective_orders", "made_on"): "made_on",
    ("protective_orders", "protects_current_victim"): "protects_this_victim",
    ("protective_orders", "in_force"): "in_force",
    ("protective_orders", "breaches"): "breaches",
    ("behaviours", "kind"): "conduct",
    ("behaviours", "channels"): "routes",
    ("behaviours", "first_date"): "first_seen_on",
    ("behaviours", "last_date"): "last_seen_on",
}

_BY_CASE_PATH: Final[Mapping[tuple[str, ...], str]] = {
    path: name for name, path in {**ANSWER_FIELDS, **_OTHER_FIELDS}.items()
}


class FormValueError(ValueError):
    """A field of a hearing file holds a value that is not one of the form's answers.

    The message names the field and never repeats the value.
    """

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"{field} does not hold one of the form's answers")


def _lookup(table: Mapping[K, V], value: K, field: str) -> V:
    try:
        return table[value]
    except (KeyError, TypeError):
        raise FormValueError(field) from None


def _reverse(table: Mapping[K, V]) -> dict[V, K]:
    return {v: k for k, v in table.items()}


def _put(data: dict[str, Any], path: tuple[str, ...], value: object) -> None:
    for part in path[:-1]:
        data = data.setdefault(part, {})
    data[path[-1]] = value


# --- the application's file -> stalkrisk -----------------------------------------------------


def _conviction(entry: PreviousConviction, field: str) -> dict[str, Any]:
    return {
        "offence": _lookup(OFFENCES, entry.offence, f"{field}.offence"),
        "date": entry.convicted_on,
        "age": entry.age_at_conviction,
        "against_current_victim": _lookup(
            ANSWERS, entry.against_this_victim, f"{field}.against_this_victim"
        ),
        "against_intimate_partner": _lookup(
            ANSWERS, entry.against_a_partner, f"{field}.against_a_partner"
        ),
        "against_family_member": _lookup(
            ANSWERS, entry.against_a_family_member, f"{field}.against_a_family_member"
        ),
    }


def _order(entry: ProtectiveOrderRecord, field: str) -> dict[str, Any]:
    if entry.breaches is not None and entry.breaches < 0:
        raise FormValueError(f"{field}.breaches")
    return {
        "kind": _lookup(ORDERS, entry.order, f"{field}.order"),
        "made_on": entry.made_on,
        "protects_current_victim": _lookup(
            ANSWERS, entry.protects_this_victim, f"{field}.protects_this_victim"
        ),
        "in_force": _lookup(ANSWERS, entry.in_force, f"{field}.in_force"),
        # The form counts breaches; stalkrisk lists them. Their dates are not on the form, so
        # they stay unrecorded (None): a count of 0 is "checked, never breached".
        "breaches": None if entry.breaches is None else [{}] * entry.breaches,
    }


def _behaviour(entry: ConductRecord, field: str) -> dict[str, Any]:
    return {
        "kind": _lookup(CONDUCT, entry.conduct, f"{field}.conduct"),
        "channels": [_lookup(ROUTES, r, f"{field}.routes") for r in entry.routes],
        "first_date": entry.first_seen_on,
        "last_date": entry.last_seen_on,
    }


def to_case(file: HearingFile) -> Case:
    """Return the :class:`stalkrisk.Case` that a hearing file describes.

    Parameters
    ----------
    file : HearingFile
        The application's record.

    Returns
    -------
    stalkrisk.Case
        Validated. Questions the form does not ask, and questions not recorded, are unknown.

    Raises
    ------
    pydantic.ValidationError
        If the file breaks one of stalkrisk's rules (a date after the screening date, a
        conviction without its date or age, ...). Use :func:`form_field` to name the field of
        the form at fault; the error never holds the values submitted.
    FormValueError
        If a field holds something that is not one of the form's answers.

    Examples
    --------
    >>> import datetime as dt
    >>> from courtapp.hearing import Hearing, HearingFile
    >>> file = HearingFile(listing_ref="LST-1", defendant_ref="DEF-1", hearing=Hearing.BAIL,
    ...                    hearing_date=dt.date(2025, 3, 14), screened_on=dt.date(2025, 3, 12),
    ...                    previous_convictions=())
    >>> to_case(file).history.convictions  # checked, and none: not the same as not checked
    []
    """
    data: dict[str, Any] = {
        "case_id": file.defendant_ref,
        "assessment_date": file.screened_on,
        "synthetic": file.test_record,
    }
    for name, path in ANSWER_FIELDS.items():
        _put(data, path, _lookup(ANSWERS, getattr(file, name), name))
    _put(data, ("perpetrator", "age"), file.defendant_age)
    _put(data, ("perpetrator", "motivation"), _lookup(MOTIVES, file.motive, "motive"))
    history = data.setdefault("history", {})
    if file.previous_convictions is not None:
        history["convictions"] = [
            _conviction(c, f"previous_convictions[{i}]")
            for i, c in enumerate(file.previous_convictions)
        ]
    history["conviction_count"] = file.total_previous_convictions
    if file.orders is not None:
        history["protective_orders"] = [
            _order(o, f"orders[{i}]") for i, o in enumerate(file.orders)
        ]
    relationship = data.setdefault("relationship", {})
    relationship["type"] = _lookup(RELATIONS, file.relation, "relation")
    relationship["separation_date"] = file.separated_on
    episode = data.setdefault("episode", {})
    episode["start_date"] = file.conduct_began_on
    episode["last_incident_date"] = file.last_incident_on
    episode["frequency"] = _lookup(FREQUENCIES, file.frequency, "frequency")
    if file.conduct is not None:
        episode["behaviours"] = [_behaviour(b, f"conduct[{i}]") for i, b in enumerate(file.conduct)]
    data["victim"] = {"fear": _lookup(VICTIM_VIEWS, file.victim_view, "victim_view")}
    return Case.model_validate(data)


# --- stalkrisk -> the application's file -----------------------------------------------------


def _get(case: Case, path: tuple[str, ...]) -> Any:
    value: Any = case
    for part in path:
        value = getattr(value, part)
    return value


def _imported_conviction(c: Conviction) -> PreviousConviction:
    return PreviousConviction(
        offence=_reverse(OFFENCES)[c.offence],
        convicted_on=c.date,
        age_at_conviction=c.age,
        against_this_victim=_reverse(ANSWERS)[c.against_current_victim],
        against_a_partner=_reverse(ANSWERS)[c.against_intimate_partner],
        against_a_family_member=_reverse(ANSWERS)[c.against_family_member],
    )


def _imported_order(o: ProtectiveOrder) -> ProtectiveOrderRecord:
    return ProtectiveOrderRecord(
        order=_reverse(ORDERS)[o.kind],
        made_on=o.made_on,
        protects_this_victim=_reverse(ANSWERS)[o.protects_current_victim],
        in_force=_reverse(ANSWERS)[o.in_force],
        breaches=None if o.breaches is None else len(o.breaches),
    )


def _imported_conduct(b: Behaviour) -> ConductRecord:
    return ConductRecord(
        conduct=_reverse(CONDUCT)[b.kind],
        routes=tuple(_reverse(ROUTES)[c] for c in b.channels),
        first_seen_on=b.first_date,
        last_seen_on=b.last_date,
    )


def import_referral(
    case: Case, *, listing_ref: str, hearing: Hearing, hearing_date: dt.date
) -> HearingFile:
    """Read a stalkrisk case (a referral, say from probation) into a new hearing file.

    The form keeps everything the pinned instrument reads. What the form does not hold
    (dates of individual breaches, sentences, pending charges, earlier charges that did not
    end in a conviction, the sex of earlier victims, treatment, ...) is dropped, and the
    hearing file then says nothing about it; when the file is mapped back with
    :func:`to_case`, those fields are unknown, never absent.

    Parameters
    ----------
    case : stalkrisk.Case
        The referral.
    listing_ref, hearing, hearing_date
        The hearing the file is for.

    Returns
    -------
    HearingFile

    Examples
    --------
    >>> import datetime as dt, stalkrisk
    >>> from courtapp.hearing import Hearing
    >>> file = import_referral(stalkrisk.load_example("EX-07"), listing_ref="LST-7",
    ...                        hearing=Hearing.BAIL, hearing_date=dt.date(2025, 1, 10))
    >>> file.defendant_ref, file.strangulation_in_relationship.value, file.test_record
    ('EX-07', 'yes', True)
    """
    answers = {name: _reverse(ANSWERS)[_get(case, path)] for name, path in ANSWER_FIELDS.items()}
    history, episode = case.history, case.episode
    return HearingFile(
        listing_ref=listing_ref,
        defendant_ref=case.case_id,
        hearing=hearing,
        hearing_date=hearing_date,
        screened_on=case.assessment_date,
        test_record=case.synthetic,
        defendant_age=case.perpetrator.age,
        motive=_reverse(MOTIVES)[case.perpetrator.motivation],
        previous_convictions=None
        if history.convictions is None
        else tuple(_imported_conviction(c) for c in history.convictions),
        total_previous_convictions=history.conviction_count,
        orders=None
        if history.protective_orders is None
        else tuple(_imported_order(o) for o in history.protective_orders),
        relation=_reverse(RELATIONS)[case.relationship.type],
        separated_on=case.relationship.separation_date,
        conduct_began_on=episode.start_date,
        last_incident_on=episode.last_incident_date,
        frequency=_reverse(FREQUENCIES)[episode.frequency],
        conduct=None
        if episode.behaviours is None
        else tuple(_imported_conduct(b) for b in episode.behaviours),
        victim_view=_reverse(VICTIM_VIEWS)[case.victim.fear],
        **answers,
    )


# --- naming the form's field from a stalkrisk error ------------------------------------------


def form_field(loc: tuple[str | int, ...]) -> str | None:
    """Return the field of the form that a stalkrisk error location points at.

    Parameters
    ----------
    loc : tuple
        The ``loc`` of one of a :class:`pydantic.ValidationError`'s errors.

    Returns
    -------
    str or None
        A field of :class:`~courtapp.hearing.HearingFile`, with the entry and its field for
        the form's lists (``"previous_convictions[0].convicted_on"``); ``None`` when the error
        is about a part of the case the form does not fill.

    Examples
    --------
    >>> form_field(("relationship", "separation_date"))
    'separated_on'
    >>> form_field(("history", "convictions", 2, "date"))
    'previous_convictions[2].convicted_on'
    >>> form_field(("current_offence", "age_at_conviction")) is None
    True
    """
    for n in range(len(loc), 0, -1):
        prefix = loc[:n]
        if not all(isinstance(p, str) for p in prefix):
            continue
        name = _BY_CASE_PATH.get(tuple(str(p) for p in prefix))
        if name is None:
            continue
        rest = loc[n:]
        if not rest or not isinstance(rest[0], int):
            return name
        entry = f"{name}[{rest[0]}]"
        sub = next((p for p in rest[1:] if isinstance(p, str)), None)
        field = None if sub is None else _ENTRY_FIELDS.get((str(loc[n - 1]), sub))
        return entry if field is None else f"{entry}.{field}"
    return None
