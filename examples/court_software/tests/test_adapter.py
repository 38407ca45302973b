"""The adapter: explicit, total tables; "not recorded" stays unknown; nothing is lost or invented.

The property tests draw cases from ``stalkrisk.testing`` (every kind of valid case the schema
allows, all marked synthetic) and read them into hearing files, so they exercise the form with
far more combinations than anyone would write by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

import pytest
from courtapp.adapter import (
    ANSWER_FIELDS,
    ANSWERS,
    CONDUCT,
    FREQUENCIES,
    MOTIVES,
    OFFENCES,
    ORDERS,
    RELATIONS,
    ROUTES,
    VICTIM_VIEWS,
    FormValueError,
    form_field,
    import_referral,
    to_case,
)
from courtapp.hearing import (
    ENTRY_LABELS,
    FORM_LABELS,
    Answer,
    ConductRecord,
    ContactFrequency,
    ContactRoute,
    Hearing,
    HearingFile,
    Motive,
    OffenceCode,
    OrderType,
    PreviousConviction,
    ProtectiveOrderRecord,
    Relation,
    ReportedConduct,
    VictimView,
)
from hypothesis import given, settings

import stalkrisk
from stalkrisk import Case, Presence
from stalkrisk.schemas import (
    BehaviourKind,
    Channel,
    Frequency,
    Motivation,
    OffenceCategory,
    OrderKind,
    RelationshipType,
    VictimFear,
)
from stalkrisk.testing import cases

PROPERTY = settings(max_examples=50, deadline=None)
HEARING = {
    "listing_ref": "LST-TEST-1",
    "hearing": Hearing.BAIL,
    "hearing_date": dt.date(2030, 1, 1),
}


def blank_file(**answers: object) -> HearingFile:
    """A hearing file with nothing recorded except what the test gives."""
    fields: dict[str, object] = {
        "defendant_ref": "DEF-TEST-1",
        "screened_on": dt.date(2025, 3, 12),
        "test_record": True,
        **HEARING,
        **answers,
    }
    return HearingFile(**fields)  # type: ignore[arg-type]


def referral(case: Case) -> HearingFile:
    return import_referral(case, **HEARING)  # type: ignore[arg-type]


def case_value(case: Case, path: tuple[str, ...]) -> object:
    value: object = case
    for part in path:
        value = getattr(value, part)
    return value


# --- the tables ------------------------------------------------------------------------------

TABLES = [
    ("answers", ANSWERS, Answer, Presence),
    ("relations", RELATIONS, Relation, RelationshipType),
    ("frequencies", FREQUENCIES, ContactFrequency, Frequency),
    ("victim views", VICTIM_VIEWS, VictimView, VictimFear),
    ("motives", MOTIVES, Motive, Motivation),
    ("conduct", CONDUCT, ReportedConduct, BehaviourKind),
    ("routes", ROUTES, ContactRoute, Channel),
    ("orders", ORDERS, OrderType, OrderKind),
    ("offences", OFFENCES, OffenceCode, OffenceCategory),
]


@pytest.mark.parametrize(("name", "table", "ours", "theirs"), TABLES, ids=[t[0] for t in TABLES])
def test_every_table_maps_each_value_to_exactly_one(
    name: str, table: Mapping[StrEnum, StrEnum], ours: type[StrEnum], theirs: type[StrEnum]
) -> None:
    # Total on our side: every answer the form offers has a meaning in stalkrisk.
    assert set(table) == set(ours), name
    # Total on stalkrisk's side: a category added by a stalkrisk upgrade fails here, instead of
    # being read as something else.
    assert set(table.values()) == set(theirs), name
    # One to one: two of our values never collapse into one of stalkrisk's.
    assert len(set(table.values())) == len(table), name


def test_not_recorded_is_unknown_in_every_table() -> None:
    assert ANSWERS[Answer.NOT_RECORDED] is Presence.UNKNOWN
    assert RELATIONS[Relation.NOT_RECORDED] is RelationshipType.UNKNOWN
    assert FREQUENCIES[ContactFrequency.NOT_RECORDED] is Frequency.UNKNOWN
    assert VICTIM_VIEWS[VictimView.NOT_RECORDED] is VictimFear.UNKNOWN
    assert MOTIVES[Motive.NOT_RECORDED] is Motivation.UNKNOWN


def test_every_field_of_the_form_has_a_label() -> None:
    assert set(FORM_LABELS) == {f.name for f in dataclasses.fields(HearingFile)}
    assert set(ANSWER_FIELDS) <= set(FORM_LABELS)
    entries = (PreviousConviction, ProtectiveOrderRecord, ConductRecord)
    assert set(ENTRY_LABELS) == {f.name for e in entries for f in dataclasses.fields(e)}


# --- "not recorded" is never "absent" --------------------------------------------------------


def test_a_blank_file_says_nothing_about_the_case() -> None:
    case = to_case(blank_file())
    nothing_known = Case(case_id="DEF-TEST-1", assessment_date=dt.date(2025, 3, 12), synthetic=True)
    assert case == nothing_known
    for path in ANSWER_FIELDS.values():
        assert case_value(case, path) is Presence.UNKNOWN, path
    assessment = stalkrisk.score(case)
    assert not assessment.scorable  # nothing known, so nothing can be scored...
    assert all(s.unknown_items for s in assessment.scales)  # ...and every unknown is listed


def test_no_is_absent_and_yes_is_present() -> None:
    case = to_case(blank_file(threatened_to_kill=Answer.YES, weapon_access=Answer.NO))
    assert case.episode.threats.to_kill is Presence.PRESENT
    assert case.episode.weapon_access is Presence.ABSENT
    assert case.episode.weapon_used_or_threatened is Presence.UNKNOWN


def test_a_record_not_checked_differs_from_a_record_with_nothing_on_it() -> None:
    not_checked = to_case(blank_file())
    checked_none = to_case(blank_file(previous_convictions=(), orders=(), conduct=()))
    assert not_checked.history.convictions is None
    assert not_checked.history.protective_orders is None
    assert not_checked.episode.behaviours is None
    assert checked_none.history.convictions == []
    assert checked_none.history.protective_orders == []
    assert checked_none.episode.behaviours == []
    assert checked_none.history.total_convictions() == 0
    assert not_checked.history.total_convictions() is None


def test_breaches_not_counted_stay_unknown() -> None:
    order = ProtectiveOrderRecord(order=OrderType.RESTRAINING, breaches=None)
    counted = ProtectiveOrderRecord(order=OrderType.RESTRAINING, breaches=2)
    [unknown] = to_case(blank_file(orders=(order,))).history.protective_orders or []
    [known] = to_case(blank_file(orders=(counted,))).history.protective_orders or []
    assert unknown.breaches is None
    assert known.breaches is not None
    assert len(known.breaches) == 2


def test_a_value_that_is_not_an_answer_is_refused_without_repeating_it() -> None:
    file = blank_file(threatened_to_kill="perhaps, says Ms Example")
    with pytest.raises(FormValueError) as info:
        to_case(file)
    assert info.value.field == "threatened_to_kill"
    assert "Example" not in str(info.value)
    conviction = PreviousConviction(offence="GBH?", age_at_conviction=30)  # type: ignore[arg-type]
    with pytest.raises(FormValueError, match=r"previous_convictions\[0\]\.offence"):
        to_case(blank_file(previous_convictions=(conviction,)))


# --- properties over every kind of valid case --------------------------------------------------


@PROPERTY
@given(cases())
def test_a_hearing_file_survives_the_round_trip(case: Case) -> None:
    file = referral(case)
    assert referral(to_case(file)) == file


@PROPERTY
@given(cases())
def test_unknown_stays_unknown(case: Case) -> None:
    file = referral(case)
    mapped = to_case(file)
    for name, path in ANSWER_FIELDS.items():
        not_recorded = getattr(file, name) is Answer.NOT_RECORDED
        assert not_recorded == (case_value(mapped, path) is Presence.UNKNOWN), name
        assert not_recorded == (case_value(case, path) is Presence.UNKNOWN), name
    assert (file.relation is Relation.NOT_RECORDED) == (
        mapped.relationship.type is RelationshipType.UNKNOWN
    )
    assert (file.victim_view is VictimView.NOT_RECORDED) == (
        mapped.victim.fear is VictimFear.UNKNOWN
    )
    assert (file.motive is Motive.NOT_RECORDED) == (
        mapped.perpetrator.motivation is Motivation.UNKNOWN
    )
    assert (file.last_incident_on is None) == (mapped.episode.last_incident_date is None)
    assert (file.previous_convictions is None) == (mapped.history.convictions is None)
    assert (file.conduct is None) == (mapped.episode.behaviours is None)


@PROPERTY
@given(cases())
def test_the_form_keeps_everything_the_pinned_instrument_reads(case: Case) -> None:
    # The referral is read into the form and back: whatever the form leaves out, the
    # assessment (every total, band, contribution, unknown and red flag) is the same.
    assert stalkrisk.score(to_case(referral(case))) == stalkrisk.score(case)


def assert_within(mapped: object, original: object, where: str = "case") -> None:
    """Assert that every value in ``mapped`` is the value at the same place in ``original``."""
    if isinstance(mapped, dict):
        assert isinstance(original, dict), where
        for key, value in mapped.items():
            assert key in original, f"{where}.{key}"
            assert_within(value, original[key], f"{where}.{key}")
    elif isinstance(mapped, list):
        assert isinstance(original, list), where
        assert len(mapped) == len(original), where
        for i, (a, b) in enumerate(zip(mapped, original, strict=True)):
            assert_within(a, b, f"{where}[{i}]")
    else:
        assert mapped == original, where


@PROPERTY
@given(cases())
def test_the_adapter_invents_nothing(case: Case) -> None:
    # Everything recorded in the mapped case (every field not at stalkrisk's default, at any
    # depth) says what the referral said: the form drops what it does not hold, and never
    # fills a gap with a guess.
    mapped = to_case(referral(case))
    assert_within(mapped.model_dump(exclude_defaults=True), case.model_dump())


# --- naming the form's field from stalkrisk's error locations ---------------------------------


def test_every_answer_field_is_named_back_from_its_location() -> None:
    for name, path in ANSWER_FIELDS.items():
        assert form_field(path) == name
    assert form_field(("history", "protective_orders", 1, "made_on")) == "orders[1].made_on"
    assert form_field(("episode", "behaviours", 0, "channels", 2)) == "conduct[0].routes"
    assert form_field(("episode", "behaviours", 1, "last_date")) == "conduct[1].last_seen_on"
    assert form_field(("episode", "last_incident_date")) == "last_incident_on"
    assert form_field(("perpetrator", "motivation")) == "motive"
    family = ("history", "convictions", 1, "against_family_member")
    assert form_field(family) == "previous_convictions[1].against_a_family_member"
    assert form_field(("victim", "barriers", "isolation")) is None  # not on the form
