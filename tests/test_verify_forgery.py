"""verify against a forger who edits a record and then recomputes its own hash.

``record_sha256`` has no key: anyone who edits a record can recompute it. So every field that
can be recomputed from the case and the instrument must be compared by :func:`verify`, and
every override must name its own scale and set one of that scale's bands. Each forgery below
edits one place in a record's JSON, recomputes ``record_sha256`` (as ``_rehashed`` does in
tests/test_audit.py), and checks that both ``verify`` and ``stalkrisk verify`` name the place.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import stalkrisk
from stalkrisk import AssessmentRecord, Case, Difference, ItemAnswers, verify
from stalkrisk._internal.canonical import canonical_sha256
from stalkrisk.cli import main
from stalkrisk.testing import cases

from .conftest import EXAMPLES

RECORDS = Path(__file__).resolve().parent / "data" / "records"
OGRS3_INPUT = RECORDS / "v1-ogrs3-answers.input.json"
WHEN = dt.datetime(2026, 4, 27, 10, 0, tzinfo=dt.UTC)
REASON = "Police report a new threat made yesterday."
#: The instrument the forgeries were written against, pinned so that a new default changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"

Data = dict[str, Any]
Edit = Callable[[Data], None]


# --- helpers -----------------------------------------------------------------------------------


def _rehashed(data: Data) -> Data:
    """Give edited record data a correct ``record_sha256``, as a careful forger would."""
    placeholder = AssessmentRecord.model_validate({**data, "record_sha256": "0" * 64})
    return {**data, "record_sha256": placeholder.recompute_sha256()}


def _fields(differences: list[Difference]) -> list[str]:
    return [d.field for d in differences]


def _scale(data: Data, scale_id: str) -> Data:
    return next(s for s in data["assessment"]["scales"] if s["scale"] == scale_id)


def _harm(data: Data) -> Data:
    return _scale(data, "serious_harm")


def _stalking(data: Data) -> Data:
    return _scale(data, "continued_stalking")


def _entry(entries: list[Data], key: str, value: str) -> Data:
    return next(e for e in entries if e[key] == value)


def _contribution(scale: Data, item: str) -> Data:
    return _entry(scale["contributions"], "item", item)


def _flag(scale: Data, flag_id: str) -> Data:
    return _entry(scale["red_flags"], "id", flag_id)


def _band(scale: Data, band_id: str) -> Data:
    return copy.deepcopy(_entry(scale["bands"], "id", band_id))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- the records forged ------------------------------------------------------------------------


def _ex01_record() -> AssessmentRecord:
    """EX-01 (both scales high; three red flags fired) with an override of serious harm."""
    case = stalkrisk.load_example("EX-01")
    assessment = stalkrisk.score(case, SCREEN_1).with_override(
        "serious_harm", "moderate", "information_not_captured", REASON, "PO-117"
    )
    return AssessmentRecord.from_assessment(assessment, case, created_at=WHEN)


def _ogrs3_answers() -> ItemAnswers:
    return ItemAnswers.model_validate_json(OGRS3_INPUT.read_text(encoding="utf-8"))


def _ogrs3_record() -> AssessmentRecord:
    answers = _ogrs3_answers()
    assessment = stalkrisk.score_answers(answers, "ogrs3")
    return AssessmentRecord.from_assessment(assessment, answers, created_at=WHEN)


_BASES: dict[str, tuple[Callable[[], AssessmentRecord], Callable[[], Any]]] = {
    "EX-01": (_ex01_record, lambda: stalkrisk.load_example("EX-01")),
    "OGRS3": (_ogrs3_record, _ogrs3_answers),
}


def _case_file(base: str) -> Path:
    if base == "OGRS3":
        return OGRS3_INPUT
    return next(EXAMPLES.glob(f"{base}-*.json"))


@pytest.fixture(scope="module")
def originals() -> dict[str, tuple[Data, Any]]:
    """Each base record's JSON data and the input it records."""
    out = {}
    for name, (make_record, make_input) in _BASES.items():
        record = make_record()
        assert verify(record, make_input()) == []
        out[name] = (json.loads(record.to_json()), make_input())
    return out


# --- the forgeries: (base, edit, the field a difference must name) -----------------------------


def _set(path: Callable[[Data], Data], **changes: Any) -> Edit:
    def edit(data: Data) -> None:
        path(data).update(changes)

    return edit


def _reverse_scales(data: Data) -> None:
    data["assessment"]["scales"].reverse()


def _reverse_contributions(data: Data) -> None:
    _harm(data)["contributions"].reverse()


def _override_band(**changes: Any) -> Edit:
    def edit(data: Data) -> None:
        _harm(data)["overrides"][0]["final_band"].update(changes)

    return edit


def _move_override(data: Data) -> None:
    _stalking(data)["overrides"].append(_harm(data)["overrides"].pop())


def _set_band_floor(data: Data) -> None:
    _harm(data)["band_floor"] = _band(_harm(data), "moderate")


def _set_minimum_band(data: Data) -> None:
    _flag(_harm(data), "weapons")["minimum_band"] = _band(_harm(data), "moderate")


def _add_possible_band(data: Data) -> None:
    _harm(data)["possible_bands"].insert(0, _band(_harm(data), "moderate"))


def _set_next_band(data: Data) -> None:
    _stalking(data)["next_band"] = _band(_stalking(data), "high")


def _computed_band_label(data: Data) -> None:
    _harm(data)["overrides"][0]["computed_band"]["label"] = "Low"


def _horizon(data: Data) -> Data:
    scale = _scale(data, "proven_reoffending")
    return _entry(scale["horizons"], "id", "two_years")


_ASSESSMENT: Callable[[Data], Data] = lambda d: d["assessment"]  # noqa: E731
_INSTRUMENT: Callable[[Data], Data] = lambda d: d["assessment"]["instrument"]  # noqa: E731

FORGERIES = [
    # the band and what raises it
    pytest.param(
        "EX-01",
        _set(lambda d: _harm(d)["band"], label="Low"),
        "scales.serious_harm.band.label",
        id="band-label",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _harm(d)["score_band"], label="Moderate"),
        "scales.serious_harm.score_band.label",
        id="score-band-label",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _flag(_harm(d), "threats_to_kill"), status="not_fired"),
        "scales.serious_harm.red_flags",
        id="red-flag-fired-to-not-fired",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _flag(_harm(d), "weapons"), status="unknown"),
        "scales.serious_harm.red_flags.weapons.status",
        id="red-flag-not-fired-to-unknown",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _flag(_harm(d), "threats_to_kill"), label="A remark"),
        "scales.serious_harm.red_flags.threats_to_kill.label",
        id="red-flag-label",
    ),
    pytest.param("EX-01", _set_band_floor, "scales.serious_harm.band_floor.id", id="band-floor"),
    pytest.param(
        "EX-01",
        _set_minimum_band,
        "scales.serious_harm.red_flags.weapons.minimum_band.id",
        id="red-flag-minimum-band",
    ),
    # the instrument, the library and the assessment's own fields
    pytest.param(
        "EX-01",
        _set(_INSTRUMENT, validation_status="published"),
        "instrument.validation_status",
        id="validation-status",
    ),
    pytest.param(
        "EX-01",
        _set(_INSTRUMENT, validation_statement="validated on 100,000 cases"),
        "instrument.validation_statement",
        id="validation-statement",
    ),
    pytest.param(
        "EX-01",
        _set(_INSTRUMENT, title="SAM (validated)"),
        "instrument.title",
        id="instrument-title",
    ),
    pytest.param(
        "EX-01", _set(_ASSESSMENT, library_version="9.9.9"), "library_version", id="library-version"
    ),
    pytest.param(
        "EX-01", _set(_ASSESSMENT, schema_version="1.9"), "schema_version", id="schema-version"
    ),
    pytest.param("EX-01", _set(_ASSESSMENT, input_kind="answers"), "input_kind", id="input-kind"),
    pytest.param(
        "EX-01",
        _set(_ASSESSMENT, notice="This assessment decides bail."),
        "notice",
        id="decision-support-notice",
    ),
    pytest.param("EX-01", _set(_ASSESSMENT, synthetic=False), "synthetic", id="synthetic-flag"),
    pytest.param(
        "EX-01",
        _set(_ASSESSMENT, assessment_date="2025-03-15"),
        "assessment_date",
        id="assessment-date",
    ),
    # a scale's totals and what they leave open
    pytest.param(
        "EX-01",
        _set(_stalking, total_range=[10.0, 14.0]),
        "scales.continued_stalking.total_range[0]",
        id="total-range",
    ),
    pytest.param(
        "EX-01",
        _set(_stalking, known_points=12.0),
        "scales.continued_stalking.known_points",
        id="known-points",
    ),
    pytest.param(
        "EX-01",
        _set(_stalking, prorated=False),
        "scales.continued_stalking.prorated",
        id="prorated",
    ),
    pytest.param(
        "EX-01", _add_possible_band, "scales.serious_harm.possible_bands", id="possible-bands"
    ),
    pytest.param("EX-01", _set_next_band, "scales.continued_stalking.next_band", id="next-band"),
    pytest.param(
        "EX-01",
        _set(_stalking, points_to_next_band=1.0),
        "scales.continued_stalking.points_to_next_band",
        id="points-to-next-band",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _harm(d)["bands"][2], label="Very high"),
        "scales.serious_harm.bands[2].label",
        id="label-in-bands",
    ),
    # contributions
    pytest.param(
        "EX-01",
        _set(
            lambda d: _contribution(_harm(d), "threats_to_kill_recent"), label="Threats (validated)"
        ),
        "scales.serious_harm.contributions.threats_to_kill_recent.label",
        id="contribution-label",
    ),
    pytest.param(
        "EX-01",
        _set(
            lambda d: _contribution(_harm(d), "threats_to_kill_recent"), possible_points=[0.0, 9.0]
        ),
        "scales.serious_harm.contributions.threats_to_kill_recent.possible_points[1]",
        id="contribution-possible-points",
    ),
    pytest.param(
        "EX-01",
        _set(
            lambda d: _contribution(_harm(d), "threats_to_kill_recent"), note="confirmed by police"
        ),
        "scales.serious_harm.contributions.threats_to_kill_recent.note",
        id="contribution-note",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _contribution(_harm(d), "threats_to_kill_recent"), level="absent"),
        "scales.serious_harm.contributions.threats_to_kill_recent.level",
        id="contribution-level",
    ),
    # order
    pytest.param("EX-01", _reverse_scales, "scales (order)", id="scale-order"),
    pytest.param(
        "EX-01",
        _reverse_contributions,
        "scales.serious_harm.contributions (order)",
        id="contribution-order",
    ),
    # a logistic scale's horizon
    pytest.param(
        "OGRS3",
        _set(_horizon, percent=14.0),
        "scales.proven_reoffending.horizons.two_years.percent",
        id="horizon-percent",
    ),
    # overrides: not recomputable, but they must set one of the scale's bands, under that scale
    pytest.param(
        "EX-01",
        _override_band(id="extreme", label="Extreme", rank=3),
        "scales.serious_harm.overrides[0].final_band",
        id="override-invented-band",
    ),
    pytest.param(
        "EX-01",
        _override_band(label="Low"),
        "scales.serious_harm.overrides[0].final_band",
        id="override-real-id-other-label",
    ),
    pytest.param(
        "EX-01",
        _override_band(rank=0),
        "scales.serious_harm.overrides[0].final_band",
        id="override-real-id-other-rank",
    ),
    pytest.param(
        "EX-01",
        _move_override,
        "scales.continued_stalking.overrides[0].scale",
        id="override-moved-to-another-scale",
    ),
    pytest.param(
        "EX-01",
        _set(lambda d: _harm(d)["overrides"][0], scale="continued_stalking"),
        "scales.serious_harm.overrides[0].scale",
        id="override-names-another-scale",
    ),
    # the computed band an override was made against is recomputable too: its label is shown
    # in every report ("computed: ...")
    pytest.param(
        "EX-01",
        _computed_band_label,
        "scales.serious_harm.overrides[0].computed_band",
        id="override-computed-band-label",
    ),
]


def _forge(originals: dict[str, tuple[Data, Any]], base: str, edit: Edit) -> tuple[Data, Any]:
    data, case = originals[base]
    forged = copy.deepcopy(data)
    edit(forged)
    assert forged != data, "the edit changed nothing"
    forged = _rehashed(forged)
    record = AssessmentRecord.model_validate(forged)
    assert record.content_intact()  # the forger's hash is right: only re-scoring can tell
    return forged, case


@pytest.mark.parametrize(("base", "edit", "field"), FORGERIES)
def test_verify_names_the_forged_field(
    originals: dict[str, tuple[Data, Any]], base: str, edit: Edit, field: str
) -> None:
    forged, case = _forge(originals, base, edit)
    diffs = verify(forged, case)
    assert field in _fields(diffs), _fields(diffs)
    assert "record_sha256" not in _fields(diffs)
    assert verify(json.dumps(forged), case) == diffs


@pytest.mark.parametrize(("base", "edit", "field"), FORGERIES)
def test_cli_verify_rejects_the_forged_record(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    originals: dict[str, tuple[Data, Any]],
    base: str,
    edit: Edit,
    field: str,
) -> None:
    forged, _ = _forge(originals, base, edit)
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged, indent=2), encoding="utf-8")
    code, out, err = _run(capsys, "verify", str(path), str(_case_file(base)))
    assert code == 1, out
    assert "verified:" not in out
    assert "authenticated" not in out
    if base == "EX-01" and field == "input_kind":
        # the record now says it is of answers, so the case file is read (and refused) as such
        assert err.startswith(f"error: {_case_file(base)}")
    else:
        assert err == ""
        assert f"  {field}: " in out


# --- duplicated entries ------------------------------------------------------------------------


def _duplicate_scale(data: Data) -> None:
    """An earlier copy of serious harm, scored low: what ``Assessment.scale`` returns."""
    fake = copy.deepcopy(_harm(data))
    fake.update(total=0.0, known_points=0.0, total_range=[0.0, 0.0], overrides=[])
    fake.update(band=_band(fake, "low"), score_band=_band(fake, "low"), band_floor=None)
    data["assessment"]["scales"].insert(0, fake)


def _duplicate_contribution(data: Data) -> None:
    harm = _harm(data)
    extra = {
        **_contribution(harm, "threats_to_kill_recent"),
        "value": "absent",
        "level": "absent",
        "points": 0.0,
    }
    harm["contributions"].insert(0, extra)


def _duplicate_red_flag(data: Data) -> None:
    harm = _harm(data)
    harm["red_flags"].insert(0, {**_flag(harm, "threats_to_kill"), "status": "not_fired"})


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        pytest.param(_duplicate_scale, "scales", id="scale"),
        pytest.param(_duplicate_contribution, "scales.serious_harm.contributions", id="item"),
        pytest.param(_duplicate_red_flag, "scales.serious_harm.red_flags", id="red-flag"),
    ],
)
def test_verify_reports_a_duplicated_entry(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    originals: dict[str, tuple[Data, Any]],
    edit: Edit,
    field: str,
) -> None:
    """An entry added under an id already there is refused: the record cannot even be read.

    (A copy would show another value under the same name: ``Assessment.scale`` returns the
    first.) ``field`` names the list that holds the copy.
    """
    data, case = originals["EX-01"]
    forged = copy.deepcopy(data)
    edit(forged)
    content = {k: v for k, v in forged.items() if k not in ("record_sha256", "signature")}
    forged["record_sha256"] = canonical_sha256(content)  # the forger's hash is right
    with pytest.raises(ValidationError) as exc:
        verify(forged, case)
    assert "appears once" in str(exc.value)
    locations = [".".join(map(str, e["loc"])) for e in exc.value.errors()]
    expected = "assessment" if field == "scales" else "assessment.scales.1"  # the 2nd scale
    assert locations == [expected]
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged, indent=2), encoding="utf-8")
    code, out, err = _run(capsys, "verify", str(path), str(_case_file("EX-01")))
    assert code == 1, out
    assert "verified:" not in out
    assert "appears once" in err


# --- format-1 records from the previous release ------------------------------------------------

_V1 = [
    pytest.param("v1-EX-01-override.json", "EX-01", id="EX-01-override"),
    pytest.param("v1-EX-08.json", "EX-08", id="EX-08"),
    pytest.param("v1-ogrs3-answers.json", "OGRS3", id="ogrs3-answers"),
]


def _v1_input(base: str) -> Case | ItemAnswers:
    if base == "OGRS3":
        return _ogrs3_answers()
    return stalkrisk.load_example(base)


@pytest.mark.parametrize(("name", "base"), _V1)
def test_format_1_fixture_verifies_and_round_trips(name: str, base: str) -> None:
    text = (RECORDS / name).read_text(encoding="utf-8")
    record = AssessmentRecord.model_validate_json(text)
    assert record.format == "stalkrisk-record/1"
    assert record.content_intact()
    assert verify(record, _v1_input(base)) == []
    assert verify(text, _v1_input(base)) == []
    assert record.to_json() == text


@pytest.mark.parametrize(("name", "base"), _V1)
def test_cli_verifies_a_format_1_fixture(
    capsys: pytest.CaptureFixture[str], name: str, base: str
) -> None:
    code, out, err = _run(capsys, "verify", str(RECORDS / name), str(_case_file(base)))
    assert code == 0, out + err
    assert out.startswith(f"verified: {RECORDS / name} matches case ")


def _first_scored_scale(data: Data) -> Data:
    return next(s for s in data["assessment"]["scales"] if s["total"] is not None)


@pytest.mark.parametrize(("name", "base"), _V1)
def test_tampered_format_1_fixture_is_detected(name: str, base: str) -> None:
    data = json.loads((RECORDS / name).read_text(encoding="utf-8"))
    scale = _first_scored_scale(data)
    scale["total"] += 1
    where = f"scales.{scale['scale']}.total"
    # as edited: the record's own (format-1) hash no longer matches, and the total differs
    assert _fields(verify(data, _v1_input(base))) == ["record_sha256", where]
    # re-hashed by the format-1 scheme: the total still differs
    forged = _rehashed(data)
    assert AssessmentRecord.model_validate(forged).content_intact()
    assert _fields(verify(forged, _v1_input(base))) == [where]
    # and a forged validation statement in a format-1 record is found too
    statement = copy.deepcopy(data)
    scale = _first_scored_scale(statement)
    scale["total"] -= 1
    statement["assessment"]["instrument"]["validation_statement"] = "validated on 100,000 cases"
    fields = _fields(verify(_rehashed(statement), _v1_input(base)))
    assert fields == ["instrument.validation_statement"]


# --- fresh format-2 records of every example ---------------------------------------------------


@pytest.mark.parametrize("case", stalkrisk.load_examples(), ids=lambda c: c.case_id)
def test_fresh_record_of_every_example_verifies(case: Case) -> None:
    record = AssessmentRecord.from_assessment(stalkrisk.score(case), case)
    assert record.format == "stalkrisk-record/2"
    assert verify(record, case) == []
    text = record.to_json()
    assert verify(text, case) == []
    assert AssessmentRecord.model_validate_json(text).to_json() == text


def test_every_example_is_covered() -> None:
    assert len(stalkrisk.load_examples()) == len(list(EXAMPLES.glob("*.json"))) >= 10


# --- property: any one changed leaf is found ---------------------------------------------------

#: Lists whose entries verify matches by an id (that id's leaf is not changed: see below).
_KEYED = {"scales": "scale", "contributions": "item", "red_flags": "id", "horizons": "id"}

Path_ = tuple[str | int, ...]


def _leaves(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every path to a string, number or boolean, but not into overrides nor to an entry's id."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "overrides":
                continue
            owner = next((p for p in reversed(path) if isinstance(p, str)), None)
            if owner in _KEYED and _KEYED[owner] == key and isinstance(path[-1], int):
                continue  # the id an entry is matched by
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from _leaves(child, (*path, i))
    elif value is not None:
        yield path


def test_leaves_leave_out_overrides_and_keys() -> None:
    data = {"scales": [{"scale": "a", "overrides": [{"x": 1}], "total": 2.0}], "n": None}
    assert list(_leaves(data)) == [("scales", 0, "total")]


_WORDS = st.sampled_from(
    ["low", "moderate", "high", "fired", "not_fired", "unknown", "scored", "not_scored",
     "case", "answers", "present", "absent", "2024-01-01", "1.0", "0.1.0", "published"]
)  # fmt: skip


def _other_value(old: Any) -> st.SearchStrategy[Any]:
    """A different value of the same JSON type as ``old``."""
    if isinstance(old, bool):
        return st.just(not old)
    if isinstance(old, int):
        return st.integers(-1000, 1000).filter(lambda v: v != old)
    if isinstance(old, float):
        return st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-100, 100).map(lambda k: old + k),
        ).filter(lambda v: v != old)
    assert isinstance(old, str)
    return st.one_of(_WORDS, st.text(max_size=20)).filter(lambda v: v != old)


def _get(data: Any, path: Path_) -> Any:
    for part in path:
        data = data[part]
    return data


@settings(max_examples=30, deadline=None)
@given(case=cases(), data=st.data())
def test_any_changed_leaf_of_the_assessment_is_found(case: Case, data: st.DataObject) -> None:
    record = AssessmentRecord.from_assessment(stalkrisk.score(case), case, created_at=WHEN)
    original = json.loads(record.to_json())
    paths = sorted(_leaves(original["assessment"]), key=repr)
    path = data.draw(st.sampled_from(paths), label="path")
    old = _get(original["assessment"], path)
    new = data.draw(_other_value(old), label="new value")
    forged = copy.deepcopy(original)
    parent = _get(forged["assessment"], path[:-1])
    parent[path[-1]] = new
    try:
        forged = _rehashed(forged)
    except ValidationError:
        return  # no longer a valid record at all: it cannot be read, let alone verified
    assert verify(forged, case) != [], (path, old, new)
