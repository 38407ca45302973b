"""The instrument format bounds every number, string and list a hostile file could inflate.

A hostile-input review found that a logistic scale's ``percent_range`` was not checked
(``[99, 1]`` turned 50% into 1%), that a version's pre-release tag had no length limit, and
that several lists (``citation``, a level's or condition's ``categories``) had no maximum.
Questions may now declare ``min``/``max`` bounds on their answers.
"""

from __future__ import annotations

import copy
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import stalkrisk
from stalkrisk import InstrumentFileError, instrument_from_data
from stalkrisk.instruments import Instrument

OGRS3_TEXT = (
    resources.files("stalkrisk")
    .joinpath("instruments", "data", "ogrs3.toml")
    .read_text(encoding="utf-8")
)
OGRS3_DATA: dict[str, Any] = tomllib.loads(OGRS3_TEXT)
PSA_DATA: dict[str, Any] = tomllib.loads(
    resources.files("stalkrisk")
    .joinpath("instruments", "data", "psa.toml")
    .read_text(encoding="utf-8")
)


#: One question of each kind (binary, count, number, category); shared with test_answers.py.
KINDS_DATA: dict[str, Any] = tomllib.loads(
    (
        Path(__file__).resolve().parent / "data" / "instruments" / "rules" / "answers_kinds.toml"
    ).read_text(encoding="utf-8")
)


def kinds_data() -> dict[str, Any]:
    return copy.deepcopy(KINDS_DATA)


def ogrs3_data() -> dict[str, Any]:
    """A copy of OGRS3 under its own id: a modified copy may not pose as the bundled one."""
    return {**copy.deepcopy(OGRS3_DATA), "id": "ogrs3-test"}


def psa_data() -> dict[str, Any]:
    """A copy of the PSA under its own id."""
    return {**copy.deepcopy(PSA_DATA), "id": "psa-test"}


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(InstrumentFileError) as exc:
        instrument_from_data(data, "mine.toml")
    return exc.value.problems


def locations(data: dict[str, Any]) -> list[str]:
    return [loc for loc, _ in problems(data)]


# --- percent_range ---------------------------------------------------------------------------


def test_bundled_ogrs3_percent_range_is_valid() -> None:
    instrument = instrument_from_data(copy.deepcopy(OGRS3_DATA))
    assert instrument.scale("proven_reoffending").percent_range == (1, 99)


@pytest.mark.parametrize(
    "bad",
    [
        [99, 1],
        [50, 50],
        [-1, 99],
        [1, 100.5],
        [math.nan, 99],
        [1, math.inf],
        [-math.inf, 99],
    ],
    ids=["reversed", "empty", "below-0", "above-100", "nan", "inf", "minus-inf"],
)
def test_percent_range_must_be_ordered_percentages(bad: list[float]) -> None:
    data = ogrs3_data()
    data["scales"][0]["percent_range"] = bad
    found = problems(data)
    assert [loc for loc, _ in found] == ["scales[0] (proven_reoffending).percent_range"]
    message = found[0][1]
    assert "0 <= low < high <= 100" in message


@pytest.mark.parametrize("good", [[0, 100], [0.5, 99.5], [0, 1e-9]])
def test_percent_range_within_0_and_100_is_accepted(good: list[float]) -> None:
    data = ogrs3_data()
    data["scales"][0]["percent_range"] = good
    scale = instrument_from_data(data).scale("proven_reoffending")
    assert scale.percent_range == tuple(good)


def test_a_reversed_percent_range_no_longer_turns_a_score_into_1_percent() -> None:
    # Before the check, [99, 1] clamped every percentage to 1.
    data = ogrs3_data()
    data["scales"][0]["percent_range"] = [99, 1]
    with pytest.raises(InstrumentFileError):
        instrument_from_data(data)


# --- the version and other strings -----------------------------------------------------------


@pytest.mark.parametrize("tag_length", [59, 1_000, 1_000_000])
def test_version_is_at_most_64_characters(tag_length: int) -> None:
    data = ogrs3_data()
    data["version"] = "1.0.0-" + "a" * tag_length  # 65 characters or more
    assert locations(data) == ["version"]


def test_a_64_character_version_is_accepted() -> None:
    data = ogrs3_data()
    data["version"] = "1.0.0-" + "rc." * 19 + "1"
    assert len(data["version"]) == 64
    assert instrument_from_data(data).version == data["version"]


def test_factor_names_are_bounded() -> None:
    data = ogrs3_data()
    data["items"][0]["factor"] = "f" * 65
    data["items"][0]["only_if"][0]["factor"] = "g" * 65
    found = sorted(problems(data))
    assert [loc for loc, _ in found] == [
        "items[0] (age_male).factor",
        "items[0] (age_male).only_if[0].factor",
    ]
    assert all("at most 64 characters" in message for _, message in found)


def test_category_names_are_bounded() -> None:
    data = ogrs3_data()
    data["items"][5]["levels"][0]["categories"] = ["v" * 65]
    assert locations(data) == ["items[5] (offence_group).levels[0].categories[0]"]


# --- lists -----------------------------------------------------------------------------------


def test_citation_has_at_most_50_entries() -> None:
    data = ogrs3_data()
    data["citation"] = [f"Source {i}." for i in range(51)]
    assert locations(data) == ["citation"]
    data["citation"] = data["citation"][:50]
    assert len(instrument_from_data(data).citation) == 50


def test_level_categories_have_a_maximum() -> None:
    data = ogrs3_data()
    data["items"][5]["levels"][0]["categories"] = ["violence"] * 101
    assert locations(data) == ["items[5] (offence_group).levels[0].categories"]


def test_condition_categories_have_a_maximum() -> None:
    data = ogrs3_data()
    data["items"][0]["only_if"][0]["categories"] = ["male"] * 101
    assert locations(data) == ["items[0] (age_male).only_if[0].categories"]


def test_conditions_have_a_maximum() -> None:
    data = ogrs3_data()
    data["items"][0]["only_if"] = [{"factor": "perpetrator_sex", "categories": ["male"]}] * 101
    assert locations(data) == ["items[0] (age_male).only_if"]


def test_scale_lists_have_a_maximum() -> None:
    data = ogrs3_data()
    scale = data["scales"][0]
    scale["items"] = scale["items"] * 84  # 504
    scale["horizons"] = [dict(scale["horizons"][0], id=f"h{i}") for i in range(21)]
    assert sorted(locations(data)) == [
        "scales[0] (proven_reoffending).horizons",
        "scales[0] (proven_reoffending).items",
    ]


def test_red_flags_have_a_maximum() -> None:
    data = ogrs3_data()
    flag = {
        "factor": "previous_sanctions",
        "minimum_band": "high",
        "label": "Flag",
        "rationale": "Test rationale.",
    }
    data["scales"][0]["red_flags"] = [dict(flag, id=f"f{i}") for i in range(101)]
    assert locations(data) == ["scales[0] (proven_reoffending).red_flags"]


def test_category_question_lists_at_most_100_categories() -> None:
    data = psa_data()
    data["questions"].append(
        {
            "id": "many",
            "kind": "category",
            "label": "Many.",
            "categories": [f"c{i}" for i in range(101)],
        }
    )
    n = len(data["questions"]) - 1
    assert locations(data) == [f"questions[{n}] (many).categories"]


@pytest.mark.parametrize(
    ("where", "field", "value"),
    [
        (("items", 0, "levels", 1), "max", 10**10),
        (("scales", 0, "missing"), "max_unknown", 10**10),
    ],
)
def test_whole_numbers_are_bounded(where: tuple[Any, ...], field: str, value: int) -> None:
    data = ogrs3_data()
    target: Any = data
    for part in where:
        target = target[part]
    target[field] = value
    found = problems(data)
    assert len(found) == 1
    loc, message = found[0]
    assert loc.endswith(field)
    assert message.startswith("Input should be less than or equal to")


# --- question bounds -------------------------------------------------------------------------


def question_index(data: dict[str, Any], kind: str) -> int:
    return next(i for i, q in enumerate(data["questions"]) if q["kind"] == kind)


def test_question_bounds_are_optional_and_leave_existing_content_unchanged() -> None:
    psa = stalkrisk.load_instrument("psa")
    dumped = psa.model_dump(mode="json", exclude_defaults=True)
    assert all("min" not in q and "max" not in q for q in dumped["questions"])
    assert instrument_from_data(copy.deepcopy(PSA_DATA)).model_dump() == psa.model_dump()


def test_count_question_accepts_bounds() -> None:
    data = kinds_data()
    i = question_index(data, "count")
    data["questions"][i].update(min=0, max=20)
    question = instrument_from_data(data).questions[i]
    assert (question.min, question.max) == (0, 20)
    j = question_index(data, "number")
    data["questions"][j].update(min=-2.5, max=-2.5)
    question = instrument_from_data(data).questions[j]
    assert (question.min, question.max) == (-2.5, -2.5)


@pytest.mark.parametrize("kind", ["binary", "category"])
def test_bounds_only_on_count_or_number_questions(kind: str) -> None:
    data = kinds_data()
    i = question_index(data, kind)
    data["questions"][i]["min"] = 1
    found = problems(data)
    assert len(found) == 1
    loc, message = found[0]
    assert loc.startswith(f"questions[{i}]")
    assert loc.endswith(".min")
    assert "count or number question" in message


def test_question_min_must_not_exceed_max() -> None:
    data = kinds_data()
    i = question_index(data, "count")
    data["questions"][i].update(min=5, max=2)
    found = problems(data)
    assert len(found) == 1
    assert found[0][0].endswith(".max")
    assert "max is below min" in found[0][1]


@pytest.mark.parametrize("bound", [1.5, -1, 10_001])
def test_count_question_bounds_are_whole_numbers_within_counts(bound: float) -> None:
    data = kinds_data()
    i = question_index(data, "count")
    data["questions"][i]["min"] = bound
    found = problems(data)
    assert len(found) == 1
    assert found[0][0].endswith(".min")
    assert "whole number from 0 to 10000" in found[0][1]


@pytest.mark.parametrize("bound", [math.nan, math.inf, 1e10])
def test_question_bounds_are_finite_and_bounded(bound: float) -> None:
    data = kinds_data()
    i = question_index(data, "count")
    data["questions"][i]["max"] = bound
    found = problems(data)
    assert len(found) == 1
    assert found[0][0].endswith(".max")
    assert found[0][1].startswith(("Input should be a finite number", "Input should be less"))


def test_instrument_model_refuses_a_long_version_directly() -> None:
    data = ogrs3_data()
    data["version"] = "1.0.0-" + "x" * 100
    with pytest.raises(ValidationError) as exc:
        Instrument.model_validate(data)
    assert [e["loc"] for e in exc.value.errors()] == [("version",)]
    assert exc.value.errors()[0]["type"] == "string_too_long"
