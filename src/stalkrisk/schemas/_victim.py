"""Group E of DOMAIN.md: the victim's situation."""

from __future__ import annotations

from enum import StrEnum

from ._base import CaseModel, Presence
from ._perpetrator import Sex

__all__ = ["Barriers", "VictimFear", "VictimSituation"]


class VictimFear(StrEnum):
    """The victim's own view of the danger they are in."""

    NOT_AFRAID = "not_afraid"
    AFRAID = "afraid"
    VERY_AFRAID = "very_afraid"
    UNKNOWN = "unknown"


class Barriers(CaseModel):
    """Barriers that stand between the victim and support or safety."""

    isolation: Presence = Presence.UNKNOWN
    """Socially or geographically isolated."""
    dependants: Presence = Presence.UNKNOWN
    """Caring for children or other dependants."""
    no_transport: Presence = Presence.UNKNOWN
    """No independent transport."""
    language_or_immigration: Presence = Presence.UNKNOWN
    """Language barriers or insecure immigration status."""


class VictimSituation(CaseModel):
    """The victim's situation (DOMAIN.md group E). No names, addresses or contact details.

    Examples
    --------
    >>> VictimSituation(fear="very_afraid").fear
    <VictimFear.VERY_AFRAID: 'very_afraid'>
    """

    sex: Sex = Sex.UNKNOWN
    """The victim's sex as recorded by the referring agency (for audits and reports; no
    bundled instrument scores it)."""
    fear: VictimFear = VictimFear.UNKNOWN
    """The victim's own view of the risk."""
    barriers: Barriers = Barriers()
    """Barriers to support or safety."""
    unsafe_living_situation: Presence = Presence.UNKNOWN
    """Living where the perpetrator knows or can easily reach them."""
    children_in_household: Presence = Presence.UNKNOWN
    """Children live with the victim."""
    changed_lifestyle: Presence = Presence.UNKNOWN
    """The victim has had to change their routine, work, studies or social life because of
    the stalking."""
    moved_home: Presence = Presence.UNKNOWN
    """The victim has moved home, or been moved, because of the stalking."""
    children_affected: Presence = Presence.UNKNOWN
    """Children saw, heard or were otherwise affected by the conduct."""
