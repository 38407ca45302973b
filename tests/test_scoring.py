"""The weighted scorer: totals, bands, red flags, unknowns and the missing-data rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import stalkrisk
from stalkrisk import Case, ScaleStatus, WeightedScorer, instrument_from_data


def _instrument(
    *,
    max_unknown: int = 1,
    method: str = "prorate",
    red_flags: list[dict[str, Any]] | None = None,
) -> stalkrisk.Instrument:
    data: dict[str, Any] = {
        "format": "stalkrisk-instrument/1",
        "id": "test-mini",
        "version": "0.1.0",
        "title": "Mini",
        "description": "A test instrument.",
        "citation": ["Test."],
        "validation": {"status": "illustrative", "statement": "Test weights only."},
        "items": [
            {
                "id": "ttk",
                "factor": "threats_to_kill_recent",
                "label": "TTK",
                "rationale": "r",
                "points": 2,
            },
            {
                "id": "viol",
                "factor": "violence_recent",
                "label": "Violence",
                "rationale": "r",
                "points": 2,
            },
            {
                "id": "conv",
                "factor": "previous_convictions",
                "label": "Convictions",
                "rationale": "r",
                "levels": [
                    {"min": 0, "max": 0, "points": 0},
                    {"min": 1, "max": 2, "points": 1},
                    {"min": 3, "points": 2},
                ],
            },
            {
                "id": "fear",
                "factor": "victim_fear",
                "label": "Fear",
                "rationale": "r",
                "levels": [
                    {"categories": ["not_afraid"], "points": 0},
                    {"categories": ["afraid", "very_afraid"], "points": 2},
                ],
            },
        ],
        "scales": [
            {
                "id": "harm",
                "title": "Harm",
                "description": "d",
                "items": ["ttk", "viol", "conv", "fear"],
                "bands": [
                    {"id": "low", "label": "Low", "max": 3},
                    {"id": "mid", "label": "Mid", "min": 3, "max": 6},
                    {"id": "high", "label": "High", "min": 6},
                ],
                "red_flags": red_flags or [],
                "missing": {"max_unknown": max_unknown, "method": method},
            }
        ],
    }
    return instrument_from_data(data, "mini.json")


def _case(**parts: Any) -> Case:
    return Case.model_validate({"case_id": "T-1", "assessment_date": "2024-06-01", **parts})


ALL_KNOWN = {
    "episode": {"threats": {"to_kill": "present"}, "violence": "absent"},
    "history": {"conviction_count": 4},
    "victim": {"fear": "afraid"},
}


def test_total_is_the_sum_of_points_and_picks_its_band() -> None:
    result = WeightedScorer(_instrument()).score(_case(**ALL_KNOWN)).scale("harm")
    assert result.status is ScaleStatus.SCORED
    assert [c.points for c in result.contributions] == [2, 0, 2, 2]
    assert [c.level for c in result.contributions] == [
        "present",
        "absent",
        "3+",
        "afraid, very_afraid",
    ]
    assert [c.value for c in result.contributions] == ["present", "absent", "4", "afraid"]
    assert result.total == 6
    assert result.known_points == 6
    assert not result.prorated
    assert result.band is not None
    assert result.band.id == "high"
    assert result.total_range == (6, 6)
    assert [b.id for b in result.possible_bands] == ["high"]
    assert result.next_band is None
    assert result.points_to_next_band is None


def test_distance_to_next_band() -> None:
    case = _case(**{**ALL_KNOWN, "victim": {"fear": "not_afraid"}})
    result = WeightedScorer(_instrument()).score(case).scale("harm")
    assert result.total == 4
    assert result.band is not None
    assert result.band.id == "mid"
    assert result.next_band is not None
    assert result.next_band.id == "high"
    assert result.points_to_next_band == 2


def test_cut_point_belongs_to_the_upper_band() -> None:
    case = _case(
        episode={"threats": {"to_kill": "absent"}, "violence": "absent"},
        history={"conviction_count": 1},
        victim={"fear": "afraid"},
    )
    result = WeightedScorer(_instrument()).score(case).scale("harm")
    assert result.total == 3
    assert result.band is not None
    assert result.band.id == "mid"


def test_prorating_scales_known_points_by_maximum_points() -> None:
    case = _case(
        episode={"threats": {"to_kill": "present"}, "violence": "absent"},
        history={"conviction_count": 4},
    )  # fear unknown
    result = WeightedScorer(_instrument()).score(case).scale("harm")
    assert result.unknown_items == ("fear",)
    assert result.known_points == 4
    assert result.prorated
    assert result.total == pytest.approx(4 * 8 / 6)
    assert result.total_range == (4, 6)
    assert [b.id for b in result.possible_bands] == ["mid", "high"]
    unknown = result.contributions[3]
    assert unknown.points is None
    assert unknown.level is None
    assert unknown.value == "unknown"
    assert unknown.possible_points == (0, 2)
    assert not unknown.known


def test_known_only_sums_known_items() -> None:
    case = _case(
        episode={"threats": {"to_kill": "present"}, "violence": "absent"},
        history={"conviction_count": 4},
    )
    result = WeightedScorer(_instrument(method="known_only")).score(case).scale("harm")
    assert result.total == 4
    assert not result.prorated
    assert result.band is not None
    assert result.band.id == "mid"


def test_too_many_unknowns_refuses_to_score() -> None:
    case = _case(episode={"threats": {"to_kill": "absent"}})  # 3 of 4 items unknown
    result = WeightedScorer(_instrument(max_unknown=2)).score(case).scale("harm")
    assert result.status is ScaleStatus.NOT_SCORED
    assert result.total is None
    assert result.band is None
    assert result.score_band is None
    assert result.unknown_items == ("viol", "conv", "fear")
    assert result.reason is not None
    assert "3 of 4 items are unknown" in result.reason
    assert "at most 2" in result.reason
    for item in ("viol", "conv", "fear"):
        assert item in result.reason


def test_a_count_interval_inside_one_level_is_scored() -> None:
    # 5 convictions recorded, 1 itemised: the count is known (5), so the item is known.
    case = _case(history={"convictions": [{"offence": "other", "age": 30}], "conviction_count": 5})
    contribution = (
        WeightedScorer(_instrument(max_unknown=4)).score(case).scale("harm").contributions[2]
    )
    assert contribution.points == 2


def test_red_flag_raises_band_but_not_total() -> None:
    flags = [
        {
            "id": "ttk",
            "factor": "threats_to_kill_recent",
            "minimum_band": "high",
            "label": "Threats to kill",
            "rationale": "r",
        }
    ]
    case = _case(
        episode={"threats": {"to_kill": "present"}, "violence": "absent"},
        history={"conviction_count": 0},
        victim={"fear": "not_afraid"},
    )
    result = WeightedScorer(_instrument(red_flags=flags)).score(case).scale("harm")
    assert result.total == 2
    assert result.score_band is not None
    assert result.score_band.id == "low"
    assert result.band is not None
    assert result.band.id == "high"
    assert result.band_floor is not None
    assert result.band_floor.id == "high"
    assert [f.status for f in result.red_flags] == ["fired"]
    assert [b.id for b in result.possible_bands] == ["high"]


def test_red_flag_fires_even_when_the_scale_cannot_be_scored() -> None:
    flags = [
        {
            "id": "ttk",
            "factor": "threats_to_kill_recent",
            "minimum_band": "high",
            "label": "Threats to kill",
            "rationale": "r",
        }
    ]
    case = _case(episode={"threats": {"to_kill": "present"}})
    result = WeightedScorer(_instrument(max_unknown=0, red_flags=flags)).score(case).scale("harm")
    assert result.status is ScaleStatus.NOT_SCORED
    assert result.band is None
    assert result.band_floor is not None
    assert result.band_floor.id == "high"


def test_unknown_red_flag_is_reported_and_widens_possible_bands() -> None:
    flags = [
        {
            "id": "weapons",
            "factor": "weapons",
            "minimum_band": "high",
            "label": "Weapons",
            "rationale": "r",
        }
    ]
    case = _case(
        episode={"threats": {"to_kill": "absent"}, "violence": "absent"},
        history={"conviction_count": 0},
        victim={"fear": "not_afraid"},
    )
    result = WeightedScorer(_instrument(red_flags=flags)).score(case).scale("harm")
    assert [f.status for f in result.red_flags] == ["unknown"]
    assert result.band is not None
    assert result.band.id == "low"
    assert [b.id for b in result.possible_bands] == ["low", "mid", "high"]
    case2 = _case(
        episode={
            "threats": {"to_kill": "absent"},
            "violence": "absent",
            "weapon_access": "absent",
            "weapon_used_or_threatened": "absent",
        },
        history={"conviction_count": 0},
        victim={"fear": "not_afraid"},
    )
    result2 = WeightedScorer(_instrument(red_flags=flags)).score(case2).scale("harm")
    assert [f.status for f in result2.red_flags] == ["not_fired"]
    assert [b.id for b in result2.possible_bands] == ["low"]


def test_assessment_carries_what_produced_it() -> None:
    instrument = _instrument()
    a = WeightedScorer(instrument).score(_case(**ALL_KNOWN))
    assert a.instrument.id == "test-mini"
    assert a.instrument.version == "0.1.0"
    assert a.instrument.sha256 == instrument.sha256
    assert len(a.instrument.sha256) == 64
    assert a.instrument.validation_statement == "Test weights only."
    assert a.library_version == stalkrisk.__version__
    assert a.case_id == "T-1"
    assert a.schema_version == stalkrisk.SCHEMA_VERSION
    assert "not a decision" in a.notice


def test_equal_input_gives_equal_result() -> None:
    case = _case(**ALL_KNOWN)
    scorer = WeightedScorer(_instrument())
    first = scorer.score(case)
    assert scorer.score(copy.deepcopy(case)) == first
    assert WeightedScorer(_instrument()).score(case) == first
    assert first.model_dump_json() == scorer.score(case).model_dump_json()


def test_assessment_is_frozen() -> None:
    a = WeightedScorer(_instrument()).score(_case(**ALL_KNOWN))
    with pytest.raises(ValueError, match="frozen"):
        a.case_id = "other"  # type: ignore[misc]


def test_score_accepts_id_path_and_instrument(tmp_path: Any) -> None:
    case = _case(**ALL_KNOWN)
    by_id = stalkrisk.score(case, "stalkrisk-screen")
    assert stalkrisk.score(case) == by_id
    assert stalkrisk.score(case, stalkrisk.load_instrument()) == by_id
    path = tmp_path / "mini.json"
    path.write_text(_instrument().model_dump_json())
    assert stalkrisk.score(case, path).instrument.id == "test-mini"


def test_repr_is_one_line() -> None:
    a = WeightedScorer(_instrument()).score(_case(**ALL_KNOWN))
    assert repr(a) == "<Assessment T-1 test-mini@0.1.0: harm=high>"
    html = a._repr_html_()
    assert html.startswith("<table>")
    assert "Test weights only." in html


def test_repr_html_escapes() -> None:
    inst = _instrument().model_copy(update={"title": "<script>x</script>"})
    a = WeightedScorer(inst).score(_case(**ALL_KNOWN))
    assert "<script>" not in a._repr_html_()


def test_scale_lookup_errors() -> None:
    a = WeightedScorer(_instrument()).score(_case(**ALL_KNOWN))
    with pytest.raises(KeyError, match="no scale 'nope'"):
        a.scale("nope")


def test_default_instrument_on_examples(example_cases: dict[str, Case]) -> None:
    """The documented bands of the example cases (examples/README.md), under 2.0.0."""
    bands = {
        cid: tuple(s.band.id if s.band else None for s in stalkrisk.score(c).scales)
        for cid, c in example_cases.items()
    }
    assert bands["EX-01"] == ("several", "many", "many")
    assert bands["EX-03"] == ("fewer", "fewer", "fewer")
    assert bands["EX-04"] == (None, None, None)
    assert bands["EX-07"] == ("fewer", "fewer", "many")  # the strangulation red flag
    assert len(example_cases) >= 8
    seen = {b for triple in bands.values() for b in triple}
    assert {"fewer", "several", "many", None} <= seen


def test_an_edited_instrument_file_is_never_scored_stale(tmp_path: Any) -> None:
    case = _case(**ALL_KNOWN)
    path = tmp_path / "mini.json"
    inst = _instrument()
    path.write_text(inst.model_dump_json())
    before = stalkrisk.score(case, path)
    edited = inst.model_dump(mode="json")
    edited["items"][0]["levels"][1]["points"] = 5
    path.write_text(__import__("json").dumps(edited))
    after = stalkrisk.score(case, path)
    assert after.instrument.sha256 != before.instrument.sha256
    assert after.scale("harm").total == before.scale("harm").total + 3
