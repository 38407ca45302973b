"""Professional overrides: a new assessment that keeps the computed band beside the final one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import stalkrisk
from stalkrisk import Assessment, Override, OverrideReason, ScaleStatus

REASON = "Police report a new threat made yesterday."
OTHER_REASON = "The victim has moved abroad; no contact for a year."
#: The instrument these tests were written against, pinned so that a new default changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


@pytest.fixture(scope="module")
def low() -> Assessment:
    """EX-03: both scales scored, both Low."""
    return stalkrisk.score(stalkrisk.load_example("EX-03"), SCREEN_1)


@pytest.fixture(scope="module")
def unscored() -> Assessment:
    """EX-04: too much is unknown, so neither scale is scored."""
    return stalkrisk.score(stalkrisk.load_example("EX-04"), SCREEN_1)


def _raise(a: Assessment) -> Assessment:
    return a.with_override("serious_harm", "moderate", "information_not_captured", REASON, "PO-117")


# --- what an override does -------------------------------------------------------------------


def test_with_override_returns_a_new_assessment_and_leaves_the_original(low: Assessment) -> None:
    before = low.model_dump()
    changed = _raise(low)
    assert changed is not low
    assert changed != low
    assert low.model_dump() == before
    assert low.scale("serious_harm").overrides == ()
    assert low.scale("serious_harm").override is None
    assert low.scale("serious_harm").final_band == low.scale("serious_harm").band


def test_override_keeps_the_computed_band_and_sets_the_final_band(low: Assessment) -> None:
    harm = _raise(low).scale("serious_harm")
    assert harm.band is not None
    assert harm.band.id == "low"
    assert harm.score_band == low.scale("serious_harm").score_band
    assert harm.total == low.scale("serious_harm").total
    assert harm.final_band is not None
    assert harm.final_band.id == "moderate"
    assert harm.final_band.label == "Moderate"
    override = harm.override
    assert isinstance(override, Override)
    assert override.scale == "serious_harm"
    assert override.computed_band == harm.band
    assert override.final_band == harm.final_band
    assert override.reason_code is OverrideReason.INFORMATION_NOT_CAPTURED
    assert override.reason == REASON
    assert override.assessor == "PO-117"


def test_override_touches_only_its_scale(low: Assessment) -> None:
    changed = _raise(low)
    assert changed.scale("continued_stalking") == low.scale("continued_stalking")
    assert changed.scale("continued_stalking").final_band == low.scale("continued_stalking").band
    assert [s.scale for s in changed.scales] == [s.scale for s in low.scales]


def test_overrides_accumulate_in_order(low: Assessment) -> None:
    first = _raise(low)
    second = first.with_override(
        "serious_harm", "high", OverrideReason.IMMINENT_RISK_INDICATORS, OTHER_REASON, "PO-9"
    )
    harm = second.scale("serious_harm")
    assert [o.final_band.id for o in harm.overrides] == ["moderate", "high"]
    assert [o.assessor for o in harm.overrides] == ["PO-117", "PO-9"]
    assert harm.override == harm.overrides[-1]
    assert harm.final_band is not None
    assert harm.final_band.id == "high"
    # every override was made against the same computed band, which is still kept
    assert harm.band is not None
    assert harm.band.id == "low"
    assert {o.computed_band.id for o in harm.overrides if o.computed_band} == {"low"}
    # the first result still holds only its own override
    assert len(first.scale("serious_harm").overrides) == 1


def test_override_can_lower_a_band() -> None:
    high = stalkrisk.score(stalkrisk.load_example("EX-01"), SCREEN_1)
    lowered = high.with_override(
        "continued_stalking", "moderate", "protective_factors", OTHER_REASON, "PO-2"
    )
    s = lowered.scale("continued_stalking")
    assert s.band is not None
    assert s.final_band is not None
    assert (s.band.id, s.final_band.id) == ("high", "moderate")


def test_override_of_a_scale_that_was_not_scored(unscored: Assessment) -> None:
    harm = unscored.scale("serious_harm")
    assert harm.status is ScaleStatus.NOT_SCORED
    assert harm.band is None
    assert harm.final_band is None
    changed = unscored.with_override("serious_harm", "high", "data_quality", REASON, "PO-117")
    harm = changed.scale("serious_harm")
    assert harm.status is ScaleStatus.NOT_SCORED
    assert harm.band is None
    assert harm.override is not None
    assert harm.override.computed_band is None
    assert harm.final_band is not None
    assert harm.final_band.id == "high"


@pytest.mark.parametrize("code", list(OverrideReason), ids=lambda c: c.value)
def test_every_reason_code_is_accepted_as_enum_or_text(
    low: Assessment, code: OverrideReason
) -> None:
    for value in (code, code.value):
        override = low.with_override("serious_harm", "low", value, REASON, "PO-1").scale(
            "serious_harm"
        )
        assert override.override is not None
        assert override.override.reason_code is code


# --- errors ------------------------------------------------------------------------------------


def test_unknown_scale_is_a_key_error_naming_it(low: Assessment) -> None:
    with pytest.raises(KeyError, match="no_such_scale"):
        low.with_override("no_such_scale", "high", "other", REASON, "PO-1")


def test_unknown_band_is_a_key_error_listing_the_scales_bands(low: Assessment) -> None:
    with pytest.raises(KeyError) as info:
        low.with_override("serious_harm", "extreme", "other", REASON, "PO-1")
    message = str(info.value)
    assert "'extreme'" in message
    assert "serious_harm" in message
    assert "low, moderate, high" in message


def test_unknown_reason_code_is_rejected(low: Assessment) -> None:
    # ValidationError is a ValueError too, so either satisfies the documented contract
    with pytest.raises(ValidationError, match="reason_code"):
        low.with_override("serious_harm", "high", "gut_feeling", REASON, "PO-1")


@pytest.mark.parametrize("reason", ["", "too short", "x" * 9])
def test_missing_or_short_reason_is_rejected(low: Assessment, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        low.with_override("serious_harm", "high", "other", reason, "PO-1")
    assert info.value.errors()[0]["loc"] == ("reason",)


def test_blank_reason_is_rejected(low: Assessment) -> None:
    # A reason is required, but the rule only counts characters, so ten spaces pass as "the
    # reasons in the professional's words". Fails until blank reasons are rejected.
    with pytest.raises(ValidationError):
        low.with_override("serious_harm", "high", "other", " " * 10, "PO-1")


def test_reason_of_exactly_ten_characters_is_enough(low: Assessment) -> None:
    changed = low.with_override("serious_harm", "high", "other", "x" * 10, "PO-1")
    assert changed.scale("serious_harm").final_band is not None


def test_reason_that_is_not_text_is_rejected(low: Assessment) -> None:
    with pytest.raises(ValidationError):
        low.with_override("serious_harm", "high", "other", None, "PO-1")  # type: ignore[arg-type]


@pytest.mark.parametrize("assessor", ["Jane Smith", "", " PO-1", "PO 1", "-PO1", "x" * 65])
def test_assessor_must_be_a_pseudonymous_reference(low: Assessment, assessor: str) -> None:
    with pytest.raises(ValidationError) as info:
        low.with_override("serious_harm", "high", "other", REASON, assessor)
    assert info.value.errors()[0]["loc"] == ("assessor",)


def test_assessor_error_does_not_echo_the_name(low: Assessment) -> None:
    with pytest.raises(ValidationError) as info:
        low.with_override("serious_harm", "high", "other", REASON, "Jane Smith")
    assert "Jane Smith" not in str(info.value)
    assert "assessor" in str(info.value)


def test_short_reason_error_does_not_echo_the_reason(low: Assessment) -> None:
    with pytest.raises(ValidationError) as info:
        low.with_override("serious_harm", "high", "other", "Jane S.", "PO-1")
    assert "Jane S." not in str(info.value)


# --- how an override is shown ------------------------------------------------------------------


def test_repr_marks_the_overridden_scale(low: Assessment) -> None:
    assert "(override)" not in repr(low)
    text = repr(_raise(low))
    assert "serious_harm=moderate (override)" in text
    assert "continued_stalking=low," in text
    assert str(_raise(low)) == text


def test_repr_of_an_override_on_a_scale_that_was_not_scored(unscored: Assessment) -> None:
    changed = unscored.with_override("serious_harm", "high", "data_quality", REASON, "PO-117")
    assert "continued_stalking=not scored, serious_harm=high (override)" in repr(changed)


def test_explanation_shows_both_bands_and_the_reasons(low: Assessment) -> None:
    text = stalkrisk.explain(_raise(low))
    assert "Serious harm: Moderate after professional override (computed: Low)" in text
    assert (
        "  Professional override: Moderate (computed: Low); "
        "reason code information_not_captured; assessor PO-117." in text
    )
    assert f"    Reasons: {REASON}" in text
    # the computed result is still explained in full
    assert "Total " in text[text.index("Serious harm:") :]
    assert "Continued stalking or recurrence: Low\n" in text
    assert _raise(low).explain() == text


def test_explanation_lists_every_override_in_order(low: Assessment) -> None:
    twice = _raise(low).with_override(
        "serious_harm", "high", "imminent_risk_indicators", OTHER_REASON, "PO-9"
    )
    text = stalkrisk.explain(twice)
    assert "Serious harm: High after professional override (computed: Low)" in text
    first = text.index("Professional override: Moderate (computed: Low)")
    second = text.index("Professional override: High (computed: Low)")
    assert first < second
    assert text.index(REASON) < text.index(OTHER_REASON)


def test_explanation_of_an_override_on_a_scale_that_was_not_scored(unscored: Assessment) -> None:
    changed = unscored.with_override("serious_harm", "high", "data_quality", REASON, "PO-117")
    text = stalkrisk.explain(changed)
    assert "Serious harm: High after professional override (computed: not scored)" in text
    assert "Professional override: High (computed: not scored); reason code data_quality" in text
    assert "Continued stalking or recurrence: not scored\n" in text


def test_report_shows_both_bands(low: Assessment) -> None:
    report = stalkrisk.render_text(_raise(low))
    assert "after professional override (computed: Low)" in report
    assert "reason code information_not_captured" in report
    assert REASON in report
    assert "assessor PO-117" in report
    assert report.rstrip().endswith(stalkrisk.DECISION_SUPPORT_NOTICE)


def test_html_has_computed_and_final_columns(low: Assessment) -> None:
    html = _raise(low)._repr_html_()
    assert "<th>Computed band</th><th>Final band</th>" in html
    assert "<tr><td>Serious harm</td><td>Low</td><td>Moderate</td>" in html
    assert "<tr><td>Continued stalking or recurrence</td><td>Low</td><td>Low</td>" in html


def test_html_of_an_override_on_a_scale_that_was_not_scored(unscored: Assessment) -> None:
    changed = unscored.with_override("serious_harm", "high", "data_quality", REASON, "PO-117")
    assert "<tr><td>Serious harm</td><td>not scored</td><td>High</td>" in changed._repr_html_()


# --- serialisation ------------------------------------------------------------------------------


def test_json_round_trip_of_an_overridden_assessment(low: Assessment, unscored: Assessment) -> None:
    twice = _raise(low).with_override("continued_stalking", "high", "other", OTHER_REASON, "PO-9")
    no_band = unscored.with_override("serious_harm", "high", "data_quality", REASON, "PO-117")
    for a in (twice, no_band):
        back = Assessment.model_validate_json(a.model_dump_json())
        assert back == a
        for scale in a.scales:
            assert back.scale(scale.scale).final_band == scale.final_band
            assert back.scale(scale.scale).overrides == scale.overrides


def test_override_is_immutable(low: Assessment) -> None:
    override = _raise(low).scale("serious_harm").override
    assert override is not None
    with pytest.raises(ValidationError):
        override.reason = "Changed afterwards."  # type: ignore[misc]
