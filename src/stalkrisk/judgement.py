"""The practitioner's structured professional judgement, kept apart from every score.

Practitioners assess stalking by structured professional judgement: they gather the case
information, weigh the presence and relevance of risk factors, formulate why this person stalks
this victim, imagine the scenarios that could follow, plan how to manage each, and summarise.
:class:`Judgement` records that process (the generic steps, not any licensed manual's items).

A judgement is the practitioner's: it names its author (a pseudonymous staff reference) and its
date, says which version of the case it was made on (``case_sha256``, the case's input hash),
and is versioned itself. No instrument reads it and no score changes because of it; reports show
it in its own sections, apart from the bands.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema, model_validator

from stalkrisk._internal.jsonschema import schema_document, schema_text
from stalkrisk._internal.public import export
from stalkrisk._internal.validation import plain_text
from stalkrisk.assessment import AssessorId
from stalkrisk.schemas._base import CaseModel, DocumentModel, Loc, _reject_numbers, raise_problems
from stalkrisk.schemas._case import CaseId
from stalkrisk.schemas._practice import LaterDate, Note

__all__ = [
    "JUDGEMENT_FORMAT",
    "Concern",
    "ConcernLevel",
    "Judgement",
    "Level",
    "Management",
    "PeopleAtRisk",
    "PromptStatus",
    "ReassessmentTrigger",
    "SafetyPrompt",
    "SafetyPromptNote",
    "Scenario",
    "ScenarioKind",
    "TriggerKind",
    "judgement_json_schema",
]

#: The format tag of a judgement document.
JUDGEMENT_FORMAT: Final = "stalkrisk-judgement/1"

_SHA256 = r"^[0-9a-f]{64}$"

#: Longer text: a formulation, a summary's reasons. Plain text, at most 10,000 characters.
LongText = Annotated[str, Field(min_length=1, max_length=10_000), AfterValidator(plain_text)]


_Notes = Annotated[tuple[Note, ...], Field(max_length=20)]
_Date = Annotated[dt.date, BeforeValidator(_reject_numbers)]


class Level(StrEnum):
    """A practitioner's level of concern (low, moderate, high), never a computed band."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class ScenarioKind(StrEnum):
    """What a scenario imagines happening."""

    CONTINUED_STALKING = "continued_stalking"
    """The stalking goes on as it has."""
    ESCALATION = "escalation"
    """The stalking escalates: more intrusive, more frequent, threats, approach."""
    SERIOUS_VIOLENCE = "serious_violence"
    """Serious physical or sexual violence."""
    HARM_TO_OTHERS = "harm_to_others"
    """Harm to people close to the victim: children, a new partner, family, colleagues."""
    RECURRENCE = "recurrence"
    """The stalking stops, then starts again, of this victim or another."""
    SELF_HARM = "self_harm"
    """Harm by the person to themselves, which may put others at risk."""
    OTHER = "other"


class PeopleAtRisk(StrEnum):
    """Who a scenario puts at risk."""

    VICTIM = "victim"
    CHILDREN = "children"
    NEW_PARTNER = "new_partner"
    FAMILY_OR_FRIENDS = "family_or_friends"
    PROFESSIONALS = "professionals"
    """Police, probation, court or health staff."""
    PUBLIC = "public"
    SELF = "self"


class Management(CaseModel):
    """How one scenario would be managed: the four strands of a risk-management plan."""

    monitoring: _Notes = ()
    """What will be watched, by whom, and how warning signs will be noticed."""
    supervision: _Notes = ()
    """Contact, conditions and restrictions."""
    treatment: _Notes = ()
    """Interventions that address why the person stalks."""
    victim_safety_planning: _Notes = ()
    """What will keep the victim, and others at risk, safe."""


class Scenario(CaseModel):
    """One imagined future: what could happen, to whom, how soon, how badly and why.

    Examples
    --------
    >>> s = Scenario(kind="escalation", description="Approaches the victim at work again.",
    ...              people_at_risk=["victim"], imminence="high", severity="moderate",
    ...              likelihood="high", triggers=["A family-court hearing"])
    >>> s.imminence
    <Level.HIGH: 'high'>
    """

    kind: ScenarioKind
    description: Note
    """The scenario in a few sentences (no names or addresses)."""
    people_at_risk: Annotated[tuple[PeopleAtRisk, ...], Field(min_length=1, max_length=7)]
    imminence: Level
    """How soon it could happen."""
    severity: Level
    """How serious the harm would be, physical and psychological."""
    likelihood: Level
    """How often, or how likely, in the practitioner's judgement."""
    triggers: _Notes = ()
    """What could set it off."""
    warning_signs: _Notes = ()
    """What would show it is becoming more likely."""
    management: Management = Management()
    """How it would be managed."""


class ConcernLevel(StrEnum):
    """What a summary judgement is about."""

    CASE_PRIORITY = "case_priority"
    """How much attention and resource the case needs now."""
    CONTINUED_STALKING = "continued_stalking"
    SERIOUS_VIOLENCE = "serious_violence"
    IMMINENT_VIOLENCE = "imminent_violence"


class Concern(CaseModel):
    """A summary judgement of one concern, with its reasons."""

    concern: ConcernLevel
    level: Level
    reasons: LongText


class TriggerKind(StrEnum):
    """An event that calls for the assessment to be made again."""

    RELEASE = "release"
    """Release from custody, or the end of a remand."""
    HEARING = "hearing"
    """A criminal hearing: a trial, a sentence, a bail review."""
    FAMILY_COURT = "family_court"
    """A family-court date: child arrangements, a non-molestation order."""
    VICTIM_NEW_RELATIONSHIP = "victim_new_relationship"
    """The victim starts a new relationship."""
    ORDER_EXPIRY = "order_expiry"
    """An order or conditions come to an end."""
    BREACH = "breach"
    """A breach of an order, of bail or of a licence."""
    CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances"
    """A move, a job lost, a bereavement, a relapse."""
    OTHER = "other"


class ReassessmentTrigger(CaseModel):
    """An event on which the assessment must be made again; dated when the date is known."""

    kind: TriggerKind
    due_on: LaterDate | None = None
    """When it is due, if known (it may lie after the judgement)."""
    note: Note | None = None


class SafetyPrompt(StrEnum):
    """The victim safety-planning prompts a report shows the practitioner.

    They are prompts for the practitioner and the victim's advocate; the library never sends
    anything to a victim.
    """

    ADVOCATE = "advocate"
    """Is an independent stalking or domestic-violence advocate in place?"""
    MARAC_REFERRAL = "marac_referral"
    """Is a MARAC referral needed?"""
    ADDRESS_EXPOSURE = "address_exposure"
    """Does the person know, or could they find, the victim's address?"""
    WORKPLACE_AND_ROUTINE = "workplace_and_routine"
    """Workplace, place of study and daily routine."""
    TECHNOLOGY = "technology"
    """Technology safety: spyware, tracking devices, location sharing, shared accounts."""
    CHILDREN = "children"
    """Children's schools, nurseries and contact handovers."""
    THIRD_PARTIES = "third_parties"
    """Third parties at risk: a new partner, family, colleagues."""
    VICTIMS_WISHES = "victims_wishes"
    """What the victim wants from conditions and orders."""
    VICTIM_CONTACT_SCHEME = "victim_contact_scheme"
    """Victim Contact Scheme eligibility."""


class PromptStatus(StrEnum):
    """Where a safety-planning prompt stands."""

    ADDRESSED = "addressed"
    TO_DO = "to_do"
    NOT_APPLICABLE = "not_applicable"


class SafetyPromptNote(CaseModel):
    """What the practitioner recorded against one safety-planning prompt."""

    status: PromptStatus
    note: Note | None = None


class Judgement(DocumentModel):
    """A practitioner's structured professional judgement of one case.

    Kept out of every score: no instrument reads it. Reports show it in its own sections, with
    its author and date, beside (never inside) the bands.

    Examples
    --------
    >>> j = Judgement.model_validate({
    ...     "case_id": "CT-21", "version": 1, "assessor": "PO-117", "made_on": "2025-03-10",
    ...     "formulation": "Stalks an ex-partner after separation, seeking reconciliation.",
    ...     "scenarios": [{"kind": "continued_stalking", "description": "Contact goes on.",
    ...                    "people_at_risk": ["victim"], "imminence": "high",
    ...                    "severity": "moderate", "likelihood": "high"}],
    ...     "summary": [{"concern": "case_priority", "level": "high",
    ...                  "reasons": "Breach within weeks of an order; escalating contact."}],
    ... })
    >>> j.scenarios[0].kind.value, j.summary[0].level.value
    ('continued_stalking', 'high')
    >>> Judgement.model_validate({"case_id": "CT-21", "version": 1, "assessor": "Jane Smith",
    ...                           "made_on": "2025-03-10"})
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Judgement
    assessor
      String should match pattern ... [type=string_pattern_mismatch]
        For further information visit ...
    """

    format: Literal["stalkrisk-judgement/1"] = JUDGEMENT_FORMAT
    case_id: CaseId
    """The case judged."""
    case_sha256: (
        Annotated[
            str, WithJsonSchema({"type": "string", "pattern": _SHA256}), Field(pattern=_SHA256)
        ]
        | None
    ) = None
    """The input hash of the version of the case this judgement was made on
    (:func:`stalkrisk.input_sha256`); a report refuses a judgement made on other case data."""
    version: Annotated[int, Field(ge=1, le=10_000, strict=True)]
    """The judgement's own version: 1, then 2 for the next made on the same case, and so on."""
    assessor: AssessorId
    """A pseudonymous staff reference for the practitioner whose judgement this is."""
    made_on: _Date
    """The date of the judgement."""
    formulation: LongText | None = None
    """Why this person stalks this victim: the practitioner's account of the motives, the
    relationship and what drives and maintains the conduct."""
    scenarios: Annotated[tuple[Scenario, ...], Field(max_length=5)] = ()
    """Two or three scenarios, usually: what could happen, to whom, how soon and how badly."""
    protective_factors: _Notes = ()
    """What makes harm less likely, in the practitioner's judgement."""
    summary: Annotated[tuple[Concern, ...], Field(max_length=4)] = ()
    """Summary judgements, each with its reasons."""
    reassessment_triggers: Annotated[tuple[ReassessmentTrigger, ...], Field(max_length=20)] = ()
    """Events on which the assessment must be made again."""
    safety_planning: Annotated[dict[SafetyPrompt, SafetyPromptNote], Field(default_factory=dict)]
    """What was recorded against each victim safety-planning prompt."""

    @model_validator(mode="after")
    def _one_summary_per_concern(self) -> Judgement:
        problems: list[tuple[Loc, str, str]] = []
        seen: set[ConcernLevel] = set()
        for i, concern in enumerate(self.summary):
            if concern.concern in seen:
                problems.append(
                    (
                        ("summary", i, "concern"),
                        "duplicate_concern",
                        f"summary[{i}]: this concern already has a summary judgement",
                    )
                )
            seen.add(concern.concern)
        raise_problems("Judgement", problems)
        return self

    def to_json(self) -> str:
        """Return the judgement as JSON text (two-space indent), as it is stored."""
        return self.model_dump_json(indent=2, exclude_defaults=False) + "\n"


def judgement_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of :class:`Judgement`.

    Examples
    --------
    >>> schema = judgement_json_schema()
    >>> sorted(schema["required"])
    ['assessor', 'case_id', 'made_on', 'version']
    """
    return schema_document(Judgement, "judgement-1")


def judgement_json_schema_text() -> str:
    """Return :func:`judgement_json_schema` as the text committed under ``docs/``."""
    return schema_text(judgement_json_schema())


export(__name__, __all__, globals())
