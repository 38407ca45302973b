"""Scoring rules of published instruments, expressed in the instrument format.

Each rule has a small test instrument in ``tests/data/instruments/rules/`` with our own items and
labels (no published instrument's wording, weights or norms):

- ``count_rule.toml``: a count of "yes" answers with cut-points, as in checklist instruments
  (12 items, 1 point each; 0-4 standard, 5-8 medium, 9+ high);
- ``prorated_total.toml``: 13 items scored 0/1, of which up to 2 may be unknown, the total
  pro-rated by 13 / (13 - unknown);
- ``logistic_two_horizons.toml``: a fixed-coefficient logistic formula with two horizons.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from stalkrisk import (
    Assessment,
    ScaleResult,
    ScaleStatus,
    WeightedScorer,
    load_instrument,
)

DATA = Path(__file__).resolve().parent / "data" / "instruments" / "rules"
COUNT = WeightedScorer(DATA / "count_rule.toml")
PRORATED = WeightedScorer(DATA / "prorated_total.toml")
LOGISTIC = WeightedScorer(DATA / "logistic_two_horizons.toml")

COUNT_ITEMS = [item.id for item in COUNT.instrument.items]
PRORATED_ITEMS = [item.id for item in PRORATED.instrument.items]


def answered(scorer: WeightedScorer, answers: dict[str, Any]) -> Assessment:
    return scorer.score_answers(
        {"case_id": "RULE-1", "assessment_date": "2024-05-01", "answers": answers}
    )


def yes_no(items: list[str], yes: int, unknown: int = 0) -> dict[str, str]:
    """The first ``yes`` items present, the next ``unknown`` unanswered, the rest absent."""
    out = {}
    for i, item in enumerate(items):
        if i < yes:
            out[item] = "present"
        elif i >= yes + unknown:
            out[item] = "absent"
    return out


def band_id(scale: ScaleResult) -> str | None:
    return scale.band.id if scale.band is not None else None


# --- (a) a count of yes answers with cut-points ---------------------------------------------------


def test_count_rule_instrument_shape() -> None:
    inst = COUNT.instrument
    assert len(inst.items) == 12
    assert all(item.factor is not None for item in inst.items)  # registered factors
    assert {(lv.min, lv.max, lv.points) for i in inst.items for lv in i.levels or []} == {
        (0, 0, 0),
        (1, 1, 1),
    }


@pytest.mark.parametrize(
    ("yes", "band"),
    [
        (0, "standard"),
        (4, "standard"),  # the top of "standard"
        (5, "medium"),  # the first count that is "medium"
        (8, "medium"),
        (9, "high"),  # the first count that is "high"
        (12, "high"),
    ],
)
def test_count_rule_cut_points(yes: int, band: str) -> None:
    scale = answered(COUNT, yes_no(COUNT_ITEMS, yes)).scale("checklist")
    assert scale.status is ScaleStatus.SCORED
    assert scale.total == yes
    assert band_id(scale) == band
    assert [b.id for b in scale.possible_bands] == [band]


@pytest.mark.parametrize("yes", range(13))
def test_count_rule_band_for_every_count(yes: int) -> None:
    scale = answered(COUNT, yes_no(COUNT_ITEMS, yes)).scale("checklist")
    expected = "standard" if yes <= 4 else "medium" if yes <= 8 else "high"
    assert band_id(scale) == expected
    if expected != "high":
        next_at = 5 if expected == "standard" else 9
        assert scale.points_to_next_band == next_at - yes


def test_count_rule_unknown_answers_leave_the_band_open() -> None:
    # 4 yes and 1 unknown: the known count (4) is standard, but the count may be 5 (medium).
    scale = answered(COUNT, yes_no(COUNT_ITEMS, 4, unknown=1)).scale("checklist")
    assert scale.status is ScaleStatus.SCORED
    assert scale.total == 4
    assert not scale.prorated
    assert scale.total_range == (4, 5)
    assert band_id(scale) == "standard"
    assert [b.id for b in scale.possible_bands] == ["standard", "medium"]
    assert scale.unknown_items == (COUNT_ITEMS[4],)
    # 9 yes and 3 unknown: high whatever the unknown answers are.
    scale = answered(COUNT, yes_no(COUNT_ITEMS, 9, unknown=3)).scale("checklist")
    assert band_id(scale) == "high"
    assert [b.id for b in scale.possible_bands] == ["high"]


def test_count_rule_too_many_unknown_answers() -> None:
    scale = answered(COUNT, yes_no(COUNT_ITEMS, 9, unknown=3)).scale("checklist")
    assert scale.status is ScaleStatus.SCORED
    scale = answered(COUNT, yes_no(COUNT_ITEMS, 8, unknown=4)).scale("checklist")
    assert scale.status is ScaleStatus.NOT_SCORED
    assert scale.band is None
    assert scale.reason is not None
    assert "4 of 12 items are unknown" in scale.reason
    assert [b.id for b in scale.possible_bands] == ["medium", "high"]


# --- (b) a pro-rated total ------------------------------------------------------------------------


@pytest.mark.parametrize("unknown", [0, 1, 2])
@pytest.mark.parametrize("present", range(12))
def test_prorated_total_is_13_over_13_minus_k(present: int, unknown: int) -> None:
    scale = answered(PRORATED, yes_no(PRORATED_ITEMS, present, unknown)).scale("total")
    assert scale.status is ScaleStatus.SCORED
    assert scale.known_points == present
    assert scale.total is not None
    expected = Fraction(13, 13 - unknown) * present
    assert Fraction(scale.total).limit_denominator(1000) == expected
    assert scale.total == pytest.approx(float(expected), rel=1e-15, abs=0)
    assert scale.prorated is (unknown > 0)
    assert scale.total_range == (present, present + unknown)


@pytest.mark.parametrize(
    ("present", "unknown", "total", "band"),
    [
        (0, 0, Fraction(0), "low"),
        (3, 0, Fraction(3), "low"),
        (3, 1, Fraction(13, 4), "low"),  # 3 x 13/12 = 3.25
        (4, 1, Fraction(13, 3), "moderate"),  # 4 x 13/12 = 4.33
        (3, 2, Fraction(39, 11), "low"),  # 3 x 13/11 = 3.55
        (7, 2, Fraction(91, 11), "high"),  # 7 x 13/11 = 8.27: pro-rating crosses the cut-point
        (7, 1, Fraction(91, 12), "moderate"),  # 7 x 13/12 = 7.58
        (11, 2, Fraction(13), "high"),  # 11 x 13/11 = 13, the most possible
    ],
)
def test_prorated_total_worked_examples(
    present: int, unknown: int, total: Fraction, band: str
) -> None:
    scale = answered(PRORATED, yes_no(PRORATED_ITEMS, present, unknown)).scale("total")
    assert scale.total == pytest.approx(float(total), rel=1e-15, abs=0)
    assert band_id(scale) == band


@pytest.mark.parametrize("present", [0, 5, 10])
def test_prorated_total_refuses_three_unknown(present: int) -> None:
    scale = answered(PRORATED, yes_no(PRORATED_ITEMS, present, unknown=3)).scale("total")
    assert scale.status is ScaleStatus.NOT_SCORED
    assert scale.total is None
    assert scale.band is None
    assert not scale.prorated
    assert scale.known_points == present
    missing = PRORATED_ITEMS[present : present + 3]
    assert scale.unknown_items == tuple(missing)
    assert scale.reason is not None
    assert "3 of 13 items are unknown; this scale tolerates at most 2" in scale.reason
    for item in missing:
        assert item in scale.reason


def test_prorated_total_matches_the_formula_wherever_the_unknowns_are() -> None:
    # The same answers with the unknown items in other places give the same total.
    answers = dict.fromkeys(PRORATED_ITEMS, "absent")
    for item in PRORATED_ITEMS[:6]:
        answers[item] = "present"
    for unknown in (
        [PRORATED_ITEMS[0], PRORATED_ITEMS[12]],
        [PRORATED_ITEMS[7], PRORATED_ITEMS[8]],
    ):
        values = {k: v for k, v in answers.items() if k not in unknown}
        present = sum(v == "present" for v in values.values())
        scale = answered(PRORATED, values).scale("total")
        assert scale.total == pytest.approx(present * 13 / 11, rel=1e-15, abs=0)


# --- (c) a fixed-coefficient logistic formula -----------------------------------------------------

ONE_YEAR = -2.70805020110221  # -ln(15), as written in the file
TWO_YEARS = 0.25131442828090617  # ln(9/7)


def test_logistic_instrument_constants() -> None:
    scale = load_instrument(DATA / "logistic_two_horizons.toml").scale("outcome")
    assert [h.constant for h in scale.horizons] == [ONE_YEAR, TWO_YEARS]
    assert math.isclose(ONE_YEAR, -math.log(15), rel_tol=1e-15)
    assert math.isclose(TWO_YEARS, math.log(9 / 7), rel_tol=1e-15)


def logistic(marker: Any, events: Any, ratio: Any) -> ScaleResult:
    return answered(LOGISTIC, {"marker": marker, "events": events, "ratio": ratio}).scale("outcome")


@pytest.mark.parametrize("marker", [False, True])
@pytest.mark.parametrize("events", [0, 1, 3, 12])
@pytest.mark.parametrize("ratio", [-2.5, 0, 0.3, 1.25, 7])
def test_logistic_probabilities(marker: bool, events: int, ratio: float) -> None:
    scale = logistic(marker, events, ratio)
    assert scale.status is ScaleStatus.SCORED
    assert scale.kind == "logistic"
    linear = 0.5 * marker + 0.25 * events - 0.4 * ratio
    assert scale.total == pytest.approx(linear, abs=1e-12)
    contributions = {c.item: c.points for c in scale.contributions}
    assert contributions == pytest.approx(
        {"marker": 0.5 * marker, "events": 0.25 * events, "ratio": -0.4 * ratio}, abs=1e-15
    )
    assert [h.id for h in scale.horizons] == ["one_year", "two_years"]
    for horizon, constant in zip(scale.horizons, (ONE_YEAR, TWO_YEARS), strict=True):
        expected = 1 / (1 + math.exp(-(linear + constant)))
        assert horizon.constant == constant
        assert abs(horizon.log_odds - (linear + constant)) <= 1e-12
        assert abs(horizon.probability - expected) <= 1e-12
        # Shown to one decimal: a whole number of tenths, within half a tenth.
        assert round(horizon.percent * 10) == pytest.approx(horizon.percent * 10, abs=1e-9)
        assert abs(horizon.percent - 100 * horizon.probability) <= 0.05 + 1e-9
    two_years = scale.horizons[1].percent
    expected_band = "low" if two_years < 10 else "moderate" if two_years < 50 else "high"
    assert band_id(scale) == expected_band
    assert scale.band_on == "two_years"


@pytest.mark.parametrize(
    "answers",
    [
        {"marker": False, "events": 0, "ratio": 0},  # every term 0
        {"marker": "absent", "events": 2, "ratio": 1.25},  # 0 + 0.5 - 0.5 = 0
    ],
)
def test_logistic_rounds_half_up(answers: dict[str, Any]) -> None:
    # A linear predictor of exactly 0 gives 1/16 and 9/16: 6.25% and 56.25%, each exactly
    # half a tenth. Rounding half up gives 6.3 and 56.3 (rounding half to even would give 6.2
    # and 56.2).
    scale = logistic(**answers)
    assert scale.total == 0
    one, two = scale.horizons
    assert one.probability == 0.0625
    assert two.probability == 0.5625
    assert (one.percent, two.percent) == (6.3, 56.3)
    assert round(6.25, 1) == 6.2  # what Python's own round() would have shown
    assert Decimal(str(two.percent)) == Decimal("56.3")


def test_logistic_bands_on_the_named_horizon() -> None:
    # The first horizon's 6.3% would be "low"; the band is set on the second horizon (56.3%).
    scale = logistic(False, 0, 0)
    assert scale.band_on == "two_years"
    assert band_id(scale) == "high"
    assert scale.total == 0
    # Lower the linear predictor until the two-year percentage falls below 50: moderate.
    scale = logistic(False, 0, 1)  # -0.4
    assert scale.horizons[1].percent < 50
    assert band_id(scale) == "moderate"
    assert scale.points_to_next_band == pytest.approx(50 - scale.horizons[1].percent)


@pytest.mark.parametrize("missing", ["marker", "events", "ratio"])
@pytest.mark.parametrize("how", ["omitted", "unknown"])
def test_logistic_any_unknown_item_is_not_scored(missing: str, how: str) -> None:
    answers: dict[str, Any] = {"marker": True, "events": 2, "ratio": 0.5}
    if how == "omitted":
        del answers[missing]
    else:
        answers[missing] = "unknown"
    scale = answered(LOGISTIC, answers).scale("outcome")
    assert scale.status is ScaleStatus.NOT_SCORED
    assert scale.total is None
    assert scale.band is None
    assert scale.horizons == ()
    assert scale.unknown_items == (missing,)
    assert scale.reason is not None
    assert missing in scale.reason


def test_logistic_refuses_unknown_items_in_the_file() -> None:
    from stalkrisk import InstrumentFileError, instrument_from_data

    data = load_instrument(DATA / "logistic_two_horizons.toml").model_dump(mode="json")
    data["scales"][0]["missing"]["max_unknown"] = 1
    with pytest.raises(InstrumentFileError, match="max_unknown = 0"):
        instrument_from_data(data)
