"""Reading a practitioner's answers against the item types an instrument declares."""

from __future__ import annotations

import math

from stalkrisk.features import FACTORS, FactorKind, FactorValue
from stalkrisk.instruments._model import Instrument
from stalkrisk.schemas import AnswerValue, ItemAnswers, Presence
from stalkrisk.schemas._base import Loc, raise_problems

__all__ = ["read_answers"]

_BINARY = {"present": Presence.PRESENT, "absent": Presence.ABSENT, "unknown": Presence.UNKNOWN}


def _parse(kind: FactorKind, categories: tuple[str, ...], value: AnswerValue) -> FactorValue | str:
    """Return the value, or a message saying what was expected (never echoing the value)."""
    if value == "unknown":
        return (
            FactorValue.of_category(None)
            if kind is FactorKind.CATEGORY
            else (
                FactorValue.of(Presence.UNKNOWN)
                if kind is FactorKind.BINARY
                else FactorValue(0, None)
            )
        )
    if kind is FactorKind.BINARY:
        if isinstance(value, bool):
            return FactorValue.of(Presence.PRESENT if value else Presence.ABSENT)
        if isinstance(value, str) and value in _BINARY:
            return FactorValue.of(_BINARY[value])
        return "expected 'present', 'absent' or 'unknown' (or true/false)"
    if kind is FactorKind.COUNT:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000:
            return FactorValue.count(value)
        return "expected a whole number from 0 to 10000, or 'unknown'"
    if kind is FactorKind.NUMBER:
        number_ok = isinstance(value, int | float) and not isinstance(value, bool)
        if number_ok and math.isfinite(float(value)) and abs(float(value)) <= 1e9:
            return FactorValue(float(value), float(value))
        return "expected a finite number, or 'unknown'"
    if isinstance(value, str) and value in categories:
        return FactorValue.of_category(value)
    return f"expected one of {', '.join(categories)}, or 'unknown'"


def read_answers(instrument: Instrument, answers: ItemAnswers) -> dict[str, FactorValue]:
    """Check ``answers`` against ``instrument`` and return a value for every source it reads.

    Keys are the instrument's question ids and the names of the factors it reads. A source
    with no answer is unknown.

    Raises
    ------
    pydantic.ValidationError
        Listing every answer that names no question or factor of the instrument, or whose
        value does not fit the declared kind (location ``answers.<key>``).
    """
    sources: dict[str, tuple[FactorKind, tuple[str, ...]]] = {
        q.id: (q.kind, tuple(q.categories or ())) for q in instrument.questions
    }
    for name in instrument.factors:
        sources[name] = (FACTORS[name].kind, FACTORS[name].categories)
    problems: list[tuple[Loc, str, str]] = []
    if answers.instrument is not None and answers.instrument != instrument.id:
        problems.append(
            (
                ("instrument",),
                "instrument_mismatch",
                f"these answers are for instrument {answers.instrument!r}, not {instrument.id!r}",
            )
        )
    values: dict[str, FactorValue] = {}
    for key, value in answers.answers.items():
        if key not in sources:
            expected = ", ".join(sorted(sources))
            problems.append(
                (
                    ("answers", key),
                    "unknown_answer",
                    f"{key!r} is not a question or factor of {instrument.id}; expected one "
                    f"of: {expected}",
                )
            )
            continue
        parsed = _parse(*sources[key], value)
        if isinstance(parsed, str):
            kind = sources[key][0].value
            problems.append((("answers", key), "answer_type", f"{key} is {kind}: {parsed}"))
        else:
            values[key] = parsed
    raise_problems("ItemAnswers", problems)
    for key, (kind, categories) in sources.items():
        if key not in values:
            values[key] = _parse(kind, categories, "unknown")  # type: ignore[assignment]
    return values
