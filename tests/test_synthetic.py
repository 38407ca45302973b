"""Synthetic cohorts: valid, reproducible, faithful to the study's shares and to their model."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
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
    LITERATURE_OUTCOME_MODEL,
    OUTCOME_MODEL,
    RECENT_INCIDENT_DAYS,
    STUDY_MARGINALS,
    UNKNOWN_SHARE,
    Cohort,
    Marginal,
    OutcomeModel,
    OutcomeTerm,
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
        "victim_female": 79 / 80,
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


def _true(model: OutcomeModel = OUTCOME_MODEL) -> npt.NDArray[np.float64]:
    return np.r_[model.intercept, model.beta]


def _outside_99(data: Cohort) -> list[tuple[str, float, float]]:
    """The coefficients whose 99% interval, fitted on the true features, misses the truth."""
    estimate, se = _fit(data.true_features.astype(float), data.outcomes)
    names = ("intercept", *data.model.names)
    return [
        (name, round(est, 3), truth)
        for name, est, s, truth in zip(names, estimate, se, _true(data.model), strict=True)
        if abs(est - truth) > Z_99 * s
    ]


def test_fitted_coefficients_recover_the_generating_ones(large: Cohort) -> None:
    outside = _outside_99(large)
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


# --- existing values are unchanged by the late fields ---------------------------------------

#: Recorded with the generator as it was before the late fields (victim sex, last incident,
#: contact since arrest, firearms, family victims, protective factors) were added: SHA-256 of
#: ``outcomes.tobytes()``, and of every case's fields as JSON with those late fields, the
#: behaviour dates and the escalation dates left out (the dates are now trimmed so that no
#: behaviour goes on after the last incident).
_OUTCOME_DIGESTS = {
    (500, 0): "c8b04a90c0e7debcce8617f5392db8e63ed35a2c88bef5d704e780981f68698a",
    (200, 3): "7b851830aee92f3e9af7a150ccb90a7d65f6a49d16af8b550997adf7dc51b13e",
}
_CASE_DIGESTS = {
    (500, 0): "747b0314b769caebd7e978068f5e846bc65bcf62bbc46d75565aeaa650d06590",
    (200, 3): "9e2ac33930b3e3e67ba346029770b372904f97d8f5e1cd14f55ccfde78991349",
}
_LATE: dict[str, object] = {
    "victim": {"sex"},
    "perpetrator": {"protective"},
    "episode": {
        "last_incident_date": True,
        "contact_since_arrest_or_charge": True,
        "firearm_access": True,
        "behaviours": {"__all__": {"first_date", "last_date"}},
        "escalation": {"dates"},
    },
    "history": {"convictions": {"__all__": {"against_family_member"}}},
}


def _case_digest(data: Cohort) -> str:
    rows = [
        [case.model_dump(mode="json", exclude_defaults=True, exclude=_LATE), outcome]  # type: ignore[arg-type]
        for case, outcome in zip(data.cases, data.outcomes.tolist(), strict=True)
    ]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize(("n", "seed"), sorted(_OUTCOME_DIGESTS))
def test_earlier_values_and_default_outcomes_are_unchanged(n: int, seed: int) -> None:
    data = cohort(n, seed=seed)
    assert hashlib.sha256(data.outcomes.tobytes()).hexdigest() == _OUTCOME_DIGESTS[n, seed]
    assert _case_digest(data) == _CASE_DIGESTS[n, seed]


def test_a_few_recorded_values_are_unchanged() -> None:
    """Values recorded before the late fields were added (readable, unlike the digests)."""
    data = cohort(500, seed=0)
    assert data.outcomes[:12].tolist() == [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1]
    assert round(float(data.true_probabilities.sum()), 6) == 238.419078
    assert int(data.outcomes.sum()) == 229
    first = data.cases[0]
    assert (first.perpetrator.age, first.relationship.type.value) == (40, "ex_intimate_partner")
    assert len(first.history.convictions or []) == 7
    assert (first.episode.start_date, first.assessment_date) == (
        dt.date(2023, 10, 5),
        dt.date(2023, 11, 30),
    )


# --- the late fields ------------------------------------------------------------------------


def test_every_case_validates_from_a_dump() -> None:
    """Cases are assembled with ``model_construct``: check the whole case, rules and all."""
    for seed in (0, 5):
        for case in cohort(300, seed=seed, outcome_model=LITERATURE_OUTCOME_MODEL).cases:
            assert stalkrisk.Case.model_validate(case.model_dump()) == case


_VIOLENT = frozenset(
    {
        "common_assault",
        "assault_occasioning_harm",
        "sexual_offence",
        "threats_to_kill",
        "wounding_gbh",
        "attempted_murder",
        "homicide",
    }
)


def _known(values: list[str]) -> list[str]:
    return [v for v in values if v != "unknown"]


def test_late_fields_are_populated(small: Cohort) -> None:
    episodes = [c.episode for c in small.cases]
    columns = {
        "victim.sex": [c.victim.sex.value for c in small.cases],
        "contact_since_arrest_or_charge": [
            e.contact_since_arrest_or_charge.value for e in episodes
        ],
        "firearm_access": [e.firearm_access.value for e in episodes],
        **{
            name: [getattr(c.perpetrator.protective, name).value for c in small.cases]
            for name in (
                "engaged_with_supervision",
                "stable_accommodation_away_from_victim",
                "prosocial_support",
            )
        },
    }
    for name, values in columns.items():
        known = _known(values)
        assert 0.85 * small.n < len(known) < small.n, name  # some hidden, most not
        assert len(set(known)) == 2, name
    dates = [e.last_incident_date for e in episodes]
    assert 0.85 * small.n < sum(d is not None for d in dates) < small.n
    family = [
        v.against_family_member.value
        for c in small.cases
        for v in c.history.convictions or []
        if v.offence in _VIOLENT
    ]
    assert set(family) == {"present", "absent"}


def test_the_last_incident_agrees_with_the_episode(small: Cohort) -> None:
    gaps: dict[str, list[int]] = {"present": [], "absent": []}
    for case in small.cases:
        e, last = case.episode, case.episode.last_incident_date
        if last is None:
            continue
        assert last <= case.assessment_date
        if e.start_date is not None:
            assert e.start_date <= last
        if e.behaviours:
            assert all(b.last_date is not None and b.last_date <= last for b in e.behaviours)
            assert max(b.last_date for b in e.behaviours if b.last_date) == last
        assert all(day <= last for day in e.escalation.dates)
        if e.ongoing.value in gaps:
            gaps[e.ongoing.value].append((case.assessment_date - last).days)
    ongoing, ended = np.array(gaps["present"]), np.array(gaps["absent"])
    assert ongoing.max() <= 28  # within the last few weeks
    assert np.median(ongoing) <= 7
    assert ended.min() >= 1
    assert ended.max() <= 365
    assert np.median(ended) > 30  # days to months
    assert (ended > 120).mean() > 0.2


def test_the_conduct_spans_short_bursts_and_months(small: Cohort) -> None:
    values = [stalkrisk.evaluate_factors(c, ["conduct_span_days"]) for c in small.cases]
    spans = np.array([v["conduct_span_days"].low for v in values if v["conduct_span_days"].known])
    assert len(spans) > 0.8 * small.n
    assert 0.07 < (spans < 14).mean() < 0.25  # short bursts
    assert (spans >= 90).mean() > 0.4  # months


def test_weapons_and_firearms(large: Cohort) -> None:
    episodes = [c.episode for c in large.cases]
    firearm = _known([e.firearm_access.value for e in episodes])
    share = firearm.count("present") / len(firearm)
    assert 0.02 <= share <= 0.03  # rare in England and Wales
    for e in episodes:
        if e.firearm_access.value == "present":
            assert e.weapon_access.value == "present"  # a firearm is a weapon
    pairs = [
        (e.weapon_access.value, e.weapon_used_or_threatened.value)
        for e in episodes
        if "unknown" not in (e.weapon_access.value, e.weapon_used_or_threatened.value)
    ]
    flagged = [p for p in pairs if "present" in p]
    access_only = flagged.count(("present", "absent")) / len(flagged)
    assert 0.4 < access_only < 0.65  # about half of weapon flags rest on access alone


def test_victims_are_mostly_female(large: Cohort) -> None:
    (marginal,) = [m for m in STUDY_MARGINALS if m.name == "victim_female"]
    share, known = marginal.observed(large.cases)
    assert _within(share, 79 / 80, known)
    assert {c.victim.sex.value for c in large.cases} == {"female", "male", "unknown"}


# --- the literature outcome model -----------------------------------------------------------


@pytest.fixture(scope="module")
def literature() -> Cohort:
    return cohort(N, seed=SEED, outcome_model=LITERATURE_OUTCOME_MODEL)


def test_literature_base_rate_is_the_12_month_rate() -> None:
    """Rosenfeld (2003): 49% over 2.5-13 years, 80% of them in the first year: about 39%."""
    data = cohort(5_000, seed=1, outcome_model=LITERATURE_OUTCOME_MODEL)
    assert abs(data.base_rate - 0.39) <= 0.03
    assert abs(float(data.true_probabilities.mean()) - 0.39) <= 0.01


def test_literature_coefficients_are_recovered(literature: Cohort) -> None:
    assert literature.true_features.shape == (N, len(LITERATURE_OUTCOME_MODEL.terms))
    outside = _outside_99(literature)
    assert not outside, f"outside their 99% confidence intervals: {outside}"


def test_literature_known_values_are_the_true_values(literature: Cohort) -> None:
    cases = literature.cases[:4_000]
    observed = LITERATURE_OUTCOME_MODEL.design_matrix(cases)
    known = ~np.isnan(observed)
    assert known.mean() > 0.9
    assert np.array_equal(observed[known], literature.true_features[:4_000][known])


def test_literature_model_is_its_own() -> None:
    """Published effect sizes, not the screen's: prior stalking, recency, a protective term."""
    model = LITERATURE_OUTCOME_MODEL
    assert model.names == tuple(model.coefficients)
    assert 6 <= len(model.terms) <= 9
    assert {"prior_stalking", "recent_incident", "delusional_disorder"} <= set(model.names)
    assert model.coefficients["delusional_disorder"] < 0  # lower recidivism (Rosenfeld 2003)
    prior = model.terms[model.names.index("prior_stalking")]
    assert set(prior.factors) == {
        "prior_stalking_this_victim",
        "prior_stalking_other_victims",
        "stalking_harassment_convictions",
    }
    screen = set(OUTCOME_MODEL.factors)
    assert not set(prior.factors) & screen  # the default model omits prior stalking
    for term in model.terms:
        assert all(f in stalkrisk.FACTORS for f in term.factors)
    shared = set(model.coefficients) & set(OUTCOME_MODEL.coefficients)
    assert all(model.coefficients[t] != OUTCOME_MODEL.coefficients[t] for t in shared)
    assert model.intercept == -2.76
    assert model.outcome == "stalking recurrence or persistence within 12 months of the assessment"


def test_cases_do_not_depend_on_the_outcome_model(literature: Cohort, large: Cohort) -> None:
    assert literature.cases[:200] == large.cases[:200]
    assert literature.model is LITERATURE_OUTCOME_MODEL
    assert large.model is OUTCOME_MODEL
    assert not np.array_equal(literature.outcomes, large.outcomes)
    assert abs(literature.base_rate - large.base_rate) > 0.05


def test_literature_cohort_is_determined_by_its_seed() -> None:
    first, second = (cohort(300, seed=9, outcome_model=LITERATURE_OUTCOME_MODEL) for _ in range(2))
    assert _dump(first) == _dump(second)
    assert np.array_equal(first.true_features, second.true_features)
    other = cohort(300, seed=10, outcome_model=LITERATURE_OUTCOME_MODEL)
    assert _dump(other) != _dump(first)


def test_captions_say_what_the_outcomes_are() -> None:
    assert cohort(2_000, seed=0, outcome_model=LITERATURE_OUTCOME_MODEL).caption == (
        "Synthetic cohort (n=2,000, seed 0): outcomes drawn from LITERATURE_OUTCOME_MODEL, "
        "published effect sizes, not real outcomes"
    )
    assert cohort(30, seed=4).caption == (
        "Synthetic cohort (n=30, seed 4): outcomes drawn from OUTCOME_MODEL, built from the "
        "screen's own factors: an evaluation of the screen on it is circular"
    )
    mine = OutcomeModel(-1.0, (OutcomeTerm("pd", "personality_disorder"),), {"pd": 1.0}, "x")
    assert cohort(10, seed=None, outcome_model=mine).caption == (
        "Synthetic cohort (n=10, no seed): outcomes drawn from a custom OutcomeModel, "
        "not real outcomes"
    )


def test_a_model_the_generator_cannot_draw_is_refused() -> None:
    unheld = OutcomeModel(0.0, (OutcomeTerm("fear", "victim_fear"),), {"fear": 1.0}, "x")
    with pytest.raises(ValueError, match="holds no true value for victim_fear"):
        cohort(5, outcome_model=unheld)
    unweighted = OutcomeModel(0.0, (OutcomeTerm("pd", "personality_disorder"),), {}, "x")
    with pytest.raises(ValueError, match="no coefficient for pd"):
        cohort(5, outcome_model=unweighted)


def test_terms_read_at_most_and_any_of() -> None:
    recent = OutcomeTerm("recent", "days_since_last_incident", RECENT_INCIDENT_DAYS, at_most=True)
    prior = LITERATURE_OUTCOME_MODEL.terms[LITERATURE_OUTCOME_MODEL.names.index("prior_stalking")]

    def case(**parts: object) -> stalkrisk.Case:
        return stalkrisk.Case.model_validate(
            {"case_id": "T-1", "assessment_date": "2024-05-01", **parts}
        )

    start = {"start_date": "2023-01-01", "ongoing": "absent"}
    assert recent.value(case(episode={**start, "last_incident_date": "2024-04-01"})) == 1.0
    assert recent.value(case(episode={**start, "last_incident_date": "2024-03-31"})) == 0.0
    assert math.isnan(recent.value(case()))
    assert prior.value(case(history={"prior_stalking_this_victim": "present"})) == 1.0
    none = {"prior_stalking_this_victim": "absent", "prior_stalking_other_victims": "absent"}
    assert prior.value(case(history={**none, "convictions": []})) == 0.0
    assert math.isnan(prior.value(case(history=none)))  # the convictions are not recorded
    conviction = {"offence": "stalking", "date": "2020-01-01"}
    assert prior.value(case(history={**none, "convictions": [conviction]})) == 1.0
    assert dt.date(2024, 5, 1) - dt.timedelta(days=RECENT_INCIDENT_DAYS) == dt.date(2024, 4, 1)


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


def _doc_section(heading: str) -> str:
    """The text under ``heading`` in the synthetic-data page, up to the next heading."""
    after = DOC.read_text("utf-8").split(heading, 1)[1]
    return re.split(r"\n#{2,3} ", after, maxsplit=1)[0]


def test_doc_coefficient_table_matches_the_model() -> None:
    section = _doc_section("### The default: `OUTCOME_MODEL`")
    rows = dict(re.findall(r"^\| `(\w+)` \| ([-+]?\d+\.\d+) \|", section, re.M))
    expected = {"intercept": OUTCOME_MODEL.intercept, **OUTCOME_MODEL.coefficients}
    assert {k: float(v) for k, v in rows.items()} == expected


def test_doc_literature_table_matches_the_model() -> None:
    """Every coefficient is the log of the odds ratio beside it, and has a source."""
    section = _doc_section("### Published effect sizes: `LITERATURE_OUTCOME_MODEL`")
    cells = re.findall(r"^\| `(\w+)` \| ([-+]?\d+\.\d+) \|(.*)\|$", section, re.M)
    rows = [
        (name, float(coefficient), *(c.strip() for c in rest.split("|")))
        for name, coefficient, rest in cells
    ]
    model = LITERATURE_OUTCOME_MODEL
    assert [r[0] for r in rows] == ["intercept", *model.names]
    assert rows[0][1] == model.intercept
    for name, coefficient, odds, factor, _, _, source in rows[1:]:
        assert coefficient == model.coefficients[name] == round(math.log(float(odds)), 2)
        term = model.terms[model.names.index(name)]
        assert all(f"`{f}`" in factor for f in term.factors), name
        assert re.search(r"\b(19|20)\d\d\b", source), name  # a dated source


def test_doc_explains_the_12_month_base_rate() -> None:
    section = " ".join(_doc_section("### The 12-month base rate").split())
    for words in ("49%", "2.5 to 13 years", "80% of those", "39%", "-2.76", "bisection"):
        assert words in section, words


def test_doc_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text("utf-8"), flags=re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        for block in blocks:
            exec(compile(block, str(DOC), "exec"), namespace)
    assert "SYN-" in out.getvalue()
