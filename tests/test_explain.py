"""Plain-language explanations and the text report."""

from __future__ import annotations

import stalkrisk
from stalkrisk import Case

#: The instrument these tests were written against, pinned so that a new default changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


def _report(case_id: str) -> str:
    return stalkrisk.render_text(stalkrisk.score(stalkrisk.load_example(case_id), SCREEN_1))


def test_every_item_of_every_scale_is_explained() -> None:
    assessment = stalkrisk.score(stalkrisk.load_example("EX-01"), SCREEN_1)
    text = stalkrisk.explain(assessment)
    for scale in assessment.scales:
        assert f"{scale.title}: " in text
        for c in scale.contributions:
            assert f"{c.label}: {c.value}" in text


def test_report_states_instrument_validation_and_notice() -> None:
    text = _report("EX-03")
    instrument = stalkrisk.load_instrument(SCREEN_1)
    assert text.startswith("Case EX-03  (assessed ")
    assert "[SYNTHETIC: a fictional case]" in text
    assert instrument.sha256[:12] in text
    assert "Validation: illustrative. Illustrative weights, not validated on outcomes" in text
    assert text.rstrip().endswith(stalkrisk.DECISION_SUPPORT_NOTICE)


def test_red_flag_raise_is_explained() -> None:
    text = _report("EX-07")
    assert "Total 6: Moderate band." in text
    assert "Raised to High by red flag: Strangulation." in text
    # a red flag already reached the top band: no "points to the next band" advice
    harm = text[text.index("Serious harm: High") :]
    assert "would reach the High band" not in harm


def test_prorating_and_unknowns_are_explained() -> None:
    text = _report("EX-08")
    assert "pro-rated from 5 points on the 9 known items" in text
    assert (
        "Unknown: 4 of 13 items (this scale tolerates 4). Unknown is never read as absent." in text
    )
    assert "the total would lie between 5 and 9; the band could be Moderate to High." in text


def test_not_scored_scale_says_why() -> None:
    text = _report("EX-04")
    assert "Continued stalking or recurrence: not scored" in text
    assert "11 of 13 items are unknown; this scale tolerates at most 4." in text


def test_unscored_scale_still_shows_a_fired_red_flag() -> None:
    case = Case(
        case_id="T-9", assessment_date="2024-01-01", episode={"threats": {"to_kill": "present"}}
    )
    text = stalkrisk.explain(stalkrisk.score(case, SCREEN_1))
    assert (
        "Red flag fired (Threats to kill): whatever the unknown items, the band is at least High."
        in text
    )
    assert "Red flags not recorded (could not be checked): A countdown to harm" in text


def test_next_band_distance_is_explained() -> None:
    text = _report("EX-07")
    assert "1 point more would reach the Moderate band." in text


def test_unknown_item_shows_what_it_could_score() -> None:
    text = _report("EX-08")
    assert "?  Personality disorder: unknown (could score 0 to 1)" in text
