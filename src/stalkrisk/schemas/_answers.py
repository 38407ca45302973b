"""Direct answers to an instrument's own items: a practitioner's completed checklist."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, StringConstraints

from ._base import Date, DocumentModel, Flag
from ._case import SCHEMA_VERSION, CaseId

__all__ = ["AnswerValue", "ItemAnswers"]

#: One answer: ``"present"``/``"absent"`` (or ``true``/``false``), a whole number, a number,
#: a category, or ``"unknown"``.
AnswerValue = StrictBool | StrictInt | StrictFloat | Annotated[StrictStr, Field(max_length=64)]
AnswerKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class ItemAnswers(DocumentModel):
    """Answers to an instrument's questions (or factors), keyed by question id or factor name.

    Use this to score an instrument from a checklist rather than from a :class:`Case`. Every
    answer is checked against the kind the instrument declares for it; a question with no
    answer is unknown, never absent.

    Examples
    --------
    >>> answers = ItemAnswers(case_id="PSA-7", assessment_date="2024-05-01",
    ...                       answers={"pending_charge": "present", "prior_violent_convictions": 2})
    >>> answers.answers["prior_violent_convictions"]
    2
    """

    schema_version: Literal["1.0"] = SCHEMA_VERSION
    """The schema version these answers were written for."""
    case_id: CaseId
    """A pseudonymous reference, never a name or anything derived from one."""
    assessment_date: Date
    """The date the answers refer to."""
    synthetic: Flag = False
    """True for generated or fictional answers."""
    instrument: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")] | None = None
    """The id of the instrument answered, if stated; it must then match the instrument used."""
    answers: Annotated[dict[AnswerKey, AnswerValue], Field(max_length=500)]
    """Answers by question id (or factor name)."""
