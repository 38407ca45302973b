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
from decimal import Decimal
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


#: Real cases whose probabilities fall next to a half percent, worked by hand from the
#: instrument's coefficients (male; convicted at the age follow-up starts; the stated group):
#: total = age term + 0.46306 (a repeat sanction) + 1.25112 x r5(ln((1 + previous sanctions) /
#: (10 + age at conviction - age at first sanction))) + group parameter; probability =
#: 1 / (1 + exp(-(total + constant))), constant 1.40256 (1 year) or 2.1217 (2 years); r5 =
#: rounded half up to 5 decimals; shown = (r5 of the probability) x 100, rounded half up.
#: Decimal(0.495) and Decimal(0.505) give the doubles' exact values quoted below.
HALF_PERCENT_CASES = [
    # id, previous, first sanction at, age, group, horizon, probability, shown, band
    # H1 (40-49: -1.4997): ln(4/27) = -1.9095425 -> -1.90954; + 0.0772 = total -3.3485037;
    # 1 year: p = 0.1249963 -> 0.12500, exactly 1/8 in binary -> 12.5% -> 13 (12.49963% rounded
    # once would be 12).
    ("H1", 3, 25, 42, "drug_possession_supply", "one_year", 0.1249963, 13, "low"),
    # H2 (50+: -2.0253): ln(23/62) = -0.9916402 -> -0.99164; + 0.6612 = total -2.1417006;
    # 2 years: p = 0.4950000075 -> 0.49500, stored as 0.494999999999999995559... -> 49.4999...%
    # -> 49, Low (decimal 49.5 would be 50, Medium). The example in docs/reference-instruments.md.
    ("H2", 22, 10, 62, "theft_non_motor", "two_years", 0.4950000075, 49, "low"),
    # H3 (40-49): ln(9/26) = -1.0608720 -> -1.06087; + 0.2622 = total -2.1017157; 2 years:
    # p = 0.5049959 -> 0.50500, stored as 0.505000000000000004440... -> 50.5000...% -> 51.
    ("H3", 8, 26, 42, "other_motoring", "two_years", 0.5049959, 51, "medium"),
    # H4 (40-49): ln(37/31) = 0.1769307 -> 0.17693; - 0.7956 = total -1.6108793; 2 years:
    # p = 0.6249988 -> 0.62500, exactly 5/8 in binary -> 62.5% -> 63.
    ("H4", 36, 21, 42, "drug_import_export", "two_years", 0.6249988, 63, "medium"),
]


@pytest.mark.parametrize(
    ("name", "prev", "first", "age", "group", "horizon", "probability", "shown", "band"),
    HALF_PERCENT_CASES,
    ids=[c[0] for c in HALF_PERCENT_CASES],
)
def test_probability_is_rounded_to_5_decimals_then_to_a_whole_percent(
    name: str,
    prev: int,
    first: int,
    age: int,
    group: str,
    horizon: str,
    probability: float,
    shown: int,
    band: str,
) -> None:
    r = result(
        ogrs3_case(
            age_at_conviction=age,
            age_at_follow_up=age,
            previous_sanctions=prev,
            age_at_first_sanction=first,
            ogrs3_group=group,
        )
    )
    assert r.status is ScaleStatus.SCORED, r.reason
    h = next(h for h in r.horizons if h.id == horizon)
    assert h.probability == pytest.approx(probability, abs=1e-7)
    assert h.percent == shown
    assert r.band is not None
    assert r.band.id == band


#: The x of the 48 percentages x.5 (0.5% to 99.5%) whose 5-decimal probability (2x + 1) / 200 is
#: stored as a double just below it: found by comparing each double's exact value,
#: Decimal((2x + 1) / 200), with the decimal Decimal(2x + 1) / 200 (a check below repeats this).
ROUNDED_DOWN = [
    1, 4, 7, 10, 14, 15, 17, 18, 20, 21, 23, 24, 28, 29, 30, 34, 35, 36, 41, 42, 43, 47, 48, 49,
    56, 57, 58, 59, 60, 61, 69, 70, 71, 72, 73, 74, 81, 82, 83, 84, 85, 86, 94, 95, 96, 97, 98, 99,
]  # fmt: skip


def rounding_like_ogrs3() -> stalkrisk.Instrument:
    """A one-question logistic instrument that rounds as OGRS3 does, without its clamp: the
    answer is the log-odds, so any probability can be put through OGRS3's rounding."""
    scale = stalkrisk.load_instrument(OGRS3).scales[0]
    return stalkrisk.instrument_from_data(
        {
            "format": "stalkrisk-instrument/1",
            "id": "test-ogrs3-rounding",
            "version": "0.1.0",
            "title": "OGRS3's rounding",
            "description": "The log-odds, given directly, shown as OGRS3 shows a probability.",
            "citation": ["Test data only."],
            "validation": {"status": "illustrative", "statement": "Test data only."},
            "questions": [{"id": "log_odds", "kind": "number", "label": "The log-odds."}],
            "items": [
                {
                    "id": "log_odds",
                    "question": "log_odds",
                    "label": "Log-odds",
                    "rationale": "Test item: the answer itself.",
                    "coefficient": 1,
                }
            ],
            "scales": [
                {
                    "id": "rounded",
                    "title": "Rounded as OGRS3",
                    "description": "The probability, rounded as OGRS3 rounds it.",
                    "kind": "logistic",
                    "items": ["log_odds"],
                    "horizons": [{"id": "only", "label": "Only", "constant": 0}],
                    "band_on": "only",
                    "probability_decimals": scale.probability_decimals,
                    "percent_decimals": scale.percent_decimals,
                    "bands": [{"id": "any", "label": "Any", "min": 0}],
                    "missing": {"max_unknown": 0, "method": "known_only"},
                }
            ],
        }
    )


def test_48_of_the_100_half_percentages_are_stored_below_and_round_down() -> None:
    """The documented count and list: of 0.5%, 1.5%, ..., 99.5%, 48 round down, 4 are exact in
    binary and 48 are stored above; both round up."""
    halves = [(x, (2 * x + 1) / 200, Decimal(2 * x + 1) / 200) for x in range(100)]
    below = [x for x, double, decimal in halves if Decimal(double) < decimal]
    exact = [x for x, double, decimal in halves if Decimal(double) == decimal]
    assert below == ROUNDED_DOWN
    assert len(below) == 48
    assert exact == [12, 37, 62, 87]  # 1/8, 3/8, 5/8, 7/8
    instrument = rounding_like_ogrs3()
    shown = []
    for _, probability, _ in halves:
        answers = {
            "case_id": "ROUNDING",
            "assessment_date": "2026-11-01",
            "answers": {"log_odds": math.log(probability / (1 - probability))},
        }
        horizon = stalkrisk.score_answers(answers, instrument).scales[0].horizons[0]
        shown.append(horizon.percent)
    assert [x for x in range(100) if shown[x] == x] == ROUNDED_DOWN
    assert [x for x in range(100) if shown[x] == x + 1] == sorted(set(range(100)) - set(below))


def test_the_documented_rounding_facts_are_the_tested_ones() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "reference-instruments.md"
    text = " ".join(doc.read_text(encoding="utf-8").split())
    listed = ", ".join(f"{x}.5" for x in ROUNDED_DOWN[:-1]) + f" and {ROUNDED_DOWN[-1]}.5"
    assert f"**48 are stored just below and round down**: {listed} " in text
    assert "4 are exact in binary (12.5, 37.5, 62.5 and 87.5)" in text
    assert "a probability of 0.4950000075, rounded to 0.49500" in text
    assert f"stored as {Decimal.from_float(0.495)}," in text  # the double's exact value
    assert "shown as **49%, Low**" in text
    assert "a one-year probability of 0.1249963 becomes 0.12500" in text


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


@pytest.mark.parametrize("code", ["00001", "000/01", "00000", "000/00"])
def test_offence_group_000_is_not_scored_and_says_why(code: str) -> None:
    """000/01 is in the bundled table (weight 0), but the Ministry of Justice has since removed
    offence group 000 from it, and its service refuses both codes; so does stalkrisk."""
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
    offence = next(c for c in r.contributions if c.item == "offence_group")
    assert offence.points is None
    shown = f"000/{code[-2:]}"
    assert offence.note == (
        f"Home Office code {shown} is not scored: the Ministry of Justice has removed offence "
        "group 000 (000/00 and 000/01) from its OGRS3 table; give the code of the offence itself"
    )
    assert r.reason is not None
    assert offence.note in r.reason


def test_the_codes_either_side_of_group_000_are_still_scored() -> None:
    # 001/00 and 001/01 have weight 0 too, and are still in the Ministry's table: violence.
    assert group_for_code("00100") == (Ogrs3OffenceGroup.VIOLENCE, None)
    assert group_for_code("00101") == (Ogrs3OffenceGroup.VIOLENCE, None)


def test_the_documented_reason_for_offence_group_000() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "reference-instruments.md"
    text = " ".join(doc.read_text(encoding="utf-8").split())
    assert "Nor can offence group 000 (000/00 and 000/01)" in text
    assert "ACT-221" in text


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
        if row["OGRS3_WEIGHTING"].strip() in ("", "999") or code in ("00000", "00001"):
            assert group is None
            assert note
        else:
            assert group is not None
            decoded += 1
    # 15 blank weightings, 3 that need the exact offence, and offence group 000's two codes,
    # which the Ministry has removed from its table since
    assert decoded == 3027 - 20


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
    assert "Proven reoffending (OGRS3): Medium" in text
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
