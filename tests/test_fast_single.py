"""One case, scored on its own, gives what the batch path and the reference give, to the bit.

:meth:`WeightedScorer.score` (and ``score_answers``) run the engine's one set of rules with
plain Python values rather than numpy arrays of one entry, remember each scale's outcome by its
sums, and copy a validated template for each scale's result. None of that may show: for every
bundled instrument (every version) and the rule instruments of the tests, on about 2,000 cases
each (a synthetic cohort and generated cases), a case's assessment equals the batch path's
``assessment(i)`` and ``tests/reference_scorer.py``'s, its JSON is the same text, character
for character, and its explanation the same words; scoring it again (from the remembered
outcomes) changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk import Assessment, Case, ItemAnswers, WeightedScorer
from stalkrisk.features import MAX_COUNT, FactorKind
from stalkrisk.instruments import Instrument
from stalkrisk.instruments._answers import read_answers
from stalkrisk.testing import case_ids, cases

from .reference_scorer import ReferenceScorer

RULES = Path(__file__).parent / "data" / "instruments" / "rules"
BUNDLED = stalkrisk.bundled_instruments(all_versions=True)
#: Every bundled instrument that reads cases, and the rule instruments that exercise the rest
#: (pro-rating, counts, a minimal instrument); then those that read answers.
CASE_INSTRUMENTS: dict[str, Instrument] = {
    **{ref: i for ref, i in BUNDLED.items() if not i.answers_only},
    **{
        p.name: stalkrisk.load_instrument(p)
        for p in (
            RULES / "prorated_total.toml",
            RULES / "count_rule.toml",
            RULES.parent / "minimal.toml",
        )
    },
}
ANSWER_INSTRUMENTS: dict[str, Instrument] = {
    **{ref: i for ref, i in BUNDLED.items() if i.answers_only},
    **{
        p.name: stalkrisk.load_instrument(p)
        for p in (RULES / "answers_kinds.toml", RULES / "logistic_two_horizons.toml")
    },
}
INSTRUMENTS = {**CASE_INSTRUMENTS, **ANSWER_INSTRUMENTS}
SCORERS = {k: WeightedScorer(i) for k, i in INSTRUMENTS.items()}
REFERENCES = {k: ReferenceScorer(i) for k, i in INSTRUMENTS.items()}
#: 1,500 cohort cases and about 500 generated ones per instrument (50 lists of up to 20).
COHORT = stalkrisk.synthetic.cohort(1500, seed=15).cases
GENERATED = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def _fields_set(a: Assessment) -> list[set[str]]:
    return [a.model_fields_set, *(s.model_fields_set for s in a.scales)]


def check(key: str, inputs: list[Any], kind: Literal["case", "answers"]) -> None:
    scorer, reference = SCORERS[key], REFERENCES[key]
    if kind == "case":
        one, expect = scorer.score, reference.score
        batch = scorer.score_batch(inputs)
    else:
        one, expect = scorer.score_answers, reference.score_answers
        values = [read_answers(scorer.instrument, a) for a in inputs]
        batch = scorer._engine.score(inputs, values, "answers")
    for i, x in enumerate(inputs):
        single = one(x)
        from_batch = batch.assessment(i)
        expected = expect(x)
        assert single == expected
        assert from_batch == expected
        text = expected.model_dump_json()
        assert single.model_dump_json() == text
        assert from_batch.model_dump_json() == text
        assert _fields_set(single) == _fields_set(expected) == _fields_set(from_batch)
        assert single.explain() == expected.explain()
        again = one(x)  # from the remembered cells and outcomes, this time
        assert again == expected
        assert again.model_dump_json() == text


@pytest.mark.parametrize("key", list(CASE_INSTRUMENTS))
def test_a_cohort_scored_one_by_one_is_the_batch_and_the_reference(key: str) -> None:
    check(key, COHORT, "case")


@pytest.mark.parametrize("key", list(CASE_INSTRUMENTS))
@GENERATED
@given(batch=st.lists(cases(), min_size=1, max_size=20))
def test_generated_cases_scored_one_by_one_are_the_batch_and_the_reference(
    key: str, batch: list[Case]
) -> None:
    check(key, batch, "case")


@st.composite
def answers_to(draw: st.DrawFn, instrument: Instrument) -> ItemAnswers:
    """Valid answers to some of ``instrument``'s questions (the others are unknown)."""
    answers: dict[str, Any] = {}
    for q in instrument.questions:
        if not draw(st.booleans()):
            continue
        unknown = st.just("unknown")
        if q.kind is FactorKind.BINARY:
            value = draw(st.sampled_from(["present", "absent", "unknown", True, False]))
        elif q.kind is FactorKind.COUNT:
            low = 0 if q.min is None else int(q.min)
            high = MAX_COUNT if q.max is None else int(q.max)
            value = draw(st.integers(low, high) | st.sampled_from([low, high]) | unknown)
        elif q.kind is FactorKind.NUMBER:
            low = -1e9 if q.min is None else q.min
            high = 1e9 if q.max is None else q.max
            numbers = st.floats(low, high, allow_nan=False, allow_infinity=False)
            value = draw(numbers | st.sampled_from([0.0, -0.0, 0.5, -0.5]) | unknown)
        else:
            value = draw(st.sampled_from([*(q.categories or []), "unknown"]))
        answers[q.id] = value
    return ItemAnswers(
        case_id=draw(case_ids()),
        assessment_date="2024-05-01",
        synthetic=True,
        answers=answers,
    )


@pytest.mark.parametrize("key", list(ANSWER_INSTRUMENTS))
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
@given(data=st.data())
def test_answers_scored_one_by_one_are_the_batch_and_the_reference(
    key: str, data: st.DataObject
) -> None:
    instrument = ANSWER_INSTRUMENTS[key]
    batch = data.draw(st.lists(answers_to(instrument), min_size=1, max_size=20))
    check(key, batch, "answers")


def test_the_remembered_outcomes_stay_bounded_and_right(monkeypatch: pytest.MonkeyPatch) -> None:
    from stalkrisk._internal import vectorised

    monkeypatch.setattr(vectorised, "MAX_CELLS", 2)
    key = "stalkrisk-screen@2.0.0"
    scorer, reference = WeightedScorer(CASE_INSTRUMENTS[key]), REFERENCES[key]
    for case in COHORT[:200]:
        single = scorer.score(case)
        assert single == reference.score(case)
        assert single.model_dump_json() == reference.score(case).model_dump_json()
    engine = scorer._engine
    assert all(len(c._outcomes) <= 2 for c in engine._scales)
    assert all(len(t._results) <= 2 for t in engine._shown)
    assert all(len(t._cells) <= 2 for tables in engine._tables for t in tables)


def test_a_result_holds_plain_python_values() -> None:
    # The fast path builds results without validating them again, so nothing numpy may slip
    # in: the same types as a validated result, field by field.
    scorer = SCORERS["stalkrisk-screen@2.0.0"]
    for case in COHORT[:100]:
        for s in scorer.score(case).scales:
            for name in type(s).model_fields:
                value = getattr(s, name)
                assert type(value).__module__ != "numpy", (name, type(value))
                if isinstance(value, tuple):
                    assert all(type(v).__module__ != "numpy" for v in value), name
            assert s.total is None or type(s.total) is float
            assert type(s.known_points) is float
            assert type(s.prorated) is bool


def test_an_instrument_is_compiled_once() -> None:
    scorer = WeightedScorer()
    compiled = [(c.bands, c.template, c.flags) for c in scorer._engine._scales]
    factors = scorer._factors
    for case in COHORT[:20]:
        scorer.score(case)
    assert scorer._factors is factors
    assert all(
        (c.bands, c.template, c.flags) == before
        for c, before in zip(scorer._engine._scales, compiled, strict=True)
    )
    # Results share the compiled bands rather than building them for every case.
    a, b = scorer.score(COHORT[0]), scorer.score(COHORT[1])
    assert all(x.bands[0] is y.bands[0] for x, y in zip(a.scales, b.scales, strict=True))
