"""The current offence and sanction history (the inputs OGRS3 needs) and their rules."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from stalkrisk import Case
from stalkrisk.schemas import CurrentOffence


def make(**parts: Any) -> Case:
    return Case.model_validate({"case_id": "S-1", "assessment_date": "2025-01-01", **parts})


def errors(**parts: Any) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as exc:
        make(**parts)
    return [(tuple(e["loc"]), e["type"]) for e in exc.value.errors()]


@pytest.mark.parametrize(("given", "stored"), [("02700", "02700"), ("027/00", "02700")])
def test_home_office_code_is_normalised(given: str, stored: str) -> None:
    assert CurrentOffence(home_office_code=given).home_office_code == stored


@pytest.mark.parametrize("bad", ["27", "0270", "027-00", "ABCDE", "027/000"])
def test_bad_home_office_codes_are_rejected(bad: str) -> None:
    assert errors(current_offence={"home_office_code": bad}) == [
        (("current_offence", "home_office_code"), "home_office_code_format")
    ]


def test_follow_up_cannot_start_before_the_conviction() -> None:
    assert errors(current_offence={"age_at_conviction": 30, "age_at_start_of_follow_up": 29}) == [
        (("current_offence", "age_at_start_of_follow_up"), "age_inconsistent")
    ]


def test_first_sanction_cannot_follow_the_current_one() -> None:
    assert errors(
        history={"age_at_first_sanction": 31}, current_offence={"age_at_conviction": 30}
    ) == [(("history", "age_at_first_sanction"), "age_inconsistent")]


def test_no_previous_sanctions_means_the_current_one_is_the_first() -> None:
    assert errors(
        history={"previous_sanctions": 0, "age_at_first_sanction": 25},
        current_offence={"age_at_conviction": 30},
    ) == [(("history", "age_at_first_sanction"), "age_inconsistent")]
    case = make(
        history={"previous_sanctions": 0, "age_at_first_sanction": 30},
        current_offence={"age_at_conviction": 30},
    )
    assert case.history.previous_sanctions == 0


def test_sanctions_include_every_conviction() -> None:
    assert errors(history={"previous_sanctions": 1, "conviction_count": 3}) == [
        (("history", "previous_sanctions"), "count_inconsistent")
    ]


def test_current_conviction_age_cannot_exceed_current_age() -> None:
    assert errors(perpetrator={"age": 40}, current_offence={"age_at_conviction": 41}) == [
        (("current_offence", "age_at_conviction"), "age_inconsistent")
    ]


def test_first_sanction_age_cannot_exceed_current_age() -> None:
    assert errors(perpetrator={"age": 40}, history={"age_at_first_sanction": 41}) == [
        (("history", "age_at_first_sanction"), "age_inconsistent")
    ]


def test_conviction_date_cannot_follow_the_assessment() -> None:
    assert errors(current_offence={"conviction_date": "2025-01-02"}) == [
        (("current_offence", "conviction_date"), "date_after_assessment")
    ]


def test_defaults_are_not_recorded() -> None:
    offence = make().current_offence
    assert offence.category is None
    assert offence.ogrs3_group is None
    assert offence.home_office_code is None
    assert make().history.previous_sanctions is None
