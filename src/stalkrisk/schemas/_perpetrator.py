"""Group D of DOMAIN.md: the perpetrator."""

from __future__ import annotations

from enum import StrEnum

from ._base import Age, CaseModel, Presence, Timed

__all__ = [
    "Employment",
    "MentalDisorder",
    "Motivation",
    "Perpetrator",
    "ProtectiveFactors",
    "Sex",
    "Treatment",
]


class Sex(StrEnum):
    """Sex as recorded by the referring agency."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class Employment(StrEnum):
    """Employment status at the assessment date."""

    EMPLOYED = "employed"
    UNEMPLOYED = "unemployed"
    STUDENT = "student"
    RETIRED = "retired"
    OTHER = "other"
    UNKNOWN = "unknown"


class Motivation(StrEnum):
    """The stalker's motivation in the Mullen typology (Mullen, Pathé & Purcell 1999)."""

    REJECTED = "rejected"
    RESENTFUL = "resentful"
    INTIMACY_SEEKING = "intimacy_seeking"
    INCOMPETENT_SUITOR = "incompetent_suitor"
    PREDATORY = "predatory"
    UNKNOWN = "unknown"


class MentalDisorder(CaseModel):
    """Diagnosed mental disorder."""

    personality_disorder: Presence = Presence.UNKNOWN
    """A diagnosed personality disorder (associated with higher recidivism)."""
    delusional_disorder: Presence = Presence.UNKNOWN
    """A diagnosed delusional or other psychotic disorder (associated with lower recidivism)."""
    other: Presence = Presence.UNKNOWN
    """Another diagnosed mental disorder."""


class Treatment(CaseModel):
    """Treatment or programmes received."""

    domestic_violence_programme: Presence = Presence.UNKNOWN
    """Completed or attended a domestic-violence programme."""
    stalking_specific: Presence = Presence.UNKNOWN
    """Received stalking-specific treatment."""


class ProtectiveFactors(CaseModel):
    """Protective factors: shown beside a score, never subtracted from it.

    Instruments list them as information (an instrument's ``shown`` entries); no bundled
    instrument scores them, because the evidence that they lower the risk of stalking is thin.
    """

    engaged_with_supervision: Presence = Presence.UNKNOWN
    """Keeps appointments and engages with supervision or treatment."""
    stable_accommodation_away_from_victim: Presence = Presence.UNKNOWN
    """Has stable accommodation away from the victim's home, work and routes."""
    prosocial_support: Presence = Presence.UNKNOWN
    """Has supportive family or friends who do not condone the behaviour."""


class Perpetrator(CaseModel):
    """The person who stalks (DOMAIN.md group D). No names, addresses or dates of birth.

    Examples
    --------
    >>> p = Perpetrator(age=44, sex="male", substance_misuse={"lifetime": "present"})
    >>> p.substance_misuse.recent
    <Presence.UNKNOWN: 'unknown'>
    """

    age: Age | None = None
    """Age in whole years at the assessment date."""
    sex: Sex = Sex.UNKNOWN
    """Sex as recorded."""
    substance_misuse: Timed = Timed()
    """Misuse of alcohol or drugs."""
    mental_disorder: MentalDisorder = MentalDisorder()
    """Diagnosed mental disorder."""
    suicidality: Timed = Timed()
    """Suicidal threats or attempts."""
    obsession: Presence = Presence.UNKNOWN
    """Obsessive preoccupation with the victim."""
    anger: Presence = Presence.UNKNOWN
    """Marked anger or grievance towards the victim."""
    lack_of_remorse: Presence = Presence.UNKNOWN
    """No remorse, or minimisation of the behaviour."""
    employment: Employment = Employment.UNKNOWN
    """Employment status."""
    financial_problems: Presence = Presence.UNKNOWN
    """Serious financial problems."""
    motivation: Motivation = Motivation.UNKNOWN
    """Motivation type (Mullen typology)."""
    treatment: Treatment = Treatment()
    """Treatment received."""
    protective: ProtectiveFactors = ProtectiveFactors()
    """Protective factors (shown beside a score, never subtracted from it)."""
