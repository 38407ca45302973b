"""The case schemas: cross-field rules, strictness, defaults, discretion and the JSON Schema."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from pydantic import BaseModel, ValidationError

import stalkrisk
from stalkrisk.schemas import (
    MAX_LIST,
    Behaviour,
    Case,
    Conviction,
    CriminalHistory,
    Escalation,
    Presence,
    ProtectiveOrder,
    Relationship,
    RelationshipType,
    StalkingEpisode,
    Timed,
    case_json_schema,
)
from stalkrisk.testing import cases

ASSESSED = "2024-05-01"
AFTER = "2024-05-02"

Problem = tuple[tuple[str | int, ...], str]


def make_case(**parts: Any) -> Case:
    return Case(case_id="T-0001", assessment_date=ASSESSED, **parts)


def problems(exc: pytest.ExceptionInfo[ValidationError]) -> list[Problem]:
    return [(tuple(e["loc"]), e["type"]) for e in exc.value.errors()]


def conviction(**fields: Any) -> dict[str, Any]:
    return {"offence": "harassment", **fields}


# --- no event after the assessment date, wherever it is --------------------------------------

DATED_PARTS: list[tuple[dict[str, Any], tuple[str | int, ...]]] = [
    ({"episode": {"start_date": AFTER}}, ("episode", "start_date")),
    (
        {"episode": {"behaviours": [{"kind": "following", "first_date": AFTER}]}},
        ("episode", "behaviours", 0, "first_date"),
    ),
    (
        {
            "episode": {
                "behaviours": [
                    {"kind": "following"},
                    {"kind": "loitering", "first_date": "2024-01-01", "last_date": AFTER},
                ]
            }
        },
        ("episode", "behaviours", 1, "last_date"),
    ),
    (
        {"episode": {"escalation": {"severity": "present", "dates": ["2024-04-01", AFTER]}}},
        ("episode", "escalation", "dates", 1),
    ),
    (
        {"relationship": {"type": "ex_intimate_partner", "separation_date": AFTER}},
        ("relationship", "separation_date"),
    ),
    ({"history": {"convictions": [conviction(date=AFTER)]}}, ("history", "convictions", 0, "date")),
    (
        {"history": {"protective_orders": [{"kind": "restraining_order", "made_on": AFTER}]}},
        ("history", "protective_orders", 0, "made_on"),
    ),
    (
        {
            "history": {
                "protective_orders": [
                    {"kind": "bail_conditions", "breaches": []},
                    {
                        "kind": "restraining_order",
                        "breaches": [{"date": "2023-01-01"}, {"date": AFTER}],
                    },
                ]
            }
        },
        ("history", "protective_orders", 1, "breaches", 1, "date"),
    ),
    (
        {"history": {"pending_charges": [{"offence": "stalking", "charged_on": AFTER}]}},
        ("history", "pending_charges", 0, "charged_on"),
    ),
]


@pytest.mark.parametrize(("parts", "loc"), DATED_PARTS, ids=lambda x: str(x)[:40])
def test_date_after_assessment_is_refused_wherever_it_is(
    parts: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(**parts)
    assert problems(exc) == [(loc, "date_after_assessment")]


def test_date_after_assessment_message_names_the_field_with_indexes() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(episode={"escalation": {"severity": "present", "dates": [AFTER]}})
    assert exc.value.errors()[0]["msg"].startswith(
        "episode.escalation.dates[0] is after assessment_date"
    )


def test_dates_on_the_assessment_date_are_accepted() -> None:
    case = make_case(
        episode={
            "start_date": ASSESSED,
            "behaviours": [{"kind": "following", "first_date": ASSESSED, "last_date": ASSESSED}],
            "escalation": {"frequency": "present", "dates": [ASSESSED]},
        },
        relationship={"type": "ex_intimate_partner", "separation_date": ASSESSED},
        history={
            "convictions": [conviction(date=ASSESSED)],
            "protective_orders": [
                {"kind": "restraining_order", "made_on": ASSESSED, "breaches": [{"date": ASSESSED}]}
            ],
            "pending_charges": [{"offence": "stalking", "charged_on": ASSESSED}],
        },
    )
    assert case.episode.start_date == dt.date(2024, 5, 1)


# --- ages --------------------------------------------------------------------------------------


def test_conviction_age_above_perpetrator_age_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(perpetrator={"age": 30}, history={"convictions": [conviction(age=31)]})
    assert problems(exc) == [(("history", "convictions", 0, "age"), "age_inconsistent")]


def test_conviction_age_equal_to_perpetrator_age_is_accepted() -> None:
    case = make_case(perpetrator={"age": 30}, history={"convictions": [conviction(age=30)]})
    assert case.history.convictions is not None
    assert case.history.convictions[0].age == 30


# Perpetrator aged 44 on 2024-05-01; a conviction dated exactly ten years earlier implies an
# age of about 34. Tolerance is 1.5 years.
@pytest.mark.parametrize(
    ("age", "ok"), [(32, False), (33, True), (34, True), (35, True), (36, False)]
)
def test_conviction_age_must_agree_with_its_date_within_tolerance(age: int, ok: bool) -> None:
    parts = {
        "perpetrator": {"age": 44},
        "history": {"convictions": [conviction(date="2014-05-01", age=age)]},
    }
    if ok:
        assert make_case(**parts).history.convictions is not None
        return
    with pytest.raises(ValidationError) as exc:
        make_case(**parts)
    assert problems(exc) == [(("history", "convictions", 0, "age"), "age_inconsistent")]
    assert "disagrees with its date" in exc.value.errors()[0]["msg"]


def test_age_date_check_needs_the_perpetrator_age() -> None:
    case = make_case(history={"convictions": [conviction(date="2014-05-01", age=18)]})
    assert case.perpetrator.age is None


def test_age_at_first_conviction_above_perpetrator_age_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(perpetrator={"age": 25}, history={"age_at_first_conviction": 26})
    assert problems(exc) == [(("history", "age_at_first_conviction"), "age_inconsistent")]


def test_age_at_first_conviction_equal_to_perpetrator_age_is_accepted() -> None:
    case = make_case(perpetrator={"age": 25}, history={"age_at_first_conviction": 25})
    assert case.history.age_at_first_conviction == 25


def test_age_at_first_conviction_above_a_listed_age_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(
            age_at_first_conviction=30,
            convictions=[conviction(age=31), conviction(age=25), conviction(age=29)],
        )
    # one problem per listed conviction that comes before the "first" one
    assert problems(exc) == [
        (("age_at_first_conviction",), "age_inconsistent"),
        (("age_at_first_conviction",), "age_inconsistent"),
    ]
    messages = [e["msg"] for e in exc.value.errors()]
    assert "convictions[1].age" in messages[0]
    assert "convictions[2].age" in messages[1]


def test_age_at_first_conviction_nested_location_in_a_case() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(history={"age_at_first_conviction": 30, "convictions": [conviction(age=20)]})
    assert problems(exc) == [(("history", "age_at_first_conviction"), "age_inconsistent")]


@pytest.mark.parametrize(
    "history",
    [
        {"age_at_first_conviction": 20, "convictions": []},
        {"age_at_first_conviction": 20, "conviction_count": 0},
    ],
)
def test_age_at_first_conviction_without_convictions_is_refused(history: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(**history)
    assert problems(exc) == [(("age_at_first_conviction",), "field_not_applicable")]


def test_age_at_first_conviction_with_unrecorded_convictions_is_accepted() -> None:
    assert CriminalHistory(age_at_first_conviction=20).convictions is None


# --- counts ------------------------------------------------------------------------------------


def test_conviction_count_below_the_list_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(conviction_count=1, convictions=[conviction(age=20), conviction(age=21)])
    assert problems(exc) == [(("conviction_count",), "count_inconsistent")]


def test_conviction_count_equal_to_the_list_is_accepted() -> None:
    history = CriminalHistory(conviction_count=2, convictions=[conviction(age=20)] * 2)
    assert history.total_convictions() == 2


@pytest.mark.parametrize(
    "history",
    [
        {"conviction_count": 2, "custodial_sentence_count": 3},
        {"convictions": [conviction(age=20)], "custodial_sentence_count": 2},
        {"convictions": [], "custodial_sentence_count": 1},
    ],
)
def test_custodial_count_above_total_convictions_is_refused(history: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(**history)
    assert problems(exc) == [(("custodial_sentence_count",), "count_inconsistent")]
    assert "greater than the number of previous convictions" in exc.value.errors()[0]["msg"]


def test_custodial_count_below_listed_custody_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(
            convictions=[conviction(age=20, disposal="custody")] * 2,
            custodial_sentence_count=1,
        )
    assert problems(exc) == [(("custodial_sentence_count",), "count_inconsistent")]
    assert "(2)" in exc.value.errors()[0]["msg"]


def test_custodial_count_with_unknown_total_is_accepted() -> None:
    assert CriminalHistory(custodial_sentence_count=4).custodial_sentence_count == 4


# --- relationship --------------------------------------------------------------------------------

NOT_EX_PARTNER = [
    t.value for t in RelationshipType if t is not RelationshipType.EX_INTIMATE_PARTNER
]


@pytest.mark.parametrize("kind", NOT_EX_PARTNER)
def test_separation_date_only_for_ex_partners(kind: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Relationship(type=kind, separation_date="2023-01-01")
    assert problems(exc) == [(("separation_date",), "field_not_applicable")]


def test_separation_date_for_ex_partner_is_accepted() -> None:
    rel = Relationship(type="ex_intimate_partner", separation_date="2023-01-01")
    assert rel.separation_date == dt.date(2023, 1, 1)


def test_child_contact_dispute_without_children_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Relationship(children_in_common="absent", child_contact_dispute="present")
    assert problems(exc) == [(("child_contact_dispute",), "field_inconsistent")]


@pytest.mark.parametrize("children", ["present", "unknown"])
def test_child_contact_dispute_with_children_present_or_unknown(children: str) -> None:
    rel = Relationship(children_in_common=children, child_contact_dispute="present")
    assert rel.child_contact_dispute is Presence.PRESENT


def test_both_relationship_problems_are_reported_together() -> None:
    with pytest.raises(ValidationError) as exc:
        Relationship(
            type="stranger",
            separation_date="2023-01-01",
            children_in_common="absent",
            child_contact_dispute="present",
        )
    assert problems(exc) == [
        (("separation_date",), "field_not_applicable"),
        (("child_contact_dispute",), "field_inconsistent"),
    ]


# --- timed factors -------------------------------------------------------------------------------


def test_timed_recent_present_lifetime_absent_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Timed(lifetime="absent", recent="present")
    assert problems(exc) == [(("recent",), "timed_inconsistent")]


@pytest.mark.parametrize("field", ["substance_misuse", "suicidality"])
def test_timed_problem_location_inside_a_case(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(perpetrator={field: {"lifetime": "absent", "recent": "present"}})
    assert problems(exc) == [(("perpetrator", field, "recent"), "timed_inconsistent")]


@pytest.mark.parametrize(
    ("lifetime", "recent"),
    [
        (life, rec)
        for life in Presence
        for rec in Presence
        if not (life is Presence.ABSENT and rec is Presence.PRESENT)
    ],
)
def test_timed_other_combinations_are_accepted(lifetime: Presence, recent: Presence) -> None:
    timed = Timed(lifetime=lifetime, recent=recent)
    assert (timed.lifetime, timed.recent) == (lifetime, recent)


# --- episode -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "severity"),
    [("unknown", "unknown"), ("absent", "absent"), ("unknown", "absent")],
)
def test_escalation_dates_without_escalation_are_refused(frequency: str, severity: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Escalation(frequency=frequency, severity=severity, dates=["2024-01-01"])
    assert problems(exc) == [(("dates",), "field_not_applicable")]


@pytest.mark.parametrize(("frequency", "severity"), [("present", "absent"), ("unknown", "present")])
def test_escalation_dates_with_escalation_are_accepted(frequency: str, severity: str) -> None:
    esc = Escalation(frequency=frequency, severity=severity, dates=["2024-01-01"])
    assert esc.dates == [dt.date(2024, 1, 1)]


def test_behaviour_last_date_before_first_date_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Behaviour(kind="following", first_date="2024-02-01", last_date="2024-01-31")
    assert problems(exc) == [(("last_date",), "date_order")]


def test_behaviour_on_a_single_day_is_accepted() -> None:
    b = Behaviour(kind="following", first_date="2024-02-01", last_date="2024-02-01")
    assert b.first_date == b.last_date


def test_behaviour_before_episode_start_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        StalkingEpisode(
            start_date="2024-02-01",
            behaviours=[
                {"kind": "following", "first_date": "2024-02-01"},
                {"kind": "loitering", "first_date": "2024-01-31"},
                {"kind": "surveillance"},
            ],
        )
    assert problems(exc) == [(("behaviours", 1, "first_date"), "date_order")]


def test_escalation_before_episode_start_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        StalkingEpisode(
            start_date="2024-02-01",
            escalation={"severity": "present", "dates": ["2024-03-01", "2024-01-01"]},
        )
    assert problems(exc) == [(("escalation", "dates", 1), "date_order")]


def test_behaviour_problem_location_inside_a_case() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(
            episode={
                "behaviours": [
                    {"kind": "following"},
                    {"kind": "following", "first_date": "2024-02-01", "last_date": "2024-01-01"},
                ]
            }
        )
    assert problems(exc) == [(("episode", "behaviours", 1, "last_date"), "date_order")]


# --- history lists -------------------------------------------------------------------------------


def test_breach_before_order_made_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        ProtectiveOrder(
            kind="restraining_order",
            made_on="2023-06-01",
            breaches=[{"date": "2023-07-01"}, {"date": "2023-05-31"}, {}],
        )
    assert problems(exc) == [(("breaches", 1, "date"), "date_order")]


def test_breach_location_inside_a_case() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(
            history={
                "protective_orders": [
                    {"kind": "restraining_order", "made_on": "2023-06-01"},
                    {
                        "kind": "non_molestation_order",
                        "made_on": "2023-06-01",
                        "breaches": [{"date": "2023-01-01"}],
                    },
                ]
            }
        )
    assert problems(exc) == [
        (("history", "protective_orders", 1, "breaches", 0, "date"), "date_order")
    ]


def test_conviction_needs_a_date_or_an_age() -> None:
    with pytest.raises(ValidationError) as exc:
        Conviction(offence="harassment")
    assert problems(exc) == [(("date",), "missing_date_or_age")]


@pytest.mark.parametrize("fields", [{"date": "2020-01-01"}, {"age": 30}])
def test_conviction_with_a_date_or_an_age_is_accepted(fields: dict[str, Any]) -> None:
    assert Conviction(offence="harassment", **fields).offence == "harassment"


def test_undated_conviction_location_inside_a_case() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(history={"convictions": [conviction(age=20), conviction()]})
    assert problems(exc) == [(("history", "convictions", 1, "date"), "missing_date_or_age")]


# --- every problem at once ---------------------------------------------------------------------


def test_case_reports_every_cross_field_problem_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(
            perpetrator={"age": 30},
            episode={"start_date": AFTER},
            relationship={"type": "ex_intimate_partner", "separation_date": "2024-06-01"},
            history={
                "age_at_first_conviction": 20,
                "convictions": [conviction(age=31), conviction(age=20, date="2025-01-01")],
                "conviction_count": 5,
            },
        )
    found = problems(exc)
    assert sorted(found, key=repr) == sorted(
        [
            (("episode", "start_date"), "date_after_assessment"),
            (("relationship", "separation_date"), "date_after_assessment"),
            (("history", "convictions", 1, "date"), "date_after_assessment"),
            (("history", "convictions", 0, "age"), "age_inconsistent"),
        ],
        key=repr,
    )


def test_history_reports_every_count_problem_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        CriminalHistory(
            convictions=[conviction(age=20, disposal="custody"), conviction(age=19)],
            conviction_count=1,
            custodial_sentence_count=0,
            age_at_first_conviction=21,
        )
    assert problems(exc) == [
        (("conviction_count",), "count_inconsistent"),
        (("custodial_sentence_count",), "count_inconsistent"),
        (("age_at_first_conviction",), "age_inconsistent"),
        (("age_at_first_conviction",), "age_inconsistent"),
    ]


def test_problems_in_separate_parts_are_reported_together() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(
            perpetrator={"suicidality": {"lifetime": "absent", "recent": "present"}},
            history={"convictions": [conviction()]},
            episode={"escalation": {"dates": ["2024-01-01"]}},
            relationship={"type": "work", "separation_date": "2023-01-01"},
            victim={"fear": "petrified"},
        )
    assert sorted(problems(exc), key=repr) == sorted(
        [
            (("perpetrator", "suicidality", "recent"), "timed_inconsistent"),
            (("history", "convictions", 0, "date"), "missing_date_or_age"),
            (("episode", "escalation", "dates"), "field_not_applicable"),
            (("relationship", "separation_date"), "field_not_applicable"),
            (("victim", "fear"), "enum"),
        ],
        key=repr,
    )


# --- strictness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "loc", "key"),
    [
        ({"victim_name": "Jane"}, (), "victim_name"),
        ({"victim": {"address": "1 High Street"}}, ("victim",), "address"),
        ({"perpetrator": {"full_name": "John"}}, ("perpetrator",), "full_name"),
        ({"perpetrator": {"date_of_birth": "1980-01-01"}}, ("perpetrator",), "date_of_birth"),
        (
            {"history": {"convictions": [conviction(age=20, notes="x")]}},
            ("history", "convictions", 0),
            "notes",
        ),
        ({"episode": {"threats": {"to_klil": "present"}}}, ("episode", "threats"), "to_klil"),
        ({"perpetrator": {"Jane Smith": 1}}, ("perpetrator",), "Jane Smith"),
    ],
)
def test_unknown_fields_are_forbidden_at_their_parent_without_naming_them(
    parts: dict[str, Any], loc: tuple[str | int, ...], key: str
) -> None:
    # A key outside the schema may itself be personal data: the error names the parent and
    # lists the fields allowed there, never the key.
    with pytest.raises(ValidationError) as exc:
        make_case(**parts)
    assert problems(exc) == [(loc, "extra_forbidden")]
    assert key not in str(exc.value)
    assert "the fields allowed here are:" in exc.value.errors()[0]["msg"]


@pytest.mark.parametrize(
    "case_id",
    ["Jane Doe", "Jane Doe 1970", " ", "", "-EX1", "EX/1", "EX 1", "É1", "A" * 65],
)
def test_case_id_must_be_pseudonymous_reference(case_id: str) -> None:
    with pytest.raises(ValidationError) as exc:
        Case(case_id=case_id, assessment_date=ASSESSED)
    assert problems(exc) == [(("case_id",), "case_id_format")]


@pytest.mark.parametrize("case_id", ["EX-0001", "a", "2024.05:x_y-1", "A" * 64])
def test_valid_case_ids_are_accepted(case_id: str) -> None:
    assert Case(case_id=case_id, assessment_date=ASSESSED).case_id == case_id


def test_case_id_is_required() -> None:
    with pytest.raises(ValidationError) as exc:
        Case(assessment_date=ASSESSED)  # type: ignore[call-arg]
    assert problems(exc) == [(("case_id",), "missing")]


@pytest.mark.parametrize("value", [20240501, 1714521600, 1714521600.0, 0])
def test_dates_as_numbers_are_refused(value: float) -> None:
    with pytest.raises(ValidationError) as exc:
        Case(case_id="T-1", assessment_date=value)
    assert problems(exc) == [(("assessment_date",), "date_type")]


def test_nested_dates_as_numbers_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(
            episode={"start_date": 1700000000, "escalation": {"severity": "present", "dates": [1]}},
            history={"convictions": [conviction(date=1700000000)]},
        )
    assert sorted(problems(exc), key=repr) == sorted(
        [
            (("episode", "start_date"), "date_type"),
            (("episode", "escalation", "dates", 0), "date_type"),
            (("history", "convictions", 0, "date"), "date_type"),
        ],
        key=repr,
    )


def test_date_numbers_in_json_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        Case.model_validate_json('{"case_id": "T-1", "assessment_date": 1714521600}')
    assert problems(exc) == [(("assessment_date",), "date_type")]


def test_iso_date_strings_are_accepted() -> None:
    case = Case.model_validate_json('{"case_id": "T-1", "assessment_date": "2024-05-01"}')
    assert case.assessment_date == dt.date(2024, 5, 1)


@pytest.mark.parametrize(
    ("target", "field", "value"),
    [
        (lambda c: c, "case_id", "OTHER"),
        (lambda c: c.perpetrator, "age", 40),
        (lambda c: c.perpetrator.substance_misuse, "recent", Presence.PRESENT),
        (lambda c: c.history, "conviction_count", 3),
        (lambda c: c.episode.threats, "to_kill", Presence.PRESENT),
        (lambda c: c.relationship, "type", RelationshipType.STRANGER),
        (lambda c: c.victim.barriers, "isolation", Presence.PRESENT),
    ],
)
def test_models_are_frozen(target: Any, field: str, value: object) -> None:
    part = target(make_case())
    before = getattr(part, field)
    with pytest.raises(ValidationError) as exc:
        setattr(part, field, value)
    assert problems(exc) == [((field,), "frozen_instance")]
    assert getattr(part, field) == before


# --- defaults: unknown, never absent ---------------------------------------------------------


def _model_types(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _model_types(arg)


def _reachable_models() -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Case]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            todo.extend(_model_types(field.annotation))
    return seen


def _walk_values(value: object, loc: str = "case") -> Iterator[tuple[str, object]]:
    yield loc, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk_values(getattr(value, name), f"{loc}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_values(item, f"{loc}[{i}]")


def test_every_model_in_a_case_is_reached_by_the_walk() -> None:
    names = {m.__name__ for m in _reachable_models()}
    assert names >= {
        "Case",
        "Perpetrator",
        "Timed",
        "MentalDisorder",
        "Treatment",
        "CriminalHistory",
        "Conviction",
        "ProtectiveOrder",
        "OrderBreach",
        "PendingCharge",
        "StalkingEpisode",
        "Behaviour",
        "Threats",
        "Escalation",
        "Relationship",
        "DomesticAbuse",
        "VictimSituation",
        "Barriers",
    }


def test_default_case_has_no_absent_or_present_answer() -> None:
    values = list(_walk_values(make_case()))
    presences = [(loc, v) for loc, v in values if isinstance(v, Presence)]
    assert len(presences) >= 40  # the walk really reached the nested answers
    assert [loc for loc, v in presences if v is not Presence.UNKNOWN] == []


def test_default_case_enums_are_unknown() -> None:
    enums = [(loc, v) for loc, v in _walk_values(make_case()) if isinstance(v, StrEnum)]
    assert enums
    assert [loc for loc, v in enums if v.value != "unknown"] == []


def test_every_tri_state_field_defaults_to_unknown() -> None:
    checked = 0
    for model in _reachable_models():
        for name, field in model.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, StrEnum):
                if field.is_required():
                    continue  # e.g. Conviction.offence: a record must say what it is
                assert field.default is not Presence.ABSENT, f"{model.__name__}.{name}"
                assert getattr(field.default, "value", None) == "unknown", (
                    f"{model.__name__}.{name} defaults to {field.default!r}"
                )
                checked += 1
    assert checked >= 50


def test_lists_default_to_none_where_none_means_not_recorded() -> None:
    none_default: set[str] = set()
    empty_default: set[str] = set()
    for model in _reachable_models():
        for name, field in model.model_fields.items():
            if "list[" not in repr(field.annotation):
                continue
            where = f"{model.__name__}.{name}"
            if field.default is None:
                none_default.add(where)
            else:
                assert field.default_factory is list, where
                empty_default.add(where)
    assert none_default == {
        "CriminalHistory.convictions",
        "CriminalHistory.protective_orders",
        "CriminalHistory.pending_charges",
        "ProtectiveOrder.breaches",
        "ProtectiveOrder.terms",
        "StalkingEpisode.behaviours",
    }
    # These two lists qualify a record rather than being the record: no channels means the
    # channels were not noted (contact_channels reads it as unbounded), no dates means none noted.
    assert empty_default == {"Behaviour.channels", "Escalation.dates"}


def test_default_case_records_nothing() -> None:
    case = make_case()
    assert case.history.convictions is None
    assert case.history.protective_orders is None
    assert case.history.pending_charges is None
    assert case.history.total_convictions() is None
    assert case.episode.behaviours is None
    assert case.perpetrator.age is None
    assert case.synthetic is False
    assert case.schema_version == stalkrisk.SCHEMA_VERSION
    assert ProtectiveOrder(kind="restraining_order").breaches is None


# --- discretion --------------------------------------------------------------------------------

SECRET = "Jane Doe 1970"


@pytest.mark.parametrize(
    "parts",
    [
        {"case_id": SECRET},
        {"victim_name": SECRET},
        {"perpetrator": {"sex": SECRET}},
        {"perpetrator": {"age": SECRET}},
        {"history": {"convictions": [{"offence": SECRET, "age": 20}]}},
        {"history": {"protective_orders": [{"kind": SECRET}]}},
        {"episode": {"start_date": SECRET}},
        {"episode": {"behaviours": [{"kind": "following", "channels": [SECRET]}]}},
        {"relationship": {"type": SECRET}},
        {"victim": {"barriers": {"isolation": SECRET}}},
    ],
    ids=lambda p: next(iter(p)),
)
def test_submitted_values_never_appear_in_error_text(parts: dict[str, Any]) -> None:
    data = {"case_id": "T-1", "assessment_date": ASSESSED, **parts}
    with pytest.raises(ValidationError) as exc:
        Case.model_validate(data)
    assert SECRET not in str(exc.value)
    assert SECRET not in repr(exc.value)
    assert "1970" not in str(exc.value)
    assert all(SECRET not in e["msg"] for e in exc.value.errors())


def test_submitted_values_hidden_when_parsing_json() -> None:
    with pytest.raises(ValidationError) as exc:
        Case.model_validate_json(
            '{"case_id": "Jane Doe 1970", "assessment_date": "1970-13-45",'
            ' "perpetrator": {"age": 1970}}'
        )
    text = str(exc.value)
    assert "Jane Doe" not in text
    assert "1970" not in text
    assert len(exc.value.errors()) == 3


def test_cross_field_errors_carry_no_input() -> None:
    with pytest.raises(ValidationError) as exc:
        make_case(perpetrator={"age": 30}, history={"convictions": [conviction(age=31)]})
    assert exc.value.errors()[0]["input"] is None
    assert "31" not in str(exc.value)


# --- JSON Schema -----------------------------------------------------------------------------


def test_json_schema_is_draft_2020_12() -> None:
    schema = case_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].endswith(f"case-{stalkrisk.SCHEMA_VERSION}.json")
    assert stalkrisk.case_json_schema is case_json_schema


def test_json_schema_describes_the_case() -> None:
    schema = case_json_schema()
    assert schema["type"] == "object"
    props = schema["properties"]
    assert {"perpetrator", "history", "episode", "relationship", "victim"} <= set(props)
    assert set(schema["required"]) == {"case_id", "assessment_date"}
    assert schema["additionalProperties"] is False
    assert props["assessment_date"]["format"] == "date"
    assert schema["$defs"]["Presence"]["enum"] == ["present", "absent", "unknown"]


def test_json_schema_forbids_extra_fields_in_every_object() -> None:
    defs = case_json_schema()["$defs"]
    objects = {name: d for name, d in defs.items() if d.get("type") == "object"}
    assert len(objects) >= 17  # every model but Case itself, which is the top level
    assert {
        name for name, d in objects.items() if d.get("additionalProperties") is not False
    } == set()


def test_json_schema_case_id_pattern_matches_the_model() -> None:
    pattern = case_json_schema()["properties"]["case_id"]["pattern"]
    assert re.fullmatch(pattern, "EX-0001")
    assert not re.fullmatch(pattern, "Jane Doe")
    assert not re.fullmatch(pattern, "A" * 65)


def test_json_schema_bounds_every_list() -> None:
    defs = case_json_schema()["$defs"]
    arrays = [
        (name, prop, option)
        for name, d in defs.items()
        for prop, spec in d.get("properties", {}).items()
        for option in [spec, *spec.get("anyOf", [])]
        if option.get("type") == "array"
    ]
    assert len(arrays) >= 7
    assert [(n, p) for n, p, o in arrays if "maxItems" not in o] == []
    assert defs["CriminalHistory"]["properties"]["convictions"]["anyOf"][0]["maxItems"] == MAX_LIST


# --- MAX_LIST ------------------------------------------------------------------------------------


def _long(kind: str, n: int) -> dict[str, Any]:
    if kind == "convictions":
        return {"history": {"convictions": [conviction(age=20)] * n}}
    if kind == "protective_orders":
        return {"history": {"protective_orders": [{"kind": "restraining_order"}] * n}}
    if kind == "pending_charges":
        return {"history": {"pending_charges": [{"offence": "stalking"}] * n}}
    if kind == "breaches":
        return {
            "history": {"protective_orders": [{"kind": "restraining_order", "breaches": [{}] * n}]}
        }
    if kind == "behaviours":
        return {"episode": {"behaviours": [{"kind": "following"}] * n}}
    return {"episode": {"escalation": {"severity": "present", "dates": ["2024-01-01"] * n}}}


LIST_LOCS: dict[str, tuple[str | int, ...]] = {
    "convictions": ("history", "convictions"),
    "protective_orders": ("history", "protective_orders"),
    "pending_charges": ("history", "pending_charges"),
    "breaches": ("history", "protective_orders", 0, "breaches"),
    "behaviours": ("episode", "behaviours"),
    "escalation_dates": ("episode", "escalation", "dates"),
}


@pytest.mark.parametrize("kind", sorted(LIST_LOCS))
def test_lists_are_bounded_by_max_list(kind: str) -> None:
    assert MAX_LIST == 500
    assert make_case(**_long(kind, MAX_LIST)) is not None
    with pytest.raises(ValidationError) as exc:
        make_case(**_long(kind, MAX_LIST + 1))
    assert problems(exc) == [(LIST_LOCS[kind], "too_long")]


def test_behaviour_channels_are_bounded() -> None:
    with pytest.raises(ValidationError) as exc:
        Behaviour(kind="unwanted_contact", channels=["email"] * 10)
    assert problems(exc) == [(("channels",), "too_long")]


#: Dates that are not events and may lie after the assessment date (an order's expiry).
LATER_DATES = frozenset({"expires_on"})


def _all_dates(value: object, loc: tuple[str | int, ...] = ()) -> list[tuple[object, ...]]:
    """Every event date inside a model, found by visiting every field (the slow, obvious way)."""
    if isinstance(value, dt.date):
        return [(loc, value)]
    if isinstance(value, BaseModel):
        return [
            found
            for name in type(value).model_fields
            if name not in LATER_DATES
            for found in _all_dates(getattr(value, name), (*loc, name))
        ]
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _all_dates(item, (*loc, i))]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _all_dates(item, (*loc, key))]
    return []


@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_the_date_rule_visits_every_date(case: Case) -> None:
    # The cross-field date rule only visits fields whose type can hold a date; it must still
    # find every date a full walk of the case finds, in the same order.
    from stalkrisk.schemas._case import _iter_dates

    assert list(_iter_dates(case)) == _all_dates(case)


@settings(max_examples=60, deadline=None)
@given(case=cases())
def test_the_latest_date_is_the_latest_of_all_dates(case: Case) -> None:
    from stalkrisk.schemas._case import _latest_date

    assert _latest_date(case) == max((d for _, d in _all_dates(case)), default=dt.date.min)


def test_list_entries_are_counted_in_tuples_too() -> None:
    orders = tuple({"kind": "restraining_order", "breaches": ({},) * 500} for _ in range(500))
    with pytest.raises(ValidationError) as exc:
        make_case(history={"protective_orders": orders})
    assert [e["type"] for e in exc.value.errors()] == ["too_many_items"]
