"""stalkrisk.changes: what changed between two assessments of the same case."""

from __future__ import annotations

import json

import pydantic
import pytest

import stalkrisk
from stalkrisk.changes import (
    CASE_NOT_ASSESSED,
    DIFFERENT_CASES,
    JUDGEMENT_NOT_OF_CASE,
    Changes,
    FieldChange,
    ItemChange,
    ScaleChange,
    compare,
)

from .conftest import EXAMPLES

OVERRIDE_NOTE = (
    "Serious physical or sexual violence: the computed band is now Many factors or a red flag, "
    "the band the practitioner set by override at the earlier assessment (agreement between "
    "the two is not evidence that either is right)"
)


def _case(path: str) -> stalkrisk.Case:
    return stalkrisk.Case.model_validate_json((EXAMPLES / path).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bail_case() -> stalkrisk.Case:
    return _case("bail/CT-21-at-bail.json")


@pytest.fixture(scope="module")
def sentencing_case() -> stalkrisk.Case:
    return _case("sentencing/CT-21-at-sentencing.json")


@pytest.fixture(scope="module")
def bail(bail_case: stalkrisk.Case) -> stalkrisk.Assessment:
    """The bail assessment with the practitioner's override of serious harm (as at bail)."""
    return stalkrisk.score(bail_case).with_override(
        "serious_harm",
        "many",
        "imminent_risk_indicators",
        "Red flags not yet asked about; recent escalation reported by police.",
        "PO-117",
    )


@pytest.fixture(scope="module")
def sentencing(sentencing_case: stalkrisk.Case) -> stalkrisk.Assessment:
    return stalkrisk.score(sentencing_case)


@pytest.fixture(scope="module")
def changes(
    bail: stalkrisk.Assessment,
    sentencing: stalkrisk.Assessment,
    bail_case: stalkrisk.Case,
    sentencing_case: stalkrisk.Case,
) -> Changes:
    return compare(bail, sentencing, before_case=bail_case, after_case=sentencing_case)


# --- the same-case rule -----------------------------------------------------------------------


def test_assessments_of_different_cases_are_refused_without_naming_them() -> None:
    a = stalkrisk.score(stalkrisk.load_example("EX-01"))
    b = stalkrisk.score(stalkrisk.load_example("EX-02"))
    with pytest.raises(ValueError, match="different cases") as info:
        compare(a, b)
    assert str(info.value) == DIFFERENT_CASES
    assert "EX-01" not in str(info.value)
    assert "EX-02" not in str(info.value)


def test_a_case_that_is_not_the_one_assessed_is_refused(
    bail: stalkrisk.Assessment,
    sentencing: stalkrisk.Assessment,
    bail_case: stalkrisk.Case,
    sentencing_case: stalkrisk.Case,
) -> None:
    # the cases swapped: same case id, another assessment date
    with pytest.raises(ValueError, match="before_case") as info:
        compare(bail, sentencing, before_case=sentencing_case, after_case=bail_case)
    assert str(info.value) == CASE_NOT_ASSESSED.format(which="before", field="assessment_date")
    assert "2025" not in str(info.value)
    other = stalkrisk.load_example("EX-01")
    with pytest.raises(ValueError, match="after_case") as info:
        compare(bail, sentencing, after_case=other)
    assert str(info.value) == CASE_NOT_ASSESSED.format(which="after", field="case_id")
    assert "EX-01" not in str(info.value)


class _Note(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    source: str
    date: str | None = None


class _Judgement(pydantic.BaseModel):
    """A small stand-in for stalkrisk.judgement.Judgement: any pydantic model is diffed."""

    model_config = pydantic.ConfigDict(frozen=True, extra="forbid")

    case_id: str
    marac_referral: bool = False
    formulation: str = ""
    scenarios: list[str] = []
    sources: list[_Note] = []
    by_field: dict[str, str] = {}
    plan: _Note | None = None


def test_a_judgement_of_another_case_is_refused(
    bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment
) -> None:
    with pytest.raises(ValueError, match="after_judgement") as info:
        compare(bail, sentencing, after_judgement=_Judgement(case_id="Jane-Q-Public"))
    assert str(info.value) == JUDGEMENT_NOT_OF_CASE.format(which="after")
    assert "Jane" not in str(info.value)


# --- scales: bands, items, red flags ----------------------------------------------------------


def test_the_example_lines_are_kept(changes: Changes) -> None:
    lines = changes.lines()
    for expected in (
        "Persistence of the current episode: changed: Last incident within the last 90 days: "
        "0 -> 100 (2 points -> 0 points)",
        "Recurrence after the episode ends: unknown resolved: Personality disorder is now "
        "absent (0 points)",
        "Serious physical or sexual violence: computed band not scored -> Many factors or a "
        "red flag",
        "Serious physical or sexual violence: red flag now fired: Strangulation (minimum band "
        "Many factors or a red flag)",
    ):
        assert expected in lines, expected
    assert any(line.endswith("(still 1 point)") for line in lines)


def test_each_item_change_kind(
    changes: Changes, bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment
) -> None:
    persistence = next(s for s in changes.scales if s.scale == "persistence")
    by_item = {c.item: c for c in persistence.items}
    recent = by_item["recent_incident"]
    assert (recent.kind, recent.value_before, recent.value_after) == ("changed", "0", "100")
    assert (recent.points_before, recent.points_after) == (2, 0)
    resolved = by_item["delusional_beliefs"]
    assert resolved.kind == "unknown_resolved"
    assert resolved.points_before is None
    assert resolved.points_after == 0

    backwards = compare(sentencing, bail)  # the later assessment first: knowns become unknown
    persistence = next(s for s in backwards.scales if s.scale == "persistence")
    lost = {c.item: c for c in persistence.items}["delusional_beliefs"]
    assert lost.kind == "became_unknown"
    assert lost.value_before == "absent"
    assert lost.points_after is None
    assert lost.line(persistence.title).startswith(
        "Persistence of the current episode: became unknown: Delusional disorder ("
    )
    kinds = {c.kind for s in (*changes.scales, *backwards.scales) for c in s.items}
    assert kinds == {"changed", "unknown_resolved", "became_unknown"}


def test_red_flags_fired_and_no_longer_fired(
    changes: Changes, bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment
) -> None:
    harm = next(s for s in changes.scales if s.scale == "serious_harm")
    assert [f.id for f in harm.red_flags_fired] == ["strangulation"]
    assert harm.red_flags_cleared == ()
    backwards = next(s for s in compare(sentencing, bail).scales if s.scale == "serious_harm")
    assert backwards.red_flags_fired == ()
    (cleared,) = backwards.red_flags_cleared
    assert (cleared.id, cleared.status) == ("strangulation", "unknown")
    assert (
        "Serious physical or sexual violence: red flag no longer fired: Strangulation "
        "(now not recorded)" in backwards.lines()
    )


def test_agreement_with_an_earlier_override_is_not_called_validation(changes: Changes) -> None:
    harm = next(s for s in changes.scales if s.scale == "serious_harm")
    assert harm.overridden_before
    assert not harm.overridden_after
    assert harm.final_band_before == harm.final_band_after  # no "final band" line then
    assert harm.computed_band_matches_earlier_override
    lines = changes.lines()
    assert OVERRIDE_NOTE in lines
    text = " ".join(lines)
    for wrong in ("fuller information", "now computes the band", "confirm", "validat"):
        assert wrong not in text, wrong


def test_no_agreement_note_when_the_later_band_is_overridden_too(
    bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment
) -> None:
    later = sentencing.with_override(
        "serious_harm",
        "several",
        "information_not_captured",
        "The victim has moved away; no contact for two months.",
        "PO-118",
    )
    harm = next(s for s in compare(bail, later).scales if s.scale == "serious_harm")
    assert not harm.computed_band_matches_earlier_override
    assert OVERRIDE_NOTE not in harm.lines()
    assert (
        "Serious physical or sexual violence: final band Many factors or a red flag -> "
        "Several factors (both set by override)" in harm.lines()
    )


def test_the_same_assessment_twice_has_no_changes() -> None:
    case = stalkrisk.load_example("EX-01")
    a = stalkrisk.score(case)
    changes = compare(a, a, before_case=case, after_case=case)
    assert changes.scales == ()
    assert changes.facts == ()
    assert changes.lines() == []
    text = changes.render_text()
    assert "No changes in bands, items, red flags or case facts." in text
    assert text.endswith(stalkrisk.DECISION_SUPPORT_NOTICE + "\n")


def test_another_instrument_version_is_compared_and_said(
    bail_case: stalkrisk.Case, sentencing_case: stalkrisk.Case
) -> None:
    old = stalkrisk.score(bail_case, "stalkrisk-screen@1.0.0")
    new = stalkrisk.score(sentencing_case)
    changes = compare(old, new)
    assert changes.instrument_before == "stalkrisk-screen@1.0.0"
    assert changes.instrument_after == "stalkrisk-screen@2.0.0"
    assert changes.instrument_changed
    lines = changes.lines()
    assert lines[0].startswith(
        "instrument differs: stalkrisk-screen@1.0.0 -> stalkrisk-screen@2.0.0; "
    )
    assert "a change may come from the instrument rather than the case" in lines[0]
    only = {s.scale: (s.in_before, s.in_after) for s in changes.scales}
    assert only["continued_stalking"] == (True, False)
    assert only["persistence"] == (False, True)
    harm = next(s for s in changes.scales if s.scale == "serious_harm")
    kinds = {c.kind for c in harm.items}
    assert {"only_before", "only_after"} <= kinds
    assert any("scale only in the earlier assessment's instrument" in line for line in lines)
    assert "Instruments: stalkrisk-screen@1.0.0 -> stalkrisk-screen@2.0.0" in (
        changes.render_text()
    )


# --- facts and judgement ----------------------------------------------------------------------


def test_facts_are_diffed_by_path_with_a_list_entry_added(changes: Changes) -> None:
    assert changes.facts_compared
    by_path = {f.path: f for f in changes.facts}
    added = by_path["history.protective_orders[0].breaches[1]"]
    assert added.kind == "added"
    assert added.before is None
    assert isinstance(added.after, str)
    assert json.loads(added.after) == {"date": "2025-03-08"}
    ongoing = by_path["episode.ongoing"]
    assert (ongoing.before, ongoing.after, ongoing.kind) == ("present", "absent", "changed")
    assert by_path["history.previous_sanctions"].after == 3
    assert by_path["history.previous_sanctions"].before is None
    assert by_path["current_offence.category"].after == "stalking"
    assert "episode.behaviours[0].last_date" in by_path
    assert not any(p.startswith(("assessment_date", "case_id")) for p in by_path)
    lines = changes.lines()
    assert "facts: episode.ongoing: present -> absent" in lines
    assert "facts: history.previous_sanctions: not recorded -> 3" in lines
    assert 'facts: history.protective_orders[0].breaches[1]: added: {"date":"2025-03-08"}' in (
        lines
    )


def test_a_list_entry_removed(
    bail_case: stalkrisk.Case,
    sentencing_case: stalkrisk.Case,
    bail: stalkrisk.Assessment,
    sentencing: stalkrisk.Assessment,
) -> None:
    backwards = compare(sentencing, bail, before_case=sentencing_case, after_case=bail_case)
    removed = {f.path: f for f in backwards.facts}["history.protective_orders[0].breaches[1]"]
    assert (removed.kind, removed.after) == ("removed", None)
    assert (
        'facts: history.protective_orders[0].breaches[1]: removed: {"date":"2025-03-08"}'
        in backwards.lines()
    )


def test_facts_need_both_cases(
    bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment, sentencing_case: stalkrisk.Case
) -> None:
    changes = compare(bail, sentencing, after_case=sentencing_case)
    assert not changes.facts_compared
    assert changes.facts == ()
    assert "Case facts: not compared" in changes.render_text()


def test_judgements_are_diffed_generically(
    bail: stalkrisk.Assessment, sentencing: stalkrisk.Assessment
) -> None:
    earlier = _Judgement(
        case_id="CT-21",
        formulation="Rejected ex-partner; escalating.",
        scenarios=["continues"],
        sources=[_Note(source="police")],
        by_field={"episode.threats": "victim", "perpetrator.motivation": "victim"},
    )
    later = _Judgement(
        case_id="CT-21",
        marac_referral=True,
        formulation="Rejected ex-partner; escalating.",
        scenarios=["continues", "escalates to violence"],
        sources=[_Note(source="police", date="2025-06-01"), _Note(source="psychiatric report")],
        by_field={"episode.threats": "court", "history": "police"},
        plan=_Note(source="probation"),
    )
    changes = compare(bail, sentencing, before_judgement=earlier, after_judgement=later)
    assert changes.judgement_compared
    assert [(f.path, f.before, f.after, f.kind) for f in changes.judgement] == [
        ("marac_referral", False, True, "changed"),
        ("scenarios[1]", None, "escalates to violence", "added"),
        ("sources[0].date", None, "2025-06-01", "changed"),
        ("sources[1]", None, '{"source":"psychiatric report","date":null}', "added"),
        ('by_field["episode.threats"]', "victim", "court", "changed"),  # not a plain name
        ('by_field["perpetrator.motivation"]', "victim", None, "removed"),
        ("by_field.history", None, "police", "added"),
        ("plan.source", None, "probation", "changed"),  # an object not recorded before
    ]
    lines = changes.lines()
    assert "judgement: marac_referral: false -> true" in lines
    assert "judgement: scenarios[1]: added: escalates to violence" in lines
    assert 'judgement: by_field["perpetrator.motivation"]: removed: victim' in lines
    assert "judgement: plan.source: not recorded -> probation" in lines
    assert not compare(bail, sentencing, after_judgement=later).judgement_compared


# --- results ----------------------------------------------------------------------------------


def test_the_result_is_deterministic(
    bail: stalkrisk.Assessment,
    sentencing: stalkrisk.Assessment,
    bail_case: stalkrisk.Case,
    sentencing_case: stalkrisk.Case,
    changes: Changes,
) -> None:
    again = compare(bail, sentencing, before_case=bail_case, after_case=sentencing_case)
    assert again == changes
    assert again.lines() == changes.lines()
    assert again.model_dump_json() == changes.model_dump_json()
    assert [s.scale for s in changes.scales] == ["persistence", "recurrence", "serious_harm"]
    paths = [f.path for f in changes.facts]
    assert paths.index("perpetrator.anger") < paths.index("episode.ongoing")  # schema order


def test_changes_round_trip_through_json(changes: Changes) -> None:
    text = changes.model_dump_json()
    back = Changes.model_validate_json(text)
    assert back == changes
    assert back.lines() == changes.lines()
    assert Changes.model_validate(json.loads(json.dumps(changes.model_dump(mode="json")))) == (
        changes
    )


def test_results_are_frozen_and_forbid_extra_fields(changes: Changes) -> None:
    with pytest.raises(pydantic.ValidationError):
        changes.case_id = "X"  # type: ignore[misc]
    for model in (Changes, ScaleChange, ItemChange, FieldChange):
        assert model.model_config.get("frozen") is True
        assert model.model_config.get("extra") == "forbid"
    assert repr(changes) == (
        f"<Changes CT-21 2025-03-10 -> 2025-06-16: 3 scales, {len(changes.facts)} facts, "
        "0 judgement fields>"
    )
    assert changes.synthetic
    assert "[SYNTHETIC: a fictional case]" in changes.render_text().splitlines()[0]
    page = changes._repr_html_()
    assert page.count("<tr>") == len(changes.lines())
    assert "&quot;date&quot;" in page  # every string escaped
    assert stalkrisk.DECISION_SUPPORT_NOTICE.replace("'", "&#x27;") in page
