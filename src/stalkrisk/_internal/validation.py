"""Validation helpers for the top-level documents (cases, answers, records).

Three rules every top-level document shares, whatever path it comes in by (a dict, a JSON
string, a file, a batch line):

- **Discreet errors.** A key that is not part of the schema may itself be personal data
  (``{"perpetrator": {"Jane Smith": ...}}``), so an error never repeats it: an unknown key is
  reported at its parent (``perpetrator: an unknown field was given ...``) with the fields
  allowed there, and any other path that passes through an unknown key shows it as ``?``.
- **Bounded size.** Every list in a case is bounded, but lists inside lists multiply
  (500 orders x 500 breaches); the number of list entries in a whole document is bounded too,
  and counted before any object is built.
- **Strict JSON.** ``model_validate_json`` reads the text with
  :func:`stalkrisk._internal.documents.parse_json` (no duplicate keys, no NaN, bounded depth
  and number length), so it refuses what every other reader refuses.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from functools import cache
from typing import Any, Final, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from stalkrisk._internal.documents import DocumentError, parse_json

__all__ = [
    "CONTROL_CHARACTERS",
    "ENTRIES_COUNTED",
    "UNKNOWN_FIELD",
    "count_list_items",
    "discreet_errors",
    "document_error",
    "few_entries",
    "known_field_names",
    "model_at",
    "parse_document_json",
    "plain_line",
    "plain_text",
]

UNKNOWN_FIELD: Final = (
    "an unknown field was given here (its name is not repeated, as it may be personal data); "
    "the fields allowed here are: {allowed}"
)
UNKNOWN_FIELD_NO_LIST: Final = (
    "an unknown field was given here (its name is not repeated, as it may be personal data)"
)
TOO_MANY_ITEMS: Final = (
    "the document holds more than {limit:,} list entries in all (lists inside lists "
    "multiply); split it, or leave out detail the instruments do not read"
)
_SHOWN_FIELDS: Final = 40


#: Characters that can disguise printed text: C0 and C1 controls, DEL, and the Unicode marks
#: that reorder or hide text. Long text may hold tabs and line breaks; a label may not.
_LINE_CONTROLS: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
_TEXT_CONTROLS: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
CONTROL_CHARACTERS: Final = (
    "control characters and characters that reorder text are not allowed here (they could "
    "disguise what is printed){extra}"
)


def plain_line(value: str) -> str:
    """Refuse control and direction-changing characters in one line of text (a label).

    Examples
    --------
    >>> plain_line("High")
    'High'
    """
    if _LINE_CONTROLS.search(value):
        raise PydanticCustomError(
            "text_control", CONTROL_CHARACTERS.format(extra="; a label is one line")
        )
    return value


def plain_text(value: str) -> str:
    """Refuse control and direction-changing characters, but tabs and line breaks, in text."""
    if _TEXT_CONTROLS.search(value):
        raise PydanticCustomError("text_control", CONTROL_CHARACTERS.format(extra=""))
    return value


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """Return the pydantic models an annotation can hold, directly or inside containers."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    origin = get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in get_args(annotation):
            found += _models_in(arg)
    return found


@cache
def known_field_names(model: type[BaseModel]) -> frozenset[str]:
    """Return every field name (and alias) of ``model`` and of the models inside it.

    Examples
    --------
    >>> from stalkrisk import Case
    >>> names = known_field_names(Case)
    >>> {"case_id", "perpetrator", "to_kill"} <= names
    True
    """
    names: set[str] = set()
    stack = [model]
    seen: set[type[BaseModel]] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
            stack.extend(_models_in(info.annotation))
    return frozenset(names)


def model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """Return the model class found at ``loc`` inside ``model`` (``None`` if not a model)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue  # a list index: the same model type
        info = current.model_fields.get(part)
        if info is None:
            return None
        inner = _models_in(info.annotation)
        current = inner[0] if len(inner) == 1 else None
    return current


#: A validation-context key: the caller knows the document cannot hold too many list entries
#: (it was read from text too short to hold them), so they need not be counted again.
ENTRIES_COUNTED: Final = "list_entries_counted"


def few_entries(text: str | bytes | bytearray, limit: int) -> bool:
    """Return whether JSON ``text`` is too short to hold more than ``limit`` list entries.

    Every list entry takes at least two characters (its value and a comma or a bracket), so
    text of at most ``2 * limit`` characters holds at most ``limit`` entries: counting them
    would find nothing. (Most cases are a few kilobytes.)

    Examples
    --------
    >>> few_entries("[1,2]", 3), few_entries("[1,2,3,4]", 3)
    (True, False)
    """
    return len(text) <= 2 * limit


def count_list_items(data: Any, limit: int) -> bool:
    """Return whether ``data`` holds more than ``limit`` list entries in all, at every depth.

    Stops as soon as the limit is passed, so hostile input costs little.

    Examples
    --------
    >>> count_list_items({"a": [[1, 2], [3]], "b": {"c": [4]}}, 5)
    True
    >>> count_list_items({"a": [[1, 2], [3]], "b": {"c": [4]}}, 6)
    False
    """
    total = 0
    stack: list[Any] = [data]
    containers = (dict, list, tuple)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            stack.extend(v for v in node.values() if type(v) in containers or _other(v))
        elif kind is list or kind is tuple:
            total += len(node)
            if total > limit:
                return True
            stack.extend(v for v in node if type(v) in containers or _other(v))
        elif isinstance(node, Mapping):
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            total += len(node)
            if total > limit:
                return True
            stack.extend(node)
    return False


def _other(value: Any) -> bool:
    """Whether a value is a mapping or a sequence of another type (a subclass, say)."""
    return isinstance(value, Mapping | list | tuple)


def _fields_here(model: type[BaseModel], parent: tuple[str | int, ...]) -> str | None:
    here = model_at(model, parent)
    if here is None:
        return None
    names = sorted(here.model_fields)
    shown = ", ".join(names[:_SHOWN_FIELDS])
    return shown + (", ..." if len(names) > _SHOWN_FIELDS else "")


def discreet_errors(model: type[BaseModel], exc: ValidationError) -> ValidationError:
    """Return ``exc`` with every key outside ``model``'s schema taken out of its locations.

    An ``extra_forbidden`` error moves to the parent of the unknown key, with a message that
    lists the fields allowed there; another location through an unknown key shows ``?``.
    Returns ``exc`` itself when nothing needs to change.
    """
    known = known_field_names(model)
    errors = exc.errors(include_url=False, include_input=False)
    changed = False
    details: list[InitErrorDetails] = []
    for error in errors:
        loc = tuple(error["loc"])
        kind, message = error["type"], error["msg"]
        if kind == "extra_forbidden" and loc:
            loc = loc[:-1]
            allowed = _fields_here(model, loc)
            message = UNKNOWN_FIELD.format(allowed=allowed) if allowed else UNKNOWN_FIELD_NO_LIST
            changed = True
        safe = tuple(p if isinstance(p, int) or p in known else "?" for p in loc)
        changed = changed or safe != loc
        details.append(
            InitErrorDetails(type=PydanticCustomError(kind, message), loc=safe, input=None)
        )
    if not changed:
        return exc
    return ValidationError.from_exception_data(exc.title, details, hide_input=True)


def document_error(title: str, exc: DocumentError) -> ValidationError:
    """Return a :class:`pydantic.ValidationError` (type ``json_invalid``) for a JSON problem."""
    detail = InitErrorDetails(
        type=PydanticCustomError("json_invalid", exc.message), loc=(), input=None
    )
    return ValidationError.from_exception_data(title, [detail], hide_input=True)


def parse_document_json(model: type[BaseModel], json_data: str | bytes | bytearray) -> Any:
    """Parse JSON text for ``model`` strictly; a problem is a ``ValidationError``.

    Raises
    ------
    pydantic.ValidationError
        Of type ``json_invalid`` (invalid JSON, NaN, a duplicate key, nesting or a number
        too large); a duplicate key outside the schema is not named.
    """
    try:
        text = bytes(json_data) if isinstance(json_data, bytearray) else json_data
        return parse_json(text, known_keys=known_field_names(model))
    except DocumentError as exc:
        raise document_error(model.__name__, exc) from None
