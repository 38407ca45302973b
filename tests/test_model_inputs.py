"""What `stalkrisk fit` and `stalkrisk evaluate` are given: cut-points, factors, data files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import stalkrisk
import stalkrisk.model
from stalkrisk.model import CaseEncoder, parse_cut_points, read_dataset
from stalkrisk.model._data import (
    BAD_LABEL,
    BAD_OUTCOME,
    MISSING_LABEL,
    MISSING_OUTCOME,
    NO_COLUMN,
    NO_FIELD,
)
from stalkrisk.model._encoder import BAD_FACTORS, UNKNOWN_FACTORS
from stalkrisk.model._logistic import CUT_POINTS_TEXT
from stalkrisk.synthetic import cohort

#: Stands for case data (a name, an address) wherever a file or an argument holds a value.
SECRET = "Jane Doe, 14 High St"


def test_the_cli_needs_are_exported() -> None:
    for name in ("parse_cut_points", "read_dataset", "CaseEncoder", "model_sha256"):
        assert name in stalkrisk.model.__all__
        assert getattr(stalkrisk.model, name) is not None


# -- parse_cut_points --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.2,0.5", (0.2, 0.5)),
        (" 0.1 , 0.3,0.9 ", (0.1, 0.3, 0.9)),
        ("0.5", (0.5,)),
        ("1e-3,.5", (0.001, 0.5)),
    ],
)
def test_cut_points_are_read(text: str, expected: tuple[float, ...]) -> None:
    assert parse_cut_points(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "the 1st is not a number"),
        ("0.2,abc", "the 2nd is not a number"),
        (f"0.2,{SECRET}", "the 2nd is not a number"),
        ("", "there are none"),
        ("  ", "there are none"),
        ("0.2,,0.5", "one is empty"),
        ("0.2,", "one is empty"),
        ("0.5,0.2", "each must be larger than the one before"),
        ("0.2,0.2", "each must be larger than the one before"),
        ("0,0.5", "the 1st is not strictly between 0 and 1"),
        ("0.2,1", "the 2nd is not strictly between 0 and 1"),
        ("0.2,1e999", "the 2nd is not strictly between 0 and 1"),
        ("nan", "the 1st is not a number"),
        ("inf", "the 1st is not a number"),
        ("-0.2,0.5", "the 1st is not a number"),
        ("0_5", "the 1st is not a number"),
        ("\u0660.\u0665", "the 1st is not a number"),  # Arabic-Indic digits: float() takes them
        ("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,0.95,x", "the 11th is not a number"),
    ],
)
def test_bad_cut_points_say_what_is_wrong_without_repeating_the_text(
    text: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(CUT_POINTS_TEXT)}") as info:
        parse_cut_points(text)
    assert str(info.value) == f"{CUT_POINTS_TEXT} ({reason})"
    assert "High St" not in str(info.value)


def test_cut_points_text_is_the_documented_message() -> None:
    assert CUT_POINTS_TEXT == (
        "--cut-points takes increasing probabilities between 0 and 1, separated by commas, "
        "e.g. 0.2,0.5"
    )


# -- CaseEncoder factors -----------------------------------------------------------------------


def test_an_unknown_factor_is_named_with_where_to_look() -> None:
    with pytest.raises(ValueError, match="stalkrisk factors") as info:
        CaseEncoder(factors=["previous_convictions", "nope"]).fit([])
    assert str(info.value) == UNKNOWN_FACTORS.format(names="'nope'")
    assert not isinstance(info.value, KeyError)


def test_an_unknown_factor_fails_before_any_case_is_read() -> None:
    bad_case: dict[str, Any] = {"case_id": SECRET}  # not a valid case
    with pytest.raises(ValueError, match="no factor is named 'nope'") as info:
        CaseEncoder(factors=["nope"]).fit([bad_case])
    assert SECRET not in str(info.value)


def test_many_unknown_factors_are_listed_briefly() -> None:
    names = [f"f{i}" for i in range(8)] + ["x" * 500]
    with pytest.raises(ValueError, match="no factor is named 'f0', 'f1'") as info:
        CaseEncoder(factors=names).fit([])
    message = str(info.value)
    assert "(and 4 more)" in message
    assert "f5" not in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("factors", "message"),
    [
        ("previous_convictions", BAD_FACTORS),
        (["escalating", "escalating"], f"{BAD_FACTORS}; a factor is named twice"),
    ],
)
def test_factors_must_be_a_list_of_different_names(factors: Any, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        CaseEncoder(factors=factors).fit([])


# -- read_dataset: JSONL -----------------------------------------------------------------------


def _write_jsonl(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return cohort(40, seed=5).to_records(groups=True)


def test_the_cohort_records_hold_an_outcome_and_groups(records: list[dict[str, Any]]) -> None:
    assert {"case", "outcome", "age_group"} <= set(records[0])


def test_an_outcome_no_record_has_is_one_problem(tmp_path: Path) -> None:
    case = stalkrisk.load_example("EX-01").model_dump(mode="json")
    path = _write_jsonl(tmp_path / "d.jsonl", [{**case, "reoffended": 1}] * 2000)
    data = read_dataset(path, "outcome")
    assert data.problems == [(str(path), NO_FIELD.format(name="'outcome'"))]
    assert "reoffended" not in data.problems[0][1]  # keys are not listed: they may be data
    assert len(data.y) == 0
    assert data.cases == []


def test_no_field_name_from_the_file_is_listed(tmp_path: Path) -> None:
    record: dict[str, Any] = {f"field_{i:02}": 0 for i in range(30)}
    record[SECRET] = 1
    record["jane_smith_dob_19700101"] = 1  # name-like, and still personal data
    path = _write_jsonl(tmp_path / "d.jsonl", [record, {"unlisted_label": 1}])
    (problem,) = read_dataset(path, "outcome").problems
    message = problem[1]
    assert message == NO_FIELD.format(name="'outcome'")
    for key in ("field_00", "jane_smith", SECRET, "unlisted_label"):
        assert key not in message


def test_a_long_field_name_is_cut_short(tmp_path: Path) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", [{"a": 1}])
    (problem,) = read_dataset(path, "o" * 500).problems
    assert "o" * 64 + "...'" in problem[1]
    assert "o" * 65 not in problem[1]


def test_an_outcome_some_records_lack_is_a_problem_of_each(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    edited = [dict(r) for r in records]
    del edited[3]["outcome"]
    edited[5]["outcome"] = SECRET
    path = _write_jsonl(tmp_path / "d.jsonl", edited)
    data = read_dataset(path, "outcome")
    assert data.problems == [
        (f"{path}:4", MISSING_OUTCOME.format(name="outcome")),
        (f"{path}:6", BAD_OUTCOME.format(name="outcome")),
    ]
    assert len(data.y) == len(records) - 2
    assert data.cases is not None
    assert len(data.cases) == len(records) - 2
    assert SECRET not in str(data.problems)


def test_a_group_no_record_has_is_one_problem(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", records)
    data = read_dataset(path, "outcome", ["region", "age_group"])
    (problem,) = data.problems
    assert problem[0] == str(path)
    assert problem[1] == NO_FIELD.format(name="'region'")
    assert data.groups == {"region": [], "age_group": []}


def test_an_outcome_and_a_group_no_record_has_are_one_problem_each(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", records)
    problems = read_dataset(path, "reoffended", ["region"]).problems
    assert [p[1].split(" in any record")[0] for p in problems] == [
        "no field 'reoffended'",
        "no field 'region'",
    ]


def test_a_group_label_some_records_lack_is_never_a_blank_group(
    tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    edited = [dict(r) for r in records]
    del edited[0]["age_group"]
    edited[1]["age_group"] = None
    edited[2]["age_group"] = "   "
    edited[3]["age_group"] = {"name": SECRET}
    edited[4]["age_group"] = 30  # a number is a label
    path = _write_jsonl(tmp_path / "d.jsonl", edited)
    data = read_dataset(path, "outcome", "age_group")  # one name as a str
    missing = MISSING_LABEL.format(name="age_group")
    assert data.problems == [
        (f"{path}:1", missing),
        (f"{path}:2", missing),
        (f"{path}:3", missing),
        (f"{path}:4", BAD_LABEL.format(name="age_group")),
    ]
    assert SECRET not in str(data.problems)
    labels = data.groups["age_group"]
    assert len(labels) == len(data.y) == len(records) - 4
    assert labels[0] == "30"
    assert all(label.strip() for label in labels)


def test_good_data_reads_as_before(tmp_path: Path, records: list[dict[str, Any]]) -> None:
    path = _write_jsonl(tmp_path / "d.jsonl", records)
    data = read_dataset(path, "outcome", ["age_group", "age_group"])
    assert data.problems == []
    assert data.y.tolist() == [r["outcome"] for r in records]
    assert data.groups == {"age_group": [str(r["age_group"]) for r in records]}


def test_an_empty_file_has_no_missing_field(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n")
    data = read_dataset(path, "outcome", ["region"])
    assert data.problems == []
    assert len(data.y) == 0


# -- read_dataset: CSV -------------------------------------------------------------------------


def _write_csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_outcome_column_the_header_lacks_is_one_problem(tmp_path: Path) -> None:
    rows = ["a,b,reoffended"] + ["1,2,0"] * 2000
    path = _write_csv(tmp_path / "d.csv", rows)
    data = read_dataset(path, "outcome")
    assert data.problems == [
        (str(path), NO_COLUMN.format(name="'outcome'", names="a, b, reoffended"))
    ]


def test_group_columns_the_header_lacks_are_one_problem_each(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", ["a,outcome", "1,0", "2,1"])
    data = read_dataset(path, "outcome", ["region", "sex"])
    assert data.problems == [
        (str(path), NO_COLUMN.format(name="'region'", names="a, outcome")),
        (str(path), NO_COLUMN.format(name="'sex'", names="a, outcome")),
    ]


def test_a_csv_without_a_header_does_not_repeat_its_first_row(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "d.csv", [f"3,1,{SECRET}", "2,0,x"])
    (problem,) = read_dataset(path, "outcome").problems
    assert problem[1] == NO_COLUMN.format(name="'outcome'", names="none that is a plain name")
    assert "High St" not in problem[1]


def test_many_columns_are_capped(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(50))
    (problem,) = read_dataset(_write_csv(tmp_path / "d.csv", [header]), "outcome").problems
    assert problem[1].endswith("c18, c19 and 30 more)")


def test_a_blank_group_cell_is_a_problem_of_its_row(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "d.csv",
        ["a,outcome,region", "1,0,north", "2,1,", "3,1", f"4,{SECRET},south", "5,1, "],
    )
    data = read_dataset(path, "outcome", ["region"])
    missing = MISSING_LABEL.format(name="region")
    assert data.problems == [
        (f"{path}:3", missing),
        (f"{path}:4", missing),
        (f"{path}:5", BAD_OUTCOME.format(name="outcome")),
        (f"{path}:6", missing),
    ]
    assert data.groups == {"region": ["north"]}
    assert data.X is not None
    assert data.X.tolist() == [[1.0]]
    assert np.array_equal(data.y, [0])
    assert SECRET not in str(data.problems)
