"""The service: plain data for the UI, the audit record kept, errors in the form's own words."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from courtapp.adapter import import_referral, to_case
from courtapp.hearing import (
    FORM_LABELS,
    Answer,
    Hearing,
    HearingFile,
    OffenceCode,
    PreviousConviction,
    Relation,
)
from courtapp.service import (
    FACTOR_QUESTIONS,
    PINNED_INSTRUMENT,
    InstrumentPin,
    ScreeningError,
    check_record,
    screen,
)
from hypothesis import given, settings

import stalkrisk
from stalkrisk import AssessmentRecord, Case
from stalkrisk.testing import cases

WHEN = dt.datetime(2025, 3, 12, 9, 30, tzinfo=dt.UTC)


def example_file(example_id: str = "EX-07", **changes: object) -> HearingFile:
    file = import_referral(
        stalkrisk.load_example(example_id),
        listing_ref="LST-2025-0412",
        hearing=Hearing.BAIL,
        hearing_date=dt.date(2025, 6, 1),
    )
    return dataclasses.replace(file, **changes)  # type: ignore[arg-type]


def test_every_factor_of_the_pinned_instrument_has_its_questions() -> None:
    instrument = stalkrisk.load_instrument(PINNED_INSTRUMENT.id)
    assert set(FACTOR_QUESTIONS) == set(instrument.factors)
    for fields in FACTOR_QUESTIONS.values():
        assert fields
        assert set(fields) <= set(FORM_LABELS)


# --- what the UI is given --------------------------------------------------------------------


def test_the_screening_carries_the_notice_and_the_validation_status() -> None:
    result = screen(example_file())
    assert result.notice == stalkrisk.DECISION_SUPPORT_NOTICE
    assert "not a decision" in result.notice
    assert result.validation_status == "illustrative"
    assert "not validated on outcomes" in result.validation_statement
    assert result.instrument == "stalkrisk-screen 2.0.0"
    assert result.instrument_sha256 == PINNED_INSTRUMENT.sha256
    assert result.test_record  # the example is fictional, and says so


def test_the_ui_gets_plain_json_ready_data_without_the_record() -> None:
    data = screen(example_file("EX-08")).for_ui()
    text = json.dumps(data)  # plain data: no stalkrisk objects
    assert "record" not in data
    assert len(data["audit_record_sha256"]) == 64
    assert data["scales"][0]["unknowns"][0]["questions"]
    assert {s["kind"] for s in data["beside_the_scores"]} == {"protective", "context"}
    assert json.loads(text)["notice"] == stalkrisk.DECISION_SUPPORT_NOTICE


def test_a_file_with_too_little_recorded_says_what_to_find_out() -> None:
    result = screen(example_file("EX-04"))
    assert not any(s.scored for s in result.scales)
    for scale in result.scales:
        assert scale.reason_not_scored
        assert scale.unknowns
        assert all(u.questions for u in scale.unknowns)
    assert "Previous convictions" in result.questions_to_complete  # the record was not checked
    assert "Threats to kill" in result.questions_to_complete
    assert "Threats of violence" not in result.questions_to_complete  # recorded already
    assert "The victim's own view of the risk" not in result.questions_to_complete


def test_a_red_flag_not_recorded_is_shown_as_not_recorded() -> None:
    file = example_file("EX-07", strangulation_in_episode=Answer.NOT_RECORDED)
    file = dataclasses.replace(file, strangulation_in_relationship=Answer.NOT_RECORDED)
    result = screen(file)
    harm = result.scale("serious_harm")
    assert harm.red_flags_not_recorded == ("Strangulation",)
    assert harm.red_flags_fired == ()
    # The pinned screen does not total the violence scale while a red flag is unknown: the
    # items alone (4, Fewer factors) would read as reassurance. It names the question instead.
    assert not harm.scored
    assert harm.band is None
    assert harm.reason_not_scored
    assert "Red flags not recorded: Strangulation" in harm.reason_not_scored
    assert "Strangulation or choking in the relationship" in result.questions_to_complete


def test_protective_factors_and_context_are_shown_and_never_scored() -> None:
    before = screen(example_file())
    file = example_file(
        engages_with_supervision=Answer.YES,
        stable_accommodation_away_from_victim=Answer.YES,
        supportive_people=Answer.NO,
    )
    after = screen(file)
    shown = {s.label: (s.kind, s.answer) for s in after.beside_the_scores}
    assert shown["Engages with supervision or treatment"] == ("protective", "yes")
    assert shown["Supportive people who do not condone the behaviour"] == ("protective", "no")
    assert shown["The victim's own view of the danger"] == ("context", "afraid")
    assert "Engages with supervision or treatment" in before.questions_to_complete
    assert "Engages with supervision or treatment" not in after.questions_to_complete
    # Never subtracted: every band and total is as it was without them.
    assert [(s.band, s.total) for s in after.scales] == [(s.band, s.total) for s in before.scales]


# --- the audit record ------------------------------------------------------------------------


def test_the_audit_record_verifies_against_the_stored_file() -> None:
    file = example_file()
    result = screen(file, created_at=WHEN)
    stored = result.record.to_json()
    assert result.record.content_intact()
    assert AssessmentRecord.model_validate_json(stored) == result.record
    assert check_record(stored, file) == ()


def test_a_file_edited_after_screening_no_longer_matches_its_record() -> None:
    file = example_file()
    stored = screen(file, created_at=WHEN).record.to_json()
    edited = dataclasses.replace(file, strangulation_in_relationship=Answer.NO)
    differences = check_record(stored, edited)
    assert differences
    assert any("input hash differs" in d for d in differences)


def test_a_record_made_before_the_re_pinning_still_verifies() -> None:
    # Records made while 1.0.0 was pinned name that version. stalkrisk keeps it bundled, so
    # check_record re-scores them with 1.0.0, never with the instrument pinned now.
    file = example_file()
    case = to_case(file)
    old = stalkrisk.score(case, "stalkrisk-screen@1.0.0")
    stored = AssessmentRecord.from_assessment(old, case, created_at=WHEN).to_json()
    assert old.instrument.version == "1.0.0"
    assert check_record(stored, file) == ()
    edited = dataclasses.replace(file, strangulation_in_relationship=Answer.NO)
    assert any("input hash differs" in d for d in check_record(stored, edited))


def test_an_altered_record_is_detected() -> None:
    stored = json.loads(screen(example_file(), created_at=WHEN).record.to_json())
    assert stored["assessment"]["scales"][2]["scale"] == "serious_harm"
    stored["assessment"]["scales"][2]["band"]["label"] = "Fewer factors"  # a red flag removed
    differences = check_record(json.dumps(stored), example_file())
    assert any("altered" in d for d in differences)


# --- errors, in the form's words and without the values entered --------------------------------


def problems_of(file: HearingFile) -> ScreeningError:
    with pytest.raises(ScreeningError) as info:
        screen(file)
    return info.value


def test_a_date_after_the_screening_names_the_question_not_the_date() -> None:
    error = problems_of(example_file(separated_on=dt.date(2031, 7, 19)))
    [problem] = error.problems
    assert problem.field == "separated_on"
    assert problem.label == "Date of separation"
    assert "after the date of screening" in problem.message
    assert "2031" not in str(error)
    assert "Nothing has been saved" in str(error)


def test_a_separation_date_for_a_stranger_is_refused() -> None:
    file = example_file(relation=Relation.STRANGER)  # EX-07 records a separation date
    [problem] = problems_of(file).problems
    assert problem.field == "separated_on"
    assert "applies only to a former partner" in problem.message


def test_a_conviction_needs_a_date_or_an_age() -> None:
    undated = PreviousConviction(offence=OffenceCode.HARASSMENT)
    error = problems_of(example_file(previous_convictions=(undated,)))
    [problem] = error.problems
    assert problem.field == "previous_convictions[0].convicted_on"
    assert problem.label == "Previous convictions, entry 1: date of conviction"
    assert "date of conviction" in problem.message


def test_recent_without_ever_is_refused() -> None:
    file = example_file(substance_misuse_ever=Answer.NO, substance_misuse_last_12_months=Answer.YES)
    [problem] = problems_of(file).problems
    assert problem.field == "substance_misuse_last_12_months"


def test_a_name_as_defendant_reference_is_refused_without_repeating_it() -> None:
    error = problems_of(example_file(defendant_ref="Jane Example"))
    [problem] = error.problems
    assert problem.field == "defendant_ref"
    assert "never a name" in problem.message
    assert "Jane" not in str(error)
    assert "Example" not in str(error)


def test_every_problem_of_a_kind_is_reported_at_once() -> None:
    # stalkrisk checks the rules between fields once every field on its own is valid, and then
    # reports every broken rule together.
    late = dt.date(2031, 1, 1)
    error = problems_of(example_file(separated_on=late, last_incident_on=late))
    assert {p.field for p in error.problems} == {"separated_on", "last_incident_on"}
    assert all("after the date of screening" in p.message for p in error.problems)


def test_an_answer_the_form_does_not_offer_is_refused() -> None:
    error = problems_of(example_file(threatened_to_kill="said so to Ms Example"))
    [problem] = error.problems
    assert problem.label == "Threats to kill"
    assert "Example" not in str(error)


# --- the pinned instrument -------------------------------------------------------------------


def test_a_different_instrument_is_refused() -> None:
    changed = dataclasses.replace(PINNED_INSTRUMENT, sha256="0" * 64)
    with pytest.raises(ScreeningError, match="not the version this service is pinned to"):
        screen(example_file(), pin=changed)


def test_an_instrument_that_is_not_installed_is_reported_plainly() -> None:
    missing = InstrumentPin(id="stalkrisk-screen-2", version="2.0.0", sha256="0" * 64)
    with pytest.raises(ScreeningError, match=r"could not be run \(UnknownInstrumentError\)"):
        screen(example_file(), pin=missing)


def test_an_instrument_that_cannot_score_a_hearing_file_is_reported_plainly() -> None:
    psa = stalkrisk.load_instrument("psa")  # asks its own questions; a case cannot answer them
    pin = InstrumentPin(id=psa.id, version=psa.version, sha256=psa.sha256)
    with pytest.raises(ScreeningError, match=r"could not be run \(InstrumentError\)"):
        screen(example_file(), pin=pin)


# --- properties ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(cases())
def test_every_valid_case_can_be_screened_and_every_unknown_is_shown(case: Case) -> None:
    file = import_referral(
        case, listing_ref="LST-PROP", hearing=Hearing.SENTENCE, hearing_date=dt.date(2040, 1, 1)
    )
    result = screen(file)  # never raises for a valid case
    assessment = stalkrisk.score(case)
    assert result.test_record  # generated cases are synthetic, and stay marked so
    assert result.notice == assessment.notice
    for view, scale in zip(result.scales, assessment.scales, strict=True):
        assert view.scored == (scale.band is not None)
        assert len(view.unknowns) == len(scale.unknown_items)
        assert all(u.questions for u in view.unknowns)
        fired = [f.label for f in scale.red_flags if f.status == "fired"]
        assert list(view.red_flags_fired) == fired
    for label in result.questions_to_complete:
        field = next(f for f, text in FORM_LABELS.items() if text == label)
        assert getattr(file, field) in (None, Answer.NOT_RECORDED)
