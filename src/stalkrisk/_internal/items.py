"""Item-level scoring, shared by the single-case and the vectorised scorers.

One item's points, level, possible range and reported contribution, given the factor values
it reads; and a logistic scale's probability at one horizon.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from stalkrisk.assessment import Contribution, HorizonResult, fmt_points
from stalkrisk.features import FactorKind, FactorValue, all_of, any_of
from stalkrisk.instruments import Item, Scale
from stalkrisk.instruments._model import Horizon
from stalkrisk.schemas import Presence

__all__ = [
    "Scored",
    "Values",
    "horizon_result",
    "item_result",
    "item_value",
    "logistic",
    "not_scored_reason",
]

Values = Mapping[str, FactorValue]


@dataclass(frozen=True, slots=True)
class Scored:
    """One item's score: points (``None`` if unknown), the level, and the possible range."""

    points: float | None
    level: str | None
    possible: tuple[float, float] | None
    note: str | None = None


def _gate(item: Item, values: Values) -> Presence:
    if not item.only_if:
        return Presence.PRESENT
    return all_of(*(c.evaluate(values[c.source]) for c in item.only_if))


def item_value(item: Item, values: Values) -> FactorValue:
    """Return the value an item reads: its source's value, or its conditions combined."""
    if item.source is not None:
        return values[item.source]
    conditions = item.any_of or item.all_of or []
    combine = any_of if item.any_of else all_of
    return FactorValue.of(combine(*(c.evaluate(values[c.source]) for c in conditions)))


def _score_item(item: Item, value: FactorValue, gate: Presence, kind: FactorKind) -> Scored:
    if gate is Presence.ABSENT:
        return Scored(0.0, "not applicable", (0.0, 0.0))
    if item.coefficient is not None:
        if value.known and value.low is not None:
            points = item.coefficient * value.low
            inner = Scored(points, f"{fmt_points(item.coefficient)} per unit", (points, points))
        else:
            inner = Scored(None, None, item.possible_points(value), value.note)
    else:
        level = item.level_for(value)
        possible = item.possible_points(value)
        if level is None:
            inner = Scored(None, None, possible, value.note)
        elif level.points is None:
            inner = Scored(None, None, None, level.unscorable)
        else:
            inner = Scored(level.points, level.label(kind), (level.points, level.points))
    if gate is Presence.PRESENT or inner.points == 0:
        return inner
    possible = (
        None
        if inner.possible is None
        else (min(0.0, inner.possible[0]), max(0.0, inner.possible[1]))
    )
    return Scored(None, None, possible, inner.note)


def item_result(item: Item, kind: FactorKind, values: Values) -> tuple[Scored, Contribution]:
    """Score one item: its points and possible range, and its contribution as reported."""
    value = item_value(item, values)
    scored = _score_item(item, value, _gate(item, values), kind)
    contribution = Contribution(
        item=item.id,
        label=item.label,
        factor=item.source or "+".join(c.source for c in item.any_of or item.all_of or []),
        value=value.describe(kind),
        level=scored.level,
        points=scored.points,
        possible_points=scored.possible,
        note=scored.note,
        value_low=value.low,
        value_high=value.high,
        value_category=value.category,
    )
    return scored, contribution


def _half_up(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _percent(probability: float, scale: Scale) -> float:
    """Return the probability as a percentage, rounded and clamped as the scale says.

    Rounding is half up on the exact binary value of the float (as Java's
    ``BigDecimal(double).setScale(n, HALF_UP)`` does), first the probability and then the
    percentage, when the instrument asks for either.
    """
    exact = Decimal(probability)
    if scale.probability_decimals is not None:
        exact = Decimal(float(_half_up(exact, scale.probability_decimals)))
    percent = exact * 100
    if scale.percent_decimals is not None:
        percent = _half_up(percent, scale.percent_decimals)
    value = float(percent)
    if scale.percent_range is not None:
        low, high = scale.percent_range
        value = min(max(value, low), high)
    return value


def logistic(log_odds: float) -> float:
    """Return the probability 1 / (1 + exp(-log_odds)), without overflow for any log-odds.

    Wherever exp(-log_odds) is finite this is that formula, so every probability is the same
    to the bit as before. Below about -709.78 exp(-log_odds) overflows; there 1 + exp(log_odds)
    rounds to 1, so the probability is exp(log_odds) (subnormal, or 0).

    Examples
    --------
    >>> logistic(0.0)
    0.5
    >>> logistic(-800.0), logistic(800.0)
    (0.0, 1.0)
    """
    try:
        return 1.0 / (1.0 + math.exp(-log_odds))
    except OverflowError:
        return math.exp(log_odds)


def horizon_result(horizon: Horizon, total: float, scale: Scale) -> HorizonResult:
    """Return a logistic scale's probability and percentage at one horizon.

    Both scorers call this, so their probabilities cannot drift apart.
    """
    log_odds = total + horizon.constant
    probability = logistic(log_odds)
    return HorizonResult(
        id=horizon.id,
        label=horizon.label,
        constant=horizon.constant,
        log_odds=log_odds,
        probability=probability,
        percent=_percent(probability, scale),
    )


def not_scored_reason(
    scale: Scale,
    unknown: Sequence[str],
    contributions: Sequence[Contribution],
    unknown_flags: Sequence[str] = (),
) -> str:
    """Return why a scale was not scored: the unknown items, or the unknown red flags."""
    parts = []
    if len(unknown) > scale.missing.max_unknown:
        notes = [f"{c.item}: {c.note}" for c in contributions if c.note]
        parts.append(
            f"{len(unknown)} of {len(scale.items)} items are unknown; this scale tolerates "
            f"at most {scale.missing.max_unknown}. Unknown: {', '.join(unknown)}."
            + (f" Why: {'; '.join(notes)}." if notes else "")
        )
    if unknown_flags:
        parts.append(
            f"Red flags not recorded: {', '.join(unknown_flags)}. This scale is not scored "
            "while a red flag is unknown and none has fired: ask about them."
        )
    return " ".join(parts)
