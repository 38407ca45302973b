"""The current offence, for instruments that need it (OGRS3)."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from ._base import Age, CaseModel, Date, Loc, Presence, raise_problems
from ._history import OffenceCategory

__all__ = ["CurrentOffence", "HomeOfficeCode", "Ogrs3OffenceGroup"]


class Ogrs3OffenceGroup(StrEnum):
    """The offence groups of OGRS3 (Howard, Francis, Soothill & Humphreys 2009)."""

    VIOLENCE = "violence"
    ROBBERY = "robbery"
    PUBLIC_ORDER = "public_order"
    SEXUAL_NOT_CHILD = "sexual_not_child"
    SEXUAL_CHILD = "sexual_child"
    SOLICITING = "soliciting"
    BURGLARY_DOMESTIC = "burglary_domestic"
    BURGLARY_OTHER = "burglary_other"
    THEFT_NON_MOTOR = "theft_non_motor"
    HANDLING = "handling"
    FRAUD_FORGERY = "fraud_forgery"
    ABSCONDING_BAIL = "absconding_bail"
    TAKING_VEHICLE = "taking_vehicle"
    THEFT_FROM_VEHICLE = "theft_from_vehicle"
    OTHER_MOTORING = "other_motoring"
    DRINK_DRIVING = "drink_driving"
    CRIMINAL_DAMAGE = "criminal_damage"
    DRUG_IMPORT_EXPORT = "drug_import_export"
    DRUG_POSSESSION_SUPPLY = "drug_possession_supply"
    OTHER = "other"


_HO_PATTERN = r"^\d{3}/?\d{2}$"


def _normalise_code(value: str) -> str:
    if not re.fullmatch(_HO_PATTERN, value):
        raise PydanticCustomError(
            "home_office_code_format",
            "a Home Office offence code is 3 digits for the group and 2 for the sub-code, "
            "written 02700 or 027/00",
        )
    # 000/00 and 000/01 are well-formed; OGRS3 declines both, with the reason (see
    # stalkrisk._internal.ogrs3): the schema checks the form of a code, the instrument its use.
    return value.replace("/", "")


#: A Home Office offence classification code, stored as 5 digits (``02700``).
HomeOfficeCode = Annotated[
    str,
    AfterValidator(_normalise_code),
    WithJsonSchema({"type": "string", "pattern": _HO_PATTERN}),
]


class CurrentOffence(CaseModel):
    """The current offence and the ages that follow-up tools such as OGRS3 need.

    State the OGRS3 offence group directly, or give the Home Office offence code, or the
    library's offence category (see the OGRS3 documentation for which categories map to a
    group and which are ambiguous).

    Examples
    --------
    >>> CurrentOffence(home_office_code="027/00").home_office_code
    '02700'
    """

    category: OffenceCategory | None = None
    """The offence category in the library's own list."""
    ogrs3_group: Ogrs3OffenceGroup | None = None
    """The OGRS3 offence group, stated explicitly."""
    home_office_code: HomeOfficeCode | None = None
    """The Home Office offence code (``02700`` or ``027/00``)."""
    conviction_date: Date | None = None
    """Date of conviction (or caution) for the current offence."""
    age_at_conviction: Age | None = None
    """The perpetrator's age, in completed years, at the current conviction."""
    committed_on_bail: Presence = Presence.UNKNOWN
    """The current offence was committed while on bail."""
    committed_in_breach_of_order: Presence = Presence.UNKNOWN
    """The current offence was committed in breach of a court order (record the order and
    its breaches in ``history.protective_orders``)."""
    age_at_start_of_follow_up: Age | None = None
    """Age, in completed years, when follow-up starts: the sentence date for a community
    sentence, the release date after custody (it may lie after the assessment date)."""

    @model_validator(mode="after")
    def _ages_in_order(self) -> CurrentOffence:
        problems: list[tuple[Loc, str, str]] = []
        if (
            self.age_at_conviction is not None
            and self.age_at_start_of_follow_up is not None
            and self.age_at_start_of_follow_up < self.age_at_conviction
        ):
            problems.append(
                (
                    ("age_at_start_of_follow_up",),
                    "age_inconsistent",
                    "age_at_start_of_follow_up is less than age_at_conviction; follow-up "
                    "starts at or after the conviction",
                )
            )
        raise_problems("CurrentOffence", problems)
        return self
