"""stalkrisk-screen 2.0.0 (issue 13): one test per measurement, double-counting and evidence fix.

Each test builds a case in which everything the screen reads is recorded (mostly absent), then
changes one fact, and checks what 2.0.0 makes of it, beside what 1.0.0 made of it where 1.0.0
got it wrong.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import stalkrisk
from stalkrisk import Assessment, Case

SCREEN_1 = "stalkrisk-screen@1.0.0"

#: A case in which every fact stalkrisk-screen 2.0.0 reads is recorded, nearly all absent: a
#: former colleague, 35, whose messages stopped 200 days before the assessment.
BASE: dict[str, Any] = {
    "case_id": "S2-0001",
    "assessment_date": "2025-06-01",
    "synthetic": True,
    "perpetrator": {
        "age": 35,
        "sex": "male",
        "substance_misuse": {"lifetime": "absent", "recent": "absent"},
        "mental_disorder": {
            "personality_disorder": "absent",
            "delusional_disorder": "absent",
            "other": "absent",
        },
        "suicidality": {"lifetime": "absent", "recent": "absent"},
        "motivation": "resentful",
        "protective": {
            "engaged_with_supervision": "present",
            "stable_accommodation_away_from_victim": "present",
            "prosocial_support": "absent",
        },
    },
    "history": {
        "convictions": [],
        "protective_orders": [],
        "prior_stalking_this_victim": "absent",
        "prior_stalking_other_victims": "absent",
        "prior_assault_charges_female_victims": "absent",
    },
    "episode": {
        "start_date": "2024-11-01",
        "ongoing": "absent",
        "last_incident_date": "2024-11-13",
        "contact_since_arrest_or_charge": "absent",
        "behaviours": [{"kind": "unwanted_contact", "channels": ["email"]}],
        "threats": {
            "violence": "absent",
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
        "procuring_violence": "absent",
    },
    "relationship": {
        "type": "work",
        "domestic_abuse": {
            "physical": "absent",
            "sexual": "absent",
            "coercive_control": "absent",
            "strangulation": "absent",
        },
    },
    "victim": {"sex": "female", "fear": "afraid"},
}


def case(**changes: Any) -> Case:
    """The base case with dotted-path changes, e.g. ``case(**{"episode.violence": "present"})``."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return Case.model_validate(data)


def points(a: Assessment, scale: str, item: str) -> float | None:
    return next(c.points for c in a.scale(scale).contributions if c.item == item)


def test_the_base_case_is_scored_on_every_scale_with_nothing_unknown() -> None:
    a = stalkrisk.score(case())
    assert a.instrument.version == "2.0.0"
    assert [s.scale for s in a.scales] == ["persistence", "recurrence", "serious_harm"]
    for s in a.scales:
        assert s.unknown_items == (), s.scale
        assert s.band is not None, s.scale
        assert s.band.id == "fewer", s.scale
        assert s.total is not None
        assert float(s.total).is_integer()


def test_item_1_a_3_day_burst_that_ended_weeks_ago_is_not_an_episode_of_two_weeks() -> None:
    burst = case(
        **{
            "episode.start_date": "2025-04-01",
            "episode.last_incident_date": "2025-04-03",
            "episode.behaviours": [
                {"kind": "unwanted_contact", "first_date": "2025-04-01", "last_date": "2025-04-03"}
            ],
        }
    )
    assert stalkrisk.evaluate_factors(burst, ["conduct_span_days"])["conduct_span_days"].value == 2
    assert points(stalkrisk.score(burst), "persistence", "conduct_beyond_two_weeks") == 0
    # 1.0.0 measured from the start to the assessment date: 61 days, so it scored
    old = stalkrisk.score(burst, SCREEN_1)
    assert points(old, "continued_stalking", "episode_duration") == 1
    # the same burst, still going on at the assessment, spans the whole time
    ongoing = case(
        **{
            "episode.start_date": "2025-04-01",
            "episode.ongoing": "present",
            "episode.last_incident_date": None,
        }
    )
    assert points(stalkrisk.score(ongoing), "persistence", "conduct_beyond_two_weeks") == 1


@pytest.mark.parametrize(
    ("last", "expected"), [("2025-05-20", 2), ("2025-03-15", 1), ("2024-11-13", 0)]
)
def test_item_2_recency_of_the_last_incident(last: str, expected: int) -> None:
    a = stalkrisk.score(case(**{"episode.last_incident_date": last}))
    assert points(a, "persistence", "recent_incident") == expected


def test_item_2_contact_since_arrest_or_charge() -> None:
    a = stalkrisk.score(case(**{"episode.contact_since_arrest_or_charge": "present"}))
    assert points(a, "persistence", "contact_since_arrest") == 2
    assert points(stalkrisk.score(case()), "persistence", "contact_since_arrest") == 0


def test_item_3_one_threat_to_kill_is_counted_once_as_a_red_flag() -> None:
    threat = case(**{"episode.threats.to_kill": "present"})
    harm = stalkrisk.score(threat).scale("serious_harm")
    assert [f.id for f in harm.fired_red_flags] == ["threats_to_kill"]
    assert harm.band is not None
    assert harm.band.id == "many"
    assert harm.total == stalkrisk.score(case()).scale("serious_harm").total  # no points
    assert points(stalkrisk.score(threat), "serious_harm", "threats_of_violence") == 0
    # 1.0.0: 2 points as a threat of violence, 2 as a threat to kill, and the red flag
    old = stalkrisk.score(threat, SCREEN_1)
    assert points(old, "serious_harm", "threats_of_violence_recent") == 2
    assert points(old, "serious_harm", "threats_to_kill_recent") == 2


def test_item_3_strangulation_is_counted_once_as_a_red_flag() -> None:
    strangled = case(**{"relationship.domestic_abuse.strangulation": "present"})
    harm = stalkrisk.score(strangled).scale("serious_harm")
    assert [f.id for f in harm.fired_red_flags] == ["strangulation"]
    assert points(stalkrisk.score(strangled), "serious_harm", "partner_abuse_history") == 0
    old = stalkrisk.score(strangled, SCREEN_1)
    assert points(old, "serious_harm", "domestic_abuse_history") == 2
    assert points(old, "serious_harm", "strangulation") == 2


def test_item_3_one_old_gbh_conviction_is_counted_once() -> None:
    gbh = [
        {
            "offence": "wounding_gbh",
            "date": "2001-05-01",
            "against_intimate_partner": "absent",
            "against_family_member": "absent",
        }
    ]
    a = stalkrisk.score(case(**{"history.convictions": gbh}))
    harm = a.scale("serious_harm")
    violence = [c for c in harm.contributions if c.points]
    assert [(c.item, c.points) for c in violence] == [("violence_history", 3)]
    old = stalkrisk.score(case(**{"history.convictions": gbh}), SCREEN_1)
    assert points(old, "serious_harm", "serious_violence_convictions") == 2
    assert points(old, "serious_harm", "violent_convictions") == 1


def test_item_4_weapon_access_alone_is_an_item_not_a_red_flag() -> None:
    access = stalkrisk.score(case(**{"episode.weapon_access": "present"})).scale("serious_harm")
    assert access.fired_red_flags == ()
    assert (
        points(
            stalkrisk.score(case(**{"episode.weapon_access": "present"})),
            "serious_harm",
            "weapon_access",
        )
        == 1
    )
    assert access.band is not None
    assert access.band.id == "fewer"
    firearm = case(**{"episode.weapon_access": "present", "episode.firearm_access": "present"})
    assert points(stalkrisk.score(firearm), "serious_harm", "weapon_access") == 2
    used = stalkrisk.score(case(**{"episode.weapon_used_or_threatened": "present"}))
    assert [f.id for f in used.scale("serious_harm").fired_red_flags] == [
        "weapon_used_or_threatened"
    ]
    # 1.0.0 raised serious harm to High on access alone
    old = stalkrisk.score(case(**{"episode.weapon_access": "present"}), SCREEN_1)
    assert old.scale("serious_harm").band is not None
    assert old.scale("serious_harm").band.id == "high"


def test_item_5_an_acquitted_charge_scores_nothing_and_convictions_are_sex_neutral() -> None:
    charged = case(**{"history.prior_assault_charges_female_victims": "present"})
    assert stalkrisk.score(charged).scale("serious_harm").total == 0
    assert (
        points(
            stalkrisk.score(charged, SCREEN_1),
            "serious_harm",
            "prior_assault_charges_female_victims",
        )
        == 1
    )
    against_a_man = [
        {
            "offence": "common_assault",
            "date": "2020-01-01",
            "against_intimate_partner": "present",
            "victim_female": "absent",
        }
    ]
    a = stalkrisk.score(case(**{"history.convictions": against_a_man}))
    assert points(a, "serious_harm", "violence_history") == 2  # partner violence, any sex


def test_item_6_bail_and_licence_breaches_count_once_with_order_breaches() -> None:
    bail = [{"kind": "bail_conditions", "breaches": [{"date": "2025-01-10"}]}]
    a = stalkrisk.score(case(**{"history.protective_orders": bail}))
    assert points(a, "persistence", "order_or_condition_breach") == 2
    assert points(a, "recurrence", "order_or_condition_breach") == 2
    both = [*bail, {"kind": "restraining_order", "breaches": [{"date": "2025-02-01"}] * 2}]
    b = stalkrisk.score(case(**{"history.protective_orders": both}))
    assert points(b, "persistence", "order_or_condition_breach") == 2  # once, however many


def test_item_7_relationship_and_motivation_moderate_the_items() -> None:
    young = {"perpetrator.age": 24}
    stranger = stalkrisk.score(case(**young, **{"relationship.type": "stranger"}))
    assert points(stranger, "serious_harm", "under_30_not_ex_partner") == 1
    ex = stalkrisk.score(case(**young, **{"relationship.type": "ex_intimate_partner"}))
    gated = next(
        c for c in ex.scale("serious_harm").contributions if c.item == "under_30_not_ex_partner"
    )
    assert gated.points == 0
    assert gated.level is not None
    assert "not applicable" in gated.level
    older = stalkrisk.score(case(**{"perpetrator.age": 40}))
    assert points(older, "recurrence", "aged_40_or_over") == 1  # 40 or over: 40 counts
    assert points(stalkrisk.score(case()), "recurrence", "prior_acquaintance") == 1
    rejected = stalkrisk.score(case(**{"perpetrator.motivation": "rejected"}))
    assert points(rejected, "persistence", "rejected_or_intimacy_seeking") == 1


def test_item_9_protective_factors_are_shown_and_never_change_a_score() -> None:
    a = stalkrisk.score(case())
    shown = {f.id: (f.kind, f.value) for f in a.shown_factors}
    assert shown["engaged_with_supervision"] == ("protective", "present")
    assert shown["prosocial_support"] == ("protective", "absent")
    assert shown["victim_fear"] == ("context", "afraid")
    flipped = stalkrisk.score(case(**{"perpetrator.protective.engaged_with_supervision": "absent"}))
    assert [s.total for s in flipped.scales] == [s.total for s in a.scales]
    text = stalkrisk.explain(a)
    assert "Shown beside the scores, never scored:" in text
    assert "Engages with supervision or treatment: present" in text


def test_item_12_the_harm_scale_is_not_scored_while_a_red_flag_is_unknown() -> None:
    a = stalkrisk.score(
        case(
            **{
                "episode.strangulation": "unknown",
                "relationship.domestic_abuse.strangulation": "unknown",
            }
        )
    )
    harm = a.scale("serious_harm")
    assert harm.status.value == "not_scored"
    assert harm.band is None
    assert harm.unknown_items == ()  # every item is known: the red flag alone stops it
    assert harm.reason is not None
    assert "Strangulation" in harm.reason
    assert "ask" in harm.reason
    # a red flag that has fired sets the band whatever the others
    b = stalkrisk.score(
        case(**{"episode.strangulation": "unknown", "episode.threats.to_kill": "present"})
    )
    assert b.scale("serious_harm").band is not None
    assert b.scale("serious_harm").band.id == "many"


def test_item_11_totals_are_whole_numbers_with_the_range_the_unknowns_leave_open() -> None:
    a = stalkrisk.score(case(**{"perpetrator.mental_disorder.delusional_disorder": "unknown"}))
    persistence = a.scale("persistence")
    assert persistence.unknown_items == ("delusional_beliefs",)
    assert not persistence.prorated
    assert persistence.total == persistence.known_points
    assert persistence.total_range == (persistence.total, persistence.total + 1)


def test_item_13_band_words_and_the_harm_title() -> None:
    screen = stalkrisk.load_instrument()
    labels = {b.label for s in screen.scales for b in s.bands}
    assert labels == {
        "Fewer factors",
        "Several factors",
        "Many factors",
        "Many factors or a red flag",
    }
    assert screen.scale("serious_harm").title == "Serious physical or sexual violence"
    assert "psychological harm" in screen.scale("serious_harm").description


def test_item_15_victim_sex_is_recorded() -> None:
    assert case().victim.sex.value == "female"
    values = stalkrisk.evaluate_factors(case(**{"victim.sex": "male"}), ["victim_sex"])
    assert values["victim_sex"].category == "male"


def test_records_made_with_1_0_0_still_verify() -> None:
    c = case(**{"episode.threats.to_kill": "present"})
    old = stalkrisk.score(c, SCREEN_1)
    record = stalkrisk.AssessmentRecord.from_assessment(old, c)
    assert stalkrisk.verify(record, c) == []  # re-scored with the version the record names
    new = stalkrisk.score(c)
    assert stalkrisk.verify(stalkrisk.AssessmentRecord.from_assessment(new, c), c) == []
