"""What a practitioner records beside the factors: sources, multi-agency status, conditions,
orders' terms, and the structured judgement. None of it may change a score."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import stalkrisk
from stalkrisk.judgement import Judgement, judgement_json_schema

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "examples" / "cases"
BAIL = CASES / "bail" / "CT-21-at-bail.json"
SENTENCING = CASES / "sentencing" / "CT-21-at-sentencing.json"
JUDGEMENTS = (
    CASES / "bail" / "CT-21-judgement-at-bail.json",
    CASES / "sentencing" / "CT-21-judgement-at-sentencing.json",
)


def _record(path: Path = BAIL) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _errors(data: object, model: Any = stalkrisk.Case) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return list(info.value.errors(include_input=False, include_url=False))


# --- the examples carry every part --------------------------------------------------------


@pytest.mark.parametrize("path", [BAIL, SENTENCING])
def test_the_ct21_cases_carry_sources_multi_agency_and_conditions(path: Path) -> None:
    case = stalkrisk.Case.model_validate_json(path.read_text(encoding="utf-8"))
    assert case.sources is not None
    assert len(case.sources) >= 8
    assert case.multi_agency.marac.referred.value == "present"
    assert case.multi_agency.police_callout_check.recorded
    assert case.multi_agency.childrens_services_check.recorded
    assert case.conditions.victim_view is not None
    order = case.history.protective_orders[0]  # type: ignore[index]
    assert order.expires_on is not None
    assert order.expires_on > case.assessment_date
    assert [t.value for t in order.terms or ()] == ["no_contact", "not_to_enter_address"]


@pytest.mark.parametrize("path", JUDGEMENTS)
def test_the_ct21_judgements_validate_and_match_their_case(path: Path) -> None:
    judgement = Judgement.model_validate_json(path.read_text(encoding="utf-8"))
    case_file = BAIL if "bail" in path.parent.name else SENTENCING
    case = stalkrisk.Case.model_validate_json(case_file.read_text(encoding="utf-8"))
    assert judgement.case_id == case.case_id
    assert judgement.case_sha256 == stalkrisk.input_sha256(case)
    assert 2 <= len(judgement.scenarios) <= 3
    assert judgement.summary
    assert judgement.reassessment_triggers


def test_nothing_a_practitioner_records_beside_the_factors_changes_a_score() -> None:
    data = _record(SENTENCING)
    bare = {k: v for k, v in data.items() if k not in ("sources", "multi_agency", "conditions")}
    with_all = stalkrisk.score(stalkrisk.Case.model_validate(data))
    without = stalkrisk.score(stalkrisk.Case.model_validate(bare))
    assert with_all.scales == without.scales


def test_old_cases_keep_their_input_hash() -> None:
    # the new parts default to "not recorded" and are left out of the canonical input
    case = stalkrisk.load_example("EX-01")
    again = stalkrisk.Case.model_validate(json.loads(case.model_dump_json(exclude_defaults=True)))
    assert stalkrisk.input_sha256(case) == stalkrisk.input_sha256(again)
    assert "multi_agency" not in stalkrisk.canonical_json(
        json.loads(case.model_dump_json(exclude_defaults=True))
    )


# --- sources ---------------------------------------------------------------------------------


def test_a_source_must_name_a_fact_of_this_case_and_the_key_is_not_echoed() -> None:
    data = _record()
    data["sources"]["episode.jane_smith"] = {"source": "intelligence"}
    data["sources"]["history.convictions[7]"] = {"source": "conviction_record"}
    errors = _errors(data)
    assert [e["type"] for e in errors] == ["unknown_fact_path", "unknown_fact_path"]
    assert all(e["loc"] == ("sources",) for e in errors)
    text = json.dumps(errors, default=str)
    assert "jane_smith" not in text
    assert "convictions[7]" not in text


@pytest.mark.parametrize("key", ["Episode.Threats", "episode threats", "episode.threats[x]", ""])
def test_a_source_key_is_a_field_path(key: str) -> None:
    data = _record()
    data["sources"] = {key: {"source": "intelligence"}}
    assert {e["type"] for e in _errors(data)} <= {"fact_path_format", "string_pattern_mismatch"}


@pytest.mark.parametrize("key", ["case_id", "sources", "multi_agency.marac", "conditions"])
def test_a_source_names_a_fact_not_the_record_itself(key: str) -> None:
    data = _record()
    data["sources"] = {key: {"source": "intelligence"}}
    assert [e["type"] for e in _errors(data)] == ["unknown_fact_path"]


def test_a_fact_is_alleged_unless_a_court_found_it_or_it_is_corroborated() -> None:
    case = stalkrisk.Case.model_validate(_record())
    sources = case.sources or {}
    assert sources["episode.threats"].alleged
    assert not sources["episode.behaviours[0]"].alleged  # corroborated
    assert not sources["history.convictions[0]"].alleged  # a conviction
    data = _record()
    data["sources"]["episode.threats"]["known_on"] = "2025-04-01"  # after the assessment
    assert [e["type"] for e in _errors(data)] == ["date_after_assessment"]


# --- multi-agency status, conditions, orders ---------------------------------------------------


@pytest.mark.parametrize(
    ("part", "value", "error"),
    [
        ("marac", {"referred": "absent", "heard": "present"}, "marac_inconsistent"),
        ("marac", {"heard": "unknown", "heard_on": "2025-03-01"}, "marac_inconsistent"),
        ("mappa", {"eligible": "absent", "category": 2}, "mappa_inconsistent"),
        ("mappa", {"level": 2}, "mappa_inconsistent"),
        ("mappa", {"category": 4}, "less_than_equal"),
        (
            "police_callout_check",
            {"status": "not_made", "result": "nothing_found"},
            "check_inconsistent",
        ),
        ("police_callout_check", {"status": "made"}, "check_inconsistent"),
        ("childrens_services_check", {"status": "done"}, "enum"),
        ("advocate", "maybe", "enum"),
    ],
)
def test_multi_agency_rules_name_the_field(part: str, value: object, error: str) -> None:
    data = _record()
    data["multi_agency"][part] = value
    errors = _errors(data)
    assert error in {e["type"] for e in errors}
    assert all(e["loc"][:2] == ("multi_agency", part) for e in errors)


def test_an_order_may_expire_after_the_assessment_but_not_before_it_was_made() -> None:
    data = _record()
    data["history"]["protective_orders"][0]["expires_on"] = "2030-01-01"
    stalkrisk.Case.model_validate(data)
    data["history"]["protective_orders"][0]["expires_on"] = "2025-01-01"
    errors = _errors(data)
    assert [(e["type"], e["loc"][-1]) for e in errors] == [("date_order", "expires_on")]


def test_new_order_kinds_and_terms() -> None:
    data = _record()
    data["history"]["protective_orders"].append(
        {"kind": "interim_stalking_protection_order", "terms": ["positive_requirement"]}
    )
    data["history"]["protective_orders"].append({"kind": "domestic_abuse_protection_notice"})
    case = stalkrisk.Case.model_validate(data)
    assert case.history.protective_orders is not None
    assert len(case.history.protective_orders) == 3
    data["history"]["protective_orders"][1]["terms"] = ["stay_nice"]
    assert _errors(data)[0]["type"] == "enum"


def test_conditions_text_refuses_control_characters_and_is_bounded() -> None:
    data = _record()
    data["conditions"]["victim_view"] = "No contact\x1b[2J"
    assert _errors(data)[0]["type"] == "text_control"
    data["conditions"]["victim_view"] = "x" * 2_001
    assert _errors(data)[0]["type"] == "string_too_long"
    data["conditions"]["victim_view"] = "No contact of any kind."
    data["conditions"]["electronic_monitoring_assessed"] = "yes"
    assert _errors(data)[0]["type"] == "literal_error"


# --- the structured judgement ------------------------------------------------------------------


def _judgement() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(JUDGEMENTS[0].read_text(encoding="utf-8"))
    return data


def test_a_judgement_is_attributed_dated_and_versioned() -> None:
    for field in ("assessor", "made_on", "version", "case_id"):
        data = _judgement()
        del data[field]
        errors = _errors(data, Judgement)
        assert [(e["type"], e["loc"]) for e in errors] == [("missing", (field,))]


@pytest.mark.parametrize(
    ("change", "error", "loc"),
    [
        ({"assessor": "Jane Smith"}, "string_pattern_mismatch", ("assessor",)),
        ({"version": 0}, "greater_than_equal", ("version",)),
        ({"version": "2"}, "int_type", ("version",)),
        ({"case_sha256": "abc"}, "string_pattern_mismatch", ("case_sha256",)),
        ({"format": "stalkrisk-judgement/9"}, "literal_error", ("format",)),
        ({"colour": "red"}, "extra_forbidden", ()),
    ],
)
def test_judgement_rules(change: dict[str, Any], error: str, loc: tuple[Any, ...]) -> None:
    data = {**_judgement(), **change}
    errors = _errors(data, Judgement)
    assert error in {e["type"] for e in errors}
    assert any(e["loc"][: len(loc)] == loc for e in errors)
    assert "Jane Smith" not in json.dumps(errors, default=str)
    assert "colour" not in json.dumps(errors, default=str)


def test_a_scenario_needs_people_at_risk_and_levels() -> None:
    data = _judgement()
    data["scenarios"][0]["people_at_risk"] = []
    data["scenarios"][1]["imminence"] = "very high"
    errors = _errors(data, Judgement)
    assert {(e["loc"][:3], e["type"]) for e in errors} == {
        (("scenarios", 0, "people_at_risk"), "too_short"),
        (("scenarios", 1, "imminence"), "enum"),
    }


def test_one_summary_judgement_per_concern() -> None:
    data = _judgement()
    data["summary"].append(dict(data["summary"][0]))
    errors = _errors(data, Judgement)
    assert [(e["type"], e["loc"]) for e in errors] == [
        ("duplicate_concern", ("summary", 1, "concern"))
    ]


def test_a_judgement_round_trips_and_its_schema_is_committed() -> None:
    judgement = Judgement.model_validate(_judgement())
    assert Judgement.model_validate_json(judgement.to_json()) == judgement
    schema = judgement_json_schema()
    assert set(schema["properties"]) == set(Judgement.model_fields)
    committed = json.loads((ROOT / "docs" / "judgement-schema.json").read_text(encoding="utf-8"))
    assert committed == schema


def test_a_judgement_file_with_a_duplicate_key_is_refused() -> None:
    text = (
        JUDGEMENTS[0]
        .read_text(encoding="utf-8")
        .replace('"version": 1,', '"version": 1, "version": 2,', 1)
    )
    with pytest.raises(ValidationError) as info:
        Judgement.model_validate_json(text)
    assert info.value.errors()[0]["type"] == "json_invalid"
