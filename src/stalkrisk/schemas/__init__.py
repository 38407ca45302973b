"""Pydantic models that describe a stalking case (``Case`` and its parts).

The groups follow DOMAIN.md: criminal history (A), the stalking episode (B), the relationship
and domestic-abuse context (C), the perpetrator (D), and the victim's situation (E). Every factor
that may be unknown is tri-state (:class:`Presence`), and every default is "unknown".
"""

from stalkrisk._internal.public import export

from ._answers import AnswerValue, ItemAnswers
from ._base import MAX_LIST, Presence, Timed
from ._case import SCHEMA_VERSION, Case, case_json_schema, case_json_schema_text
from ._episode import (
    Behaviour,
    BehaviourKind,
    Channel,
    Escalation,
    Frequency,
    StalkingEpisode,
    Threats,
)
from ._history import (
    Conviction,
    CriminalHistory,
    Disposal,
    OffenceCategory,
    OrderBreach,
    OrderKind,
    OrderTerm,
    PendingCharge,
    ProtectiveOrder,
)
from ._offence import CurrentOffence, HomeOfficeCode, Ogrs3OffenceGroup
from ._perpetrator import (
    Employment,
    MentalDisorder,
    Motivation,
    Perpetrator,
    ProtectiveFactors,
    Sex,
    Treatment,
)
from ._practice import (
    AdvocateKind,
    AgencyCheck,
    CheckResult,
    CheckStatus,
    ConditionsInformation,
    FactSource,
    MappaStatus,
    MaracStatus,
    MultiAgencyStatus,
    SourceKind,
)
from ._relationship import DomesticAbuse, Relationship, RelationshipType
from ._victim import Barriers, VictimFear, VictimSituation

__all__ = [
    "MAX_LIST",
    "SCHEMA_VERSION",
    "AdvocateKind",
    "AgencyCheck",
    "AnswerValue",
    "Barriers",
    "Behaviour",
    "BehaviourKind",
    "Case",
    "Channel",
    "CheckResult",
    "CheckStatus",
    "ConditionsInformation",
    "Conviction",
    "CriminalHistory",
    "CurrentOffence",
    "Disposal",
    "DomesticAbuse",
    "Employment",
    "Escalation",
    "FactSource",
    "Frequency",
    "HomeOfficeCode",
    "ItemAnswers",
    "MappaStatus",
    "MaracStatus",
    "MentalDisorder",
    "Motivation",
    "MultiAgencyStatus",
    "OffenceCategory",
    "Ogrs3OffenceGroup",
    "OrderBreach",
    "OrderKind",
    "OrderTerm",
    "PendingCharge",
    "Perpetrator",
    "Presence",
    "ProtectiveFactors",
    "ProtectiveOrder",
    "Relationship",
    "RelationshipType",
    "Sex",
    "SourceKind",
    "StalkingEpisode",
    "Threats",
    "Timed",
    "Treatment",
    "VictimFear",
    "VictimSituation",
    "case_json_schema",
    "case_json_schema_text",
]

export(__name__, __all__, globals())
