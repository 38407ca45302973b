"""to_instrument: a fitted model frozen into an integer-points instrument."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import stalkrisk
from stalkrisk.model import CaseEncoder, LogisticRiskModel, load_model, save_model, to_instrument
from stalkrisk.synthetic import cohort

FACTORS = [
    "previous_convictions",
    "protective_order_breaches",
    "ex_intimate_partner",
    "escalating",
    "personality_disorder",
    "relationship_type",
]


@pytest.fixture(scope="module")
def fitted() -> tuple[LogisticRiskModel, CaseEncoder, list[stalkrisk.Case], np.ndarray]:
    data = cohort(2000, seed=7)
    cases = list(data.cases)
    encoder = CaseEncoder(factors=FACTORS).fit(cases)
    model = LogisticRiskModel(random_state=0, cut_points=(0.3, 0.6))
    model.fit(encoder.transform(cases), data.outcomes)
    return model, encoder, cases, np.asarray(data.outcomes)


def test_points_are_the_rounded_scaled_coefficients(fitted) -> None:  # type: ignore[no-untyped-def]
    model, encoder, _, _ = fitted
    conv = to_instrument(model, encoder, id="local-points", max_points=5)
    coef = dict(zip(encoder.get_feature_names_out(), model.coef_, strict=True))
    unit = conv.log_odds_per_point
    largest = max(abs(b) for n, b in coef.items() if not n.endswith("__unknown"))
    assert unit == pytest.approx(largest / 5)
    inst = conv.instrument
    assert inst.validation.status.value == "locally_fitted"
    binary = inst.item("ex_intimate_partner")
    assert binary.levels is not None
    assert binary.levels[1].points == round(coef["ex_intimate_partner"] / unit)
    count = inst.item("previous_convictions")
    assert count.levels is not None
    assert [lv.points for lv in count.levels] == [
        round(coef["previous_convictions"] * v / unit) for v in range(6)
    ]
    for lv in inst.item("relationship_type").levels or []:
        assert lv.categories is not None
        assert lv.points == round(coef[f"relationship_type={lv.categories[0]}"] / unit)


def test_instrument_scores_identically_after_a_json_round_trip(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, encoder, cases, _ = fitted
    inst = to_instrument(model, encoder, id="local-points").instrument
    path = tmp_path / "local-points.json"
    path.write_text(json.dumps(inst.model_dump(mode="json")))
    loaded = stalkrisk.load_instrument(path)
    assert loaded.sha256 == inst.sha256
    for case in cases[:200]:
        assert stalkrisk.score(case, loaded) == stalkrisk.score(case, inst)


def test_bands_are_the_probability_cut_points_in_points(fitted) -> None:  # type: ignore[no-untyped-def]
    model, encoder, _, _ = fitted
    conv = to_instrument(model, encoder, id="local-points")
    bands = conv.instrument.scales[0].bands
    assert [b.label for b in bands] == ["low", "moderate", "high"]
    unit = conv.log_odds_per_point
    for band, cut in zip(bands[1:], model.cut_points, strict=True):
        assert band.min is not None
        # the smallest total whose log-odds reach the cut-point
        assert model.intercept_ + unit * band.min >= np.log(cut / (1 - cut)) - 1e-9
        assert model.intercept_ + unit * (band.min - 1) < np.log(cut / (1 - cut))


def test_reports_what_rounding_cost(fitted) -> None:  # type: ignore[no-untyped-def]
    model, encoder, cases, y = fitted
    conv = to_instrument(model, encoder, id="local-points", cases=cases, y=y)
    assert conv.auc_model is not None
    assert conv.auc_points is not None
    assert conv.n_compared > 0.9 * len(cases)
    assert conv.auc_cost == pytest.approx(conv.auc_model - conv.auc_points)
    assert abs(conv.auc_cost) < 0.05


def test_warns_when_rounding_zeroes_an_item(fitted) -> None:  # type: ignore[no-untyped-def]
    model, encoder, _, _ = fitted
    weak = LogisticRiskModel().fit(np.eye(2)[[0, 1] * 10], [0, 1] * 10)
    weak.coef_ = model.coef_.copy()
    weak.intercept_ = model.intercept_
    weak.training_ = model.training_
    weak.cut_points = model.cut_points
    names = list(encoder.get_feature_names_out())
    weak.coef_[names.index("escalating")] = 1e-6
    with pytest.warns(UserWarning, match="zeroes these factors.*escalating"):
        conv = to_instrument(weak, encoder, id="weak")
    assert "escalating" in conv.zeroed
    assert all(item.id != "escalating" for item in conv.instrument.items)


def test_a_saved_model_carries_its_encoder(fitted, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model, encoder, _, _ = fitted
    save_model(model, tmp_path / "m.json", encoder=encoder)
    again = load_model(tmp_path / "m.json")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = to_instrument(again, id="from-file").instrument
    b = to_instrument(model, encoder, id="from-file").instrument
    assert a.items == b.items


def test_needs_the_encoder() -> None:
    model = LogisticRiskModel().fit(np.eye(2)[[0, 1] * 10], [0, 1] * 10)
    with pytest.raises(ValueError, match="needs the CaseEncoder"):
        to_instrument(model, id="x")
