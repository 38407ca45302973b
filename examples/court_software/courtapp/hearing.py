"""The court-support application's own records: a hearing file and the words its form uses.

Nothing here imports stalkrisk. These are the objects the application stores, shows and edits;
:mod:`courtapp.adapter` is the one place where they meet stalkrisk's :class:`~stalkrisk.Case`.

Every question on the form has an explicit "not recorded" answer, and it is the default: a
question nobody answered is never read as "no". A list that was not checked is ``None``; a list
that was checked and holds nothing is ``()``.

Examples
--------
>>> import datetime as dt
>>> file = HearingFile(
...     listing_ref="LST-2025-0412",
...     defendant_ref="DEF-88410",
...     hearing=Hearing.BAIL,
...     hearing_date=dt.date(2025, 3, 14),
...     screened_on=dt.date(2025, 3, 12),
...     threatened_to_kill=Answer.YES,
... )
>>> file.threatened_to_kill.value, file.weapon_access.value
('yes', 'not recorded')
>>> file.previous_convictions is None  # the record was not checked, which is not "none"
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ENTRY_LABELS",
    "FORM_LABELS",
    "Answer",
    "ConductRecord",
    "ContactFrequency",
    "ContactRoute",
    "Hearing",
    "HearingFile",
    "Motive",
    "OffenceCode",
    "OrderType",
    "PreviousConviction",
    "ProtectiveOrderRecord",
    "Relation",
    "ReportedConduct",
    "VictimView",
]


class Answer(StrEnum):
    """The form's answer to a yes/no question. ``NOT_RECORDED`` is the default everywhere."""

    YES = "yes"
    NO = "no"
    NOT_RECORDED = "not recorded"


class Hearing(StrEnum):
    """The hearing the file is prepared for."""

    BAIL = "bail"
    SENTENCE = "sentence"


class Relation(StrEnum):
    """The defendant's relationship to the victim, in the listing system's words."""

    FORMER_PARTNER = "former partner"
    CURRENT_PARTNER = "current partner"
    FAMILY_MEMBER = "family member"
    ACQUAINTANCE = "acquaintance"
    COLLEAGUE = "colleague or former colleague"
    STRANGER = "stranger"
    OTHER = "other"
    NOT_RECORDED = "not recorded"


class Motive(StrEnum):
    """What drives the conduct, as the psychiatric or probation report describes it.

    The categories of the Mullen typology, in the form's words.
    """

    REJECTED = "rejected after the relationship ended"
    RESENTFUL = "resentful, pursuing a grievance"
    INTIMACY_SEEKING = "seeking an intimate relationship"
    INCOMPETENT_SUITOR = "incompetent suitor"
    PREDATORY = "predatory"
    NOT_RECORDED = "not recorded"


class ContactFrequency(StrEnum):
    """How often the unwanted conduct happens now."""

    LESS_THAN_WEEKLY = "less than weekly"
    WEEKLY = "weekly"
    SEVERAL_A_WEEK = "several times a week"
    DAILY = "daily"
    SEVERAL_A_DAY = "several times a day"
    NOT_RECORDED = "not recorded"


class VictimView(StrEnum):
    """The victim's own view of the risk, as recorded by the witness care or IDVA service."""

    NOT_AFRAID = "not afraid"
    AFRAID = "afraid"
    VERY_AFRAID = "very afraid"
    NOT_RECORDED = "not recorded"


class ReportedConduct(StrEnum):
    """Kinds of conduct reported in the current episode (the police case summary's list)."""

    MESSAGES_OR_CALLS = "unwanted messages or calls"
    FOLLOWING = "following"
    LOITERING = "loitering"
    AT_HOME = "turning up at home"
    AT_WORK = "turning up at work"
    APPROACHING = "approaching"
    WATCHING = "watching or monitoring"
    TRACKER = "tracking device"
    INTIMATE_IMAGES = "sharing or threatening to share intimate images"
    DAMAGE = "damage to property"
    GIFTS = "unwanted gifts"
    IMPERSONATION = "impersonation"
    OTHER = "other conduct"


class ContactRoute(StrEnum):
    """How the conduct reached the victim."""

    PHONE = "phone call"
    TEXT = "text message"
    SOCIAL_MEDIA = "social media"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in person"
    TRACKER = "tracking device"
    THROUGH_OTHERS = "through other people"
    OTHER = "other route"


class OrderType(StrEnum):
    """Orders and conditions that protect the victim or restrict the defendant."""

    RESTRAINING = "restraining order"
    NON_MOLESTATION = "non-molestation order"
    STALKING_PROTECTION = "stalking protection order"
    INTERIM_STALKING_PROTECTION = "interim stalking protection order"
    DAPO = "domestic abuse protection order"
    DAPN = "domestic abuse protection notice"
    BAIL = "bail conditions"
    LICENCE = "licence conditions"
    OTHER = "other order"


# The listing system's offence codes. Each maps to exactly one stalkrisk offence category
# (courtapp.adapter.OFFENCES); the application's tests check that the map covers every
# category in both directions, so collapsing two categories can never change a score silently.
class OffenceCode(StrEnum):
    """The listing system's codes for previous offences."""

    HARASSMENT = "HAR"
    STALKING = "STK"
    MALICIOUS_COMMUNICATIONS = "MCA"
    INTIMATE_IMAGES = "IIA"
    COERCIVE_CONTROL = "CCB"
    BREACH_RESTRAINING_ORDER = "BRO"
    BREACH_NON_MOLESTATION_ORDER = "BNMO"
    BREACH_STALKING_PROTECTION_ORDER = "BSPO"
    BREACH_BAIL = "BBL"
    BREACH_LICENCE = "BLC"
    COMMON_ASSAULT = "CAS"
    ABH = "ABH"
    WOUNDING_GBH = "GBH"
    THREATS_TO_KILL = "TTK"
    ATTEMPTED_MURDER = "ATM"
    HOMICIDE = "HOM"
    SEXUAL = "SEX"
    WEAPON = "WPN"
    CRIMINAL_DAMAGE = "CDM"
    PUBLIC_ORDER = "POA"
    OTHER = "OTH"


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviousConviction:
    """One previous conviction from the police national computer printout.

    Give the date of conviction, the defendant's age at conviction, or both.
    """

    offence: OffenceCode
    convicted_on: dt.date | None = None
    age_at_conviction: int | None = None
    against_this_victim: Answer = Answer.NOT_RECORDED
    against_a_partner: Answer = Answer.NOT_RECORDED
    """The victim was a current or former partner of the defendant (whatever their sex)."""
    against_a_family_member: Answer = Answer.NOT_RECORDED
    """The victim was a member of the defendant's family."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtectiveOrderRecord:
    """An order or set of conditions, and how many times it is known to have been breached.

    ``breaches`` is ``None`` when nobody has checked, and ``0`` when it was checked and never
    breached.
    """

    order: OrderType
    made_on: dt.date | None = None
    protects_this_victim: Answer = Answer.NOT_RECORDED
    in_force: Answer = Answer.NOT_RECORDED
    breaches: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConductRecord:
    """One kind of conduct in the current episode, the routes it used, and when."""

    conduct: ReportedConduct
    routes: tuple[ContactRoute, ...] = ()
    first_seen_on: dt.date | None = None
    last_seen_on: dt.date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HearingFile:
    """The screening section of a hearing file, as the court-support application stores it.

    It holds no name, address or date of birth: the defendant is a pseudonymous reference.
    Everything the practitioner has not recorded stays ``NOT_RECORDED`` (or ``None``).
    """

    # --- the hearing ---------------------------------------------------------------------
    listing_ref: str
    """The court listing reference."""
    defendant_ref: str
    """A pseudonymous defendant reference (never a name)."""
    hearing: Hearing
    hearing_date: dt.date
    screened_on: dt.date
    """The date the screening was completed; nothing on the form is dated after it."""
    test_record: bool = False
    """A fictional record used for training or testing; reports mark it as synthetic."""

    # --- the defendant -------------------------------------------------------------------
    defendant_age: int | None = None
    substance_misuse_ever: Answer = Answer.NOT_RECORDED
    substance_misuse_last_12_months: Answer = Answer.NOT_RECORDED
    suicidal_ever: Answer = Answer.NOT_RECORDED
    suicidal_last_12_months: Answer = Answer.NOT_RECORDED
    diagnosed_personality_disorder: Answer = Answer.NOT_RECORDED
    diagnosed_delusional_disorder: Answer = Answer.NOT_RECORDED
    obsessed_with_victim: Answer = Answer.NOT_RECORDED
    motive: Motive = Motive.NOT_RECORDED
    # Protective factors: shown beside the screening, never subtracted from it.
    engages_with_supervision: Answer = Answer.NOT_RECORDED
    stable_accommodation_away_from_victim: Answer = Answer.NOT_RECORDED
    supportive_people: Answer = Answer.NOT_RECORDED

    # --- the record ----------------------------------------------------------------------
    previous_convictions: tuple[PreviousConviction, ...] | None = None
    """``None``: the record was not checked; ``()``: checked, no previous convictions."""
    total_previous_convictions: int | None = None
    """The total, when the printout lists only some convictions in detail."""
    orders: tuple[ProtectiveOrderRecord, ...] | None = None
    """``None``: not checked; ``()``: checked, no orders."""
    earlier_stalking_of_this_victim: Answer = Answer.NOT_RECORDED
    earlier_stalking_of_others: Answer = Answer.NOT_RECORDED

    # --- the relationship ----------------------------------------------------------------
    relation: Relation = Relation.NOT_RECORDED
    separated_on: dt.date | None = None
    physical_abuse_in_relationship: Answer = Answer.NOT_RECORDED
    sexual_abuse_in_relationship: Answer = Answer.NOT_RECORDED
    coercive_control_in_relationship: Answer = Answer.NOT_RECORDED
    jealousy_in_relationship: Answer = Answer.NOT_RECORDED
    strangulation_in_relationship: Answer = Answer.NOT_RECORDED
    children_together: Answer = Answer.NOT_RECORDED
    child_contact_dispute: Answer = Answer.NOT_RECORDED

    # --- the current episode -------------------------------------------------------------
    conduct_began_on: dt.date | None = None
    conduct_ongoing: Answer = Answer.NOT_RECORDED
    """Whether the conduct is still going on at the date of screening."""
    last_incident_on: dt.date | None = None
    contact_since_arrest_or_charge: Answer = Answer.NOT_RECORDED
    """Contact with the victim, directly or through others, since arrest or charge."""
    frequency: ContactFrequency = ContactFrequency.NOT_RECORDED
    conduct: tuple[ConductRecord, ...] | None = None
    """``None``: the conduct was not itemised; ``()``: itemised, and there is none to list."""
    threatened_violence: Answer = Answer.NOT_RECORDED
    threatened_sexual_violence: Answer = Answer.NOT_RECORDED
    threatened_to_kill: Answer = Answer.NOT_RECORDED
    threatened_others: Answer = Answer.NOT_RECORDED
    threatened_children: Answer = Answer.NOT_RECORDED
    countdown_to_harm: Answer = Answer.NOT_RECORDED
    violence_in_episode: Answer = Answer.NOT_RECORDED
    strangulation_in_episode: Answer = Answer.NOT_RECORDED
    weapon_used_or_threatened: Answer = Answer.NOT_RECORDED
    weapon_access: Answer = Answer.NOT_RECORDED
    """Access to any weapon, firearms included."""
    firearm_access: Answer = Answer.NOT_RECORDED
    harassing_people_close_to_victim: Answer = Answer.NOT_RECORDED
    recruited_others: Answer = Answer.NOT_RECORDED
    tried_to_procure_violence: Answer = Answer.NOT_RECORDED
    more_frequent_recently: Answer = Answer.NOT_RECORDED
    more_severe_recently: Answer = Answer.NOT_RECORDED

    # --- the victim ----------------------------------------------------------------------
    victim_view: VictimView = VictimView.NOT_RECORDED
    """The victim's own view of the risk, in their words as recorded."""


#: The question each field of :class:`HearingFile` asks, as the form shows it. The UI uses these
#: labels, and so do error messages: a message names the question, never the answer given.
FORM_LABELS: dict[str, str] = {
    "listing_ref": "Listing reference",
    "defendant_ref": "Defendant reference",
    "hearing": "Hearing",
    "hearing_date": "Hearing date",
    "screened_on": "Date of screening",
    "test_record": "Training or test record",
    "defendant_age": "Defendant's age",
    "substance_misuse_ever": "Alcohol or drug misuse, ever",
    "substance_misuse_last_12_months": "Alcohol or drug misuse, last 12 months",
    "suicidal_ever": "Suicidal threats or attempts, ever",
    "suicidal_last_12_months": "Suicidal threats or attempts, last 12 months",
    "diagnosed_personality_disorder": "Diagnosed personality disorder",
    "diagnosed_delusional_disorder": "Diagnosed delusional or other psychotic disorder",
    "obsessed_with_victim": "Obsessive preoccupation with the victim",
    "motive": "What drives the conduct",
    "engages_with_supervision": "Engages with supervision or treatment",
    "stable_accommodation_away_from_victim": "Stable accommodation away from the victim",
    "supportive_people": "Supportive family or friends who do not condone the conduct",
    "previous_convictions": "Previous convictions",
    "total_previous_convictions": "Total number of previous convictions",
    "orders": "Protective orders and conditions",
    "earlier_stalking_of_this_victim": "Earlier stalking or harassment of this victim",
    "earlier_stalking_of_others": "Earlier stalking or harassment of other people",
    "relation": "Relationship to the victim",
    "separated_on": "Date of separation",
    "physical_abuse_in_relationship": "Physical abuse in the relationship",
    "sexual_abuse_in_relationship": "Sexual abuse in the relationship",
    "coercive_control_in_relationship": "Coercive control in the relationship",
    "jealousy_in_relationship": "Extreme jealousy in the relationship",
    "strangulation_in_relationship": "Strangulation or choking in the relationship",
    "children_together": "Children together",
    "child_contact_dispute": "Dispute over child contact",
    "conduct_began_on": "Date the current conduct began",
    "conduct_ongoing": "Conduct still going on",
    "last_incident_on": "Date of the last incident",
    "contact_since_arrest_or_charge": "Contact with the victim since arrest or charge",
    "frequency": "How often the conduct happens",
    "conduct": "Conduct reported",
    "threatened_violence": "Threats of violence",
    "threatened_sexual_violence": "Threats of sexual violence",
    "threatened_to_kill": "Threats to kill",
    "threatened_others": "Threats against family, friends, a new partner or colleagues",
    "threatened_children": "Threats against children",
    "countdown_to_harm": "A countdown or deadline announcing harm",
    "violence_in_episode": "Violence towards the victim in this episode",
    "strangulation_in_episode": "Strangulation or choking in this episode",
    "weapon_used_or_threatened": "A weapon used or threatened",
    "weapon_access": "Access to weapons",
    "firearm_access": "Access to a firearm",
    "harassing_people_close_to_victim": "Harassment of people close to the victim",
    "recruited_others": "Others recruited to contact or watch the victim",
    "tried_to_procure_violence": "An attempt to get someone else to harm the victim",
    "more_frequent_recently": "Conduct becoming more frequent",
    "more_severe_recently": "Conduct becoming more severe",
    "victim_view": "The victim's own view of the risk",
}

#: The fields of an entry in one of the form's lists (a conviction, an order, a kind of conduct).
ENTRY_LABELS: dict[str, str] = {
    "offence": "offence",
    "convicted_on": "date of conviction",
    "age_at_conviction": "age at conviction",
    "against_this_victim": "against this victim",
    "against_a_partner": "against a partner",
    "against_a_family_member": "against a family member",
    "order": "kind of order",
    "made_on": "date made",
    "protects_this_victim": "protects this victim",
    "in_force": "in force",
    "breaches": "number of breaches",
    "conduct": "kind of conduct",
    "routes": "routes",
    "first_seen_on": "first seen",
    "last_seen_on": "last seen",
}
