"""Audit records: what was assessed, with what, and with what result; and re-checking them.

An :class:`AssessmentRecord` holds the sha256 of the canonical JSON of the validated input,
the full :class:`~stalkrisk.Assessment` (instrument id, version and hash; library version;
every scale's totals, contributions, unknowns, computed band, final band and overrides), a
timestamp, the sha256 of the record itself and, optionally, an Ed25519 signature
(:mod:`stalkrisk.signing`). :func:`verify` re-scores the case and compares every field that
can be recomputed; it never raises on a mere mismatch.

What a record proves (``docs/audit.md`` says it at length):

- **Without a signature**, ``record_sha256`` shows only that the record is internally
  consistent: anyone who edits a record can recompute it. :func:`verify` re-scores the case
  and compares every recomputable field, so an edited score, band, red flag, validation
  statement or notice is found; but the overrides and the assessor are a professional's
  judgement, which cannot be recomputed, and an edited override is not detectable.
- **With a signature** checked against the service's public key, the whole record,
  overrides and assessor included, is authenticated as written by the holder of the key.

Canonical JSON (format ``stalkrisk-record/2``): RFC 8785 (JCS) of the validated model dumped
in JSON mode; for the input, fields at their default values are left out (the schema version
is always kept). The hash does not depend on key order, whitespace, the run, or optional
fields that later versions of the schema add, and any language with an RFC 8785 library
recomputes it. Records of format ``stalkrisk-record/1`` (hashed with Python's ``json.dumps``)
are still read and verified by their own scheme.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal, Protocol, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

from stalkrisk._internal.canonical import (
    canonical_json,
    canonical_sha256,
    legacy_canonical_json,
    legacy_sha256,
)
from stalkrisk._internal.jsonschema import schema_document
from stalkrisk._internal.public import export
from stalkrisk._internal.validation import discreet_errors, parse_document_json
from stalkrisk.assessment import Assessment, Contribution, ScaleResult, fmt_points
from stalkrisk.bands import Band
from stalkrisk.errors import InstrumentError, InstrumentFileError
from stalkrisk.instruments import (
    Instrument,
    bundled_instrument,
    bundled_instruments,
    load_instrument,
)
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case, ItemAnswers
from stalkrisk.scoring import WeightedScorer

__all__ = [
    "RECORD_FORMAT",
    "AssessmentRecord",
    "Difference",
    "RecordSignature",
    "canonical_json",
    "input_sha256",
    "record_json_schema",
    "verify",
]

#: The record format this version of the library writes.
RECORD_FORMAT: Final = "stalkrisk-record/2"
#: The first record format (hashes by Python's ``json.dumps``): still read and verified.
RECORD_FORMAT_1: Final = "stalkrisk-record/1"

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

# Messages of the differences that are not about a recomputed value (tests match them).
NOT_SIGNED: Final = (
    "the record is not signed, so it cannot be authenticated with a public key; its own hash "
    "shows only that it is internally consistent"
)
BAD_SIGNATURE: Final = (
    "the signature does not match the record: the record (or its overrides) was changed after "
    "it was signed, or it was signed with another key"
)
OTHER_KEY: Final = "the record was signed with another key (key id {key_id})"


def canonical_input(case: Case | ItemAnswers, record_format: str = RECORD_FORMAT) -> str:
    """Return the canonical JSON of a validated input.

    Fields at their default values are left out (the schema version is always kept), so a
    field added to the schema later does not change the hash of an existing case.
    """
    data = case.model_dump(mode="json", exclude_defaults=True)
    data["schema_version"] = case.schema_version
    if record_format == RECORD_FORMAT_1:
        return legacy_canonical_json(data)
    return canonical_json(data)


def input_sha256(case: Case | ItemAnswers) -> str:
    """Return the sha256 of the canonical JSON (RFC 8785) of a validated case or answers.

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
    return _input_sha256(case, RECORD_FORMAT)


def _input_sha256(case: Case | ItemAnswers, record_format: str) -> str:
    return hashlib.sha256(canonical_input(case, record_format).encode("utf-8")).hexdigest()


def _aware_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("created_at must include a time zone, e.g. 2024-05-01T09:30:00Z")
    return value.astimezone(dt.UTC)


class SigningKeyLike(Protocol):
    """What :meth:`AssessmentRecord.signed` needs of a key (see :mod:`stalkrisk.signing`)."""

    @property
    def key_id(self) -> str:
        """The sha256 of the raw public key, as hex."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Return the Ed25519 signature of ``message``."""
        ...


class PublicKeyLike(Protocol):
    """What :meth:`AssessmentRecord.signature_status` needs of a public key."""

    @property
    def key_id(self) -> str:
        """The sha256 of the raw public key, as hex."""
        ...

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Return whether ``signature`` is this key's signature of ``message``."""
        ...


_B64_ED25519 = r"^[A-Za-z0-9+/]{86}==$"


class RecordSignature(BaseModel):
    """An Ed25519 signature of a record (everything in it but this signature).

    The signed message is the UTF-8 bytes of the RFC 8785 canonical JSON of the record's
    JSON dump without its ``signature`` field; ``value`` is the 64-byte signature in base64;
    ``key_id`` the sha256 (hex) of the signer's 32-byte raw public key.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    algorithm: Literal["ed25519"] = "ed25519"
    """The signature algorithm (RFC 8032)."""
    key_id: Sha256
    """The sha256 (hex) of the signer's raw 32-byte public key."""
    value: Annotated[str, Field(pattern=_B64_ED25519)]
    """The signature, base64 (standard alphabet, padded)."""


class AssessmentRecord(BaseModel):
    """A verifiable record of one assessment.

    Build one with :meth:`from_assessment`; write it with :meth:`to_json`; read it back with
    ``AssessmentRecord.model_validate_json``; check it with :func:`verify`; sign it with
    :meth:`signed` (the ``[sign]`` extra: :mod:`stalkrisk.signing`).

    Examples
    --------
    >>> import datetime as dt, stalkrisk
    >>> case = stalkrisk.load_example("EX-07")
    >>> when = dt.datetime(2026, 4, 27, 10, 0, tzinfo=dt.UTC)
    >>> record = AssessmentRecord.from_assessment(stalkrisk.score(case), case, created_at=when)
    >>> record.format, record.assessment.scale("serious_harm").final_band.id
    ('stalkrisk-record/2', 'many')
    >>> verify(record, case)
    []
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    format: Literal["stalkrisk-record/1", "stalkrisk-record/2"] = RECORD_FORMAT
    """The record format: ``stalkrisk-record/2`` (RFC 8785 hashes) is written; records of
    format ``stalkrisk-record/1`` are still read and verified."""
    created_at: Annotated[dt.datetime, AfterValidator(_aware_utc)]
    """When the record was made (UTC)."""
    input_sha256: Sha256
    """sha256 of the canonical JSON of the validated case."""
    assessment: Assessment
    """The assessment, with any professional overrides."""
    record_sha256: Sha256
    """sha256 of the canonical JSON of every other field of this record but the signature."""
    signature: RecordSignature | None = None
    """An Ed25519 signature of the record (format 2 only), or ``None``."""

    @model_validator(mode="wrap")
    @classmethod
    def _discreet(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        try:
            return handler(data)
        except ValidationError as exc:
            raise discreet_errors(cls, exc) from None

    @model_validator(mode="after")
    def _signature_needs_format_2(self) -> Self:
        if self.signature is not None and self.format == RECORD_FORMAT_1:
            raise ValueError("only records of format stalkrisk-record/2 can be signed")
        return self

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> Self:
        """Validate a record's JSON text, parsed strictly (no duplicate keys, NaN, ...).

        Raises
        ------
        pydantic.ValidationError
            For invalid JSON (type ``json_invalid``) and for every schema problem.
        """
        return cls.model_validate(parse_document_json(cls, json_data), **kwargs)

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
            "created_at": _stamp(stamp),
            "input_sha256": input_sha256(case),
            "assessment": assessment.model_dump(mode="json"),
        }
        return cls.model_validate({**content, "record_sha256": canonical_sha256(content)})

    def to_json(self) -> str:
        """Return the record as indented JSON text (with no ``signature`` key if unsigned)."""
        exclude = {"signature"} if self.signature is None else None
        legacy = self.format == RECORD_FORMAT_1  # as written: no field added since
        return self.model_dump_json(indent=2, exclude=exclude, exclude_unset=legacy) + "\n"

    def _dump(self) -> dict[str, Any]:
        # A format-1 record is hashed as it was written: fields added to results since then
        # (given their defaults when the record is read) were not in it.
        legacy = self.format == RECORD_FORMAT_1
        data = self.model_dump(mode="json", exclude={"signature"}, exclude_unset=legacy)
        data["created_at"] = _stamp(self.created_at)
        return data

    def recompute_sha256(self) -> str:
        """Return the sha256 of the record's content as it stands now (by its format's scheme)."""
        content = {k: v for k, v in self._dump().items() if k != "record_sha256"}
        if self.format == RECORD_FORMAT_1:
            return legacy_sha256(content)
        return canonical_sha256(content)

    def content_intact(self) -> bool:
        """Return whether :attr:`record_sha256` matches the rest of the record.

        This shows only that the record is internally consistent: anyone who edits a record
        can recompute the hash. A signature (:meth:`signed`) shows who made it.
        """
        return self.record_sha256 == self.recompute_sha256()

    def signed_message(self) -> bytes:
        """Return the bytes a signature covers: the canonical JSON of all but the signature."""
        return canonical_json(self._dump()).encode("utf-8")

    def signed(self, key: SigningKeyLike) -> AssessmentRecord:
        """Return a copy signed with ``key`` (a :class:`stalkrisk.signing.SigningKey`).

        The signature covers everything in the record, overrides and assessor included.

        Raises
        ------
        ValueError
            If the record is of format 1 (re-make it to sign it), or its hash does not match
            its content (a record is signed only as it was made).
        """
        if self.format == RECORD_FORMAT_1:
            raise ValueError("only records of format stalkrisk-record/2 can be signed")
        if not self.content_intact():
            raise ValueError("the record's own hash does not match its content; not signed")
        value = base64.b64encode(key.sign(self.signed_message())).decode("ascii")
        signature = RecordSignature(key_id=key.key_id, value=value)
        return self.model_copy(update={"signature": signature})

    def signature_status(self, public_key: PublicKeyLike) -> str:
        """Check the signature against ``public_key``.

        Returns
        -------
        str
            ``"valid"``, ``"unsigned"``, ``"other_key"`` (signed, but with another key) or
            ``"invalid"`` (the record was changed after signing, or the signature is forged).
        """
        if self.signature is None:
            return "unsigned"
        if self.signature.key_id != public_key.key_id:
            return "other_key"
        try:
            raw = base64.b64decode(self.signature.value, validate=True)
        except (binascii.Error, ValueError):
            return "invalid"
        return "valid" if public_key.verify(raw, self.signed_message()) else "invalid"


def _stamp(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


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
    if isinstance(value, dict | list):
        return canonical_json(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _describe(c: Contribution) -> str:
    points = "unknown" if c.points is None else fmt_points(c.points)
    return f"{c.value} -> {points}"


class _Diffs:
    """The differences found so far, by field path."""

    def __init__(self) -> None:
        self.items: list[Difference] = []

    def add(self, field: str, recorded: object, recomputed: object, message: str) -> None:
        self.items.append(
            Difference(
                field=field, recorded=_text(recorded), recomputed=_text(recomputed), message=message
            )
        )

    def check(self, field: str, recorded: object, recomputed: object, message: str) -> None:
        if recorded != recomputed:
            self.add(field, recorded, recomputed, message)

    def covers(self, field: str) -> bool:
        """Whether ``field`` (or a field containing it) is already reported."""
        return any(field == d.field or field.startswith(d.field + ".") for d in self.items)


def _same_band(recorded: Band | None, fresh: Band | None, *, legacy: bool) -> bool:
    """Whether a recorded band is the fresh one: wholly, or (format 1) in what it recorded."""
    if recorded is None or fresh is None:
        return recorded is fresh
    if legacy:  # format-1 bands held no cut-points
        return (recorded.id, recorded.label, recorded.rank) == (fresh.id, fresh.label, fresh.rank)
    return recorded == fresh


def _compare_scale(
    old: ScaleResult, new: ScaleResult, diffs: _Diffs, *, legacy: bool = False
) -> None:
    base = f"scales.{old.scale}"
    diffs.check(f"{base}.status", old.status.value, new.status.value, "the scale's status differs")
    diffs.check(f"{base}.total", old.total, new.total, "the total differs")
    diffs.check(
        f"{base}.band",
        old.band.id if old.band else None,
        new.band.id if new.band else None,
        "the computed band differs",
    )
    diffs.check(
        f"{base}.unknown_items",
        ",".join(old.unknown_items),
        ",".join(new.unknown_items),
        "the unknown items differ",
    )
    old_points = {c.item: _describe(c) for c in old.contributions}
    new_points = {c.item: _describe(c) for c in new.contributions}
    for item in sorted(set(old_points) | set(new_points)):
        diffs.check(
            f"{base}.contributions.{item}",
            old_points.get(item),
            new_points.get(item),
            "the item's value or points differ",
        )
    diffs.check(
        f"{base}.red_flags",
        ",".join(f.id for f in old.fired_red_flags),
        ",".join(f.id for f in new.fired_red_flags),
        "the red flags that fired differ",
    )
    bands = {b.id: b for b in new.bands}
    for i, o in enumerate(old.overrides):
        where = f"{base}.overrides[{i}]"
        diffs.check(
            f"{where}.scale",
            o.scale,
            old.scale,
            "the override is filed under another scale than the one it names",
        )
        if not _same_band(o.computed_band, new.band, legacy=legacy):  # the whole band
            diffs.add(
                f"{where}.computed_band",
                o.computed_band.id if o.computed_band else None,
                new.band.id if new.band else None,
                "the override was made against a computed band that is not the one recomputed now",
            )
        if not _same_band(o.final_band, bands.get(o.final_band.id), legacy=legacy):
            diffs.add(
                f"{where}.final_band",
                o.final_band,
                None,
                "the override's final band is not one of this scale's bands",
            )


#: List fields whose entries are compared by id (so a path names the entry, not a position).
_KEYS: Final = {"scales": "scale", "contributions": "item", "red_flags": "id", "horizons": "id"}
_MISSING: Final = object()


def _compare_values(
    path: str, old: Any, new: Any, diffs: _Diffs, *, only_recorded: bool = False
) -> None:
    """Report every difference between two JSON values not already reported at or above.

    With ``only_recorded`` (a format-1 record), a field the record does not hold is not
    compared: it was added to results after the record was written.
    """
    if diffs.covers(path):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        keys = set(old) if only_recorded else set(old) | set(new)
        for key in sorted(keys):
            _compare_values(
                f"{path}.{key}",
                old.get(key, _MISSING),
                new.get(key, _MISSING),
                diffs,
                only_recorded=only_recorded,
            )
        return
    name = path.rsplit(".", 1)[-1]
    key = _KEYS.get(name)
    if isinstance(old, list) and isinstance(new, list):
        if key and all(isinstance(e, dict) and key in e for e in [*old, *new]):
            old_ids, new_ids = [e[key] for e in old], [e[key] for e in new]
            if len(set(old_ids)) != len(old_ids):
                twice = sorted({i for i in old_ids if old_ids.count(i) > 1})
                diffs.add(path, ",".join(map(str, twice)), None, "an entry appears more than once")
                return
            if sorted(old_ids) == sorted(new_ids) and old_ids != new_ids:
                diffs.add(f"{path} (order)", old_ids, new_ids, "the order differs")
            by_old = {e[key]: e for e in old}
            by_new = {e[key]: e for e in new}
            for entry in sorted(set(by_old) | set(by_new)):
                _compare_values(
                    f"{path}.{entry}",
                    by_old.get(entry, _MISSING),
                    by_new.get(entry, _MISSING),
                    diffs,
                    only_recorded=only_recorded,
                )
            return
        if len(old) == len(new):
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                _compare_values(f"{path}[{i}]", a, b, diffs, only_recorded=only_recorded)
            return
    if old is _MISSING or new is _MISSING:
        diffs.add(
            path,
            None if old is _MISSING else old,
            None if new is _MISSING else new,
            "present in only one of the record and the fresh assessment",
        )
    elif old != new or (type(old) is not type(new) and not _same_number(old, new)):
        diffs.add(path, old, new, "differs from the value recomputed now")


def _same_number(a: object, b: object) -> bool:
    numbers = (int, float)
    return (
        isinstance(a, numbers)
        and isinstance(b, numbers)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
        and a == b
    )


def _without_overrides(assessment: Assessment, *, only_set: bool = False) -> dict[str, Any]:
    data = assessment.model_dump(mode="json", exclude_unset=only_set)
    for scale in data["scales"]:
        scale.pop("overrides", None)
    return data


def _instrument_for(
    recorded: Assessment, instrument: InstrumentSource | None, diffs: _Diffs
) -> Instrument | None:
    try:
        if instrument is None:  # by default, only a bundled instrument: never a path in a record
            ref = recorded.instrument
            found = bundled_instrument(ref.id, ref.version)
            if found is None:
                diffs.add(
                    "instrument",
                    ref.id,
                    None,
                    "the record's instrument version is not bundled with this library; pass "
                    "the instrument file to re-score with (verify(..., instrument=PATH))"
                    if ref.id in bundled_instruments()
                    else "the record's instrument is not bundled with this library; pass the "
                    "instrument file to re-score with (verify(..., instrument=PATH))",
                )
                return None
            return found
        return load_instrument(instrument)
    except (InstrumentError, ValidationError) as exc:
        reason = str(exc).splitlines()[0]
        if isinstance(exc, InstrumentFileError):
            shown = "; ".join(f"{loc}: {msg}" if loc else msg for loc, msg in exc.problems[:3])
            reason = f"{exc.source}: {shown}"
        diffs.add(
            "instrument",
            recorded.instrument.id,
            None,
            f"the instrument cannot be loaded to re-score: {reason}",
        )
        return None


def verify(
    record: AssessmentRecord | Mapping[str, Any] | str,
    case: Case | ItemAnswers | Mapping[str, Any],
    instrument: InstrumentSource | None = None,
    *,
    public_key: PublicKeyLike | None = None,
) -> list[Difference]:
    """Re-score ``case`` and list every way ``record`` differs from the fresh assessment.

    Every field that can be recomputed from the case and the instrument is compared: the
    input hash, the case id and date, the instrument (id, version, hash, title, validation
    status and statement), the library version, and for every scale its status, totals and
    range, bands and their order, every contribution, every red flag and its floor, the
    decision-support notice. Overrides, being a professional's judgement, cannot be
    recomputed; each must name its own scale, have been made against the computed band, and
    set one of the scale's bands. With ``public_key``, the signature is checked too, so that
    the overrides and the assessor are authenticated.

    Parameters
    ----------
    record : AssessmentRecord, mapping or JSON text
        The record to check.
    case : Case or mapping
        The case the record says was assessed.
    instrument : str, path or Instrument, optional
        The instrument to re-score with; by default the bundled instrument with the record's
        instrument id.
    public_key : stalkrisk.signing.PublicKey, optional
        The public key of the service that signs records; an unsigned record, a record
        signed with another key, or a signature that does not match is then a difference.

    Returns
    -------
    list of Difference
        Empty when everything recomputes identically (and, with ``public_key``, the
        signature is valid).

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
    diffs = _Diffs()
    recorded = record.assessment
    scheme = record.format

    if public_key is not None:
        status = record.signature_status(public_key)
        if status != "valid":
            key_id = record.signature.key_id if record.signature else None
            message = {
                "unsigned": NOT_SIGNED,
                "invalid": BAD_SIGNATURE,
                "other_key": OTHER_KEY.format(key_id=(key_id or "")[:16]),
            }[status]
            diffs.add("signature", key_id, public_key.key_id, message)
    if not record.content_intact():
        diffs.add(
            "record_sha256",
            record.record_sha256,
            record.recompute_sha256(),
            "the record has been altered since it was written (its own hash does not match)",
        )
    fresh_input = _input_sha256(case, scheme)
    diffs.check(
        "input_sha256",
        record.input_sha256,
        fresh_input,
        "the case is not the one that was assessed (input hash differs)",
    )
    diffs.check("case_id", recorded.case_id, case.case_id, "the case id differs")

    used = _instrument_for(recorded, instrument, diffs)
    if used is None:
        return diffs.items
    used_sha = used.legacy_sha256 if scheme == RECORD_FORMAT_1 else used.sha256
    diffs.check("instrument.id", recorded.instrument.id, used.id, "a different instrument")
    diffs.check(
        "instrument.version",
        recorded.instrument.version,
        used.version,
        "the instrument version differs",
    )
    diffs.check(
        "instrument.sha256",
        recorded.instrument.sha256,
        used_sha,
        "the instrument's content differs (its hash does not match)",
    )
    try:
        scorer = WeightedScorer(used)
        fresh = scorer.score_answers(case) if isinstance(case, ItemAnswers) else scorer.score(case)
    except (InstrumentError, ValidationError) as exc:
        diffs.add("input", None, None, f"the input cannot be re-scored: {str(exc).splitlines()[0]}")
        return diffs.items
    diffs.check(
        "library_version",
        recorded.library_version,
        fresh.library_version,
        "recomputed with another version of stalkrisk",
    )
    old_scales = {s.scale: s for s in recorded.scales}
    new_scales = {s.scale: s for s in fresh.scales}
    for scale_id in sorted(set(old_scales) | set(new_scales)):
        if scale_id not in new_scales or scale_id not in old_scales:
            diffs.add(
                f"scales.{scale_id}",
                scale_id if scale_id in old_scales else None,
                scale_id if scale_id in new_scales else None,
                "the scale is not in both",
            )
            continue
        _compare_scale(
            old_scales[scale_id], new_scales[scale_id], diffs, legacy=scheme == RECORD_FORMAT_1
        )
    # Every other recomputable field, compared whole: what the checks above do not name.
    legacy = scheme == RECORD_FORMAT_1
    old_dump = _without_overrides(recorded, only_set=legacy)
    new_dump = _without_overrides(fresh)
    new_dump["instrument"]["sha256"] = used_sha
    for key in sorted(set(old_dump) if legacy else set(old_dump) | set(new_dump)):
        old_value, new_value = old_dump.get(key, _MISSING), new_dump.get(key, _MISSING)
        _compare_values(key, old_value, new_value, diffs, only_recorded=legacy)
    return diffs.items


def record_json_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of an audit record (:class:`AssessmentRecord`).

    Published as ``docs/record-schema.json`` and printed by ``stalkrisk schema record``. Its
    ``$id`` names the record format this version writes; it validates records of every
    format the library reads.

    Examples
    --------
    >>> schema = record_json_schema()
    >>> schema["$id"]
    'https://stalkrisk.invalid/schema/record-2.json'
    >>> "assessment" in schema["required"]
    True
    """
    return schema_document(AssessmentRecord, "record-" + RECORD_FORMAT.rsplit("/", 1)[1])


export(__name__, __all__, globals())  # BatchScores, ScaleScores, canonical_json: defined privately
