"""Audit records: canonical hashing, building and reading records, and re-checking them."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from pydantic import ValidationError

import stalkrisk
from stalkrisk import (
    RECORD_FORMAT,
    Assessment,
    AssessmentRecord,
    Case,
    Difference,
    canonical_json,
    input_sha256,
    verify,
)
from stalkrisk.testing import cases

from .conftest import EXAMPLES, ROOT

#: The sha256 of the canonical JSON of example case EX-01, pinned on purpose.
#:
#: If this test fails, the canonical form of a validated case has changed (a field added,
#: removed, renamed or given a new default, or the canonical JSON rules changed), and every
#: input hash in every audit record written so far will no longer verify. Only when that is
#: intended (a new schema version, noted in CHANGELOG.md) update the value with
#:     python -c "import stalkrisk; print(stalkrisk.input_sha256(stalkrisk.load_example('EX-01')))"
EX01_INPUT_SHA256 = "b17f905befc4274daf1a49cac33742b0f3e1d03b63e85dc7df324e9f692aca39"

WHEN = dt.datetime(2026, 4, 27, 10, 0, tzinfo=dt.UTC)
REASON = "Police report a new threat made yesterday."
#: The instrument these tests were written against, pinned so that a new default changes nothing.
SCREEN_1 = "stalkrisk-screen@1.0.0"


@pytest.fixture(scope="module")
def case() -> Case:
    return stalkrisk.load_example("EX-01")


@pytest.fixture(scope="module")
def assessment(case: Case) -> Assessment:
    return stalkrisk.score(case, SCREEN_1)


@pytest.fixture(scope="module")
def record(assessment: Assessment, case: Case) -> AssessmentRecord:
    return AssessmentRecord.from_assessment(assessment, case, created_at=WHEN)


def _ex01_data() -> dict[str, Any]:
    path = next(EXAMPLES.glob("EX-01-*.json"))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _rehashed(data: dict[str, Any]) -> dict[str, Any]:
    """Give edited record data a correct ``record_sha256``, as a careful forger would."""
    placeholder = AssessmentRecord.model_validate({**data, "record_sha256": "0" * 64})
    return {**data, "record_sha256": placeholder.recompute_sha256()}


def _fields(differences: list[Difference]) -> list[str]:
    return [d.field for d in differences]


# --- canonical JSON and the input hash ---------------------------------------------------------


def test_canonical_json_is_compact_sorted_and_unicode() -> None:
    assert canonical_json({"b": 1, "a": {"d": [1, 2], "c": "é"}}) == (
        '{"a":{"c":"é","d":[1,2]},"b":1}'
    )


def test_canonical_json_does_not_depend_on_key_order() -> None:
    one = {"b": 1, "a": {"y": [1, {"q": 1, "p": 2}], "x": None}}
    two = {"a": {"x": None, "y": [1, {"p": 2, "q": 1}]}, "b": 1}
    assert canonical_json(one) == canonical_json(two)


def test_canonical_json_keeps_list_order() -> None:
    assert canonical_json([1, 2]) != canonical_json([2, 1])


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_canonical_json_rejects_non_finite_numbers(value: float) -> None:
    with pytest.raises(ValueError, match="NaN and Infinity"):
        canonical_json({"total": value})


def test_canonical_json_of_a_model_is_that_of_its_json_dump(case: Case) -> None:
    assert canonical_json(case) == canonical_json(case.model_dump(mode="json"))
    assert json.loads(canonical_json(case)) == case.model_dump(mode="json")


def test_input_hash_of_ex01_is_pinned(case: Case) -> None:
    assert input_sha256(case) == EX01_INPUT_SHA256, (
        "the canonical form of a case changed: see the comment on EX01_INPUT_SHA256"
    )


def _reorder(value: Any) -> Any:
    """Reverse the key order of every object, at every depth."""
    if isinstance(value, dict):
        return {k: _reorder(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reorder(v) for v in value]
    return value


def test_input_hash_ignores_key_order_and_whitespace(case: Case) -> None:
    data = _ex01_data()
    shuffled = _reorder(data)
    assert list(shuffled) != list(data)
    texts = [
        json.dumps(shuffled),
        json.dumps(shuffled, indent=7),
        json.dumps(data, separators=(",", ":")),
        "\n\n  " + json.dumps(data, indent="\t") + "\n  ",
    ]
    for text in texts:
        again = Case.model_validate_json(text)
        assert input_sha256(again) == input_sha256(case) == EX01_INPUT_SHA256
        assert input_sha256(Case.model_validate(json.loads(text))) == EX01_INPUT_SHA256


def test_input_hash_counts_defaults_the_same_as_explicit_values(case: Case) -> None:
    # the hash is of the validated case, so an omitted field equals its default written out
    data = _ex01_data()
    assert data.pop("schema_version") == stalkrisk.SCHEMA_VERSION
    assert input_sha256(Case.model_validate(data)) == EX01_INPUT_SHA256


def test_input_hash_changes_with_the_content(case: Case) -> None:
    data = _ex01_data()
    data["perpetrator"]["age"] += 1
    assert input_sha256(Case.model_validate(data)) != input_sha256(case)


# --- building and reading records --------------------------------------------------------------


def test_record_holds_input_hash_assessment_and_timestamp(
    record: AssessmentRecord, assessment: Assessment
) -> None:
    assert record.format == RECORD_FORMAT == "stalkrisk-record/2"
    assert record.signature is None
    assert '"signature"' not in record.to_json()
    assert record.created_at == WHEN
    assert record.input_sha256 == EX01_INPUT_SHA256
    assert record.assessment == assessment
    assert len(record.record_sha256) == 64
    assert record.content_intact()
    assert '"created_at": "2026-04-27T10:00:00Z"' in record.to_json()


def test_created_at_in_another_time_zone_is_stored_in_utc(
    assessment: Assessment, case: Case
) -> None:
    paris = dt.datetime(2026, 4, 27, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rec = AssessmentRecord.from_assessment(assessment, case, created_at=paris)
    assert rec.created_at == WHEN
    assert rec.created_at.utcoffset() == dt.timedelta(0)
    assert rec.content_intact()
    assert verify(rec, case) == []


def test_created_at_defaults_to_now_in_utc(assessment: Assessment, case: Case) -> None:
    before = dt.datetime.now(dt.UTC)
    rec = AssessmentRecord.from_assessment(assessment, case)
    after = dt.datetime.now(dt.UTC)
    assert before <= rec.created_at <= after
    assert rec.created_at.utcoffset() == dt.timedelta(0)
    assert rec.content_intact()
    assert verify(rec.to_json(), case) == []


def test_naive_created_at_is_rejected(assessment: Assessment, case: Case) -> None:
    with pytest.raises(ValueError, match="time zone"):
        AssessmentRecord.from_assessment(assessment, case, created_at=dt.datetime(2026, 4, 27))


def test_naive_created_at_in_a_record_file_is_rejected(record: AssessmentRecord) -> None:
    data = json.loads(record.to_json())
    data["created_at"] = "2026-04-27T10:00:00"
    with pytest.raises(ValidationError, match="time zone"):
        AssessmentRecord.model_validate(data)


def test_assessment_of_another_case_is_rejected(assessment: Assessment) -> None:
    with pytest.raises(ValueError, match="another case"):
        AssessmentRecord.from_assessment(assessment, stalkrisk.load_example("EX-02"))


def test_record_json_round_trip(record: AssessmentRecord) -> None:
    text = record.to_json()
    assert text.endswith("}\n")
    back = AssessmentRecord.model_validate_json(text)
    assert back == record
    assert back.content_intact()
    assert back.recompute_sha256() == record.record_sha256
    assert back.to_json() == text


def test_record_round_trip_keeps_overrides(assessment: Assessment, case: Case) -> None:
    overridden = assessment.with_override("serious_harm", "moderate", "other", REASON, "PO-117")
    rec = AssessmentRecord.from_assessment(overridden, case, created_at=WHEN)
    back = AssessmentRecord.model_validate_json(rec.to_json())
    assert back == rec
    harm = back.assessment.scale("serious_harm")
    assert harm.band is not None
    assert harm.final_band is not None
    assert (harm.band.id, harm.final_band.id) == ("high", "moderate")
    assert harm.override is not None
    assert harm.override.assessor == "PO-117"
    # the override is part of what the record's own hash covers
    assert (
        rec.record_sha256
        != AssessmentRecord.from_assessment(assessment, case, created_at=WHEN).record_sha256
    )


def test_record_rejects_unknown_fields_and_formats(record: AssessmentRecord) -> None:
    data = json.loads(record.to_json())
    with pytest.raises(ValidationError):
        AssessmentRecord.model_validate({**data, "note": "extra"})
    with pytest.raises(ValidationError):
        AssessmentRecord.model_validate({**data, "format": "stalkrisk-record/3"})
    with pytest.raises(ValidationError):
        AssessmentRecord.model_validate({**data, "input_sha256": "not-a-hash"})


# --- verify: nothing differs -------------------------------------------------------------------


def test_verify_intact_record(record: AssessmentRecord, case: Case) -> None:
    assert verify(record, case) == []


def test_verify_accepts_record_as_dict_or_json_and_case_as_dict(
    record: AssessmentRecord, case: Case
) -> None:
    text = record.to_json()
    assert verify(text, case) == []
    assert verify(json.loads(text), case) == []
    assert verify(record.model_dump(), case) == []
    assert verify(record, case.model_dump(mode="json")) == []
    assert verify(text, _ex01_data()) == []


def test_verify_record_with_an_override(assessment: Assessment, case: Case) -> None:
    twice = assessment.with_override(
        "serious_harm", "moderate", "protective_factors", REASON, "PO-117"
    ).with_override("continued_stalking", "low", "data_quality", REASON, "PO-9")
    rec = AssessmentRecord.from_assessment(twice, case, created_at=WHEN)
    assert verify(rec, case) == []
    assert verify(rec.to_json(), case) == []


def test_verify_with_the_bundled_instrument_named_explicitly(
    record: AssessmentRecord, case: Case
) -> None:
    assert verify(record, case, SCREEN_1) == []
    assert verify(record, case, stalkrisk.load_instrument(SCREEN_1)) == []


# --- verify: what it reports -------------------------------------------------------------------


def test_verify_reports_a_changed_case(record: AssessmentRecord) -> None:
    data = _ex01_data()
    data["victim"]["fear"] = "not_afraid"
    diffs = verify(record, data)
    fields = _fields(diffs)
    assert fields[0] == "input_sha256"
    assert "case_id" not in fields
    assert "record_sha256" not in fields
    assert "scales.serious_harm.contributions.victim_fear" in fields
    first = diffs[0]
    assert first.recorded == EX01_INPUT_SHA256
    assert first.recomputed == input_sha256(Case.model_validate(data))
    assert "input hash differs" in first.message


def test_verify_reports_another_case_id(record: AssessmentRecord) -> None:
    data = _ex01_data()
    data["case_id"] = "EX-99"
    diffs = verify(record, data)
    assert _fields(diffs) == ["input_sha256", "case_id"]
    case_id = diffs[1]
    assert (case_id.recorded, case_id.recomputed) == ("EX-01", "EX-99")
    assert case_id.message == "the case id differs"


def test_verify_reports_a_different_case(record: AssessmentRecord) -> None:
    fields = _fields(verify(record, stalkrisk.load_example("EX-02")))
    assert fields[:2] == ["input_sha256", "case_id"]
    assert "scales.serious_harm.band" in fields
    assert "scales.serious_harm.red_flags" in fields


def test_verify_reports_a_tampered_total(record: AssessmentRecord, case: Case) -> None:
    text = record.to_json()
    total = record.assessment.scale("serious_harm").total
    assert total is not None
    old = f'"total": {total!r}'
    assert text.count(old) == 1
    tampered = text.replace(old, f'"total": {total - 1!r}')
    diffs = verify(tampered, case)
    assert _fields(diffs) == ["record_sha256", "scales.serious_harm.total"]
    seal, score = diffs
    assert seal.recorded == record.record_sha256
    assert seal.recomputed != record.record_sha256
    assert "altered" in seal.message
    assert (score.recorded, score.recomputed) == (str(total - 1), str(total))
    assert not AssessmentRecord.model_validate_json(tampered).content_intact()


def test_verify_reports_a_tampered_band(record: AssessmentRecord, case: Case) -> None:
    data = json.loads(record.to_json())
    harm = next(s for s in data["assessment"]["scales"] if s["scale"] == "serious_harm")
    assert harm["band"]["id"] == "high"
    harm["band"] = next(b for b in harm["bands"] if b["id"] == "low")
    diffs = verify(json.dumps(data, indent=2), case)
    assert _fields(diffs) == ["record_sha256", "scales.serious_harm.band"]
    assert (diffs[1].recorded, diffs[1].recomputed) == ("low", "high")
    # a forger who also re-hashes the record still cannot hide the changed band
    assert _fields(verify(_rehashed(data), case)) == ["scales.serious_harm.band"]


def test_verify_reports_a_tampered_override(assessment: Assessment, case: Case) -> None:
    overridden = assessment.with_override("serious_harm", "moderate", "other", REASON, "PO-117")
    data = json.loads(AssessmentRecord.from_assessment(overridden, case).to_json())
    harm = next(s for s in data["assessment"]["scales"] if s["scale"] == "serious_harm")
    harm["overrides"][0]["assessor"] = "PO-118"
    assert _fields(verify(data, case)) == ["record_sha256"]


def _instrument_data() -> dict[str, Any]:
    """The screen's content under its own id: a changed copy may not pose as the bundled one."""
    data: dict[str, Any] = stalkrisk.load_instrument(SCREEN_1).model_dump(mode="json")
    data["id"] = "screen-copy"
    return data


def _bump_top_level(data: dict[str, Any], item_id: str) -> None:
    item = next(i for i in data["items"] if i["id"] == item_id)
    item["levels"][-1]["points"] += 1


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_verify_reports_a_changed_instrument(
    record: AssessmentRecord, case: Case, tmp_path: Path
) -> None:
    data = _instrument_data()
    _bump_top_level(data, "previous_convictions")  # EX-01 has 14 convictions: the top level
    path = _write(tmp_path / "changed.json", data)
    changed = stalkrisk.load_instrument(path)
    diffs = verify(record, case, path)
    fields = _fields(diffs)
    assert fields[:2] == ["instrument.id", "instrument.sha256"]
    assert "instrument.version" not in fields
    assert "record_sha256" not in fields
    assert "input_sha256" not in fields
    assert "scales.continued_stalking.contributions.previous_convictions" in fields
    assert "scales.continued_stalking.total" in fields
    assert (diffs[1].recorded, diffs[1].recomputed) == (
        record.assessment.instrument.sha256,
        changed.sha256,
    )
    # the same, passed as text or as a loaded instrument
    assert verify(record, case, str(path)) == diffs
    assert verify(record, case, changed) == diffs


def test_a_changed_copy_cannot_pose_as_the_bundled_instrument(
    record: AssessmentRecord, case: Case, tmp_path: Path
) -> None:
    data = _instrument_data()
    data["id"] = "stalkrisk-screen"
    _bump_top_level(data, "previous_convictions")
    path = _write(tmp_path / "posing.json", data)
    with pytest.raises(stalkrisk.InstrumentFileError, match="belongs to the instrument bundled"):
        stalkrisk.load_instrument(path)
    diffs = verify(record, case, path)
    assert _fields(diffs) == ["instrument"]
    assert "belongs to the instrument bundled" in diffs[0].message


def test_verify_reports_a_different_instrument_version(
    record: AssessmentRecord, case: Case, tmp_path: Path
) -> None:
    data = _instrument_data()
    _bump_top_level(data, "previous_convictions")
    data["version"] = "9.9.9"
    path = _write(tmp_path / "newer.json", data)
    diffs = verify(record, case, path)
    assert _fields(diffs)[:3] == ["instrument.id", "instrument.version", "instrument.sha256"]
    version = diffs[1]
    assert (version.recorded, version.recomputed) == (record.assessment.instrument.version, "9.9.9")
    assert version.message == "the instrument version differs"


def test_verify_reports_an_override_against_a_band_no_longer_computed(
    assessment: Assessment, case: Case, tmp_path: Path
) -> None:
    overridden = assessment.with_override(
        "serious_harm", "moderate", "protective_factors", REASON, "PO-117"
    )
    rec = AssessmentRecord.from_assessment(overridden, case, created_at=WHEN)
    data = _instrument_data()
    for item in data["items"]:
        for level in item["levels"]:
            level["points"] = 0
    for scale in data["scales"]:
        scale["red_flags"] = []
    fields = _fields(verify(rec, case, _write(tmp_path / "zero.json", data)))
    assert "scales.serious_harm.band" in fields
    assert "scales.serious_harm.overrides[0].computed_band" in fields


def test_verify_reports_an_unknown_instrument_id_without_raising(
    record: AssessmentRecord, case: Case
) -> None:
    data = json.loads(record.to_json())
    data["assessment"]["instrument"]["id"] = "no-such-instrument"
    forged = _rehashed(data)
    assert AssessmentRecord.model_validate(forged).content_intact()
    diffs = verify(forged, case)
    assert _fields(diffs) == ["instrument"]
    (diff,) = diffs
    assert diff.recorded == "no-such-instrument"
    assert diff.recomputed is None
    assert diff.message.startswith("the record's instrument is not bundled with this library")


def test_verify_reports_a_broken_instrument_file_without_raising(
    record: AssessmentRecord, case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "stalkrisk-instrument/1", "id": "x"}', encoding="utf-8")
    diffs = verify(record, case, path)
    assert _fields(diffs) == ["instrument"]
    assert str(path) in diffs[0].message


def test_verify_still_raises_for_a_record_that_is_not_a_record(case: Case) -> None:
    with pytest.raises(ValidationError):
        verify("{}", case)
    with pytest.raises(ValidationError):
        verify({"format": RECORD_FORMAT}, case)


def test_differences_are_readable(record: AssessmentRecord) -> None:
    data = _ex01_data()
    data["case_id"] = "EX-99"
    diffs = verify(record, data)
    for d in diffs:
        assert isinstance(d, Difference)
        assert d.field
        assert d.message
        assert str(d) == f"{d.field}: {d.message} (recorded {d.recorded}, now {d.recomputed})"
    assert str(diffs[1]) == "case_id: the case id differs (recorded EX-01, now EX-99)"


# --- property: every valid case ----------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(cases())
def test_fresh_record_verifies_and_survives_json(case: Case) -> None:
    rec = AssessmentRecord.from_assessment(stalkrisk.score(case), case)
    assert rec.content_intact()
    assert verify(rec, case) == []
    back = AssessmentRecord.model_validate_json(rec.to_json())
    assert back == rec
    assert back.content_intact()
    assert verify(back, case) == []
    # and the case itself survives a JSON round trip with the same hash
    assert input_sha256(Case.model_validate_json(case.model_dump_json())) == rec.input_sha256


# --- the user's page ---------------------------------------------------------------------------

#: A top-level line of a doc example that states its value: ``expr  # 'value'`` or
#: ``expr  # ('a', 'b'): remark``.
_STATED = re.compile(r"^(?P<expr>[^\s#][^#\n]*?)  # (?P<value>\(.*?\)|'[^']*')", re.M)


def test_audit_doc_examples_run_and_state_true_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.DOTALL)
    assert len(blocks) == 3
    monkeypatch.chdir(tmp_path)
    stated = 0
    for i, code in enumerate(blocks):
        namespace: dict[str, Any] = {}
        exec(compile(code, f"docs/audit.md[{i}]", "exec"), namespace)
        for m in _STATED.finditer(code):
            assert eval(m["expr"], namespace) == eval(m["value"]), m["expr"]
            stated += 1
    assert stated == 4
    assert AssessmentRecord.model_validate_json(
        (tmp_path / "record.json").read_text()
    ).content_intact()
    assert "(record-schema.json)" in doc  # links to the record's JSON Schema


def test_input_hash_ignores_fields_left_at_their_defaults(case: Case) -> None:
    """A field a later schema adds (at its default) does not change an existing case's hash;
    spelling out a default is the same content as leaving it out."""
    data = case.model_dump(mode="json", exclude_defaults=True)
    spelled_out = Case.model_validate({**data, "synthetic": case.synthetic, "current_offence": {}})
    assert input_sha256(spelled_out) == input_sha256(case)
    changed = Case.model_validate({**data, "current_offence": {"ogrs3_group": "violence"}})
    assert input_sha256(changed) != input_sha256(case)
