"""The scoring engine gives the rules' results, explanations included, case by case.

Every case is scored by one engine (``stalkrisk._internal.vectorised``: ``score`` is a batch of
one). ``tests/reference_scorer.py`` states the same rules item by item, independently; every
array entry, and every assessment the engine builds, must equal the reference's result, to the
last bit (totals are compared with ``==``, and rendered explanations as text).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk import Case, WeightedScorer
from stalkrisk.errors import InstrumentError
from stalkrisk.testing import cases

from .reference_scorer import ReferenceScorer

RULES = Path(__file__).parent / "data" / "instruments" / "rules"
INSTRUMENTS = [
    "stalkrisk-screen",
    "ogrs3",
    RULES / "count_rule.toml",
    RULES / "prorated_total.toml",
]
SCORERS = {str(i): WeightedScorer(i) for i in INSTRUMENTS}
REFERENCES = {str(i): ReferenceScorer(i) for i in INSTRUMENTS}
BATCH = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_equivalent(instrument: str, batch: list[Case]) -> None:
    scorer, reference = SCORERS[instrument], REFERENCES[instrument]
    scores = scorer.score_batch(batch)
    assert len(scores) == len(batch)
    for i, case in enumerate(batch):
        expected = reference.score(case)
        rebuilt = scores.assessment(i)
        assert rebuilt == expected
        assert scorer.score(case) == expected  # a batch of one
        assert stalkrisk.render_text(rebuilt) == stalkrisk.render_text(expected)
        for s, arrays in zip(expected.scales, scores.scales, strict=True):
            assert arrays.scale.id == s.scale
            assert bool(arrays.scored[i]) == (s.status.value == "scored")
            total = float(arrays.total[i])
            assert (s.total is None and math.isnan(total)) or total == s.total
            assert arrays.band_ids()[i] == (s.band and s.band.id)
            assert arrays.band_ids(final=False)[i] == (s.score_band and s.score_band.id)
            assert int(arrays.unknown_count[i]) == len(s.unknown_items)
            ranked = sorted(
                (c for c in s.contributions if c.points), key=lambda c: -(c.points or 0)
            )
            assert arrays.top(i, 3) == [(c.item, c.points) for c in ranked[:3]]


@pytest.mark.parametrize("instrument", list(SCORERS))
@BATCH
@given(batch=st.lists(cases(), min_size=1, max_size=12))
def test_score_batch_equals_score_case_by_case(instrument: str, batch: list[Case]) -> None:
    check_equivalent(instrument, batch)


@pytest.mark.parametrize("instrument", list(SCORERS))
def test_score_batch_equals_score_on_the_examples(instrument: str) -> None:
    check_equivalent(instrument, stalkrisk.examples.load_examples())


def test_repeated_values_share_one_lookup_but_not_results() -> None:
    # The same case many times over, and then a different one: the item tables must not leak
    # one case's contributions into another's.
    ex1, ex3 = stalkrisk.load_example("EX-01"), stalkrisk.load_example("EX-03")
    scorer = WeightedScorer()
    scores = scorer.score_batch([ex1] * 50 + [ex3])
    assert scores.assessment(0) == scorer.score(ex1)
    assert scores.assessment(50) == scorer.score(ex3)
    harm = scores.scale("serious_harm")
    assert np.all(harm.total[:50] == harm.total[0])
    assert harm.total[50] != harm.total[0]


def test_an_empty_batch_gives_empty_arrays() -> None:
    scores = WeightedScorer().score_batch([])
    assert len(scores) == 0
    assert scores.scale("serious_harm").total.shape == (0,)
    assert scores.scale("serious_harm").band_ids() == []


def test_unknown_scale_is_a_key_error() -> None:
    scores = WeightedScorer().score_batch([stalkrisk.load_example("EX-03")])
    with pytest.raises(KeyError, match="no_such_scale"):
        scores.scale("no_such_scale")


def test_an_answers_only_instrument_cannot_score_cases() -> None:
    with pytest.raises(InstrumentError, match="psa"):
        WeightedScorer("psa").score_batch([stalkrisk.load_example("EX-03")])


def test_item_tables_stop_growing_but_still_score(monkeypatch: pytest.MonkeyPatch) -> None:
    from stalkrisk._internal import vectorised

    monkeypatch.setattr(vectorised, "MAX_CELLS", 1)
    scorer = WeightedScorer()
    cases = stalkrisk.examples.load_examples()
    scores = scorer.score_batch(cases)
    assert all(len(t._cells) <= 1 for tables in scorer._engine._tables for t in tables)
    reference = REFERENCES["stalkrisk-screen"]
    for i, case in enumerate(cases):
        assert scores.assessment(i) == reference.score(case)


def test_answers_are_scored_by_the_same_engine_as_the_reference() -> None:
    reference = ReferenceScorer("psa")
    scorer = WeightedScorer("psa")
    folder = Path(__file__).parent / "data" / "answers"
    answer_files = [p for p in sorted(folder.glob("psa-*.json")) if "unknown-key" not in p.name]
    assert len(answer_files) >= 2
    for path in answer_files:
        answers = stalkrisk.ItemAnswers.model_validate_json(path.read_text(encoding="utf-8"))
        assert scorer.score_answers(answers) == reference.score_answers(answers)
