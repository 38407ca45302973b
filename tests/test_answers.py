"""Direct answers: ItemAnswers, reading answers against an instrument, scoring, records, CLI.

``tests/data/instruments/rules/answers_kinds.toml`` asks one question of each kind (binary, count,
number, category) and reads one registered factor. Answer files for the command line are in
``tests/data/answers/``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import stalkrisk
from stalkrisk import (
    Assessment,
    AssessmentRecord,
    Case,
    FactorKind,
    FactorValue,
    ItemAnswers,
    ScaleStatus,
    load_instrument,
    score_answers,
    verify,
)
from stalkrisk.cli import main
from stalkrisk.instruments._answers import read_answers

DATA = Path(__file__).resolve().parent / "data"
KINDS = load_instrument(DATA / "instruments" / "rules" / "answers_kinds.toml")
ANSWERS = DATA / "answers"
SCENARIO_1 = ANSWERS / "psa-scenario-1.json"
UNKNOWN_KEY = ANSWERS / "psa-unknown-key.json"
PARTLY_UNKNOWN = ANSWERS / "psa-partly-unknown.json"

KINDS_SOURCES = ["how_many", "measure", "size", "threats_to_kill_recent", "yes_no"]


def item_answers(answers: dict[str, Any], **extra: Any) -> ItemAnswers:
    return ItemAnswers(case_id="ANS-1", assessment_date="2024-05-01", answers=answers, **extra)


def read(answers: dict[str, Any], **extra: Any) -> dict[str, FactorValue]:
    return read_answers(KINDS, item_answers(answers, **extra))


def only_error(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, Any]:
    errors = exc.value.errors()
    assert len(errors) == 1, errors
    return dict(errors[0])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- ItemAnswers ----------------------------------------------------------------------------------


def test_item_answers_minimal() -> None:
    answers = item_answers({"yes_no": True})
    assert answers.schema_version == "1.0"
    assert answers.instrument is None
    assert not answers.synthetic
    assert answers.answers == {"yes_no": True}


def test_item_answers_forbid_extra_fields() -> None:
    with pytest.raises(ValidationError) as exc:
        ItemAnswers.model_validate(
            {"case_id": "A-1", "assessment_date": "2024-05-01", "answers": {}, "name": "x"}
        )
    error = only_error(exc)
    assert error["loc"] == ()
    assert error["type"] == "extra_forbidden"
    assert "name" not in error["msg"].split(";")[1]  # the fields allowed are listed, not the key


@pytest.mark.parametrize("case_id", ["Jane Doe", "", "-leading-dash", "x" * 65, "a/b"])
def test_item_answers_case_id_must_be_pseudonymous(case_id: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ItemAnswers.model_validate(
            {"case_id": case_id, "assessment_date": "2024-05-01", "answers": {}}
        )
    error = only_error(exc)
    assert error["loc"] == ("case_id",)
    if case_id:
        assert case_id not in str(exc.value)


def test_item_answers_refuse_too_many_answers() -> None:
    many = {f"q{i}": "present" for i in range(501)}
    with pytest.raises(ValidationError) as exc:
        ItemAnswers.model_validate(
            {"case_id": "A-1", "assessment_date": "2024-05-01", "answers": many}
        )
    error = only_error(exc)
    assert error["loc"] == ("answers",)
    assert error["type"] == "too_long"
    fits = {f"q{i}": "present" for i in range(500)}
    ItemAnswers.model_validate({"case_id": "A-1", "assessment_date": "2024-05-01", "answers": fits})


@pytest.mark.parametrize("key", ["Capital", "1starts_with_digit", "has-dash", "x" * 65])
def test_item_answers_keys_are_identifiers(key: str) -> None:
    with pytest.raises(ValidationError):
        item_answers({key: "present"})


def test_item_answers_refuse_a_date_as_a_number() -> None:
    with pytest.raises(ValidationError) as exc:
        ItemAnswers.model_validate({"case_id": "A-1", "assessment_date": 1714521600, "answers": {}})
    assert only_error(exc)["type"] == "date_type"


# --- reading answers against an instrument --------------------------------------------------------


def test_unknown_key_lists_the_expected_keys() -> None:
    with pytest.raises(ValidationError) as exc:
        read({"yes_no": True, "not_a_question": 3})
    error = only_error(exc)
    assert error["loc"] == ("answers",)  # a key outside the instrument is never repeated
    assert error["type"] == "unknown_answer"
    assert "not_a_question" not in str(exc.value)
    for key in KINDS_SOURCES:
        assert key in error["msg"]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        read({"first_unknown": 1, "how_many": -1, "size": "huge"})
    found = {(e["loc"], e["type"]) for e in exc.value.errors()}
    assert found == {
        (("answers",), "unknown_answer"),
        (("answers", "how_many"), "answer_type"),
        (("answers", "size"), "answer_type"),
    }


WRONG_KINDS = [
    pytest.param("how_many", "seven", "seven", id="string-for-count"),
    pytest.param("how_many", -3, "-3", id="negative-count"),
    pytest.param("how_many", True, "True", id="bool-for-count"),
    pytest.param("how_many", 2.5, "2.5", id="fraction-for-count"),
    pytest.param("how_many", 10_001, "10001", id="count-too-large"),
    pytest.param("yes_no", "maybe", "maybe", id="maybe-for-binary"),
    pytest.param("yes_no", 1, None, id="number-for-binary"),
    pytest.param("size", "enormous", "enormous", id="unknown-category"),
    pytest.param("size", 2, None, id="number-for-category"),
    pytest.param("measure", math.nan, "nan", id="nan"),
    pytest.param("measure", math.inf, "inf", id="inf"),
    pytest.param("measure", -math.inf, "inf", id="minus-inf"),
    pytest.param("measure", "3.5", "3.5", id="string-for-number"),
    pytest.param("measure", False, "False", id="bool-for-number"),
    pytest.param("threats_to_kill_recent", "yes", "yes", id="yes-for-binary-factor"),
]


@pytest.mark.parametrize(("key", "value", "echo"), WRONG_KINDS)
def test_wrong_kind_is_an_answer_type_error_without_echo(
    key: str, value: Any, echo: str | None
) -> None:
    with pytest.raises(ValidationError) as exc:
        read({key: value})
    error = only_error(exc)
    assert error["loc"] == ("answers", key)
    assert error["type"] == "answer_type"
    assert "input" not in error or error["input"] is None
    text = str(exc.value)
    assert key in text
    if echo is not None:
        assert echo.lower() not in text.lower()


@pytest.mark.parametrize("value", [True, "present"])
def test_binary_true_and_present_are_present(value: Any) -> None:
    assert read({"yes_no": value})["yes_no"] == FactorValue(1, 1)


@pytest.mark.parametrize("value", [False, "absent"])
def test_binary_false_and_absent_are_absent(value: Any) -> None:
    assert read({"yes_no": value})["yes_no"] == FactorValue(0, 0)


def test_good_values_of_each_kind() -> None:
    values = read(
        {
            "yes_no": "present",
            "how_many": 0,
            "measure": -1.25,
            "size": "large",
            "threats_to_kill_recent": False,
        }
    )
    assert values["how_many"] == FactorValue(0, 0)
    assert values["measure"] == FactorValue(-1.25, -1.25)
    assert values["size"] == FactorValue(category="large")
    assert values["threats_to_kill_recent"] == FactorValue(0, 0)
    assert read({"measure": 3})["measure"] == FactorValue(3.0, 3.0)
    assert read({"how_many": 10_000})["how_many"] == FactorValue(10_000, 10_000)


UNKNOWN = {
    "yes_no": FactorValue(0, 1),
    "how_many": FactorValue(0, None),
    "measure": FactorValue(0, None),
    "size": FactorValue(category=None),
    "threats_to_kill_recent": FactorValue(0, 1),
}


def test_unknown_is_accepted_for_every_kind() -> None:
    values = read(dict.fromkeys(KINDS_SOURCES, "unknown"))
    assert values == UNKNOWN
    assert not any(v.known for v in values.values())


def test_missing_answers_are_unknown_never_absent() -> None:
    values = read({})
    assert sorted(values) == KINDS_SOURCES
    assert values == UNKNOWN
    assessment = score_answers(item_answers({}), KINDS)
    scale = assessment.scale("all")
    assert [c.points for c in scale.contributions] == [None] * 5
    assert {c.value for c in scale.contributions} == {"unknown"}
    assert scale.status is ScaleStatus.SCORED  # this scale tolerates 5 unknown items
    assert scale.known_points == 0
    assert scale.total_range == (0, 5)
    assert [b.id for b in scale.possible_bands] == ["low", "high"]


def test_unanswered_and_unknown_score_the_same() -> None:
    a = score_answers(item_answers({"yes_no": True}), KINDS)
    b = score_answers(
        item_answers({"yes_no": True, "size": "unknown", "how_many": "unknown"}), KINDS
    )
    assert a.scales == b.scales


def test_instrument_mismatch() -> None:
    with pytest.raises(ValidationError) as exc:
        read({"yes_no": True}, instrument="psa")
    error = only_error(exc)
    assert error["loc"] == ("instrument",)
    assert error["type"] == "instrument_mismatch"
    assert read({"yes_no": True}, instrument="test-answer-kinds")["yes_no"].known


def test_instrument_field_must_look_like_an_id() -> None:
    with pytest.raises(ValidationError):
        item_answers({}, instrument="Not An Id")


def test_score_answers_accepts_a_mapping_or_item_answers() -> None:
    data = {"case_id": "ANS-2", "assessment_date": "2024-05-01", "answers": {"yes_no": True}}
    from_mapping = score_answers(data, KINDS)
    from_model = score_answers(ItemAnswers.model_validate(data), KINDS)
    assert from_mapping == from_model
    assert from_mapping.input_kind == "answers"
    assert from_mapping.case_id == "ANS-2"
    with pytest.raises(ValidationError):
        score_answers({"case_id": "ANS-2", "answers": {}}, KINDS)  # no assessment date


def test_scoring_each_kind() -> None:
    a = score_answers(
        item_answers(
            {
                "yes_no": True,
                "how_many": 4,
                "measure": 2.5,
                "size": "medium",
                "threats_to_kill_recent": "absent",
            }
        ),
        KINDS,
    )
    scale = a.scale("all")
    assert {c.item: c.points for c in scale.contributions} == {
        "yes_no": 1,
        "how_many": 1,
        "measure_high": 1,
        "size": 1,
        "threats": 0,
    }
    assert scale.total == 4
    assert scale.band is not None
    assert scale.band.id == "high"
    assert a.scale("all").contributions[2].factor == "measure"


# --- factor-based instruments from answers --------------------------------------------------------


#: Answers keyed by factor name are checked against stalkrisk-screen 1.0.0, pinned: its factors
#: are all binary, counts or categories whose unknown values answers can state exactly.
SCREEN_1 = "stalkrisk-screen@1.0.0"


def factor_answers(case: Case) -> dict[str, Any]:
    """The answers, keyed by factor name, that say exactly what the case says."""
    screen = load_instrument(SCREEN_1)
    out: dict[str, Any] = {}
    for name, value in stalkrisk.evaluate_factors(case, screen.factors).items():
        kind = stalkrisk.FACTORS[name].kind
        if kind is FactorKind.CATEGORY:
            out[name] = value.category if value.category is not None else "unknown"
        elif not value.known:
            assert value in (FactorValue(0, 1), FactorValue(0, None)), (name, value)
            out[name] = "unknown"
        elif kind is FactorKind.BINARY:
            out[name] = "present" if value.low == 1 else "absent"
        else:
            assert value.low is not None
            out[name] = int(value.low)
    return out


#: EX-03's factor values for stalkrisk-screen, written out as answers.
EX03_ANSWERS: dict[str, Any] = {
    "approach_or_following": "absent",
    "contact_channels": 2,
    "countdown": "absent",
    "domestic_abuse_history": "absent",
    "episode_duration_days": 11,
    "escalating": "absent",
    "ex_intimate_partner": "absent",
    "image_based_abuse": "absent",
    "obsession": "absent",
    "personality_disorder": "absent",
    "previous_convictions": 0,
    "prior_assault_charges_female_victims": "absent",
    "prior_stalking_other_victims": "absent",
    "prior_stalking_this_victim": "absent",
    "procuring_violence": "absent",
    "protective_order_breaches": 0,
    "recent_separation": "absent",
    "serious_violence_convictions": 0,
    "strangulation": "absent",
    "substance_misuse_recent": "absent",
    "suicidality_recent": "absent",
    "threats_of_violence_recent": "absent",
    "threats_to_kill_recent": "absent",
    "threats_to_others": "absent",
    "victim_fear": "not_afraid",
    "violence_recent": "absent",
    "violent_convictions": 0,
    "weapons": "absent",
}


def same_result(from_case: Assessment, from_answers: Assessment) -> None:
    assert from_case.input_kind == "case"
    assert from_answers.input_kind == "answers"
    assert from_answers.instrument == from_case.instrument
    for c, a in zip(from_case.scales, from_answers.scales, strict=True):
        assert a.status == c.status
        assert a.band == c.band
        assert a.total == c.total
        assert a.known_points == c.known_points
        assert a.unknown_items == c.unknown_items
        assert a.red_flags == c.red_flags
        assert a.contributions == c.contributions
    assert from_answers.model_dump(exclude={"input_kind"}) == from_case.model_dump(
        exclude={"input_kind"}
    )


def test_screen_from_factor_answers_equals_the_case() -> None:
    case = stalkrisk.load_example("EX-03")
    assert factor_answers(case) == EX03_ANSWERS
    from_answers = score_answers(
        {
            "case_id": "EX-03",
            "assessment_date": case.assessment_date.isoformat(),
            "synthetic": True,
            "instrument": "stalkrisk-screen",
            "answers": EX03_ANSWERS,
        },
        SCREEN_1,
    )
    from_case = stalkrisk.score(case, SCREEN_1)
    same_result(from_case, from_answers)
    assert [s.band.id for s in from_answers.scales if s.band] == ["low", "low"]
    assert [s.total for s in from_answers.scales] == [1, 0]


def test_screen_from_a_few_factor_answers_equals_a_small_case() -> None:
    case = Case.model_validate(
        {
            "case_id": "EQ-1",
            "assessment_date": "2024-05-01",
            "episode": {"threats": {"to_kill": "present"}},
            "relationship": {"type": "ex_intimate_partner"},
            "victim": {"fear": "very_afraid"},
        }
    )
    answers = {
        "threats_to_kill_recent": "present",
        "threats_of_violence_recent": "present",
        "ex_intimate_partner": "present",
        "victim_fear": "very_afraid",
    }
    assert {k: v for k, v in factor_answers(case).items() if v != "unknown"} == answers
    from_answers = score_answers(
        {"case_id": "EQ-1", "assessment_date": "2024-05-01", "answers": answers},
        SCREEN_1,
    )
    same_result(stalkrisk.score(case, SCREEN_1), from_answers)
    harm = from_answers.scale("serious_harm")
    assert harm.status is ScaleStatus.NOT_SCORED
    assert harm.band_floor is not None
    assert harm.band_floor.id == "high"  # the threats-to-kill red flag fires from an answer


@pytest.mark.parametrize("case_id", ["EX-02", "EX-04", "EX-05", "EX-06", "EX-07", "EX-08"])
def test_screen_from_answers_equals_example_cases(case_id: str) -> None:
    case = stalkrisk.load_example(case_id)
    from_answers = score_answers(
        {
            "case_id": case_id,
            "assessment_date": case.assessment_date.isoformat(),
            "synthetic": True,
            "answers": factor_answers(case),
        },
        SCREEN_1,
    )
    same_result(stalkrisk.score(case, SCREEN_1), from_answers)


def test_answers_for_a_factor_the_instrument_does_not_read_are_refused() -> None:
    # perpetrator_age is a registered factor, but stalkrisk-screen does not read it.
    with pytest.raises(ValidationError) as exc:
        score_answers(item_answers({"perpetrator_age": 40}), SCREEN_1)
    assert only_error(exc)["type"] == "unknown_answer"


# --- audit records --------------------------------------------------------------------------------


def test_record_from_answers_verifies_and_reports_a_changed_answer() -> None:
    answers = ItemAnswers.model_validate_json(SCENARIO_1.read_text(encoding="utf-8"))
    assessment = score_answers(answers, "psa")
    record = AssessmentRecord.from_assessment(assessment, answers)
    assert record.assessment.input_kind == "answers"
    assert record.content_intact()
    assert verify(record, answers) == []
    assert verify(record.to_json(), answers.model_dump(mode="json")) == []

    changed_data = answers.model_dump(mode="json")
    changed_data["answers"]["prior_fta_past_two_years"] = 0
    changed = ItemAnswers.model_validate(changed_data)
    differences = verify(record, changed)
    fields = {d.field for d in differences}
    assert "input_sha256" in fields
    assert "scales.fta.total" in fields  # 7 → 3
    assert "scales.fta.band" in fields  # 6 → 4
    assert "scales.fta.contributions.fta_prior_fta_recent" in fields
    assert "scales.nca.contributions.nca_prior_fta_recent" in fields
    assert not any(f.startswith("scales.nvca") for f in fields)  # NVCA does not read FTAs


# --- the command line -----------------------------------------------------------------------------


def test_cli_score_psa_answers_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--instrument", "psa", "--answers", str(SCENARIO_1))
    assert code == 0
    assert err == ""
    assert out.startswith("Case PSA-SCENARIO-1")
    assert "Public Safety Assessment" in out
    assert "Failure to appear (FTA)" in out
    assert "New violent criminal arrest (NVCA)" in out
    assert "Violence flag" in out
    assert "not validated for stalking" in out
    assert "not a decision" in out


def test_cli_score_psa_answers_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "score",
        "--instrument",
        "psa",
        "--answers",
        "--format",
        "json",
        str(SCENARIO_1),
        str(PARTLY_UNKNOWN),
    )
    assert code == 0
    assert err == ""
    payload = json.loads(out)
    assert [p["case_id"] for p in payload] == ["PSA-SCENARIO-1", "PSA-PARTLY-UNKNOWN"]
    first, second = (Assessment.model_validate(p) for p in payload)
    assert first.input_kind == "answers"
    assert [(s.scale, s.total, s.band.id if s.band else None) for s in first.scales] == [
        ("fta", 7, "s6"),
        ("nca", 12, "s6"),
        ("nvca", 6, "flag"),
    ]
    answers = ItemAnswers.model_validate_json(SCENARIO_1.read_text(encoding="utf-8"))
    assert first == score_answers(answers, "psa")
    # Violent convictions and incarceration unknown: NCA and NVCA are not scored; FTA is.
    assert [s.status.value for s in second.scales] == ["scored", "not_scored", "not_scored"]
    assert second.scale("nca").unknown_items == (
        "prior_violent_convictions",
        "nca_prior_incarceration",
    )


def test_cli_psa_without_answers_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--instrument", "psa", str(SCENARIO_1))
    assert code == 2
    assert out == ""
    assert "--answers" in err
    assert "psa" in err


def test_cli_bad_answer_file_lists_the_keys_expected(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "score", "--instrument", "psa", "--answers", str(UNKNOWN_KEY))
    assert code == 1
    assert out == ""
    assert "prior_fta_in_two_years" not in err  # a key outside the instrument is not repeated
    assert f"error: {UNKNOWN_KEY}: answers: an answer's key is not a question" in err
    assert "prior_fta_past_two_years" in err  # the expected keys are listed
    assert "Traceback" not in err


def test_cli_bad_answer_kind_does_not_echo_the_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(SCENARIO_1.read_text(encoding="utf-8"))
    data["answers"]["prior_violent_convictions"] = "several-secret"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = run(capsys, "score", "--instrument", "psa", "--answers", str(bad))
    assert code == 1
    assert "prior_violent_convictions" in err
    assert "several-secret" not in err


def test_cli_answers_record_then_verify(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "record.json"
    code, _, err = run(
        capsys,
        "score",
        "--instrument",
        "psa",
        "--answers",
        "--record",
        str(out_path),
        str(SCENARIO_1),
    )
    assert code == 0, err
    record = AssessmentRecord.model_validate_json(out_path.read_text(encoding="utf-8"))
    assert record.assessment.input_kind == "answers"
    code, out, err = run(capsys, "verify", str(out_path), str(SCENARIO_1))
    assert code == 0, err
    assert out.startswith("verified:")
    assert "psa 1.0.0" in out

    changed = tmp_path / "changed.json"
    data = json.loads(SCENARIO_1.read_text(encoding="utf-8"))
    data["answers"]["pending_charge"] = "absent"
    changed.write_text(json.dumps(data), encoding="utf-8")
    code, out, _ = run(capsys, "verify", str(out_path), str(changed))
    assert code == 1
    assert "input_sha256" in out
    assert "scales.nca.total" in out
