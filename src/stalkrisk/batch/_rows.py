"""The rows of a batch: results, structured errors, statuses and the summary."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from stalkrisk.assessment import ScaleStatus


class ErrorKind(StrEnum):
    """Why a record could not be scored (the kinds are documented in ``docs/batch.md``)."""

    ENCODING = "encoding"
    """The record is not UTF-8."""
    TOO_LONG = "too_long"
    """The record is longer than :data:`MAX_RECORD_BYTES`."""
    JSON = "json"
    """The record is not valid JSON (including NaN or Infinity, and a cut-short last line)."""
    NOT_OBJECT = "not_object"
    """The record is valid JSON but not an object."""
    CSV = "csv"
    """The CSV record breaks the CSV rules or the column convention."""
    VALIDATION = "validation"
    """The record is not a valid case (the problems name each field and rule)."""


class RowStatus(StrEnum):
    """A row's outcome, counted by :class:`BatchSummary`."""

    SCORED = "scored"
    """A valid case whose every scale was scored."""
    UNSCORABLE = "unscorable"
    """A valid case with at least one scale not scored (too much unknown)."""
    INVALID = "invalid"
    """A record that could not be read or is not a valid case."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Frozen):
    """One problem with a record: where, and what, without the submitted value.

    ``field`` is a field path such as ``history.convictions[0].date``, ``(top level)``, or a CSV
    column.
    """

    field: str
    message: str
    type: str
    """A stable code: pydantic's error type, or the :class:`ErrorKind` for read errors."""


class RecordError(_Frozen):
    """Why one record has no result.

    Examples
    --------
    >>> from stalkrisk.batch import score_many
    >>> row = next(iter(score_many([{"case_id": "B-1", "assessment_date": "2024-13-01"}])))
    >>> e = row.error
    >>> e.record, e.kind.value, e.field, e.message
    (1, 'validation', 'assessment_date', 'Input should be a valid date or datetime, month value is outside expected range of 1-12')
    """  # noqa: E501 - a doctest's output is one line

    record: int
    """The record's number, from 1, in input order."""
    kind: ErrorKind
    problems: tuple[Problem, ...]
    """The first :data:`MAX_PROBLEMS` problems."""
    problem_count: int
    """How many problems there were in all."""

    @property
    def field(self) -> str:
        """The field path of the first problem."""
        return self.problems[0].field

    @property
    def message(self) -> str:
        """The message of the first problem."""
        return self.problems[0].message

    def __str__(self) -> str:
        more = self.problem_count - 1
        extra = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        return f"record {self.record}: {self.field}: {self.message}{extra}"


class TopContribution(_Frozen):
    """An item among a scale's largest contributions, with its points."""

    item: str
    points: float


class HorizonRow(_Frozen):
    """A logistic scale's percentage at one horizon (OGRS3's one and two years, say)."""

    id: str
    percent: float


class ScaleRow(_Frozen):
    """One scale's result in a batch row."""

    scale: str
    status: ScaleStatus
    total: float | None
    """As :attr:`ScaleResult.total <stalkrisk.ScaleResult.total>`."""
    band: str | None
    """The computed band's id (red flags included); ``None`` when not scored."""
    band_floor: str | None
    """The lowest band the fired red flags allow, even when the scale is not scored."""
    top: tuple[TopContribution, ...]
    """The largest non-zero contributions, largest first (ties in instrument order)."""
    horizons: tuple[HorizonRow, ...] = ()
    """A logistic scale's percentage at each horizon (empty for other scales, and when the
    scale is not scored)."""


class BatchInstrument(_Frozen):
    """The instrument (or model) that produced a batch: id, version, hash, validation, scales."""

    id: str
    version: str
    sha256: str
    scales: tuple[str, ...]
    validation_status: str
    """How far its weights are validated (``illustrative``, ``published``,
    ``locally_fitted``, ``locally_validated``), carried on every row so that an export is
    never read without it."""
    horizons: tuple[tuple[str, ...], ...] = ()
    """Per scale (in :attr:`scales`' order), the ids of its horizons: a logistic scale's
    follow-up periods, each a column of percentages in flat outputs; empty otherwise."""

    def scale_horizons(self, scale: str) -> tuple[str, ...]:
        """Return the horizon ids of ``scale`` (empty for a scale without horizons)."""
        if not self.horizons:
            return ()
        return dict(zip(self.scales, self.horizons, strict=True)).get(scale, ())


class BatchRow(_Frozen):
    """The result of one input record: the scores, or an error.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.batch import score_many
    >>> row = next(iter(score_many([stalkrisk.load_example("EX-01")])))
    >>> harm = row.scale("serious_harm")
    >>> harm.band, [t.item for t in harm.top]
    ('many', ['violence_history', 'ex_intimate_partner', 'threats_of_violence'])
    """

    record: int
    """The record's number, from 1, in input order."""
    line: int | None = None
    """The line the record is on (JSONL files only)."""
    case_id: str | None
    """The case id, when the record gives a valid one."""
    instrument: BatchInstrument
    scales: tuple[ScaleRow, ...] = ()
    """Per scale results, in the instrument's order; empty for an invalid record."""
    error: RecordError | None = None

    @property
    def status(self) -> RowStatus:
        """Scored, unscorable (some scale not scored) or invalid."""
        if self.error is not None:
            return RowStatus.INVALID
        if all(s.status is ScaleStatus.SCORED for s in self.scales):
            return RowStatus.SCORED
        return RowStatus.UNSCORABLE

    def scale(self, scale_id: str) -> ScaleRow:
        """Return the result of scale ``scale_id``."""
        for s in self.scales:
            if s.scale == scale_id:
                return s
        raise KeyError(f"this row has no scale {scale_id!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data (the JSONL output format)."""
        return {
            "record": self.record,
            "line": self.line,
            "case_id": self.case_id,
            "status": self.status.value,
            "instrument": instrument_dict(self.instrument),
            "scales": {s.scale: _scale_dict(s) for s in self.scales},
            "error": None if self.error is None else error_dict(self.error),
        }


def instrument_dict(instrument: BatchInstrument) -> dict[str, Any]:
    """Return the ``instrument`` of :meth:`BatchRow.to_dict`."""
    return {
        "id": instrument.id,
        "version": instrument.version,
        "sha256": instrument.sha256,
        "validation_status": instrument.validation_status,
    }


def _scale_dict(s: ScaleRow) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": s.status.value,
        "total": s.total,
        "band": s.band,
        "band_floor": s.band_floor,
        "top": [[t.item, t.points] for t in s.top],
    }
    if s.horizons:
        data["horizons"] = {h.id: h.percent for h in s.horizons}
    return data


# --- the flat columns of CSV, Parquet and frames -------------------------------------------


def flat_header(instrument: BatchInstrument | None) -> list[str]:
    """Return the flat columns of rows made with ``instrument`` (CSV, Parquet, frames).

    ``record``, ``case_id``, ``status``; per scale ``<scale>.status``, ``<scale>.total``,
    ``<scale>.band``, ``<scale>.band_floor`` and, for each horizon of a logistic scale,
    ``<scale>.<horizon>.percent``; then ``top_contributions``, ``instrument``,
    ``instrument_sha256``, ``instrument_validation_status`` and ``error``.
    """
    per_scale: list[str] = []
    if instrument is not None:
        for scale in instrument.scales:
            parts = ("status", "total", "band", "band_floor")
            per_scale += [f"{scale}.{part}" for part in parts]
            per_scale += [f"{scale}.{h}.percent" for h in instrument.scale_horizons(scale)]
    return [
        "record",
        "case_id",
        "status",
        *per_scale,
        "top_contributions",
        "instrument",
        "instrument_sha256",
        "instrument_validation_status",
        "error",
    ]


def flat_kind(column: str) -> str:
    """Return the type of a flat column: ``int``, ``float`` or ``str``."""
    if column == "record":
        return "int"
    return "float" if column.endswith((".total", ".percent")) else "str"


def flat_values(row: BatchRow) -> list[Any]:
    """Return a row's values in the columns of :func:`flat_header`, typed (``None``: empty)."""
    by_id = {s.scale: s for s in row.scales}
    per_scale: list[Any] = []
    for scale_id in row.instrument.scales:
        horizon_ids = row.instrument.scale_horizons(scale_id)
        s = by_id.get(scale_id)
        if s is None:
            per_scale += [None] * (4 + len(horizon_ids))
            continue
        per_scale += [s.status.value, s.total, s.band, s.band_floor]
        percents = {h.id: h.percent for h in s.horizons}
        per_scale += [percents.get(h) for h in horizon_ids]
    compact = (",", ":")
    top = {s.scale: [[t.item, t.points] for t in s.top] for s in row.scales}
    return [
        row.record,
        row.case_id,
        row.status.value,
        *per_scale,
        json.dumps(top, separators=compact) if row.scales else None,
        f"{row.instrument.id}@{row.instrument.version}",
        row.instrument.sha256,
        row.instrument.validation_status,
        None if row.error is None else json.dumps(error_dict(row.error), separators=compact),
    ]


def error_dict(e: RecordError) -> dict[str, Any]:
    return {
        "record": e.record,
        "kind": e.kind.value,
        "problems": [{"field": p.field, "message": p.message, "type": p.type} for p in e.problems],
        "problem_count": e.problem_count,
    }


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """How many records were scored, unscorable and invalid, and how many in all."""

    scored: int = 0
    unscorable: int = 0
    invalid: int = 0
    total: int = 0

    def __str__(self) -> str:
        return (
            f"{self.total} record{'s' if self.total != 1 else ''}: {self.scored} scored, "
            f"{self.unscorable} unscorable, {self.invalid} invalid"
        )


class Tally:
    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts = dict.fromkeys(RowStatus, 0)

    def add(self, row: BatchRow) -> None:
        self.counts[row.status] += 1

    def add_status(self, status: RowStatus) -> None:
        self.counts[status] += 1

    def summary(self) -> BatchSummary:
        c = self.counts
        return BatchSummary(
            scored=c[RowStatus.SCORED],
            unscorable=c[RowStatus.UNSCORABLE],
            invalid=c[RowStatus.INVALID],
            total=sum(c.values()),
        )
