"""Building blocks shared by every part of a case: the base model, tri-state answers, types."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Final, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from stalkrisk._internal.validation import (
    ENTRIES_COUNTED,
    TOO_MANY_ITEMS,
    count_list_items,
    discreet_errors,
    few_entries,
    parse_document_json,
)

__all__ = [
    "MAX_LIST",
    "MAX_LIST_ITEMS",
    "TEXT_CELLS",
    "Age",
    "CaseModel",
    "Count",
    "Date",
    "DocumentModel",
    "Flag",
    "Loc",
    "Presence",
    "Timed",
    "raise_problems",
]

#: Upper bound on every list in a case, so that a hostile file cannot exhaust memory.
MAX_LIST = 500
#: Upper bound on the list entries in a whole case (or set of answers), lists inside lists
#: included: 500 orders of 500 breaches each would otherwise be 250,000 objects.
MAX_LIST_ITEMS: Final = 5_000
#: The validation context of values read from text cells (CSV, frames): there ``"44"`` is
#: the number 44 and ``"true"`` a boolean. In JSON a number must be a JSON number.
TEXT_CELLS: Final = {"text_cells": True}

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


def _text_cells(info: ValidationInfo) -> bool:
    context = info.context
    return isinstance(context, dict) and context.get("text_cells") is True


_DIGITS = re.compile(r"[0-9]{1,12}")


def _whole_number(value: object, info: ValidationInfo) -> object:
    """Refuse booleans and text as whole numbers (text is allowed only in CSV and frame cells).

    ``true`` is not one conviction, and ``"1_0"`` is not ten: in JSON a count or an age is a
    JSON number. A text cell may hold plain digits (``"44"``), nothing else.
    """
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "a whole number is expected here, not true or false")
    if isinstance(value, str):
        text = value.strip()
        if _text_cells(info) and _DIGITS.fullmatch(text):
            return int(text)
        if _text_cells(info):
            raise PydanticCustomError(
                "int_parsing", "a whole number is expected here, written with the digits 0-9 only"
            )
        raise PydanticCustomError(
            "int_type", "a whole number is expected here, as a JSON number (not in quotes)"
        )
    return value


def _boolean(value: object, info: ValidationInfo) -> object:
    """Take only a JSON boolean as a flag (or, in a text cell, the text ``true``/``false``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and _text_cells(info) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise PydanticCustomError("bool_type", "true or false is expected here (a JSON boolean)")


#: A calendar date, written ``YYYY-MM-DD``.
Date = Annotated[dt.date, BeforeValidator(_reject_numbers)]
#: A person's age in whole years (10 is the age of criminal responsibility in England and Wales).
Age = Annotated[int, Field(ge=10, le=110), BeforeValidator(_whole_number)]
#: A count of events or records.
Count = Annotated[int, Field(ge=0, le=10_000), BeforeValidator(_whole_number)]
#: A yes/no flag: a JSON boolean (``true``/``false``), never a number or other text.
Flag = Annotated[bool, BeforeValidator(_boolean)]


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


class DocumentModel(CaseModel):
    """Base of the top-level documents, :class:`~stalkrisk.Case` and answers.

    Whatever path a document comes in by (a dict, JSON text, a file, a batch line), it is
    read by the same rules:

    - JSON text is parsed strictly (``model_validate_json``): no duplicate keys, no NaN or
      Infinity, bounded nesting and number length;
    - the whole document holds at most :data:`MAX_LIST_ITEMS` list entries, counted before
      any object is built;
    - errors never repeat a key that is not in the schema (it may be personal data): an
      unknown field is reported at its parent, with the fields allowed there.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _bounded_and_discreet(
        cls, data: Any, handler: ModelWrapValidatorHandler[Self], info: ValidationInfo
    ) -> Self:
        context = info.context
        counted = isinstance(context, dict) and context.get(ENTRIES_COUNTED) is True
        if isinstance(data, dict) and not counted and count_list_items(data, MAX_LIST_ITEMS):
            raise PydanticCustomError("too_many_items", TOO_MANY_ITEMS.format(limit=MAX_LIST_ITEMS))
        try:
            return handler(data)
        except ValidationError as exc:
            raise discreet_errors(cls, exc) from None

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Validate JSON text, parsed strictly (see the class docstring).

        Raises
        ------
        pydantic.ValidationError
            For invalid JSON (type ``json_invalid``: including duplicate keys, NaN, nesting
            or numbers too large) and for every schema problem.
        """
        data = parse_document_json(cls, json_data)
        if few_entries(json_data, MAX_LIST_ITEMS):  # no need to count what cannot be there
            kwargs["context"] = {**(kwargs.get("context") or {}), ENTRIES_COUNTED: True}
        return cls.model_validate(data, **kwargs)


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
