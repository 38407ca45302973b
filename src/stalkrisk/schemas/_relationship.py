"""Group C of DOMAIN.md: the relationship and its domestic-abuse context."""

from __future__ import annotations

from enum import StrEnum

from pydantic import model_validator

from ._base import CaseModel, Date, Loc, Presence, raise_problems

__all__ = ["DomesticAbuse", "Relationship", "RelationshipType"]


class RelationshipType(StrEnum):
    """The perpetrator's relationship to the victim."""

    EX_INTIMATE_PARTNER = "ex_intimate_partner"
    CURRENT_INTIMATE_PARTNER = "current_intimate_partner"
    FAMILY = "family"
    ACQUAINTANCE = "acquaintance"
    WORK = "work"
    STRANGER = "stranger"
    OTHER = "other"
    UNKNOWN = "unknown"


class DomesticAbuse(CaseModel):
    """Domestic abuse by the perpetrator in the relationship with the victim."""

    physical: Presence = Presence.UNKNOWN
    """Physical violence."""
    sexual: Presence = Presence.UNKNOWN
    """Sexual violence or abuse."""
    coercive_control: Presence = Presence.UNKNOWN
    """Controlling or coercive behaviour."""
    jealousy: Presence = Presence.UNKNOWN
    """Extreme or possessive jealousy."""
    strangulation: Presence = Presence.UNKNOWN
    """Strangulation, suffocation or choking at any time in the relationship."""


class Relationship(CaseModel):
    """The relationship between perpetrator and victim (DOMAIN.md group C).

    Examples
    --------
    >>> Relationship(type="ex_intimate_partner", separation_date="2023-06-01").type
    <RelationshipType.EX_INTIMATE_PARTNER: 'ex_intimate_partner'>
    >>> Relationship(type="stranger", separation_date="2023-06-01")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Relationship
    separation_date
      separation_date is set but type is 'stranger'; ... [type=field_not_applicable]
    """

    type: RelationshipType = RelationshipType.UNKNOWN
    """The perpetrator's relationship to the victim."""
    separation_date: Date | None = None
    """When an intimate relationship ended."""
    domestic_abuse: DomesticAbuse = DomesticAbuse()
    """Domestic abuse in the relationship."""
    children_in_common: Presence = Presence.UNKNOWN
    """Perpetrator and victim have children together."""
    child_contact_dispute: Presence = Presence.UNKNOWN
    """A dispute over child contact or residence."""
    victim_pregnant: Presence = Presence.UNKNOWN
    """The victim is pregnant or has recently given birth."""

    @model_validator(mode="after")
    def _consistent(self) -> Relationship:
        problems: list[tuple[Loc, str, str]] = []
        if (
            self.separation_date is not None
            and self.type is not RelationshipType.EX_INTIMATE_PARTNER
        ):
            problems.append(
                (
                    ("separation_date",),
                    "field_not_applicable",
                    f"separation_date is set but type is '{self.type.value}'; a separation date "
                    "applies only to type 'ex_intimate_partner'",
                )
            )
        if (
            self.child_contact_dispute is Presence.PRESENT
            and self.children_in_common is Presence.ABSENT
        ):
            problems.append(
                (
                    ("child_contact_dispute",),
                    "field_inconsistent",
                    "child_contact_dispute is 'present' but children_in_common is 'absent'; "
                    "a contact dispute needs children in common",
                )
            )
        raise_problems("Relationship", problems)
        return self
