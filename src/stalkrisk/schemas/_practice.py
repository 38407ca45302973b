"""What a practitioner records beside the risk factors: sources, multi-agency work, conditions.

None of this is scored by a bundled instrument. Reports show it, and an instrument may read it
only through factors that say so.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from stalkrisk._internal.validation import plain_text

from ._base import (
    CaseModel,
    Count,
    Loc,
    Presence,
    _reject_numbers,
    _whole_number,
    raise_problems,
)

__all__ = [
    "AdvocateKind",
    "AgencyCheck",
    "CheckResult",
    "CheckStatus",
    "ConditionsInformation",
    "FactPath",
    "FactSource",
    "LaterDate",
    "MappaStatus",
    "MaracStatus",
    "MultiAgencyStatus",
    "Note",
    "SourceKind",
]


class _MayBeLater:
    """Marks a date field that may lie after the assessment date (an expiry, a next hearing)."""

    def __repr__(self) -> str:
        return "MAY_BE_LATER"


#: The marker itself (see :func:`stalkrisk.schemas._case._may_hold_date`).
MAY_BE_LATER: Final = _MayBeLater()

#: A date that may lie after the assessment date: when an order expires, when a hearing is due.
LaterDate = Annotated[dt.date, BeforeValidator(_reject_numbers), MAY_BE_LATER]

#: A short free-text note: plain text (no control characters), at most 2,000 characters. Notes
#: are shown in reports as written: never put a name, address or contact detail in one.
Note = Annotated[str, Field(min_length=1, max_length=2_000), AfterValidator(plain_text)]

_PATH = re.compile(r"[a-z_]+(?:\.[a-z_]+|\[[0-9]{1,3}\])*")


def _check_path(value: str) -> str:
    if not _PATH.fullmatch(value):
        raise PydanticCustomError(
            "fact_path_format",
            "a fact is named by its field path, e.g. episode.threats.to_kill or "
            "history.convictions[0]",
        )
    return value


#: The path of a field of the case, as error messages write it: ``episode.threats.to_kill``,
#: ``history.convictions[0]``, ``history.protective_orders[1].breaches[0]``.
FactPath = Annotated[
    str,
    AfterValidator(_check_path),
    WithJsonSchema({"type": "string", "pattern": "^" + _PATH.pattern + "$", "maxLength": 200}),
]


class SourceKind(StrEnum):
    """Where a fact came from."""

    CONVICTION_RECORD = "conviction_record"
    """The Police National Computer or another record of convictions."""
    COURT_RECORD = "court_record"
    """A court's own record: an order made, a finding, a bail decision."""
    POLICE_RECORD = "police_record"
    """Police incident or crime records (what was reported, not what was proven)."""
    RISK_FORM = "risk_form"
    """A DASH or S-DASH risk identification checklist."""
    VICTIM_ACCOUNT = "victim_account"
    """The victim's own account."""
    DEFENDANT_ACCOUNT = "defendant_account"
    """The defendant's (or, after conviction, the person's) own account."""
    THIRD_PARTY = "third_party"
    """A witness, family member or other third party."""
    AGENCY_RECORD = "agency_record"
    """Another agency's record: children's services, health, housing, probation."""
    INTELLIGENCE = "intelligence"
    """Police or other intelligence, not tested."""

    @property
    def is_record_of_finding(self) -> bool:
        """Whether the source records a court's finding (a conviction, an order), not a claim."""
        return self in (SourceKind.CONVICTION_RECORD, SourceKind.COURT_RECORD)


class FactSource(CaseModel):
    """Where one fact of the case came from, when it was known, and whether it is corroborated.

    Scoring never reads a source. Reports show it, and in a report for a bail hearing a fact
    that no court has found and nothing corroborates reads as alleged.

    Examples
    --------
    >>> src = FactSource(source="victim_account", known_on="2025-03-08", corroborated="absent")
    >>> src.source.is_record_of_finding, src.alleged
    (False, True)
    """

    source: SourceKind
    """Where the fact came from."""
    known_on: Annotated[dt.date, BeforeValidator(_reject_numbers)] | None = None
    """The date the fact became known to the author of the assessment."""
    corroborated: Presence = Presence.UNKNOWN
    """Whether another, independent source supports it."""

    @property
    def alleged(self) -> bool:
        """Whether the fact is an allegation: not a court's finding and not corroborated."""
        return not self.source.is_record_of_finding and self.corroborated is not Presence.PRESENT


class MaracStatus(CaseModel):
    """The Multi-Agency Risk Assessment Conference (MARAC) for the victim."""

    referred: Presence = Presence.UNKNOWN
    """Whether the case has been referred to a MARAC."""
    heard: Presence = Presence.UNKNOWN
    """Whether a MARAC has heard it."""
    heard_on: Annotated[dt.date, BeforeValidator(_reject_numbers)] | None = None
    """When the MARAC heard it."""

    @model_validator(mode="after")
    def _heard_after_referral(self) -> MaracStatus:
        problems: list[tuple[Loc, str, str]] = []
        if self.heard is Presence.PRESENT and self.referred is Presence.ABSENT:
            problems.append(
                (("heard",), "marac_inconsistent", "heard is 'present' but referred is 'absent'")
            )
        if self.heard_on is not None and self.heard is not Presence.PRESENT:
            problems.append(
                (
                    ("heard_on",),
                    "marac_inconsistent",
                    "heard_on is given but heard is not 'present'",
                )
            )
        raise_problems("MaracStatus", problems)
        return self


#: A MAPPA category or level: 1, 2 or 3 (a whole number; in a CSV cell, its digits).
_MappaNumber = Annotated[int, Field(ge=1, le=3), BeforeValidator(_whole_number)]


class MappaStatus(CaseModel):
    """Multi-Agency Public Protection Arrangements (MAPPA): category and level of management."""

    category: _MappaNumber | None = None
    """The MAPPA category (1, 2 or 3); ``null`` when not a MAPPA case or not known."""
    level: _MappaNumber | None = None
    """The level of management (1, 2 or 3)."""
    eligible: Presence = Presence.UNKNOWN
    """Whether the person is eligible for MAPPA management."""

    @model_validator(mode="after")
    def _level_needs_category(self) -> MappaStatus:
        problems: list[tuple[Loc, str, str]] = []
        if (self.category is not None or self.level is not None) and (
            self.eligible is Presence.ABSENT
        ):
            problems.append(
                (
                    ("eligible",),
                    "mappa_inconsistent",
                    "eligible is 'absent' but a MAPPA category or level is given",
                )
            )
        if self.level is not None and self.category is None:
            problems.append(
                (("level",), "mappa_inconsistent", "a level is given without a category")
            )
        raise_problems("MappaStatus", problems)
        return self


class AdvocateKind(StrEnum):
    """An independent advocate working with the victim."""

    ISAC = "isac"
    """An independent stalking advocacy caseworker."""
    IDVA = "idva"
    """An independent domestic violence adviser."""
    BOTH = "both"
    NONE = "none"
    """No advocate: the victim has none (offered or not)."""
    UNKNOWN = "unknown"


class CheckStatus(StrEnum):
    """Whether a check with another agency was made."""

    MADE = "made"
    NOT_MADE = "not_made"
    """Recorded as not made (with the reason in ``note``)."""
    PENDING = "pending"
    """Requested; no answer yet."""
    UNKNOWN = "unknown"
    """Nothing is recorded about this check (the default): a report cannot be marked
    complete."""


class CheckResult(StrEnum):
    """What a check returned."""

    NOTHING_FOUND = "nothing_found"
    INFORMATION_FOUND = "information_found"
    """Relevant information was found (set out in the report by the author)."""


class AgencyCheck(CaseModel):
    """A check with another agency, and what it returned.

    Examples
    --------
    >>> AgencyCheck(status="made", made_on="2025-03-09", result="information_found").result
    <CheckResult.INFORMATION_FOUND: 'information_found'>
    >>> AgencyCheck(status="not_made", result="nothing_found")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for AgencyCheck
    result
      result is given but status is not 'made'; ... [type=check_inconsistent]
    """

    status: CheckStatus = CheckStatus.UNKNOWN
    """Whether the check was made."""
    made_on: Annotated[dt.date, BeforeValidator(_reject_numbers)] | None = None
    """When it was made (or requested, while pending)."""
    result: CheckResult | None = None
    """What it returned; only for a check that was made."""
    note: Note | None = None
    """Why it was not made, or what was found, in a sentence (no personal data)."""

    @model_validator(mode="after")
    def _result_only_when_made(self) -> AgencyCheck:
        problems: list[tuple[Loc, str, str]] = []
        if self.result is not None and self.status is not CheckStatus.MADE:
            problems.append(
                (
                    ("result",),
                    "check_inconsistent",
                    "result is given but status is not 'made'; a check not made returns nothing",
                )
            )
        if self.status is CheckStatus.MADE and self.result is None:
            problems.append(
                (("result",), "check_inconsistent", "status is 'made': record what it returned")
            )
        raise_problems("AgencyCheck", problems)
        return self

    @property
    def recorded(self) -> bool:
        """Whether anything is recorded about the check, even that it was not made."""
        return self.status is not CheckStatus.UNKNOWN


class MultiAgencyStatus(CaseModel):
    """Multi-agency work on the case: MARAC, MAPPA, an advocate and the safeguarding checks.

    Orders in force (restraining, non-molestation, stalking protection and domestic abuse
    protection orders, bail conditions) are recorded once, in ``history.protective_orders``.

    Examples
    --------
    >>> status = MultiAgencyStatus(police_callout_check={"status": "not_made",
    ...                                                  "note": "Requested too late"})
    >>> status.police_callout_check.recorded, status.childrens_services_check.recorded
    (True, False)
    """

    marac: MaracStatus = MaracStatus()
    """The MARAC for the victim."""
    mappa: MappaStatus = MappaStatus()
    """MAPPA category and level."""
    advocate: AdvocateKind = AdvocateKind.UNKNOWN
    """An independent stalking or domestic-violence advocate working with the victim."""
    police_callout_check: AgencyCheck = AgencyCheck()
    """The police check of domestic-abuse call-outs to the addresses concerned."""
    childrens_services_check: AgencyCheck = AgencyCheck()
    """The children's-services safeguarding check."""
    victim_contact_scheme: Presence = Presence.UNKNOWN
    """Whether the victim is eligible for the Victim Contact Scheme (after a sentence of 12
    months or more for a violent or sexual offence)."""


class ConditionsInformation(CaseModel):
    """Information relevant to conditions of bail and to orders: information, not a proposal.

    No address is recorded: only whether the defendant would live within easy reach of the
    victim and what they know of where the victim lives, works and takes children.
    """

    proposed_address_near_victim: Presence = Presence.UNKNOWN
    """The address the defendant would live at is within easy reach of the victim's home,
    workplace or children's school."""
    knows_victim_address: Presence = Presence.UNKNOWN
    """The defendant knows the victim's current home address."""
    knows_victim_workplace: Presence = Presence.UNKNOWN
    """The defendant knows where the victim works or studies."""
    knows_childrens_school: Presence = Presence.UNKNOWN
    """The defendant knows the school or nursery of the victim's children."""
    child_contact_arrangements: Presence = Presence.UNKNOWN
    """Child-contact arrangements exist that would bring the defendant into contact with the
    victim (handovers), and so clash with a no-contact condition."""
    previous_bail_breaches: Count | None = None
    """Recorded breaches of bail conditions, any case."""
    failed_to_surrender: Presence = Presence.UNKNOWN
    """Ever failed to surrender to custody (Bail Act 1976 s.6)."""
    electronic_monitoring_assessed: Literal["suitable", "unsuitable", "not_assessed"] = (
        "not_assessed"
    )
    """Suitability for electronic monitoring, as assessed by the author (or not assessed)."""
    victim_view: Note | None = None
    """The victim's view of conditions and orders (terms, duration, exclusion zones), as the
    victim gave it, in the author's words; never the victim's name or address."""
