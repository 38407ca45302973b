"""Group B of DOMAIN.md: the current stalking episode, its behaviours and its escalation."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from ._base import MAX_LIST, CaseModel, Date, Loc, Presence, raise_problems

__all__ = [
    "Behaviour",
    "BehaviourKind",
    "Channel",
    "Escalation",
    "Frequency",
    "StalkingEpisode",
    "Threats",
]


class Frequency(StrEnum):
    """How often the unwanted behaviour happens, at its current rate."""

    LESS_THAN_WEEKLY = "less_than_weekly"
    WEEKLY = "weekly"
    SEVERAL_TIMES_A_WEEK = "several_times_a_week"
    DAILY = "daily"
    SEVERAL_TIMES_A_DAY = "several_times_a_day"
    UNKNOWN = "unknown"


class BehaviourKind(StrEnum):
    """Kinds of stalking behaviour."""

    UNWANTED_CONTACT = "unwanted_contact"
    FOLLOWING = "following"
    LOITERING = "loitering"
    TURNING_UP_AT_HOME = "turning_up_at_home"
    TURNING_UP_AT_WORK = "turning_up_at_work"
    APPROACHING = "approaching"
    SURVEILLANCE = "surveillance"
    TRACKING_DEVICE = "tracking_device"
    IMAGE_BASED_ABUSE = "image_based_abuse"
    PROPERTY_DAMAGE = "property_damage"
    UNWANTED_GIFTS = "unwanted_gifts"
    IMPERSONATION = "impersonation"
    OTHER = "other"


class Channel(StrEnum):
    """Channels through which a behaviour reaches the victim."""

    PHONE_CALL = "phone_call"
    TEXT_MESSAGE = "text_message"
    SOCIAL_MEDIA = "social_media"
    EMAIL = "email"
    LETTER = "letter"
    IN_PERSON = "in_person"
    TRACKING_DEVICE = "tracking_device"
    THIRD_PARTY = "third_party"
    OTHER = "other"


class Behaviour(CaseModel):
    """One kind of behaviour in the current episode, the channels it used, and when.

    Examples
    --------
    >>> b = Behaviour(kind="unwanted_contact", channels=["text_message", "phone_call"])
    >>> sorted(c.value for c in b.channels)
    ['phone_call', 'text_message']
    """

    kind: BehaviourKind
    """The kind of behaviour."""
    channels: Annotated[list[Channel], Field(max_length=len(Channel))] = Field(default_factory=list)
    """The channels used, if any were recorded."""
    first_date: Date | None = None
    """When the behaviour was first recorded."""
    last_date: Date | None = None
    """When the behaviour was last recorded."""

    @model_validator(mode="after")
    def _dates_in_order(self) -> Behaviour:
        if (
            self.first_date is not None
            and self.last_date is not None
            and self.last_date < self.first_date
        ):
            raise_problems(
                "Behaviour",
                [
                    (
                        ("last_date",),
                        "date_order",
                        "last_date is before first_date; swap them or correct one",
                    )
                ],
            )
        return self


class Threats(CaseModel):
    """Threats made during the current episode, by kind."""

    violence: Presence = Presence.UNKNOWN
    """Threats of physical violence against the victim."""
    sexual_violence: Presence = Presence.UNKNOWN
    """Threats of sexual violence against the victim."""
    to_kill: Presence = Presence.UNKNOWN
    """Threats to kill the victim."""
    against_third_parties: Presence = Presence.UNKNOWN
    """Threats against the victim's family, friends, new partner or colleagues."""
    against_children: Presence = Presence.UNKNOWN
    """Threats against children."""
    countdown: Presence = Presence.UNKNOWN
    """A "countdown" or deadline announcing harm."""


class Escalation(CaseModel):
    """Whether the behaviour has escalated, in frequency or severity, and when it was noted."""

    frequency: Presence = Presence.UNKNOWN
    """The behaviour has become more frequent."""
    severity: Presence = Presence.UNKNOWN
    """The behaviour has become more severe or intrusive."""
    dates: Annotated[list[Date], Field(max_length=MAX_LIST)] = Field(default_factory=list)
    """Dates on which escalation was noted."""

    @model_validator(mode="after")
    def _dates_need_escalation(self) -> Escalation:
        if self.dates and Presence.PRESENT not in (self.frequency, self.severity):
            raise_problems(
                "Escalation",
                [
                    (
                        ("dates",),
                        "field_not_applicable",
                        "escalation dates are given but neither frequency nor severity is "
                        "'present'; record which escalated, or remove the dates",
                    )
                ],
            )
        return self


class StalkingEpisode(CaseModel):
    """The current episode of stalking (DOMAIN.md group B).

    Examples
    --------
    >>> ep = StalkingEpisode(start_date="2024-01-10", threats={"to_kill": "present"})
    >>> ep.threats.to_kill
    <Presence.PRESENT: 'present'>
    >>> ep.violence
    <Presence.UNKNOWN: 'unknown'>
    """

    start_date: Date | None = None
    """When the current episode began."""
    ongoing: Presence = Presence.UNKNOWN
    """Whether the behaviour is continuing at the assessment date."""
    last_incident_date: Date | None = None
    """When the most recent incident happened (a behaviour's ``last_date`` may also show it)."""
    contact_since_arrest_or_charge: Presence = Presence.UNKNOWN
    """Contact with the victim, directly or through others, after arrest or charge for the
    current conduct."""
    frequency: Frequency = Frequency.UNKNOWN
    """How often the behaviour happens, at its current rate."""
    behaviours: Annotated[list[Behaviour], Field(max_length=MAX_LIST)] | None = None
    """Behaviours recorded; ``null`` (the default) means not recorded."""
    threats: Threats = Threats()
    """Threats, by kind."""
    violence: Presence = Presence.UNKNOWN
    """Physical or sexual violence against the victim during the episode."""
    strangulation: Presence = Presence.UNKNOWN
    """Strangulation, suffocation or choking during the episode."""
    weapon_used_or_threatened: Presence = Presence.UNKNOWN
    """A weapon used or threatened during the episode."""
    weapon_access: Presence = Presence.UNKNOWN
    """The perpetrator has access to a weapon (including firearms)."""
    firearm_access: Presence = Presence.UNKNOWN
    """The perpetrator has access to a firearm (lawfully held or not)."""
    third_party_harassment: Presence = Presence.UNKNOWN
    """Harassment of the victim's family, friends, new partner or colleagues."""
    recruiting_others: Presence = Presence.UNKNOWN
    """Others recruited to contact, watch or harass the victim."""
    procuring_violence: Presence = Presence.UNKNOWN
    """An attempt to pay or persuade someone else to harm the victim or people close to them."""
    escalation: Escalation = Escalation()
    """Escalation in frequency or severity."""
    planning: Presence = Presence.UNKNOWN
    """Evidence of planning: research into the victim's movements, a tracking device, a
    false account or another person used to reach the victim (a factor the sentencing
    guideline for stalking lists; no bundled instrument scores it)."""

    @model_validator(mode="after")
    def _within_episode(self) -> StalkingEpisode:
        if self.start_date is None:
            return self
        start = self.start_date
        problems: list[tuple[Loc, str, str]] = []
        for i, b in enumerate(self.behaviours or []):
            if b.first_date is not None and b.first_date < start:
                problems.append(
                    (
                        ("behaviours", i, "first_date"),
                        "date_order",
                        f"behaviours[{i}].first_date is before start_date; behaviour in the "
                        "current episode cannot start before the episode does",
                    )
                )
        if self.last_incident_date is not None and self.last_incident_date < start:
            problems.append(
                (
                    ("last_incident_date",),
                    "date_order",
                    "last_incident_date is before start_date; the last incident of the current "
                    "episode cannot come before the episode starts",
                )
            )
        problems += [
            (
                ("escalation", "dates", i),
                "date_order",
                f"escalation.dates[{i}] is before start_date; escalation is noted within the "
                "episode",
            )
            for i, d in enumerate(self.escalation.dates)
            if d < start
        ]
        raise_problems("StalkingEpisode", problems)
        return self
