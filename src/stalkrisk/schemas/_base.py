"""Building blocks shared by every part of a case: the base model, tri-state answers, types."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = [
    "MAX_LIST",
    "Age",
    "CaseModel",
    "Count",
    "Date",
    "Loc",
    "Presence",
    "Timed",
    "raise_problems",
]

#: Upper bound on every list in a case, so that a hostile file cannot exhaust memory.
MAX_LIST = 500

Loc = tuple[str | int, ...]


class Presence(StrEnum):
    """A tri-state answer: whether a factor is present, absent, or not known.

    ``UNKNOWN`` is the default everywhere: information that was not recorded is never read as
    absent.

    Examples
    --------
    >>> Presence("present") is Presence.PRESENT
    True
    >>> Presence.UNKNOWN.value
    'unknown'
    """

    PRESENT = "present"
    ABSENT = "absent"
    UNKNOWN = "unknown"


def _reject_numbers(value: object) -> object:
    """Refuse numbers as dates (pydantic would read them as Unix timestamps)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "date_type", "dates must be ISO 8601 strings (YYYY-MM-DD), not numbers"
        )
    return value


#: A calendar date, written ``YYYY-MM-DD``.
Date = Annotated[dt.date, BeforeValidator(_reject_numbers)]
#: A person's age in whole years (10 is the age of criminal responsibility in England and Wales).
Age = Annotated[int, Field(ge=10, le=110)]
#: A count of events or records.
Count = Annotated[int, Field(ge=0, le=10_000)]


class CaseModel(BaseModel):
    """Base of every part of a case: strict about unknown fields, immutable, and discreet.

    ``hide_input_in_errors`` keeps submitted values (which may be personal data) out of error
    messages; the messages name the field and the rule instead.
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        str_strip_whitespace=True,
        use_attribute_docstrings=True,
    )


def raise_problems(title: str, problems: list[tuple[Loc, str, str]]) -> None:
    """Raise one :class:`pydantic.ValidationError` listing every cross-field problem.

    Parameters
    ----------
    title : str
        The model's name.
    problems : list of (loc, error type, message)
        Locations are relative to the model being validated; pydantic prefixes the parent path.
    """
    if not problems:
        return
    details = [
        InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)
        for loc, kind, message in problems
    ]
    raise ValidationError.from_exception_data(title, details, hide_input=True)


class Timed(CaseModel):
    """A factor recorded both for the lifetime and for the recent period.

    "Recent" means the current episode or the last 12 months. Something present recently was
    present in the lifetime, so ``recent="present"`` with ``lifetime="absent"`` is refused; if
    the lifetime answer is ``absent`` the recent answer is read as ``absent`` too.

    Examples
    --------
    >>> Timed(lifetime="present", recent="absent").recent
    <Presence.ABSENT: 'absent'>
    >>> Timed(lifetime="absent", recent="present")
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Timed
    recent
      recent is 'present' but lifetime is 'absent'; ... [type=timed_inconsistent]
    """

    lifetime: Presence = Presence.UNKNOWN
    """Ever present, at any time."""
    recent: Presence = Presence.UNKNOWN
    """Present in the current episode or the last 12 months."""

    @model_validator(mode="after")
    def _recent_within_lifetime(self) -> Timed:
        if self.recent is Presence.PRESENT and self.lifetime is Presence.ABSENT:
            raise_problems(
                "Timed",
                [
                    (
                        ("recent",),
                        "timed_inconsistent",
                        "recent is 'present' but lifetime is 'absent'; something present "
                        "recently was present in the lifetime, so set lifetime to 'present'",
                    )
                ],
            )
        return self
