"""Synthetic cohorts: valid, reproducible, faithful to the study's shares and to their model."""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

import stalkrisk
from stalkrisk.synthetic import (
    ETHNICITY_SHARES,
    INVALID_N,
    OUTCOME_MODEL,
    STUDY_MARGINALS,
    UNKNOWN_SHARE,
    Cohort,
    Marginal,
    cohort,
)

from .conftest import ROOT

#: The large cohort that the statistical tests share (drawn once per module).
N, SEED = 20_000, 0
#: Binomial standard errors allowed between a share in the cohort and the share it reproduces.
TOLERANCE_SE = 4.0
Z_99 = 2.5758  # two-sided 99% normal quantile


@pytest.fixture(scope="module")
def large() -> Cohort:
    return cohort(N, seed=SEED)


@pytest.fixture(scope="module")
def small() -> Cohort:
    return cohort(1_000, seed=7)


@pytest.fixture(scope="module")
def observed(large: Cohort) -> npt.NDArray[np.float64]:
    return OUTCOME_MODEL.design_matrix(large.cases)


def _within(share: float, p: float, n: int) -> bool:
    return abs(share - p) < TOLERANCE_SE * math.sqrt(p * (1 - p) / n)


# --- validity -------------------------------------------------------------------------------


def test_every_case_revalidates_from_json(small: Cohort) -> None:
    for case in small.cases:
        again = stalkrisk.Case.model_validate_json(case.model_dump_json())
        assert again == case
        assert again.model_dump(mode="json") == case.model_dump(mode="json")


def test_cases_say_they_are_synthetic(small: Cohort) -> None:
    assert [c.case_id for c in small.cases] == [f"SYN-{i:06d}" for i in range(1, small.n + 1)]
    assert all(c.synthetic for c in small.cases)
    assert all(stalkrisk.score(c).synthetic for c in small.cases[:20])


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_other_seeds_give_valid_cases(seed: int) -> None:
    for case in cohort(300, seed=seed).cases:
        stalkrisk.Case.model_validate_json(case.model_dump_json())


def test_cohort_shape(small: Cohort) -> None:
    n = small.n
    assert len(small.cases) == n == 1_000
    assert small.seed == 7
    assert small.outcomes.dtype == np.int8
    assert small.outcomes.shape == (n,)
    assert set(np.unique(small.outcomes).tolist()) == {0, 1}
    assert small.true_features.shape == (n, len(OUTCOME_MODEL.terms))
    assert small.true_probabilities.shape == (n,)
    assert repr(small) == "<Cohort n=1000 seed=7 synthetic>"
    for array in (small.outcomes, small.true_features, *small.groups.values()):
        assert not array.flags.writeable


def test_n_is_checked() -> None:
    for bad in (-1, 2.5, True, "10"):
        with pytest.raises(ValueError, match=re.escape(INVALID_N.format(n=bad))):
            cohort(bad)  # type: ignore[arg-type]
    empty = cohort(0)
    assert empty.cases == ()
    assert empty.outcomes.shape == (0,)
    assert empty.true_features.shape == (0, len(OUTCOME_MODEL.terms))
    assert empty.to_records() == []


# --- determinism ----------------------------------------------------------------------------


def _dump(data: Cohort) -> list[dict[str, object]]:
    return data.to_records(groups=True)


def test_same_seed_same_cohort() -> None:
    first, second = cohort(400, seed=123), cohort(400, seed=123)
    assert _dump(first) == _dump(second)
    assert np.array_equal(first.true_features, second.true_features)
    assert np.array_equal(first.true_probabilities, second.true_probabilities)


def test_other_seed_other_cohort() -> None:
    assert _dump(cohort(100, seed=1)) != _dump(cohort(100, seed=2))


def test_no_seed_is_allowed() -> None:
    data = cohort(20, seed=None)
    assert data.seed is None
    assert len(data.cases) == 20


# --- the study's marginals ------------------------------------------------------------------


@pytest.mark.parametrize("marginal", STUDY_MARGINALS, ids=lambda m: m.name)
def test_study_marginals_are_reproduced(large: Cohort, marginal: Marginal) -> None:
    share, known = marginal.observed(large.cases)
    assert known > 0.85 * N  # the share is measured where it is known; most cases know it
    assert _within(share, marginal.share, known), (marginal.name, share, marginal.share)


def test_marginals_are_the_studys_figures() -> None:
    shares = {m.name: m.share for m in STUDY_MARGINALS}
    assert shares == {
        "no_previous_convictions": 10 / 80,
        "three_or_more_previous_convictions": 47 / 80,
        "serious_violence_convictions": 11 / 80,
        "prior_assault_charges_female_victims": 18 / 80,
        "perpetrator_40_or_over": 0.55,
        "perpetrator_male": 79 / 80,
        "ex_partner_with_domestic_abuse": 0.55,
    }


def test_assault_charges_are_beyond_the_serious_convictions(small: Cohort) -> None:
    """The study's 18 were charged "in addition to" the 11 with serious-violence convictions."""
    values = [
        stalkrisk.evaluate_factors(
            c, ["serious_violence_convictions", "prior_assault_charges_female_victims"]
        )
        for c in small.cases
    ]
    with_serious = [v for v in values if (v["serious_violence_convictions"].low or 0) >= 1]
    assert with_serious
    for v in with_serious:
        charged = v["prior_assault_charges_female_victims"]
        assert charged.describe(stalkrisk.FactorKind.BINARY) != "present"


def test_base_rate_is_about_half(large: Cohort) -> None:
    # Rosenfeld (2003): about half of court-referred stalkers reoffend.
    assert 0.45 <= large.base_rate <= 0.50
    assert abs(large.true_probabilities.mean() - large.base_rate) < 0.02


# --- unknowns -------------------------------------------------------------------------------


def test_known_values_are_the_true_values(large: Cohort, observed: npt.NDArray[np.float64]) -> None:
    known = ~np.isnan(observed)
    assert np.array_equal(observed[known], large.true_features[known])


def test_a_small_share_is_unknown(large: Cohort, observed: npt.NDArray[np.float64]) -> None:
    unknown = np.isnan(observed).mean(axis=0)
    assert np.all(unknown > 0.5 * UNKNOWN_SHARE)
    assert np.all(unknown < 2 * UNKNOWN_SHARE)
    ages = np.array([c.perpetrator.age is None for c in large.cases])
    assert _within(float(ages.mean()), UNKNOWN_SHARE, N)


# --- the outcome model ----------------------------------------------------------------------


def _fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.int8]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Fit an unpenalised logistic regression; return estimates and Fisher standard errors."""
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=np.inf, solver="lbfgs", max_iter=1_000, tol=1e-8).fit(x, y)
    estimate = np.r_[fit.intercept_, fit.coef_[0]]
    design = np.column_stack([np.ones(len(x)), x])
    p = fit.predict_proba(x)[:, 1]
    information = design.T @ (design * (p * (1 - p))[:, None])
    return estimate, np.sqrt(np.diag(np.linalg.inv(information)))


def _true() -> npt.NDArray[np.float64]:
    return np.r_[OUTCOME_MODEL.intercept, OUTCOME_MODEL.beta]


def test_fitted_coefficients_recover_the_generating_ones(large: Cohort) -> None:
    estimate, se = _fit(large.true_features.astype(float), large.outcomes)
    names = ("intercept", *OUTCOME_MODEL.names)
    outside = [
        (name, round(est, 3), truth)
        for name, est, s, truth in zip(names, estimate, se, _true(), strict=True)
        if abs(est - truth) > Z_99 * s
    ]
    assert not outside, f"outside their 99% confidence intervals: {outside}"


def test_complete_cases_recover_them_too(large: Cohort, observed: npt.NDArray[np.float64]) -> None:
    """Fields are hidden independently of the outcome, so complete cases are unbiased."""
    complete = ~np.isnan(observed).any(axis=1)
    estimate, se = _fit(observed[complete], large.outcomes[complete])
    assert np.all(np.abs(estimate - _true()) < 3.29 * se)  # 99.9% intervals


def test_outcome_model_is_exposed() -> None:
    assert OUTCOME_MODEL.names == tuple(OUTCOME_MODEL.coefficients)
    assert 6 <= len(OUTCOME_MODEL.terms) <= 8
    for term in OUTCOME_MODEL.terms:
        assert term.factor in stalkrisk.FACTORS
    probability = OUTCOME_MODEL.probability(np.ones((1, len(OUTCOME_MODEL.terms))))
    assert probability[0] == pytest.approx(1 / (1 + math.exp(-sum(_true()))))


def test_outcomes_follow_the_true_probabilities(large: Cohort) -> None:
    expected = OUTCOME_MODEL.probability(large.true_features)
    assert np.array_equal(expected, large.true_probabilities)
    low, high = expected < 0.35, expected > 0.6
    assert large.outcomes[low].mean() < 0.35
    assert large.outcomes[high].mean() > 0.6


# --- groups ---------------------------------------------------------------------------------


def test_ethnicity_is_never_in_a_case(small: Cohort) -> None:
    assert "ethnicity" not in json.dumps(stalkrisk.case_json_schema())
    for record in small.to_records(groups=True):
        assert "ethnicity" not in json.dumps(record["case"])
        assert record["ethnicity"] in ETHNICITY_SHARES


def test_ethnicity_shares_and_independence(large: Cohort) -> None:
    assert sum(ETHNICITY_SHARES.values()) == pytest.approx(1)
    ethnicity = large.groups["ethnicity"]
    for label, share in ETHNICITY_SHARES.items():
        members = ethnicity == label
        assert _within(float(members.mean()), share, N), label
        rate = float(large.outcomes[members].mean())  # drawn independently of the outcome
        assert _within(rate, large.base_rate, int(members.sum())), label


def test_age_and_sex_groups_match_the_cases(small: Cohort) -> None:
    groups = small.groups
    assert set(groups) == {"age_group", "sex", "ethnicity"}
    assert set(groups["age_group"].tolist()) == {"under_40", "40_plus"}
    for i, case in enumerate(small.cases):
        age, sex = case.perpetrator.age, case.perpetrator.sex.value
        if age is not None:
            assert groups["age_group"][i] == ("40_plus" if age >= 40 else "under_40")
        if sex != "unknown":
            assert groups["sex"][i] == sex


# --- scoring and files ----------------------------------------------------------------------


def test_every_case_is_scored() -> None:
    data = cohort(1_000, seed=3)
    scorer = stalkrisk.WeightedScorer()
    assessments = [scorer.score(case) for case in data.cases]
    assert len(assessments) == data.n
    assert np.mean([a.scorable for a in assessments]) > 0.70


def test_records_and_jsonl(small: Cohort, tmp_path: Path) -> None:
    records = small.to_records()
    assert [sorted(r) for r in records[:2]] == [["case", "outcome"]] * 2
    assert [r["outcome"] for r in records] == small.outcomes.tolist()
    path = small.write_jsonl(tmp_path / "cohort.jsonl", groups=True)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == small.n
    for line, case, outcome in zip(lines, small.cases, small.outcomes.tolist(), strict=True):
        record = json.loads(line)
        assert stalkrisk.Case.model_validate(record["case"]) == case
        assert record["outcome"] == outcome
        assert set(record) == {"case", "outcome", "age_group", "sex", "ethnicity"}


def test_import_is_light() -> None:
    code = (
        "import sys, stalkrisk.synthetic; "
        "heavy = [m for m in ('sklearn', 'hypothesis', 'scipy', 'pandas', 'matplotlib') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- documentation --------------------------------------------------------------------------

DOC = ROOT / "docs" / "synthetic.md"


def test_doc_coefficient_table_matches_the_model() -> None:
    section = DOC.read_text("utf-8").split("## The outcome model")[1].split("\n## ")[0]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([-+]?\d+\.\d+) \|", section, re.M))
    expected = {"intercept": OUTCOME_MODEL.intercept, **OUTCOME_MODEL.coefficients}
    assert {k: float(v) for k, v in rows.items()} == expected


def test_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text("utf-8"), flags=re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    assert "SYN-" in out.getvalue()
