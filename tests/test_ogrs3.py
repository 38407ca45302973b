"""OGRS3 reproduced to the published precision (whole percentages and bands).

Golden cases come from the Ministry of Justice's open-source risk actuarial service,
repository ministryofjustice/hmpps-arns-risk-actuarial-api (MIT, Crown Copyright). Its inputs
are dates of birth and of conviction; stalkrisk holds ages instead (no dates of birth), so each
case below states the ages, in completed years, that the service computes from those dates:

- G1: src/test/kotlin/.../service/OGRS3RiskProducerServiceTest.kt @ 0a0ee4ad, "ACT-62
  scenario 1": male, DOB 1965-12-07, convicted 2025-05-13 (age 59), follow-up from 2026-12-06
  (age 60), 2 sanctions in all (1 previous), first at 47, offence 02700. Expected 8% / 16%, LOW.
- G2: same file, "ACT-62 scenario 2": male, DOB 1991-07-17, convicted 2021-08-05 (30),
  follow-up 2021-12-12 (30), 2 sanctions, first at 21; the test mocks the offence weight as
  0.1599 (fraud and forgery), so the group is stated explicitly here. Expected 11% / 20%, LOW.
- G3: src/test/resources/fixtures/ogrs3/ogrs3-input-1-valid.json @ e7238ee3: G2's inputs with
  the real table weight of 11618 ("other", -0.0607). Expected 9% / 17%, LOW.
- G4: fixtures/ogrs3/ogrs3-input-5-valid.json @ b7be836c: G1 with follow-up from 2026-12-12.
  Expected 8% / 16%, LOW.
- G5: fixtures/ogrs3/ogrs3-input-6-valid-release-over-two-years.json @ 1d4f5dc9: male, DOB
  1975-04-29, convicted 2009-02-19 (33), follow-up 2020-01-14 (44), 22 sanctions (21
  previous), first at 17, offence 09230 (-0.7956). Expected 35% / 52%, MEDIUM; the fixture
  also lists the Copas feature -0.16705 (before x 1.25112) and the age-sex term -1.4997.
- G6: src/test/resources/e2e/e2e-happy-path-no-validation-errors.json @ 97a7d98a: male, DOB
  1980-01-01, convicted 2020-01-01 (40), follow-up 2040-01-01 (60), a first sanction (1 in
  all) at 40, offence 02700. Expected 7% / 13%, LOW.

The Ministry's repository has no case with a female offender; the female coefficients are
checked against the instrument file by value instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from importlib import resources
from typing import Any

import pytest

import stalkrisk
from stalkrisk import Case, ScaleStatus
from stalkrisk._internal.ogrs3 import CATEGORY_TO_OGRS3_GROUP, group_for_code
from stalkrisk.schemas import OffenceCategory, Ogrs3OffenceGroup

OGRS3 = "ogrs3"


def ogrs3_case(
    *,
    sex: str = "male",
    age_at_conviction: int | None,
    age_at_follow_up: int | None,
    previous_sanctions: int | None,
    age_at_first_sanction: int | None,
    age: int | None = None,
    **offence: Any,
) -> Case:
    return Case.model_validate(
        {
            "case_id": "OGRS3-TEST",
            "assessment_date": "2026-11-01",
            "synthetic": True,
            "perpetrator": {"age": age, "sex": sex},
            "history": {
                "previous_sanctions": previous_sanctions,
                "age_at_first_sanction": age_at_first_sanction,
            },
            "current_offence": {
                "age_at_conviction": age_at_conviction,
                "age_at_start_of_follow_up": age_at_follow_up,
                **offence,
            },
        }
    )


def result(case: Case) -> stalkrisk.ScaleResult:
    return stalkrisk.score(case, OGRS3).scale("proven_reoffending")


GOLDEN = [
    # id, age at conviction, at follow-up, previous sanctions, age at first, offence, 1y, 2y, band
    ("G1", 59, 60, 1, 47, {"home_office_code": "02700"}, 8, 16, "low"),
    ("G2", 30, 30, 1, 21, {"ogrs3_group": "fraud_forgery"}, 11, 20, "low"),
    ("G3", 30, 30, 1, 21, {"home_office_code": "11618"}, 9, 17, "low"),
    ("G4", 59, 60, 1, 47, {"home_office_code": "02700"}, 8, 16, "low"),
    ("G5", 33, 44, 21, 17, {"home_office_code": "09230"}, 35, 52, "medium"),
    ("G6", 40, 60, 0, 40, {"home_office_code": "02700"}, 7, 13, "low"),
]


@pytest.mark.parametrize(
    ("name", "acc", "afu", "prev", "first", "offence", "one_year", "two_years", "band"),
    GOLDEN,
    ids=[g[0] for g in GOLDEN],
)
def test_golden_cases_from_the_ministry_of_justice(
    name: str,
    acc: int,
    afu: int,
    prev: int,
    first: int,
    offence: dict[str, str],
    one_year: int,
    two_years: int,
    band: str,
) -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=acc,
            age_at_follow_up=afu,
            previous_sanctions=prev,
            age_at_first_sanction=first,
            **offence,
        )
    )
    assert r.status is ScaleStatus.SCORED, r.reason
    assert [(h.id, h.percent) for h in r.horizons] == [
        ("one_year", one_year),
        ("two_years", two_years),
    ]
    assert r.band is not None
    assert r.band.id == band
    assert r.band_on == "two_years"


def test_g5_intermediate_values_match_the_fixture() -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=33,
            age_at_follow_up=44,
            previous_sanctions=21,
            age_at_first_sanction=17,
            age=50,
            home_office_code="09230",
        )
    )
    points = {c.item: c.points for c in r.contributions}
    assert points["age_male"] == -1.4997
    assert points["age_female"] == 0  # not applicable
    assert points["sanction_history"] == 0.46306
    assert points["copas_rate"] == pytest.approx(1.25112 * -0.16705, abs=1e-15)
    assert points["offence_group"] == -0.7956
    # contributions are on the log-odds scale and add up to the linear predictor
    assert r.total == pytest.approx(math.fsum(p for p in points.values() if p is not None))
    assert r.total == pytest.approx(-2.0412396, abs=1e-7)  # as printed in the notes, 7 dp
    two = next(h for h in r.horizons if h.id == "two_years")
    assert two.log_odds == pytest.approx(-2.0412396 + 2.1217, abs=1e-7)
    assert round(two.probability, 5) == 0.52010


def test_probability_then_percent_rounding_is_half_up() -> None:
    # The service rounds the probability to 5 decimals, then to a whole percent, half up:
    # this case's 2-year probability is 0.16541..., 1-year 0.08805... (full precision, from
    # the research notes); both round as the service does.
    r = result(
        ogrs3_case(
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            home_office_code="11618",
        )
    )
    for h in r.horizons:
        assert h.percent == math.floor(round(h.probability, 5) * 100 + 0.5)


@pytest.mark.parametrize("code", ["08800", "11100", "14100"])
def test_codes_needing_the_exact_offence_cannot_be_scored(code: str) -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            home_office_code=code,
        )
    )
    assert r.status is ScaleStatus.NOT_SCORED
    assert r.band is None
    assert r.horizons == ()
    offence = next(c for c in r.contributions if c.item == "offence_group")
    assert offence.points is None
    assert offence.note is not None
    assert "needs the exact offence" in offence.note
    assert r.reason is not None
    assert "needs the exact offence" in r.reason


@pytest.mark.parametrize(
    ("code", "why"),
    [("95000", "no OGRS3 weight"), ("99999", "not in the Ministry of Justice's OGRS3 table")],
)
def test_codes_without_a_weight_cannot_be_scored(code: str, why: str) -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            home_office_code=code,
        )
    )
    assert r.status is ScaleStatus.NOT_SCORED
    assert r.reason is not None
    assert why in r.reason


def test_an_ambiguous_offence_category_is_an_error_not_a_guess() -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            category="harassment",
        )
    )
    assert r.status is ScaleStatus.NOT_SCORED
    assert r.reason is not None
    assert "spans more than one OGRS3 offence group" in r.reason


def test_mapped_offence_categories_score() -> None:
    for category, group in CATEGORY_TO_OGRS3_GROUP.items():
        by_category = result(
            ogrs3_case(
                age_at_conviction=30,
                age_at_follow_up=30,
                previous_sanctions=1,
                age_at_first_sanction=21,
                category=category.value,
            )
        )
        by_group = result(
            ogrs3_case(
                age_at_conviction=30,
                age_at_follow_up=30,
                previous_sanctions=1,
                age_at_first_sanction=21,
                ogrs3_group=group.value,
            )
        )
        assert by_category.status is ScaleStatus.SCORED
        assert by_category.horizons == by_group.horizons


def test_every_unmapped_category_is_refused() -> None:
    for category in OffenceCategory:
        if category in CATEGORY_TO_OGRS3_GROUP:
            continue
        r = result(
            ogrs3_case(
                age_at_conviction=30,
                age_at_follow_up=30,
                previous_sanctions=1,
                age_at_first_sanction=21,
                category=category.value,
            )
        )
        assert r.status is ScaleStatus.NOT_SCORED, category


def test_stated_group_and_code_that_disagree_are_refused() -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            home_office_code="02700",
            ogrs3_group="violence",
        )
    )
    assert r.status is ScaleStatus.NOT_SCORED
    assert r.reason is not None
    assert "disagree" in r.reason


@pytest.mark.parametrize("sex", ["other", "unknown"])
def test_sex_other_than_male_or_female_is_not_scored(sex: str) -> None:
    r = result(
        ogrs3_case(
            sex=sex,
            age_at_conviction=30,
            age_at_follow_up=30,
            previous_sanctions=1,
            age_at_first_sanction=21,
            home_office_code="02700",
        )
    )
    assert r.status is ScaleStatus.NOT_SCORED
    if sex == "other":
        assert r.reason is not None
        assert "males and females only" in r.reason


@pytest.mark.parametrize(
    "missing",
    ["previous_sanctions", "age_at_first_sanction", "age_at_conviction", "age_at_follow_up"],
)
def test_any_missing_input_means_not_scored(missing: str) -> None:
    values: dict[str, Any] = {
        "age_at_conviction": 30,
        "age_at_follow_up": 30,
        "previous_sanctions": 1,
        "age_at_first_sanction": 21,
    }
    values[missing] = None
    r = result(ogrs3_case(**values, home_office_code="02700"))
    assert r.status is ScaleStatus.NOT_SCORED
    assert r.band is None


def test_female_coefficients_are_the_ministry_of_justice_values() -> None:
    female = {30: -1.1291, 18: -0.8975, 50: -2.4498, 11: 0.785}
    for age, coefficient in female.items():
        r = result(
            ogrs3_case(
                sex="female",
                age_at_conviction=age,
                age_at_follow_up=age,
                previous_sanctions=0,
                age_at_first_sanction=age,
                home_office_code="02700",
            )
        )
        points = {c.item: c.points for c in r.contributions}
        assert points["age_female"] == coefficient
        assert points["age_male"] == 0


def test_every_weighting_in_the_ministry_table_decodes_to_one_group() -> None:
    text = resources.files("stalkrisk").joinpath("_data", "ogrs3", "offence-code-mapping.csv")
    rows = list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
    assert len(rows) == 3027
    decoded = 0
    for row in rows:
        code = row["OFFENCE_GROUP_CODE"] + row["SUB_CODE"]
        group, note = group_for_code(code)
        if row["OGRS3_WEIGHTING"].strip() in ("", "999"):
            assert group is None
            assert note
        else:
            assert group is not None
            decoded += 1
    assert decoded == 3027 - 18  # 15 blank weightings and 3 that need the exact offence


def test_decoding_table_agrees_with_the_instrument_coefficients() -> None:
    """The weight that decodes a code to a group is the coefficient the instrument gives it."""
    text = resources.files("stalkrisk").joinpath("_data", "ogrs3", "offence-groups.csv")
    table = {
        r["group"]: float(r["moj_ogrs3_weighting"])
        for r in csv.DictReader(io.StringIO(text.read_text(encoding="utf-8")))
    }
    assert set(table) == {g.value for g in Ogrs3OffenceGroup}
    item = stalkrisk.load_instrument(OGRS3).item("offence_group")
    levels = {lv.categories[0]: lv.points for lv in item.levels or [] if lv.categories}
    assert levels == table


def test_bundled_ministry_table_is_unchanged_and_licensed() -> None:
    folder = resources.files("stalkrisk").joinpath("_data", "ogrs3")
    data = folder.joinpath("offence-code-mapping.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == (
        "499a6e2a4cf63b6dc5dc9958e53a429e601d86e719a5d9b4398db924152bc0e1"
    )
    licence = folder.joinpath("LICENSE.MoJ").read_text(encoding="utf-8")
    assert "Crown Copyright (Ministry of Justice)" in licence
    assert "MIT License" in licence
    assert "offence-code-mapping.csv" in folder.joinpath("README.md").read_text(encoding="utf-8")


def test_explanation_shows_log_odds_and_both_horizons() -> None:
    case = ogrs3_case(
        age_at_conviction=33,
        age_at_follow_up=44,
        previous_sanctions=21,
        age_at_first_sanction=17,
        age=50,
        home_office_code="09230",
    )
    text = stalkrisk.render_text(stalkrisk.score(case, OGRS3))
    assert "Proven reoffending (OGRS3): MEDIUM" in text
    assert "1 year: 35%" in text
    assert "2 years: 52%" in text
    assert "<- banded" in text
    assert "-0.7956  Current offence group: drug_import_export" in text
    assert "not developed for stalking" in text


def test_example_case_ex09_is_scored_by_hand() -> None:
    """EX-09 carries OGRS3's inputs: male, follow-up at 45, 4 previous sanctions, first at 22,
    convicted at 45, violence. By hand: -1.4997 + 0.46306 + 1.25112 x r5(ln(5/33)) + 0 =
    -1.4997 + 0.46306 + 1.25112 x -1.88707 = -3.39759; 1 year: sigmoid(-1.99503) = 12%;
    2 years: sigmoid(-1.27589) = 22%, Low."""
    r = stalkrisk.score(stalkrisk.load_example("EX-09"), OGRS3).scale("proven_reoffending")
    assert r.total == pytest.approx(-3.39759, abs=1e-5)
    assert [h.percent for h in r.horizons] == [12, 22]
    assert r.band is not None
    assert r.band.id == "low"


def test_docs_example_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "reference-instruments.md"
    block = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.DOTALL)[0]
    expected = [line[2:] for line in block.splitlines() if line.startswith("# [")]
    exec(compile(block, "docs/reference-instruments.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == expected
