"""Audit records: what was assessed, with what, and with what result; and re-checking them.

An :class:`AssessmentRecord` holds the sha256 of the canonical JSON of the validated input,
the full :class:`~stalkrisk.Assessment` (instrument id, version and hash; library version;
every scale's totals, contributions, unknowns, computed band, final band and overrides), a
timestamp, and the sha256 of the record itself. :func:`verify` recomputes everything it can
from the case and returns the differences; it never raises on a mere mismatch.

Canonical JSON: the validated model dumped in JSON mode, keys sorted, no whitespace, UTF-8,
no NaN or infinity; for the input, fields at their default values are left out. Its hash does
not depend on key order in the input file, on whitespace, on the run, or on optional fields
that later versions of the schema add.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from stalkrisk.assessment import Assessment, Contribution, ScaleResult, fmt_points
from stalkrisk.errors import InstrumentError
from stalkrisk.instruments import Instrument, bundled_instruments, load_instrument
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case, ItemAnswers
from stalkrisk.scoring import WeightedScorer

__all__ = [
    "RECORD_FORMAT",
    "AssessmentRecord",
    "Difference",
    "canonical_json",
    "input_sha256",
    "verify",
]

#: The record format this version of the library writes and reads.
RECORD_FORMAT: Final = "stalkrisk-record/1"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


def canonical_json(data: Any) -> str:
    """Return the canonical JSON text of ``data`` (a model or JSON-ready data).

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "é"]})
    '{"a":[1.5,"é"],"b":1}'
    """
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_input(case: Case | ItemAnswers) -> str:
    """Return the canonical JSON of a validated input.

    Fields at their default values are left out (the schema version is always kept), so a
    field added to the schema later does not change the hash of an existing case.
    """
    data = case.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = case.schema_version
    return canonical_json(data)


def input_sha256(case: Case | ItemAnswers) -> str:
    """Return the sha256 of the canonical JSON of a validated case (or item answers).

    Examples
    --------
    >>> import stalkrisk
    >>> a = Case.model_validate({"case_id": "H-1", "assessment_date": "2024-01-01",
    ...                          "victim": {"fear": "afraid"}})
    >>> b = Case.model_validate({"victim": {"fear": "afraid"}, "assessment_date": "2024-01-01",
    ...                          "case_id": "H-1"})
    >>> input_sha256(a) == input_sha256(b)
    True
    """
    return _sha256(canonical_input(case))


def _aware_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("created_at must include a time zone, e.g. 2024-05-01T09:30:00Z")
    return value.astimezone(dt.UTC)


class AssessmentRecord(BaseModel):
    """A verifiable record of one assessment.

    Build one with :meth:`from_assessment`; write it with :meth:`to_json`; read it back with
    ``AssessmentRecord.model_validate_json``; check it with :func:`verify`.

    Examples
    --------
    >>> import datetime as dt, stalkrisk
    >>> case = stalkrisk.load_example("EX-07")
    >>> when = dt.datetime(2026, 4, 27, 10, 0, tzinfo=dt.UTC)
    >>> record = AssessmentRecord.from_assessment(stalkrisk.score(case), case, created_at=when)
    >>> record.assessment.scale("serious_harm").final_band.id
    'high'
    >>> verify(record, case)
    []
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["stalkrisk-record/1"] = RECORD_FORMAT
    """The record format."""
    created_at: Annotated[dt.datetime, AfterValidator(_aware_utc)]
    """When the record was made (UTC)."""
    input_sha256: Sha256
    """sha256 of the canonical JSON of the validated case."""
    assessment: Assessment
    """The assessment, with any professional overrides."""
    record_sha256: Sha256
    """sha256 of the canonical JSON of every other field of this record."""

    @staticmethod
    def _content_hash(content: Mapping[str, Any]) -> str:
        return _sha256(canonical_json({k: v for k, v in content.items() if k != "record_sha256"}))

    @classmethod
    def from_assessment(
        cls,
        assessment: Assessment,
        case: Case | ItemAnswers,
        *,
        created_at: dt.datetime | None = None,
    ) -> AssessmentRecord:
        """Record ``assessment`` of ``case``, stamped ``created_at`` (default: now, UTC).

        Raises
        ------
        ValueError
            If the assessment is not of this case, or ``created_at`` has no time zone.
        """
        if assessment.case_id != case.case_id:
            raise ValueError("the assessment is of another case (case_id differs)")
        stamp = _aware_utc(created_at or dt.datetime.now(dt.UTC))
        content = {
            "format": RECORD_FORMAT,
            "created_at": stamp.isoformat().replace("+00:00", "Z"),
            "input_sha256": input_sha256(case),
            "assessment": assessment.model_dump(mode="json"),
        }
        return cls.model_validate({**content, "record_sha256": cls._content_hash(content)})

    def to_json(self) -> str:
        """Return the record as indented JSON text."""
        return self.model_dump_json(indent=2) + "\n"

    def recompute_sha256(self) -> str:
        """Return the sha256 of the record's content as it stands now."""
        content = self.model_dump(mode="json")
        content["created_at"] = self.created_at.isoformat().replace("+00:00", "Z")
        return self._content_hash(content)

    def content_intact(self) -> bool:
        """Return whether :attr:`record_sha256` matches the rest of the record."""
        return self.record_sha256 == self.recompute_sha256()


class Difference(BaseModel):
    """One way in which a record disagrees with what is recomputed now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    """What differs, as a dotted path (``scales.serious_harm.total``)."""
    recorded: str | None
    """The value in the record (as text)."""
    recomputed: str | None
    """The value recomputed now (as text)."""
    message: str
    """What the difference means."""

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (recorded {self.recorded}, now {self.recomputed})"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return canonical_json(value)
    return str(value)


def _describe(c: Contribution) -> str:
    points = "unknown" if c.points is None else fmt_points(c.points)
    return f"{c.value} -> {points}"


def _compare_scale(old: ScaleResult, new: ScaleResult) -> list[Difference]:
    out: list[Difference] = []
    base = f"scales.{old.scale}"

    def check(name: str, a: object, b: object, message: str) -> None:
        if a != b:
            out.append(
                Difference(
                    field=f"{base}.{name}", recorded=_text(a), recomputed=_text(b), message=message
                )
            )

    check("status", old.status.value, new.status.value, "the scale's status differs")
    check("total", old.total, new.total, "the total differs")
    check(
        "band",
        old.band.id if old.band else None,
        new.band.id if new.band else None,
        "the computed band differs",
    )
    check(
        "unknown_items",
        ",".join(old.unknown_items),
        ",".join(new.unknown_items),
        "the unknown items differ",
    )
    old_points = {c.item: _describe(c) for c in old.contributions}
    new_points = {c.item: _describe(c) for c in new.contributions}
    for item in sorted(set(old_points) | set(new_points)):
        check(
            f"contributions.{item}",
            old_points.get(item),
            new_points.get(item),
            "the item's value or points differ",
        )
    fired_old = ",".join(f.id for f in old.fired_red_flags)
    fired_new = ",".join(f.id for f in new.fired_red_flags)
    check("red_flags", fired_old, fired_new, "the red flags that fired differ")
    for i, o in enumerate(old.overrides):
        computed = o.computed_band.id if o.computed_band else None
        check(
            f"overrides[{i}].computed_band",
            computed,
            new.band.id if new.band else None,
            "the override was made against a computed band that is not the one recomputed now",
        )
    return out


def verify(
    record: AssessmentRecord | Mapping[str, Any] | str,
    case: Case | ItemAnswers | Mapping[str, Any],
    instrument: InstrumentSource | None = None,
) -> list[Difference]:
    """Recompute an assessment from ``case`` and list how ``record`` differs; ``[]`` if none.

    Parameters
    ----------
    record : AssessmentRecord, mapping or JSON text
        The record to check.
    case : Case or mapping
        The case the record says was assessed.
    instrument : str, path or Instrument, optional
        The instrument to re-score with; by default the bundled instrument with the record's
        instrument id.

    Returns
    -------
    list of Difference
        Empty when the record is intact and everything recomputes identically.

    Raises
    ------
    pydantic.ValidationError
        Only if ``record`` or ``case`` is not a well-formed record or case at all.
    """
    if isinstance(record, str):
        record = AssessmentRecord.model_validate_json(record)
    elif not isinstance(record, AssessmentRecord):
        record = AssessmentRecord.model_validate(record)
    answers = record.assessment.input_kind == "answers"
    if not isinstance(case, Case | ItemAnswers):
        case = (ItemAnswers if answers else Case).model_validate(case)
    diffs: list[Difference] = []
    recorded = record.assessment

    def add(name: str, a: object, b: object, message: str) -> None:
        diffs.append(
            Difference(field=name, recorded=_text(a), recomputed=_text(b), message=message)
        )

    if not record.content_intact():
        add(
            "record_sha256",
            record.record_sha256,
            record.recompute_sha256(),
            "the record has been altered since it was written (its own hash does not match)",
        )
    if record.input_sha256 != input_sha256(case):
        add(
            "input_sha256",
            record.input_sha256,
            input_sha256(case),
            "the case is not the one that was assessed (input hash differs)",
        )
    if recorded.case_id != case.case_id:
        add("case_id", recorded.case_id, case.case_id, "the case id differs")

    try:
        if instrument is None:  # by default, only a bundled instrument: never a path in a record
            bundled = bundled_instruments()
            if recorded.instrument.id not in bundled:
                add(
                    "instrument",
                    recorded.instrument.id,
                    None,
                    "the record's instrument is not bundled with this library; pass the "
                    "instrument file to re-score with (verify(..., instrument=PATH))",
                )
                return diffs
            used: Instrument = bundled[recorded.instrument.id]
        else:
            used = load_instrument(instrument)
    except (InstrumentError, ValidationError) as exc:
        add(
            "instrument",
            recorded.instrument.id,
            None,
            f"the instrument cannot be loaded to re-score: {str(exc).splitlines()[0]}",
        )
        return diffs
    if used.id != recorded.instrument.id:
        add("instrument.id", recorded.instrument.id, used.id, "a different instrument")
    if used.version != recorded.instrument.version:
        add(
            "instrument.version",
            recorded.instrument.version,
            used.version,
            "the instrument version differs",
        )
    if used.sha256 != recorded.instrument.sha256:
        add(
            "instrument.sha256",
            recorded.instrument.sha256,
            used.sha256,
            "the instrument's content differs (its hash does not match)",
        )

    try:
        scorer = WeightedScorer(used)
        fresh = scorer.score_answers(case) if isinstance(case, ItemAnswers) else scorer.score(case)
    except (InstrumentError, ValidationError) as exc:
        add("input", None, None, f"the input cannot be re-scored: {str(exc).splitlines()[0]}")
        return diffs
    if fresh.library_version != recorded.library_version:
        add(
            "library_version",
            recorded.library_version,
            fresh.library_version,
            "recomputed with another version of stalkrisk",
        )
    old_scales = {s.scale: s for s in recorded.scales}
    new_scales = {s.scale: s for s in fresh.scales}
    for scale_id in sorted(set(old_scales) | set(new_scales)):
        if scale_id not in new_scales or scale_id not in old_scales:
            add(
                f"scales.{scale_id}",
                scale_id if scale_id in old_scales else None,
                scale_id if scale_id in new_scales else None,
                "the scale is not in both",
            )
            continue
        diffs += _compare_scale(old_scales[scale_id], new_scales[scale_id])
    return diffs
