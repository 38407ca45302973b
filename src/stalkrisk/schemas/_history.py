"""Group A of DOMAIN.md: the perpetrator's criminal history."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from ._base import MAX_LIST, Age, CaseModel, Count, Date, Loc, Presence, raise_problems
from ._practice import LaterDate

__all__ = [
    "Conviction",
    "CriminalHistory",
    "Disposal",
    "OffenceCategory",
    "OrderBreach",
    "OrderKind",
    "OrderTerm",
    "PendingCharge",
    "ProtectiveOrder",
]


class OffenceCategory(StrEnum):
    """The offence categories a conviction or charge is recorded under."""

    HARASSMENT = "harassment"
    STALKING = "stalking"
    MALICIOUS_COMMUNICATIONS = "malicious_communications"
    INTIMATE_IMAGE_ABUSE = "intimate_image_abuse"
    CONTROLLING_OR_COERCIVE_BEHAVIOUR = "controlling_or_coercive_behaviour"
    BREACH_RESTRAINING_ORDER = "breach_restraining_order"
    BREACH_NON_MOLESTATION_ORDER = "breach_non_molestation_order"
    BREACH_STALKING_PROTECTION_ORDER = "breach_stalking_protection_order"
    BREACH_BAIL = "breach_bail"
    BREACH_LICENCE = "breach_licence"
    COMMON_ASSAULT = "common_assault"
    ASSAULT_OCCASIONING_HARM = "assault_occasioning_harm"
    WOUNDING_GBH = "wounding_gbh"
    THREATS_TO_KILL = "threats_to_kill"
    ATTEMPTED_MURDER = "attempted_murder"
    HOMICIDE = "homicide"
    SEXUAL_OFFENCE = "sexual_offence"
    WEAPON_POSSESSION = "weapon_possession"
    CRIMINAL_DAMAGE = "criminal_damage"
    PUBLIC_ORDER = "public_order"
    OTHER = "other"


class Disposal(StrEnum):
    """The sentence or other outcome of a conviction."""

    CUSTODY = "custody"
    SUSPENDED_SENTENCE = "suspended_sentence"
    COMMUNITY = "community"
    FINE = "fine"
    DISCHARGE = "discharge"
    OTHER = "other"
    UNKNOWN = "unknown"


class OrderKind(StrEnum):
    """Court orders and conditions that protect a person or restrict the perpetrator."""

    RESTRAINING_ORDER = "restraining_order"
    """A restraining order (Protection from Harassment Act 1997 s.5 on conviction, s.5A on
    acquittal; Sentencing Act 2020 s.359-360)."""
    NON_MOLESTATION_ORDER = "non_molestation_order"
    """A non-molestation order (Family Law Act 1996 s.42)."""
    STALKING_PROTECTION_ORDER = "stalking_protection_order"
    """A Stalking Protection Order (Stalking Protection Act 2019)."""
    INTERIM_STALKING_PROTECTION_ORDER = "interim_stalking_protection_order"
    """An interim Stalking Protection Order (Stalking Protection Act 2019 s.5)."""
    DOMESTIC_ABUSE_PROTECTION_ORDER = "domestic_abuse_protection_order"
    """A Domestic Abuse Protection Order (DAPO; Domestic Abuse Act 2021 s.27)."""
    DOMESTIC_ABUSE_PROTECTION_NOTICE = "domestic_abuse_protection_notice"
    """A Domestic Abuse Protection Notice (DAPN; Domestic Abuse Act 2021 s.22)."""
    BAIL_CONDITIONS = "bail_conditions"
    LICENCE_CONDITIONS = "licence_conditions"
    OTHER = "other"


class OrderTerm(StrEnum):
    """A term of an order or of conditions."""

    NO_CONTACT = "no_contact"
    """No contact with the protected person, direct or indirect."""
    NO_ONLINE_CONTACT = "no_online_contact"
    """No contact or posting about the protected person online."""
    EXCLUSION_ZONE = "exclusion_zone"
    """Not to enter an area (around a home, a workplace, a school)."""
    NOT_TO_ENTER_ADDRESS = "not_to_enter_address"
    """Not to go to a named address."""
    RESIDENCE = "residence"
    """To live at an approved address."""
    CURFEW = "curfew"
    ELECTRONIC_MONITORING = "electronic_monitoring"
    POSITIVE_REQUIREMENT = "positive_requirement"
    """A positive requirement (a Stalking Protection Order may require, for example,
    attendance at an assessment or a programme)."""
    OTHER = "other"


class Conviction(CaseModel):
    """One previous conviction. Give its ``date``, the perpetrator's ``age`` at the time, or both.

    Examples
    --------
    >>> Conviction(offence="breach_restraining_order", date="2019-03-01").offence
    <OffenceCategory.BREACH_RESTRAINING_ORDER: 'breach_restraining_order'>
    """

    offence: OffenceCategory
    """The offence category."""
    date: Date | None = None
    """Date of conviction."""
    age: Age | None = None
    """The perpetrator's age at conviction."""
    disposal: Disposal = Disposal.UNKNOWN
    """The sentence or other outcome."""
    against_current_victim: Presence = Presence.UNKNOWN
    """Whether the victim of this offence is the victim in the current case."""
    against_intimate_partner: Presence = Presence.UNKNOWN
    """Whether the victim of this offence was a current or former intimate partner."""
    against_family_member: Presence = Presence.UNKNOWN
    """Whether the victim of this offence was a member of the offender's family (a parent,
    child, sibling or other relative)."""
    victim_female: Presence = Presence.UNKNOWN
    """Whether the victim of this offence was a woman or girl."""

    @model_validator(mode="after")
    def _dated(self) -> Conviction:
        if self.date is None and self.age is None:
            raise_problems(
                "Conviction",
                [
                    (
                        ("date",),
                        "missing_date_or_age",
                        "a conviction needs its date or the perpetrator's age at conviction "
                        "(set date, age, or both)",
                    )
                ],
            )
        return self


class OrderBreach(CaseModel):
    """One breach of a protective order or of bail or licence conditions."""

    date: Date | None = None
    """Date of the breach."""


class ProtectiveOrder(CaseModel):
    """A protective order (or bail or licence conditions) and its breaches.

    Examples
    --------
    >>> order = ProtectiveOrder(kind="restraining_order", breaches=[{"date": "2021-05-02"}])
    >>> len(order.breaches)
    1
    """

    kind: OrderKind
    """The kind of order or conditions."""
    made_on: Date | None = None
    """Date the order was made or the conditions imposed."""
    protects_current_victim: Presence = Presence.UNKNOWN
    """Whether the order protects the victim in the current case."""
    in_force: Presence = Presence.UNKNOWN
    """Whether the order is in force at the assessment date."""
    expires_on: LaterDate | None = None
    """When the order expires (it may lie after the assessment date); ``null`` for an order
    without an end date, or when not known."""
    terms: Annotated[list[OrderTerm], Field(max_length=20)] | None = None
    """The order's terms; ``null`` when not known."""
    breaches: Annotated[list[OrderBreach], Field(max_length=MAX_LIST)] | None = None
    """Recorded breaches; ``[]`` means none, ``null`` (the default) means not known."""

    @model_validator(mode="after")
    def _breaches_after_order(self) -> ProtectiveOrder:
        if self.made_on is None:
            return self
        problems: list[tuple[Loc, str, str]] = [
            (
                ("breaches", i, "date"),
                "date_order",
                f"breaches[{i}].date is before made_on; an order cannot be breached before it "
                "is made",
            )
            for i, breach in enumerate(self.breaches or ())
            if breach.date is not None and breach.date < self.made_on
        ]
        if self.expires_on is not None and self.expires_on < self.made_on:
            problems.append(
                (
                    ("expires_on",),
                    "date_order",
                    "expires_on is before made_on; an order cannot expire before it is made",
                )
            )
        raise_problems("ProtectiveOrder", problems)
        return self


class PendingCharge(CaseModel):
    """A charge not yet tried."""

    offence: OffenceCategory
    """The offence category charged."""
    charged_on: Date | None = None
    """Date of charge."""


class CriminalHistory(CaseModel):
    """The perpetrator's criminal history (DOMAIN.md group A).

    For each list, ``null`` (the default) means the record was not checked, and ``[]`` means it
    was checked and holds nothing. ``conviction_count`` gives the total number of previous
    convictions when only some are listed in detail; without it, the list is taken as the whole
    record.

    Examples
    --------
    >>> h = CriminalHistory(convictions=[{"offence": "harassment", "age": 30}], conviction_count=4)
    >>> h.conviction_count
    4
    >>> CriminalHistory(convictions=[{"offence": "harassment", "age": 30}], conviction_count=0)
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for CriminalHistory
    conviction_count
      conviction_count is less than the number of convictions listed (1); ... [type=...]
    """

    convictions: Annotated[list[Conviction], Field(max_length=MAX_LIST)] | None = None
    """Previous convictions; ``[]`` means none, ``null`` means the record was not checked."""
    conviction_count: Count | None = None
    """Total number of previous convictions, when more exist than are listed."""
    custodial_sentence_count: Count | None = None
    """Number of previous custodial sentences."""
    age_at_first_conviction: Age | None = None
    """The perpetrator's age at their first conviction."""
    protective_orders: Annotated[list[ProtectiveOrder], Field(max_length=MAX_LIST)] | None = None
    """Protective orders and conditions, past or present, with their breaches."""
    pending_charges: Annotated[list[PendingCharge], Field(max_length=MAX_LIST)] | None = None
    """Charges awaiting trial."""
    previous_sanctions: Count | None = None
    """Cautions, reprimands, final warnings and convictions before the current one."""
    age_at_first_sanction: Age | None = None
    """The perpetrator's age at their first sanction (the current one if there is none before)."""
    prior_stalking_this_victim: Presence = Presence.UNKNOWN
    """Stalking or harassment of this victim before the current episode, convicted or not."""
    prior_stalking_other_victims: Presence = Presence.UNKNOWN
    """Stalking or harassment of other people, convicted or not."""
    prior_assault_charges_female_victims: Presence = Presence.UNKNOWN
    """Previous charges (whatever their outcome) of assaulting women or girls."""

    def total_convictions(self) -> int | None:
        """Return the total number of previous convictions, or ``None`` when not known.

        Examples
        --------
        >>> CriminalHistory(convictions=[]).total_convictions()
        0
        >>> CriminalHistory().total_convictions() is None
        True
        """
        if self.conviction_count is not None:
            return self.conviction_count
        return None if self.convictions is None else len(self.convictions)

    @model_validator(mode="after")
    def _counts_agree(self) -> CriminalHistory:
        problems: list[tuple[Loc, str, str]] = []
        listed = self.convictions or []
        if self.conviction_count is not None and self.conviction_count < len(listed):
            problems.append(
                (
                    ("conviction_count",),
                    "count_inconsistent",
                    f"conviction_count is less than the number of convictions listed "
                    f"({len(listed)}); the count is the total, so it cannot be smaller than the "
                    "list",
                )
            )
        total = self.total_convictions()
        custody_listed = sum(c.disposal is Disposal.CUSTODY for c in listed)
        if self.custodial_sentence_count is not None:
            if total is not None and self.custodial_sentence_count > total:
                problems.append(
                    (
                        ("custodial_sentence_count",),
                        "count_inconsistent",
                        "custodial_sentence_count is greater than the number of previous "
                        "convictions; each custodial sentence follows a conviction",
                    )
                )
            if self.custodial_sentence_count < custody_listed:
                problems.append(
                    (
                        ("custodial_sentence_count",),
                        "count_inconsistent",
                        f"custodial_sentence_count is less than the number of listed "
                        f"convictions with disposal 'custody' ({custody_listed})",
                    )
                )
        if self.age_at_first_conviction is not None:
            if total == 0:
                problems.append(
                    (
                        ("age_at_first_conviction",),
                        "field_not_applicable",
                        "age_at_first_conviction is set but the history records no "
                        "convictions; remove it or record the convictions",
                    )
                )
            ages = [(i, c.age) for i, c in enumerate(listed) if c.age is not None]
            problems += [
                (
                    ("age_at_first_conviction",),
                    "age_inconsistent",
                    f"age_at_first_conviction is greater than convictions[{i}].age; the first "
                    "conviction cannot come after a listed one",
                )
                for i, age in ages
                if age < self.age_at_first_conviction
            ]
        least = max(total or 0, self.custodial_sentence_count or 0)
        if self.previous_sanctions is not None and self.previous_sanctions < least:
            problems.append(
                (
                    ("previous_sanctions",),
                    "count_inconsistent",
                    "previous_sanctions is less than the number of previous convictions (or "
                    "custodial sentences); every conviction is a sanction",
                )
            )
        raise_problems("CriminalHistory", problems)
        return self
