"""Direct answers are bounded by what the instrument, and a valid case, can give each source.

A hostile-input review found that OGRS3 scored from answers took them on trust: a Copas rate of
+5 with no previous sanctions gave 99% "Very high", and -567 or lower crashed in the logistic
probability with ``OverflowError``. Every out-of-range answer is now a field error at
``answers.<key>`` that names the rule and the allowed range, never the submitted value.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

import stalkrisk
from stalkrisk import (
    FACTORS,
    Case,
    FactorValue,
    ItemAnswers,
    ScaleStatus,
    instrument_from_data,
    score_answers,
)
from stalkrisk._internal.items import logistic
from stalkrisk.features import AGE_BOUNDS, MAX_CAREER_YEARS, _copas_rate_range
from stalkrisk.instruments._answers import (
    OUT_OF_RANGE_FACTOR,
    OUT_OF_RANGE_QUESTION,
    read_answers,
)
from stalkrisk.schemas import Ogrs3OffenceGroup

OGRS3 = stalkrisk.load_instrument("ogrs3")
COPAS = "ogrs3_copas_rate"
SCALE = "proven_reoffending"

#: A complete, valid set of OGRS3 answers: G5 of tests/test_ogrs3.py (MoJ: 35% / 52%, MEDIUM).
G5 = {
    "perpetrator_sex": "male",
    "age_at_follow_up_start": 44,
    "previous_sanctions": 21,
    COPAS: -0.16705,
    "ogrs3_offence_group": "drug_import_export",
}


def item_answers(answers: dict[str, Any]) -> ItemAnswers:
    return ItemAnswers(case_id="BOUNDS-1", assessment_date="2024-05-01", answers=answers)


def ogrs3_error(answers: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Score OGRS3 from ``answers``; return its one error and the whole message text."""
    with pytest.raises(ValidationError) as exc:
        score_answers(item_answers(answers), OGRS3)
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return dict(errors[0]), str(exc.value)


def assert_not_echoed(value: Any, error: dict[str, Any], text: str) -> None:
    assert error.get("input") is None
    shown = repr(value)
    assert shown not in error["msg"]
    assert shown not in text


# --- the reported attacks --------------------------------------------------------------------


def test_valid_ogrs3_answers_score_as_the_ministry_of_justice() -> None:
    scale = score_answers(item_answers(G5), OGRS3).scale(SCALE)
    assert [h.percent for h in scale.horizons] == [35, 52]
    assert scale.band is not None
    assert scale.band.id == "medium"


@pytest.mark.parametrize("rate", [5.0, 5.4321, 6.9])
def test_copas_rate_above_what_no_previous_sanction_allows_is_refused(rate: float) -> None:
    error, text = ogrs3_error({**G5, "previous_sanctions": 0, COPAS: rate})
    assert error["loc"] == ("answers", COPAS)
    assert error["type"] == "answer_inconsistent"
    assert "previous_sanctions is 0" in error["msg"]  # names the rule ...
    assert "ln(1 / 10)" in error["msg"]  # ... and the allowed value
    assert_not_echoed(rate, error, text)


@pytest.mark.parametrize("rate", [-567.0, -567, -1e6, -1e9, 1e9, -745.5, 7.0, -4.01])
def test_copas_rate_outside_what_any_case_gives_is_a_field_error(rate: float) -> None:
    error, text = ogrs3_error({**G5, COPAS: rate})  # would overflow math.exp before
    assert error["loc"] == ("answers", COPAS)
    assert error["type"] == "answer_range"
    low, high = FACTORS[COPAS].bounds or (None, None)
    assert error["msg"] == OUT_OF_RANGE_FACTOR.format(key=COPAS, range=f"from {low!r} to {high!r}")
    assert_not_echoed(rate, error, text)


@pytest.mark.parametrize(
    "rate",
    [10**400, -(10**400), math.nan, math.inf, -math.inf, 2e9],
    ids=["10**400", "-10**400", "nan", "inf", "-inf", "2e9"],
)
def test_copas_rate_too_large_for_a_float_is_a_type_error_not_a_crash(rate: float) -> None:
    error, _ = ogrs3_error({**G5, COPAS: rate})  # float(10**400) raised OverflowError before
    assert error["loc"] == ("answers", COPAS)
    assert error["type"] == "answer_type"


@pytest.mark.parametrize("age", [5, 9, 111, 200])
def test_age_at_follow_up_outside_the_case_schema_is_refused(age: int) -> None:
    error, text = ogrs3_error({**G5, "age_at_follow_up_start": age})
    assert error["loc"] == ("answers", "age_at_follow_up_start")
    assert error["type"] == "answer_range"
    assert "from 10 to 110" in error["msg"]
    assert str(age) not in error["msg"]
    assert_not_echoed(age, error, text)


@pytest.mark.parametrize("age", [10, 110])
def test_age_bounds_are_inclusive(age: int) -> None:
    answers = {**G5, "age_at_follow_up_start": age, COPAS: -1.5, "previous_sanctions": 3}
    if age == 10:
        answers[COPAS] = math.log(4 / 10)  # at 10 the career is 0 years
    result = score_answers(item_answers(answers), OGRS3).scale(SCALE)
    assert result.status is ScaleStatus.SCORED


def test_factor_age_bounds_are_the_case_schemas() -> None:
    assert FACTORS["age_at_follow_up_start"].bounds == AGE_BOUNDS == (10, 110)
    assert FACTORS["perpetrator_age"].bounds == AGE_BOUNDS
    base = {"case_id": "AGE-1", "assessment_date": "2024-05-01"}
    for age in AGE_BOUNDS:
        Case.model_validate({**base, "perpetrator": {"age": age}})
    for age in (AGE_BOUNDS[0] - 1, AGE_BOUNDS[1] + 1):
        with pytest.raises(ValidationError):
            Case.model_validate({**base, "perpetrator": {"age": age}})


def test_count_factor_bounds_follow_the_case_schema() -> None:
    screen = stalkrisk.load_instrument("stalkrisk-screen@1.0.0")  # reads contact_channels
    assert "contact_channels" in screen.factors
    read_answers(screen, item_answers({"contact_channels": 9}))  # every channel
    with pytest.raises(ValidationError) as exc:
        read_answers(screen, item_answers({"contact_channels": 10}))
    error = exc.value.errors()[0]
    assert error["loc"] == ("answers", "contact_channels")
    assert error["type"] == "answer_range"
    assert "from 0 to 9" in error["msg"]


# --- the Copas rate and the answers it depends on ----------------------------------------------


def test_copas_rate_bounds_are_what_valid_cases_reach() -> None:
    low, high = FACTORS[COPAS].bounds or (math.nan, math.nan)
    assert (low, high) == _copas_rate_range(None, MAX_CAREER_YEARS) == (-4.00734, 6.90786)

    def rate(sanctions: int, first: int, at_conviction: int) -> float | None:
        case = Case.model_validate(
            {
                "case_id": "COPAS-1",
                "assessment_date": "2024-05-01",
                "history": {"previous_sanctions": sanctions, "age_at_first_sanction": first},
                "current_offence": {"age_at_conviction": at_conviction},
            }
        )
        value = stalkrisk.evaluate_factors(case, [COPAS])[COPAS].value
        assert isinstance(value, float)
        return value

    lowest = rate(1, 10, 110)  # one previous sanction over the longest career
    highest = rate(10_000, 30, 30)
    assert lowest is not None
    assert highest is not None
    assert low <= lowest < low + 1e-4
    assert high - 1e-4 < highest <= high


@pytest.mark.parametrize(
    ("answers", "rate", "ok"),
    [
        pytest.param({"previous_sanctions": 0}, math.log(0.1), True, id="first-sanction-exact"),
        pytest.param({"previous_sanctions": 0}, -2.30259, True, id="first-sanction-rounded"),
        pytest.param({"previous_sanctions": 0}, -1.0, False, id="first-sanction-other"),
        pytest.param({"previous_sanctions": 3, "age_at_follow_up_start": 20}, -1.2, True, id="in"),
        pytest.param(
            {"previous_sanctions": 3, "age_at_follow_up_start": 20}, -2.0, False, id="long-career"
        ),
        pytest.param(
            {"previous_sanctions": 3, "age_at_follow_up_start": 20}, -0.5, False, id="above"
        ),
        pytest.param({"previous_sanctions": 3}, math.log(4 / 110), True, id="career-100-years"),
        pytest.param({"previous_sanctions": 3}, -3.4, False, id="beyond-100-years"),
        pytest.param({"age_at_follow_up_start": 12}, -2.30259, True, id="age-only-first"),
        pytest.param({"age_at_follow_up_start": 12}, -3.0, False, id="age-only-too-low"),
        pytest.param({"age_at_follow_up_start": 110}, -4.0, True, id="age-only-long"),
        pytest.param({}, -4.0, True, id="nothing-else-answered"),
        pytest.param({"previous_sanctions": "unknown"}, -4.0, True, id="sanctions-unknown"),
    ],
)
def test_copas_rate_must_agree_with_sanctions_and_age(
    answers: dict[str, Any], rate: float, ok: bool
) -> None:
    full = {COPAS: rate, **answers}
    if ok:
        values = read_answers(OGRS3, item_answers(full))
        assert values[COPAS] == FactorValue(rate, rate)
        return
    with pytest.raises(ValidationError) as exc:
        read_answers(OGRS3, item_answers(full))
    errors = exc.value.errors()
    assert [(e["loc"], e["type"]) for e in errors] == [(("answers", COPAS), "answer_inconsistent")]
    message = errors[0]["msg"]
    assert message.startswith(f"{COPAS} is ln((1 + previous sanctions) / (10 + years")
    assert "must lie from" in message
    for key in answers:
        assert key in message  # says which answers bound it
    assert repr(rate) not in message
    assert repr(rate) not in str(exc.value)


def test_copas_message_does_not_reveal_the_other_answers() -> None:
    answers = {COPAS: -2.0, "previous_sanctions": 37, "age_at_follow_up_start": 23}
    with pytest.raises(ValidationError) as exc:
        read_answers(OGRS3, item_answers(answers))
    text = str(exc.value)
    assert "37" not in text
    assert "23" not in text
    assert "13" not in text  # the career's length (23 - 10)


@given(
    sanctions=st.integers(0, 10_000),
    first=st.integers(10, 110),
    career=st.integers(0, 100),
    follow_up_gap=st.integers(0, 100),
    group=st.sampled_from([g.value for g in Ogrs3OffenceGroup]),
)
@example(sanctions=1, first=10, career=100, follow_up_gap=0, group="violence")
@example(sanctions=10_000, first=10, career=0, follow_up_gap=0, group="violence")
def test_answers_from_any_valid_case_are_accepted_and_score_the_same(
    sanctions: int, first: int, career: int, follow_up_gap: int, group: str
) -> None:
    at_conviction = min(first + (career if sanctions else 0), 110)
    follow_up = min(at_conviction + follow_up_gap, 110)
    case = Case.model_validate(
        {
            "case_id": "COPAS-P",
            "assessment_date": "2024-05-01",
            "perpetrator": {"sex": "female"},
            "history": {"previous_sanctions": sanctions, "age_at_first_sanction": first},
            "current_offence": {
                "age_at_conviction": at_conviction,
                "age_at_start_of_follow_up": follow_up,
                "ogrs3_group": group,
            },
        }
    )
    values = stalkrisk.evaluate_factors(case, OGRS3.factors)
    answers = {name: v.value for name, v in values.items()}
    from_answers = score_answers(item_answers(answers), OGRS3).scale(SCALE)
    from_case = stalkrisk.score(case, OGRS3).scale(SCALE)
    assert from_answers.horizons == from_case.horizons
    assert from_answers.band == from_case.band


# --- questions with declared bounds ----------------------------------------------------------


def bounded_instrument() -> stalkrisk.Instrument:
    return instrument_from_data(
        {
            "format": "stalkrisk-instrument/1",
            "id": "test-bounds",
            "version": "0.1.0",
            "title": "Bounded questions",
            "description": "A count and a number question with declared bounds.",
            "citation": ["Test data only."],
            "validation": {"status": "illustrative", "statement": "Test weights only."},
            "questions": [
                {"id": "visits", "kind": "count", "label": "Visits.", "min": 1, "max": 12},
                {"id": "score", "kind": "number", "label": "A score.", "min": -2.5, "max": 2.5},
                {"id": "floor", "kind": "number", "label": "Above 3.", "min": 3},
            ],
            "items": [
                {
                    "id": "visits",
                    "question": "visits",
                    "label": "Visits",
                    "rationale": "Test rationale.",
                    "levels": [{"min": 0, "max": 3, "points": 0}, {"min": 4, "points": 1}],
                },
                {
                    "id": "score_high",
                    "any_of": [{"question": "score", "min": 1}, {"question": "floor", "min": 5}],
                    "label": "Score high",
                    "rationale": "Test rationale.",
                    "points": 1,
                },
            ],
            "scales": [
                {
                    "id": "all",
                    "title": "All",
                    "description": "Every item.",
                    "items": ["visits", "score_high"],
                    "bands": [
                        {"id": "low", "label": "Low", "max": 1},
                        {"id": "high", "label": "High", "min": 1},
                    ],
                    "missing": {"max_unknown": 2, "method": "known_only"},
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("key", "value", "range_"),
    [
        ("visits", 0, "from 1 to 12"),
        ("visits", 13, "from 1 to 12"),
        ("visits", 9999, "from 1 to 12"),
        ("score", -2.75, "from -2.5 to 2.5"),
        ("score", 7.125, "from -2.5 to 2.5"),
        ("floor", 2.875, "at least 3"),
    ],
)
def test_answer_outside_a_questions_bounds_is_refused(key: str, value: Any, range_: str) -> None:
    with pytest.raises(ValidationError) as exc:
        read_answers(bounded_instrument(), item_answers({key: value}))
    errors = exc.value.errors()
    assert len(errors) == 1
    assert errors[0]["loc"] == ("answers", key)
    assert errors[0]["type"] == "answer_range"
    assert errors[0]["msg"] == OUT_OF_RANGE_QUESTION.format(key=key, range=range_)
    assert repr(value) not in str(exc.value)


@pytest.mark.parametrize(
    ("key", "value"),
    [("visits", 1), ("visits", 12), ("score", -2.5), ("score", 2.5), ("floor", 3), ("floor", 1e9)],
)
def test_answer_on_a_questions_bounds_is_accepted(key: str, value: Any) -> None:
    values = read_answers(bounded_instrument(), item_answers({key: value}))
    assert values[key] == FactorValue(value, value)


# --- the logistic probability ------------------------------------------------------------------


@pytest.mark.parametrize("x", [-1e308, -1e6, -745.2, -709.79, 709.79, 1e6, 1e308])
def test_logistic_never_overflows(x: float) -> None:
    p = logistic(x)  # 1 / (1 + math.exp(-x)) raises OverflowError for x < -709.78
    if x < 0:
        assert 0.0 <= p < 1e-300
    else:
        assert p == 1.0
    if x < -745.2:
        assert p == 0.0


def far_below_instrument() -> stalkrisk.Instrument:
    """A logistic scale whose log-odds reach -2000 (points and constants at their limits)."""
    return instrument_from_data(
        {
            "format": "stalkrisk-instrument/1",
            "id": "test-far-below",
            "version": "0.1.0",
            "title": "Extreme log-odds",
            "description": "Log-odds far below what math.exp(-x) can take.",
            "citation": ["Test data only."],
            "validation": {"status": "illustrative", "statement": "Test weights only."},
            "items": [
                {
                    "id": "threats",
                    "factor": "threats_to_kill_recent",
                    "label": "Threats to kill",
                    "rationale": "Test rationale.",
                    "levels": [
                        {"min": 0, "max": 0, "points": -1000},
                        {"min": 1, "max": 1, "points": 1000},
                    ],
                }
            ],
            "scales": [
                {
                    "id": "odds",
                    "title": "Odds",
                    "description": "One horizon.",
                    "kind": "logistic",
                    "items": ["threats"],
                    "horizons": [{"id": "h", "label": "1 year", "constant": -1000}],
                    "bands": [
                        {"id": "low", "label": "Low", "max": 50},
                        {"id": "high", "label": "High", "min": 50},
                    ],
                    "missing": {"max_unknown": 0, "method": "known_only"},
                }
            ],
        }
    )


def test_both_scorers_survive_log_odds_far_below_zero() -> None:
    instrument = far_below_instrument()
    case = Case.model_validate(
        {
            "case_id": "FAR-1",
            "assessment_date": "2024-05-01",
            "episode": {"threats": {"to_kill": "absent"}},
        }
    )
    one = stalkrisk.score(case, instrument).scale("odds")  # OverflowError before
    assert [(h.log_odds, h.probability, h.percent) for h in one.horizons] == [(-2000, 0.0, 0.0)]
    assert one.band is not None
    assert one.band.id == "low"
    batch = stalkrisk.WeightedScorer(instrument).score_batch([case]).assessment(0)
    assert batch.scale("odds") == one


@given(st.floats(min_value=-709.0, max_value=709.0))
def test_logistic_is_the_plain_formula_wherever_that_works(x: float) -> None:
    assert logistic(x) == 1.0 / (1.0 + math.exp(-x))


# --- OGRS3 answers never crash --------------------------------------------------------------


ANY_ANSWER = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**500), max_value=10**500),
    st.floats(),
    st.floats(min_value=-10.0, max_value=10.0),
    st.booleans(),
    st.sampled_from(["unknown", "present", "male", "female", "other", "violence", "x"]),
)
OGRS3_KEYS = [*OGRS3.factors, "not_a_factor"]


@given(st.dictionaries(st.sampled_from(OGRS3_KEYS), ANY_ANSWER))
@example({COPAS: -567.0, "previous_sanctions": 0})
@example({**G5, "previous_sanctions": 0, COPAS: 5.0})
@example({**G5, COPAS: 10**400})
def test_ogrs3_from_answers_raises_only_validation_errors(answers: dict[str, Any]) -> None:
    try:
        assessment = score_answers(item_answers(answers), OGRS3)
    except ValidationError as exc:
        for error in exc.errors():
            assert error["loc"][0] in ("answers", "instrument")
        return
    scale = assessment.scale(SCALE)
    if scale.status is ScaleStatus.SCORED:
        assert all(1 <= h.percent <= 99 for h in scale.horizons)
        assert all(0.0 <= h.probability <= 1.0 for h in scale.horizons)
