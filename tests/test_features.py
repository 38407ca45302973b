"""The factor registry: definitions, shapes of values, and how unknowns propagate."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import stalkrisk
from stalkrisk import (
    FACTORS,
    Case,
    Factor,
    FactorKind,
    FactorValue,
    StalkriskError,
    UnknownFactorError,
    evaluate_factors,
    get_factor,
)
from stalkrisk.errors import UNKNOWN_FACTOR
from stalkrisk.features import RECENT_DAYS, all_of, any_of
from stalkrisk.schemas import Presence

P, A, U = Presence.PRESENT, Presence.ABSENT, Presence.UNKNOWN
ASSESSED = dt.date(2024, 5, 1)
GROUPS = {"A criminal history", "B stalking episode", "C relationship", "D perpetrator", "E victim"}


def make_case(**parts: Any) -> Case:
    return Case(case_id="F-0001", assessment_date=ASSESSED, **parts)


def value(name: str, **parts: Any) -> FactorValue:
    return FACTORS[name].compute(make_case(**parts))


def conviction(offence: str, **fields: Any) -> dict[str, Any]:
    return {"offence": offence, "age": 30, **fields}


#: Every field recorded, so that every factor is exactly determined.
FULL: dict[str, Any] = {
    "perpetrator": {
        "age": 44,
        "sex": "male",
        "substance_misuse": {"lifetime": "present", "recent": "present"},
        "mental_disorder": {
            "personality_disorder": "present",
            "delusional_disorder": "absent",
            "other": "absent",
        },
        "suicidality": {"lifetime": "present", "recent": "absent"},
        "obsession": "present",
        "anger": "present",
        "lack_of_remorse": "absent",
        "employment": "unemployed",
        "financial_problems": "absent",
        "motivation": "rejected",
        "treatment": {"domestic_violence_programme": "present", "stalking_specific": "absent"},
        "protective": {
            "engaged_with_supervision": "present",
            "stable_accommodation_away_from_victim": "absent",
            "prosocial_support": "present",
        },
    },
    "current_offence": {
        "home_office_code": "092/30",
        "age_at_conviction": 43,
        "age_at_start_of_follow_up": 44,
    },
    "history": {
        "previous_sanctions": 6,
        "age_at_first_sanction": 17,
        "convictions": [
            {
                "offence": "wounding_gbh",
                "date": "2010-03-01",
                "age": 30,
                "disposal": "custody",
                "against_current_victim": "absent",
                "against_intimate_partner": "present",
                "against_family_member": "absent",
                "victim_female": "present",
            },
            {
                "offence": "breach_restraining_order",
                "date": "2020-01-01",
                "age": 40,
                "disposal": "community",
                "against_current_victim": "present",
                "against_intimate_partner": "present",
                "victim_female": "present",
            },
            {
                "offence": "harassment",
                "age": 16,
                "disposal": "fine",
                "against_current_victim": "present",
                "against_intimate_partner": "absent",
                "victim_female": "present",
            },
            {"offence": "breach_bail", "age": 41, "disposal": "fine"},
        ],
        "custodial_sentence_count": 1,
        "age_at_first_conviction": 16,
        "protective_orders": [
            {
                "kind": "restraining_order",
                "made_on": "2019-06-01",
                "protects_current_victim": "present",
                "in_force": "present",
                "breaches": [{"date": "2019-12-01"}, {"date": "2020-02-01"}],
            },
            {"kind": "bail_conditions", "breaches": []},
        ],
        "pending_charges": [{"offence": "stalking", "charged_on": "2024-04-01"}],
        "prior_stalking_this_victim": "present",
        "prior_stalking_other_victims": "absent",
        "prior_assault_charges_female_victims": "present",
    },
    "episode": {
        "start_date": "2024-01-01",
        "ongoing": "present",
        "last_incident_date": "2024-04-28",
        "contact_since_arrest_or_charge": "present",
        "frequency": "daily",
        "behaviours": [
            {"kind": "unwanted_contact", "channels": ["phone_call", "text_message"]},
            {"kind": "following", "channels": ["in_person"], "first_date": "2024-02-01"},
        ],
        "threats": {
            "violence": "present",
            "sexual_violence": "absent",
            "to_kill": "absent",
            "against_third_parties": "absent",
            "against_children": "absent",
            "countdown": "absent",
        },
        "violence": "absent",
        "strangulation": "absent",
        "weapon_used_or_threatened": "absent",
        "weapon_access": "absent",
        "firearm_access": "absent",
        "third_party_harassment": "present",
        "recruiting_others": "absent",
        "procuring_violence": "absent",
        "escalation": {"frequency": "present", "severity": "absent", "dates": ["2024-03-01"]},
    },
    "relationship": {
        "type": "ex_intimate_partner",
        "separation_date": "2023-12-01",
        "domestic_abuse": {
            "physical": "present",
            "sexual": "absent",
            "coercive_control": "present",
            "jealousy": "present",
            "strangulation": "absent",
        },
        "children_in_common": "present",
        "child_contact_dispute": "present",
        "victim_pregnant": "absent",
    },
    "victim": {
        "sex": "female",
        "fear": "very_afraid",
        "barriers": {
            "isolation": "present",
            "dependants": "present",
            "no_transport": "absent",
            "language_or_immigration": "absent",
        },
        "unsafe_living_situation": "present",
        "children_in_household": "present",
    },
}

#: What the fully recorded case must give, factor by factor.
FULL_EXPECTED: dict[str, float | str] = {
    "previous_sanctions": 6,
    "age_at_follow_up_start": 44,
    "ogrs3_copas_rate": -1.63761,  # ln(7 / 36) rounded half up to 5 decimals
    "ogrs3_offence_group": "drug_import_export",  # Home Office code 092/30
    "previous_convictions": 4,
    "violent_convictions": 1,
    "serious_violence_convictions": 1,
    "stalking_harassment_convictions": 1,
    "partner_or_female_assault_convictions": 1,
    "custodial_sentences": 1,
    "protective_order_breaches": 2,
    "bail_or_licence_breaches": 1,
    "pending_charges": 1,
    "early_onset": 1,
    "prior_stalking_this_victim": 1,
    "prior_stalking_other_victims": 0,
    "prior_assault_charges_female_victims": 1,
    "episode_duration_days": 121,
    "contact_frequency": "daily",
    "contact_channels": 3,
    "approach_or_following": 1,
    "surveillance_or_tracking": 0,
    "image_based_abuse": 0,
    "property_damage": 0,
    "threats_of_violence_recent": 1,
    "threats_to_kill_recent": 0,
    "threats_to_others": 0,
    "countdown": 0,
    "violence_recent": 0,
    "strangulation": 0,
    "weapons": 0,
    "third_party_harassment": 1,
    "recruiting_others": 0,
    "procuring_violence": 0,
    "escalating": 1,
    "relationship_type": "ex_intimate_partner",
    "ex_intimate_partner": 1,
    "recent_separation": 1,
    "domestic_abuse_history": 1,
    "jealousy": 1,
    "child_contact_dispute": 1,
    "victim_pregnant": 0,
    "perpetrator_age": 44,
    "perpetrator_sex": "male",
    "substance_misuse_recent": 1,
    "substance_misuse_lifetime": 1,
    "personality_disorder": 1,
    "delusional_disorder": 0,
    "suicidality_recent": 0,
    "obsession": 1,
    "anger": 1,
    "lack_of_remorse": 0,
    "unemployed": 1,
    "financial_problems": 0,
    "motivation": "rejected",
    "stalking_specific_treatment": 0,
    "victim_fear": "very_afraid",
    "victim_barriers": 2,
    "unsafe_living_situation": 1,
    "children_in_household": 1,
    # factors added with stalkrisk-screen 2.0.0
    "partner_or_family_violence_convictions": 1,
    "violence_history_level": 3,  # the wounding/GBH conviction is serious violence
    "conviction_categories": 4,  # wounding_gbh, breach_restraining_order, harassment, breach_bail
    "conduct_span_days": 121,  # ongoing: from the start to the assessment date
    "days_since_last_incident": 3,  # 2024-04-28 to 2024-05-01
    "contact_since_arrest_or_charge": 1,
    "threats_other_than_to_kill": 1,
    "weapon_used_or_threatened": 0,
    "weapon_access_level": 0,
    "partner_abuse_history": 1,
    "engaged_with_supervision": 1,
    "stable_accommodation_away_from_victim": 0,
    "prosocial_support": 1,
    "victim_sex": "female",
}


def assert_shape(factor: Factor, v: FactorValue) -> None:
    assert isinstance(v, FactorValue)
    if factor.kind is FactorKind.CATEGORY:
        assert v.low is None
        assert v.high is None
        assert v.category is None or v.category in factor.categories
        return
    assert v.category is None
    if factor.kind is FactorKind.NUMBER:
        assert (v.low is None and v.high is None) or v.low == v.high
        return
    assert isinstance(v.low, int)
    assert v.low >= 0
    assert v.high is None or (isinstance(v.high, int) and v.high >= v.low)
    if factor.kind is FactorKind.BINARY:
        assert (v.low, v.high) in {(0, 0), (1, 1), (0, 1)}


# --- the registry ------------------------------------------------------------------------------


def test_registry_is_large_and_read_only() -> None:
    assert len(FACTORS) >= 50
    assert stalkrisk.FACTORS is FACTORS
    with pytest.raises(TypeError):
        FACTORS["new"] = FACTORS["obsession"]  # type: ignore[index]


def test_expected_table_covers_every_factor() -> None:
    assert set(FULL_EXPECTED) == set(FACTORS)


@pytest.mark.parametrize("name", sorted(FACTORS))
def test_factor_is_documented(name: str) -> None:
    factor = FACTORS[name]
    assert factor.name == name
    assert isinstance(factor.kind, FactorKind)
    assert factor.group in GROUPS
    assert factor.definition.strip()
    assert factor.unknown.strip()
    assert callable(factor.compute)


@pytest.mark.parametrize("name", sorted(FACTORS))
def test_only_category_factors_have_categories(name: str) -> None:
    factor = FACTORS[name]
    if factor.kind is FactorKind.CATEGORY:
        assert len(factor.categories) >= 2
        assert len(set(factor.categories)) == len(factor.categories)
        assert "unknown" not in factor.categories
    else:
        assert factor.categories == ()


def test_factor_is_frozen() -> None:
    with pytest.raises(AttributeError):
        FACTORS["obsession"].name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("name", sorted(FACTORS))
def test_factor_on_all_unknown_case_is_unknown(name: str) -> None:
    factor = FACTORS[name]
    v = factor.compute(make_case())
    assert_shape(factor, v)
    # "unknown" is not "absent": nothing recorded means no factor is determined
    assert not v.known
    assert v.value is None
    # a count with fixed bounds is described by them ("0 to 4"), which is still unknown
    bounded = factor.bounds is not None and (v.low, v.high) == factor.bounds
    assert v.describe(factor.kind) == "unknown" or bounded


@pytest.mark.parametrize("name", sorted(FACTORS))
def test_factor_on_fully_recorded_case_is_known(name: str) -> None:
    factor = FACTORS[name]
    v = factor.compute(make_case(**FULL))
    assert_shape(factor, v)
    assert v.known
    assert v.value == FULL_EXPECTED[name]


def test_evaluate_factors_computes_every_factor() -> None:
    case = make_case(**FULL)
    values = evaluate_factors(case)
    assert list(values) == list(FACTORS)
    assert {n: v.value for n, v in values.items()} == FULL_EXPECTED


def test_evaluate_factors_selects_names() -> None:
    values = evaluate_factors(make_case(**FULL), ["victim_fear", "perpetrator_age"])
    assert values == {
        "victim_fear": FactorValue(category="very_afraid"),
        "perpetrator_age": FactorValue(44, 44),
    }


# --- get_factor ----------------------------------------------------------------------------------


def test_get_factor_returns_the_registered_factor() -> None:
    assert get_factor("threats_to_kill_recent") is FACTORS["threats_to_kill_recent"]


def test_get_factor_unknown_name() -> None:
    with pytest.raises(UnknownFactorError) as exc:
        get_factor("threats_to_kil")
    assert isinstance(exc.value, LookupError)
    assert isinstance(exc.value, StalkriskError)
    assert str(exc.value) == UNKNOWN_FACTOR.format(name="threats_to_kil")
    assert "'threats_to_kil'" in str(exc.value)


def test_get_factor_error_caught_as_lookup_error() -> None:
    with pytest.raises(LookupError, match="no factor is named 'nope'"):
        get_factor("nope")


def test_evaluate_factors_with_unknown_name() -> None:
    with pytest.raises(UnknownFactorError, match="'bogus'"):
        evaluate_factors(make_case(), ["obsession", "bogus"])


# --- Kleene logic ---------------------------------------------------------------------------

ANY_OF_TABLE = {
    (P, P): P, (P, A): P, (P, U): P,
    (A, P): P, (A, A): A, (A, U): U,
    (U, P): P, (U, A): U, (U, U): U,
}  # fmt: skip
ALL_OF_TABLE = {
    (P, P): P, (P, A): A, (P, U): U,
    (A, P): A, (A, A): A, (A, U): A,
    (U, P): U, (U, A): A, (U, U): U,
}  # fmt: skip


@pytest.mark.parametrize(("pair", "expected"), ANY_OF_TABLE.items())
def test_any_of_truth_table(pair: tuple[Presence, Presence], expected: Presence) -> None:
    assert any_of(*pair) is expected


@pytest.mark.parametrize(("pair", "expected"), ALL_OF_TABLE.items())
def test_all_of_truth_table(pair: tuple[Presence, Presence], expected: Presence) -> None:
    assert all_of(*pair) is expected


def test_kleene_with_several_and_with_no_answers() -> None:
    assert any_of(A, A, A, U) is U
    assert any_of(A, A, A, A) is A
    assert any_of(U, U, A, P) is P
    assert all_of(P, P, P, U) is U
    assert all_of(P, P, P, P) is P
    assert all_of(U, U, P, A) is A
    assert any_of() is A
    assert all_of() is P


@pytest.mark.parametrize(
    ("threats", "expected"),
    [
        ({"violence": "absent", "sexual_violence": "absent", "to_kill": "absent"}, (0, 0)),
        ({"violence": "absent", "sexual_violence": "absent"}, (0, 1)),
        ({"to_kill": "present"}, (1, 1)),
        ({"violence": "absent", "sexual_violence": "present", "to_kill": "absent"}, (1, 1)),
    ],
)
def test_any_of_inside_a_factor(threats: dict[str, str], expected: tuple[int, int]) -> None:
    v = value("threats_of_violence_recent", episode={"threats": threats})
    assert (v.low, v.high) == expected


# --- convictions ---------------------------------------------------------------------------


def test_unlisted_convictions_widen_the_interval() -> None:
    history = {"convictions": [conviction("wounding_gbh")], "conviction_count": 3}
    v = value("violent_convictions", history=history)
    assert (v.low, v.high) == (1, 3)
    assert v.describe(FactorKind.COUNT) == "1 to 3"
    assert not v.known
    assert value("previous_convictions", history=history) == FactorValue(3, 3)


def test_listed_non_violent_conviction_narrows_the_interval() -> None:
    history = {
        "convictions": [conviction("wounding_gbh"), conviction("harassment")],
        "conviction_count": 3,
    }
    assert value("violent_convictions", history=history) == FactorValue(1, 2)
    assert value("serious_violence_convictions", history=history) == FactorValue(1, 2)
    assert value("stalking_harassment_convictions", history=history) == FactorValue(1, 2)


def test_complete_conviction_list_gives_exact_counts() -> None:
    history = {
        "convictions": [
            conviction("common_assault"),
            conviction("threats_to_kill"),
            conviction("criminal_damage"),
        ]
    }
    assert value("previous_convictions", history=history) == FactorValue(3, 3)
    assert value("violent_convictions", history=history) == FactorValue(2, 2)
    assert value("serious_violence_convictions", history=history) == FactorValue(1, 1)
    assert value("stalking_harassment_convictions", history=history) == FactorValue(0, 0)


@pytest.mark.parametrize(
    "name",
    [
        "previous_convictions",
        "violent_convictions",
        "serious_violence_convictions",
        "stalking_harassment_convictions",
        "partner_or_female_assault_convictions",
        "custodial_sentences",
    ],
)
def test_unrecorded_convictions_are_unknown(name: str) -> None:
    v = value(name)
    assert (v.low, v.high) == (0, None)
    assert v.describe(FactorKind.COUNT) == "unknown"


@pytest.mark.parametrize(
    "name",
    [
        "previous_convictions",
        "violent_convictions",
        "serious_violence_convictions",
        "stalking_harassment_convictions",
        "partner_or_female_assault_convictions",
        "custodial_sentences",
    ],
)
def test_zero_conviction_count_without_a_list_is_zero(name: str) -> None:
    assert value(name, history={"conviction_count": 0}) == FactorValue(0, 0)


def test_conviction_count_without_a_list_bounds_each_category() -> None:
    assert value("violent_convictions", history={"conviction_count": 4}) == FactorValue(0, 4)
    assert value("previous_convictions", history={"conviction_count": 4}) == FactorValue(4, 4)


def test_partner_or_female_assault_needs_the_victim_recorded() -> None:
    history = {
        "convictions": [
            conviction("common_assault", victim_female="present"),
            conviction(
                "common_assault", victim_female="absent", against_intimate_partner="present"
            ),
            conviction("common_assault", victim_female="absent", against_intimate_partner="absent"),
            conviction("common_assault"),  # victim not recorded
            conviction("harassment", victim_female="present"),  # not violent
            conviction("harassment"),  # not violent, victim not recorded
        ]
    }
    assert value("partner_or_female_assault_convictions", history=history) == FactorValue(2, 3)


def test_custodial_sentences_from_disposals() -> None:
    history = {
        "convictions": [
            conviction("harassment", disposal="custody"),
            conviction("harassment", disposal="fine"),
            conviction("harassment"),  # disposal unknown
        ]
    }
    assert value("custodial_sentences", history=history) == FactorValue(1, 2)
    counted = {**history, "custodial_sentence_count": 2}
    assert value("custodial_sentences", history=counted) == FactorValue(2, 2)


# --- breaches ------------------------------------------------------------------------------


def order(kind: str = "restraining_order", breaches: int | None = 0) -> dict[str, Any]:
    return {"kind": kind, "breaches": None if breaches is None else [{}] * breaches}


@pytest.mark.parametrize(
    ("orders", "convictions", "expected"),
    [
        ([order(breaches=2)], [], (2, 2)),
        ([order(breaches=1)], [conviction("breach_restraining_order")] * 3, (3, 3)),
        ([order(breaches=3)], [conviction("breach_non_molestation_order")], (3, 3)),
        ([order(breaches=1), order("non_molestation_order", 2)], [], (3, 3)),
        ([order(breaches=2), order(breaches=None)], [], (2, None)),
        ([order(breaches=None)], [], (0, None)),
        ([order(breaches=None)], [conviction("breach_stalking_protection_order")], (1, None)),
        ([order(breaches=1)], None, (1, None)),
        (None, [], (0, None)),
        (None, [conviction("breach_restraining_order")] * 2, (2, None)),
        ([], [], (0, 0)),
        ([order("bail_conditions", None), order("licence_conditions", 4)], [], (0, 0)),
        ([order("domestic_abuse_protection_order", 1), order("other", 1)], [], (2, 2)),
    ],
)
def test_protective_order_breaches(
    orders: list[dict[str, Any]] | None,
    convictions: list[dict[str, Any]] | None,
    expected: tuple[int, int | None],
) -> None:
    v = value(
        "protective_order_breaches",
        history={"protective_orders": orders, "convictions": convictions},
    )
    assert (v.low, v.high) == expected


def test_protective_order_breaches_describe_unbounded() -> None:
    v = value(
        "protective_order_breaches",
        history={
            "protective_orders": [order(breaches=None)],
            "convictions": [conviction("breach_restraining_order")],
        },
    )
    assert v.describe(FactorKind.COUNT) == "at least 1"


def test_bail_or_licence_breaches() -> None:
    history = {
        "protective_orders": [order("bail_conditions", 1), order("restraining_order", 5)],
        "convictions": [conviction("breach_licence"), conviction("breach_bail")],
    }
    assert value("bail_or_licence_breaches", history=history) == FactorValue(2, 2)
    history["protective_orders"] = [order("licence_conditions", None)]
    assert value("bail_or_licence_breaches", history=history) == FactorValue(2, None)


def test_pending_charges() -> None:
    assert value("pending_charges") == FactorValue(0, None)
    assert value("pending_charges", history={"pending_charges": []}) == FactorValue(0, 0)
    charges = [{"offence": "stalking"}, {"offence": "harassment"}]
    assert value("pending_charges", history={"pending_charges": charges}) == FactorValue(2, 2)


# --- early onset ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ({}, U),
        ({"convictions": []}, A),
        ({"conviction_count": 0}, A),
        ({"convictions": [conviction("harassment", age=17)]}, P),
        ({"convictions": [conviction("harassment", age=18)]}, A),
        ({"convictions": [conviction("harassment", age=18)], "age_at_first_conviction": 18}, A),
        ({"age_at_first_conviction": 17}, P),
        ({"age_at_first_conviction": 18}, A),
        ({"conviction_count": 3, "convictions": [conviction("harassment", age=16)]}, P),
        ({"conviction_count": 3, "convictions": [conviction("harassment", age=25)]}, U),
        ({"convictions": [conviction("harassment", date="2010-01-01", age=None)]}, U),
    ],
)
def test_early_onset(history: dict[str, Any], expected: Presence) -> None:
    assert value("early_onset", history=history) == FactorValue.of(expected)


# --- prior stalking ------------------------------------------------------------------------


def test_prior_stalking_from_convictions_or_fields() -> None:
    this = conviction("stalking", against_current_victim="present")
    other = conviction("harassment", against_current_victim="absent")
    unknown_victim = conviction("malicious_communications")
    assert value("prior_stalking_this_victim", history={"convictions": [this]}) == FactorValue(1, 1)
    assert value("prior_stalking_other_victims", history={"convictions": [this]}) == FactorValue(
        0, 1
    )
    assert value("prior_stalking_other_victims", history={"convictions": [other]}) == FactorValue(
        1, 1
    )
    # A stalking conviction whose victim is not recorded could be against either victim, so
    # it leaves an "absent" field unknown rather than confirming it.
    history = {
        "convictions": [unknown_victim],
        "prior_stalking_this_victim": "absent",
        "prior_stalking_other_victims": "absent",
    }
    assert value("prior_stalking_this_victim", history=history) == FactorValue(0, 1)
    assert value("prior_stalking_other_victims", history=history) == FactorValue(0, 1)
    history = {"convictions": [other], "prior_stalking_this_victim": "absent"}
    assert value("prior_stalking_this_victim", history=history) == FactorValue(0, 0)


# --- episode -------------------------------------------------------------------------------


def test_episode_duration_days() -> None:
    assert value("episode_duration_days") == FactorValue(0, None)
    v = value("episode_duration_days", episode={"start_date": "2024-04-01"})
    assert v == FactorValue(30, 30)
    assert value("episode_duration_days", episode={"start_date": "2024-05-01"}) == FactorValue(0, 0)


@pytest.mark.parametrize(
    ("behaviours", "expected"),
    [
        (None, (0, None)),
        ([], (0, 0)),
        ([{"kind": "unwanted_contact", "channels": ["phone_call", "text_message"]}], (2, 2)),
        (
            [
                {"kind": "unwanted_contact", "channels": ["phone_call", "text_message"]},
                {"kind": "unwanted_gifts", "channels": ["phone_call", "letter"]},
            ],
            (3, 3),
        ),
        (
            [
                {"kind": "unwanted_contact", "channels": ["phone_call", "social_media"]},
                {"kind": "following"},
            ],
            (2, None),
        ),
        ([{"kind": "following"}], (0, None)),
    ],
)
def test_contact_channels(
    behaviours: list[dict[str, Any]] | None, expected: tuple[int, int | None]
) -> None:
    v = value("contact_channels", episode={"behaviours": behaviours})
    assert (v.low, v.high) == expected


@pytest.mark.parametrize(
    ("name", "kinds"),
    [
        ("approach_or_following", ["following", "loitering", "turning_up_at_home", "approaching"]),
        ("surveillance_or_tracking", ["surveillance", "tracking_device"]),
        ("image_based_abuse", ["image_based_abuse"]),
        ("property_damage", ["property_damage"]),
    ],
)
def test_behaviour_factors(name: str, kinds: list[str]) -> None:
    assert value(name) == FactorValue(0, 1)
    assert value(name, episode={"behaviours": []}) == FactorValue(0, 0)
    other = {"kind": "unwanted_gifts"}
    assert value(name, episode={"behaviours": [other]}) == FactorValue(0, 0)
    for kind in kinds:
        assert value(name, episode={"behaviours": [other, {"kind": kind}]}) == FactorValue(1, 1)


def test_escalating_and_weapons_use_any_of() -> None:
    esc = {"frequency": "absent", "severity": "unknown"}
    assert value("escalating", episode={"escalation": esc}) == FactorValue(0, 1)
    esc = {"frequency": "absent", "severity": "absent"}
    assert value("escalating", episode={"escalation": esc}) == FactorValue(0, 0)
    assert value("weapons", episode={"weapon_access": "present"}) == FactorValue(1, 1)
    episode = {"weapon_access": "absent", "strangulation": "absent"}
    assert value("weapons", episode=episode) == FactorValue(0, 1)
    # strangulation earlier in the relationship counts too
    rel = {"domestic_abuse": {"strangulation": "present"}}
    assert value("strangulation", episode=episode, relationship=rel) == FactorValue(1, 1)


# --- relationship --------------------------------------------------------------------------


def separated(days_before: int) -> str:
    return (ASSESSED - dt.timedelta(days=days_before)).isoformat()


@pytest.mark.parametrize(
    ("relationship", "expected"),
    [
        ({"type": "ex_intimate_partner", "separation_date": separated(0)}, P),
        ({"type": "ex_intimate_partner", "separation_date": separated(RECENT_DAYS)}, P),
        ({"type": "ex_intimate_partner", "separation_date": separated(RECENT_DAYS + 1)}, A),
        ({"type": "ex_intimate_partner"}, U),
        ({"type": "unknown"}, U),
        ({}, U),
        ({"type": "stranger"}, A),
        ({"type": "acquaintance"}, A),
        ({"type": "family"}, A),
        ({"type": "work"}, A),
        ({"type": "other"}, A),
        ({"type": "current_intimate_partner"}, A),
    ],
)
def test_recent_separation(relationship: dict[str, Any], expected: Presence) -> None:
    assert RECENT_DAYS == 365
    assert value("recent_separation", relationship=relationship) == FactorValue.of(expected)


def test_ex_intimate_partner_and_relationship_type() -> None:
    assert value("ex_intimate_partner") == FactorValue(0, 1)
    assert value("relationship_type") == FactorValue(category=None)
    rel = {"type": "stranger"}
    assert value("ex_intimate_partner", relationship=rel) == FactorValue(0, 0)
    assert value("relationship_type", relationship=rel) == FactorValue(category="stranger")


def test_domestic_abuse_history_ignores_jealousy() -> None:
    da = {"physical": "absent", "sexual": "absent", "coercive_control": "absent"}
    da_all = {**da, "strangulation": "absent", "jealousy": "present"}
    assert value("domestic_abuse_history", relationship={"domestic_abuse": da}) == FactorValue(0, 1)
    v = value("domestic_abuse_history", relationship={"domestic_abuse": da_all})
    assert v == FactorValue(0, 0)


# --- perpetrator ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "recent", "recent_value", "lifetime_value"),
    [
        ("absent", "unknown", A, A),
        ("absent", "absent", A, A),
        ("unknown", "present", P, P),
        ("present", "present", P, P),
        ("present", "unknown", U, P),
        ("present", "absent", A, P),
        ("unknown", "absent", A, U),
        ("unknown", "unknown", U, U),
    ],
)
def test_timed_recent_and_lifetime(
    lifetime: str, recent: str, recent_value: Presence, lifetime_value: Presence
) -> None:
    timed = {"lifetime": lifetime, "recent": recent}
    perp = {"substance_misuse": timed, "suicidality": timed}
    assert value("substance_misuse_recent", perpetrator=perp) == FactorValue.of(recent_value)
    assert value("substance_misuse_lifetime", perpetrator=perp) == FactorValue.of(lifetime_value)
    assert value("suicidality_recent", perpetrator=perp) == FactorValue.of(recent_value)


@pytest.mark.parametrize(
    ("employment", "expected"),
    [("unknown", U), ("unemployed", P), ("employed", A), ("student", A), ("retired", A)],
)
def test_unemployed(employment: str, expected: Presence) -> None:
    assert value("unemployed", perpetrator={"employment": employment}) == FactorValue.of(expected)


def test_category_factors_map_unknown_to_none() -> None:
    assert value("perpetrator_sex", perpetrator={"sex": "unknown"}) == FactorValue(category=None)
    assert value("perpetrator_sex", perpetrator={"sex": "female"}) == FactorValue(category="female")
    assert value("motivation", perpetrator={"motivation": "predatory"}).value == "predatory"
    assert value("contact_frequency", episode={"frequency": "weekly"}).value == "weekly"


# --- victim ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("barriers", "expected"),
    [
        ({}, (0, 4)),
        ({"isolation": "present"}, (1, 4)),
        ({"isolation": "present", "dependants": "present", "no_transport": "absent"}, (2, 3)),
        (
            {
                "isolation": "absent",
                "dependants": "absent",
                "no_transport": "absent",
                "language_or_immigration": "absent",
            },
            (0, 0),
        ),
        (
            {
                "isolation": "present",
                "dependants": "present",
                "no_transport": "present",
                "language_or_immigration": "present",
            },
            (4, 4),
        ),
    ],
)
def test_victim_barriers(barriers: dict[str, str], expected: tuple[int, int]) -> None:
    v = value("victim_barriers", victim={"barriers": barriers})
    assert (v.low, v.high) == expected


# --- FactorValue -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v", "kind", "text"),
    [
        (FactorValue(1, 1), FactorKind.BINARY, "present"),
        (FactorValue(0, 0), FactorKind.BINARY, "absent"),
        (FactorValue(0, 1), FactorKind.BINARY, "unknown"),
        (FactorValue(3, 3), FactorKind.COUNT, "3"),
        (FactorValue(0, 0), FactorKind.COUNT, "0"),
        (FactorValue(2, None), FactorKind.COUNT, "at least 2"),
        (FactorValue(0, None), FactorKind.COUNT, "unknown"),
        (FactorValue(1, 3), FactorKind.COUNT, "1 to 3"),
        (FactorValue(2, None), None, "at least 2"),
        (FactorValue(1, 3), None, "1 to 3"),
        (FactorValue(category="afraid"), FactorKind.CATEGORY, "afraid"),
        (FactorValue(category=None), FactorKind.CATEGORY, "unknown"),
        (FactorValue(category="afraid"), None, "afraid"),
    ],
)
def test_describe(v: FactorValue, kind: FactorKind | None, text: str) -> None:
    assert v.describe(kind) == text


@pytest.mark.parametrize(
    ("v", "known", "exact"),
    [
        (FactorValue(1, 1), True, 1),
        (FactorValue(0, 0), True, 0),
        (FactorValue(0, 1), False, None),
        (FactorValue(2, None), False, None),
        (FactorValue(category="male"), True, "male"),
        (FactorValue(category=None), False, None),
    ],
)
def test_known_and_value(v: FactorValue, known: bool, exact: int | str | None) -> None:
    assert v.known is known
    assert v.value == exact


def test_constructors() -> None:
    assert FactorValue.of(P) == FactorValue(1, 1)
    assert FactorValue.of(A) == FactorValue(0, 0)
    assert FactorValue.of(U) == FactorValue(0, 1)
    assert FactorValue.count(None) == FactorValue(0, None)
    assert FactorValue.count(7) == FactorValue(7, 7)
    assert FactorValue.of_category("x") == FactorValue(category="x")


def test_repr() -> None:
    assert repr(FactorValue(1, 3)) == "FactorValue(low=1, high=3)"
    assert repr(FactorValue(2, None)) == "FactorValue(low=2, high=None)"
    assert repr(FactorValue(category="afraid")) == "FactorValue(category='afraid')"


def test_factor_value_is_frozen() -> None:
    v = FactorValue(1, 1)
    with pytest.raises(AttributeError):
        v.low = 0  # type: ignore[misc]
