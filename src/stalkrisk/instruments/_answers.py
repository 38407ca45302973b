"""Reading a practitioner's answers against the item types an instrument declares."""

from __future__ import annotations

from typing import NamedTuple

from stalkrisk.features import (
    AGE_BOUNDS,
    FACTORS,
    MAX_CAREER_YEARS,
    FactorKind,
    FactorValue,
    _copas_rate_range,
)
from stalkrisk.instruments._model import Instrument
from stalkrisk.schemas import AnswerValue, ItemAnswers, Presence
from stalkrisk.schemas._base import Loc, raise_problems

__all__ = ["read_answers"]

_BINARY = {"present": Presence.PRESENT, "absent": Presence.ABSENT, "unknown": Presence.UNKNOWN}
#: The largest magnitude a number answer may have.
_MAX_NUMBER = 1e9
#: The factors whose answers bound the Copas rate (see :func:`_copas_problem`).
_COPAS = "ogrs3_copas_rate"
_SANCTIONS = "previous_sanctions"
_AGES = ("age_at_follow_up_start", "perpetrator_age")

#: Why an answer lies outside its source's bounds, by who declared them.
OUT_OF_RANGE_QUESTION = "{key} must be {range}, as the instrument declares for this question"
OUT_OF_RANGE_FACTOR = "{key} must be {range}, the values a valid case can give this factor"
COPAS_INCONSISTENT = (
    "{key} is ln((1 + previous sanctions) / (10 + years from the first sanction, at 10 or older, "
    "to the current conviction)), to 5 decimal places; with {given} answered, the career is 0 "
    "to {span} years and the rate must lie {range}"
)
COPAS_RANGE_WITH_SANCTIONS = (
    "from ln((1 + previous_sanctions) / {denominator}) to ln((1 + previous_sanctions) / 10), "
    "and be ln(1 / 10) when previous_sanctions is 0 (the current sanction is then the first)"
)
COPAS_RANGE_WITHOUT_SANCTIONS = "from the lesser of ln(1 / 10) and ln(2 / {age}) to ln(10001 / 10)"


class _Source(NamedTuple):
    """What an answer key reads: its kind, categories and inclusive bounds (``None``: open)."""

    kind: FactorKind
    categories: tuple[str, ...]
    low: float | None
    high: float | None
    declared_by: str  # the template that says who declared the bounds


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _describe_range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {_num(low)} to {_num(high)}"
    if low is not None:
        return f"at least {_num(low)}"
    return f"at most {_num(high if high is not None else 0)}"


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
        # Compare before converting: float() of a huge int raises OverflowError.
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and -_MAX_NUMBER <= value <= _MAX_NUMBER  # False for NaN
        ):
            return FactorValue(float(value), float(value))
        return "expected a finite number, or 'unknown'"
    if isinstance(value, str) and value in categories:
        return FactorValue.of_category(value)
    return f"expected one of {', '.join(categories)}, or 'unknown'"


def _sources(instrument: Instrument) -> dict[str, _Source]:
    sources = {
        q.id: _Source(q.kind, tuple(q.categories or ()), q.min, q.max, OUT_OF_RANGE_QUESTION)
        for q in instrument.questions
    }
    for name in instrument.factors:
        factor = FACTORS[name]
        low, high = factor.bounds if factor.bounds is not None else (None, None)
        sources[name] = _Source(factor.kind, factor.categories, low, high, OUT_OF_RANGE_FACTOR)
    return sources


def _out_of_range(key: str, source: _Source, value: FactorValue) -> str | None:
    """Return why a known numeric answer lies outside its source's bounds, or ``None``."""
    if source.kind not in (FactorKind.COUNT, FactorKind.NUMBER) or not value.known:
        return None
    assert value.low is not None  # a known count or number
    below = source.low is not None and value.low < source.low
    above = source.high is not None and value.low > source.high
    if not (below or above):
        return None
    return source.declared_by.format(key=key, range=_describe_range(source.low, source.high))


def _copas_problem(values: dict[str, FactorValue]) -> str | None:
    """Check the Copas rate against the previous sanctions and ages answered with it.

    The rate is ln((1 + s) / (10 + y)) for s previous sanctions and a career of y years from
    the first sanction (at 10 or older) to the current conviction (at or before the age at
    follow-up, and at or before the perpetrator's age), so those answers bound it.
    """
    rate = values.get(_COPAS)
    if rate is None or not rate.known or rate.low is None:
        return None
    sanctions_value = values.get(_SANCTIONS)
    sanctions = (
        int(sanctions_value.low)
        if sanctions_value is not None and sanctions_value.known and sanctions_value.low is not None
        else None
    )
    ages = [
        (key, int(v.low))
        for key in _AGES
        if (v := values.get(key)) is not None and v.known and v.low is not None
    ]
    if sanctions is None and not ages:
        return None  # the factor's own bounds already apply
    youngest = min(ages, key=lambda a: a[1]) if ages else None
    career = MAX_CAREER_YEARS if youngest is None else youngest[1] - AGE_BOUNDS[0]
    low, high = _copas_rate_range(sanctions, career)
    if low <= rate.low <= high:
        return None
    given = ([_SANCTIONS] if sanctions is not None else []) + [key for key, _ in ages]
    if sanctions is not None:
        denominator = str(10 + MAX_CAREER_YEARS) if youngest is None else youngest[0]
        allowed = COPAS_RANGE_WITH_SANCTIONS.format(denominator=denominator)
    else:
        assert youngest is not None  # an age was answered
        allowed = COPAS_RANGE_WITHOUT_SANCTIONS.format(age=youngest[0])
    return COPAS_INCONSISTENT.format(
        key=_COPAS,
        given=" and ".join(given),
        span=str(MAX_CAREER_YEARS) if youngest is None else f"{youngest[0]} - 10",
        range=allowed,
    )


def read_answers(instrument: Instrument, answers: ItemAnswers) -> dict[str, FactorValue]:
    """Check ``answers`` against ``instrument`` and return a value for every source it reads.

    Keys are the instrument's question ids and the names of the factors it reads. A source
    with no answer is unknown.

    Raises
    ------
    pydantic.ValidationError
        Listing every answer that names no question or factor of the instrument, whose value
        does not fit the declared kind, that lies outside the question's declared ``min`` and
        ``max`` or outside what a valid case can give the factor, or that contradicts another
        answer (location ``answers.<key>``). No message repeats the value.
    """
    sources = _sources(instrument)
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
                    ("answers",),
                    "unknown_answer",
                    f"an answer's key is not a question or factor of {instrument.id} (the key is "
                    f"not repeated, as it may be personal data); expected one of: {expected}",
                )
            )
            continue
        source = sources[key]
        parsed = _parse(source.kind, source.categories, value)
        if isinstance(parsed, str):
            problems.append(
                (("answers", key), "answer_type", f"{key} is {source.kind.value}: {parsed}")
            )
            continue
        outside = _out_of_range(key, source, parsed)
        if outside is not None:
            problems.append((("answers", key), "answer_range", outside))
            continue
        values[key] = parsed
    if _COPAS in sources:
        inconsistent = _copas_problem(values)
        if inconsistent is not None:
            problems.append((("answers", _COPAS), "answer_inconsistent", inconsistent))
    raise_problems("ItemAnswers", problems)
    for key, source in sources.items():
        if key not in values:
            values[key] = _parse(source.kind, source.categories, "unknown")  # type: ignore[assignment]
    return values
