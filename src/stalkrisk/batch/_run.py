"""The batch run: sources in, chunks validated and scored, one row per record out."""

from __future__ import annotations

import contextlib
import gc
import io
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel

from stalkrisk._internal import intake
from stalkrisk._internal.validation import ENTRIES_COUNTED, few_entries
from stalkrisk._internal.vectorised import BatchScores, ScaleScores
from stalkrisk.assessment import ScaleStatus
from stalkrisk.batch import _json as json_text
from stalkrisk.batch._frame_readers import arrow_file_records, frame_records
from stalkrisk.batch._limits import MAX_PROBLEMS, UNKNOWN_FORMAT
from stalkrisk.batch._readers import (
    Raw,
    csv_records,
    json_array_records,
    jsonl_records,
    parse_record,
)
from stalkrisk.batch._rows import (
    BatchInstrument,
    BatchRow,
    BatchSummary,
    ErrorKind,
    HorizonRow,
    Problem,
    RecordError,
    RowStatus,
    ScaleRow,
    Tally,
    TopContribution,
    instrument_dict,
)
from stalkrisk.errors import ANSWERS_ONLY, CaseFileError, InstrumentError
from stalkrisk.instruments import DEFAULT_INSTRUMENT, ValidationStatus
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case
from stalkrisk.schemas._base import MAX_LIST_ITEMS, TEXT_CELLS
from stalkrisk.scoring import WeightedScorer

_METERED: Final = frozenset({"jsonl", "json", "csv"})  # read through the opened stream
_M = TypeVar("_M", bound=BaseModel)
_T = TypeVar("_T")
_SHORT_TEXT: Final = {ENTRIES_COUNTED: True}

# --- scoring --------------------------------------------------------------------------------

Source = str | os.PathLike[str] | IO[bytes] | Iterable[Case | Mapping[str, Any]]
InputFormat = Literal["jsonl", "json", "csv", "parquet", "arrow"]
_SUFFIXES: Final[dict[str, InputFormat]] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".arrows": "arrow",
}


@dataclass(slots=True)
class _Meter:
    """How far through its input file a run is, for a progress bar."""

    stream: IO[bytes] | None = None
    size: int | None = None

    def fraction(self) -> float | None:
        if self.stream is None or not self.size:
            return None
        try:
            return min(1.0, self.stream.tell() / self.size)
        except (OSError, ValueError):  # closed, or not seekable
            return None


def _open_source(
    source: Source,
    input_format: InputFormat | None,
    stack: contextlib.ExitStack,
    meter: _Meter | None = None,
) -> Iterator[Raw]:
    frame = frame_records(source)  # pandas, polars, Arrow: see stalkrisk._frames
    if frame is not None:
        return frame
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        fmt = input_format or _SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise CaseFileError(UNKNOWN_FORMAT.format(name=path, suffix=path.suffix))
        try:
            stream: IO[bytes] = stack.enter_context(path.open("rb"))
        except FileNotFoundError:
            raise CaseFileError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise CaseFileError(f"{path}: is a folder, not a file") from None
        except OSError as exc:
            raise CaseFileError(f"{path}: cannot be read ({exc.strerror})") from None
        if meter is not None and fmt in _METERED:
            meter.stream, meter.size = stream, os.fstat(stream.fileno()).st_size
        return _file_records(stream, fmt, str(path))
    stream_like: Any = source
    if isinstance(stream_like, io.TextIOBase):
        stream_like = getattr(stream_like, "buffer", None)
        if stream_like is None:
            raise TypeError("score_many reads binary streams; open the file in 'rb' mode")
    if isinstance(stream_like, io.IOBase) or hasattr(stream_like, "readline"):
        return _file_records(stream_like, input_format or "jsonl", "<stream>")
    if isinstance(source, bytes | bytearray | Mapping | Case):
        raise TypeError(
            "score_many reads a path, a binary stream or an iterable of cases; "
            "to score one case, pass it in a list"
        )
    return (Raw(data=item) for item in source)


def _file_records(stream: IO[bytes], fmt: InputFormat, name: str) -> Iterator[Raw]:
    if fmt == "jsonl":
        return jsonl_records(stream)
    if fmt == "csv":
        return csv_records(stream, name)
    if fmt in ("parquet", "arrow"):
        return arrow_file_records(stream, fmt, name)
    return json_array_records(stream, name)


class _InstrumentRows:
    """Scores chunks of cases with an instrument, through the vectorised scorer."""

    def __init__(self, scorer: WeightedScorer) -> None:
        inst = scorer.instrument
        self.scorer = scorer
        self.info = BatchInstrument(
            id=inst.id,
            version=inst.version,
            sha256=inst.sha256,
            scales=tuple(s.id for s in inst.scales),
            validation_status=inst.validation.status.value,
            horizons=tuple(tuple(h.id for h in s.horizons) for s in inst.scales),
        )

    def score(self, cases: list[Case], top: int) -> BatchScores:  # top: as _ModelRows
        return self.scorer.score_batch(cases)

    def scales(self, scores: BatchScores, top: int) -> list[tuple[ScaleRow, ...]]:
        per_scale = [_scale_rows(s, top) for s in scores.scales]
        return list(zip(*per_scale, strict=True)) if per_scale else [() for _ in range(len(scores))]

    def json_scales(self, scores: BatchScores, top: int) -> list[tuple[RowStatus, str]]:
        """Return each case's status and the JSON text of its ``scales``, from the arrays.

        The text is that of ``json.dumps(row.to_dict()["scales"], ...)`` for the row that
        :meth:`scales` makes, without making it.
        """
        n = len(scores)
        per_case: list[dict[str, Any]] = [{} for _ in range(n)]
        unscorable = np.zeros(n, dtype=bool)
        plain = np.ones(n, dtype=bool)  # orjson writes the case's scales as json does
        for s in scores.scales:
            unscorable |= ~s.scored
            plain &= _scale_dicts(s, top, per_case)
        return [
            (
                RowStatus.UNSCORABLE if bad else RowStatus.SCORED,
                json_text.dumps_plain(scales) if fast else json_text.dumps(scales),
            )
            for scales, bad, fast in zip(per_case, unscorable.tolist(), plain.tolist(), strict=True)
        ]


def _construct(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build a row model from values that are valid by construction, without validating them.

    What ``model_construct`` does, for the few fixed models of a batch row and without its
    handling of defaults and aliases (every field is given): the rows come from validated
    cases and the scorer. tests/test_batch.py checks that rows equal validated rows.
    """
    row = cls.__new__(cls)
    object.__setattr__(row, "__dict__", values)
    object.__setattr__(row, "__pydantic_fields_set__", set(values))
    object.__setattr__(row, "__pydantic_extra__", None)
    object.__setattr__(row, "__pydantic_private__", None)
    return row


def _scale_rows(s: ScaleScores, top: int) -> list[ScaleRow]:
    """Return one scale's row parts for every case of a chunk (arrays read as lists once)."""
    ids = [b.id for b in s.bands]
    items = s.scale.items
    points = s.points.tolist()
    ranking = s.ranking[:, :top].tolist()
    ranked = s.ranked.tolist()
    scale_id = s.scale.id
    horizons = (
        s.horizons if s.scale.kind == "logistic" else (None,) * len(points)
    )  # per case: the horizons of a logistic scale (None where not scored)
    out = []
    for scored, total, rank, floor, order, count, row, case_horizons in zip(
        s.scored.tolist(),
        s.total.tolist(),
        s.rank.tolist(),
        s.floor_rank.tolist(),
        ranking,
        ranked,
        points,
        horizons,
        strict=True,
    ):
        tops = tuple(
            _construct(TopContribution, {"item": items[k], "points": row[k]})
            for k in order[: min(top, count)]
        )
        percents = tuple(
            _construct(HorizonRow, {"id": h.id, "percent": h.percent}) for h in case_horizons or ()
        )
        out.append(
            _construct(
                ScaleRow,
                {
                    "scale": scale_id,
                    "status": ScaleStatus.SCORED if scored else ScaleStatus.NOT_SCORED,
                    "total": total if scored else None,
                    "band": None if rank < 0 else ids[rank],
                    "band_floor": None if floor < 0 else ids[floor],
                    "top": tops,
                    "horizons": percents,
                },
            )
        )
    return out


_SCORED: Final = ScaleStatus.SCORED.value
_NOT_SCORED: Final = ScaleStatus.NOT_SCORED.value
_QUOTED_STATUS: Final = {s: json_text.quote_text(s.value) for s in RowStatus}


def _scale_dicts(s: ScaleScores, top: int, per_case: list[dict[str, Any]]) -> npt.NDArray[np.bool_]:
    """Add one scale's part of each case's ``scales`` (:meth:`BatchRow.to_dict`) to ``per_case``.

    Built from the engine's arrays, with no row models: the values of :func:`_scale_rows`, as
    ``to_dict`` gives them. Returns, per case, whether orjson may write the part as the
    standard library does (:mod:`stalkrisk.batch._json`).
    """
    ids = [b.id for b in s.bands]
    items = s.scale.items
    scale_id = s.scale.id
    order = s.ranking[:, :top]
    values = np.take_along_axis(s.points, order, axis=1)  # the top items' points, in order
    counts = np.minimum(s.ranked, order.shape[1])
    shown = np.arange(order.shape[1]) < counts[:, None]
    plain: npt.NDArray[np.bool_] = np.all(json_text.safe_floats(values) | ~shown, axis=1)
    plain &= json_text.safe_floats(s.total) | ~s.scored
    logistic = s.scale.kind == "logistic"
    if not json_text.plain_texts([scale_id, *ids, *items]):
        plain[:] = False
    for i, (scored, total, rank, floor, ranking, points, count) in enumerate(
        zip(
            s.scored.tolist(),
            s.total.tolist(),
            s.rank.tolist(),
            s.floor_rank.tolist(),
            order.tolist(),
            values.tolist(),
            counts.tolist(),
            strict=True,
        )
    ):
        part: dict[str, Any] = {
            "status": _SCORED if scored else _NOT_SCORED,
            "total": total if scored else None,
            "band": None if rank < 0 else ids[rank],
            "band_floor": None if floor < 0 else ids[floor],
            "top": [[items[k], p] for k, p in zip(ranking[:count], points, strict=False)],
        }
        if logistic and (horizons := s.horizons[i]):
            percents = {h.id: h.percent for h in horizons}
            part["horizons"] = percents
            if not (
                json_text.plain_texts(percents)
                and all(json_text.safe_float(p) for p in percents.values())
            ):
                plain[i] = False
        per_case[i][scale_id] = part
    return plain


#: The one "scale" of a row scored by a model: ``total`` is the probability, ``band`` the
#: model's band, and ``top`` the largest log-odds contributions (feature names).
MODEL_SCALE: Final = "model"


class _ModelRows:
    """Scores chunks of cases with a fitted model, by :class:`stalkrisk.model.CaseModel`."""

    def __init__(self, model: Any) -> None:
        from stalkrisk.model import (  # noqa: PLC0415 - the [ml] extra, only when asked for
            MODEL_FORMAT,
            CaseModel,
            LogisticRiskModel,
        )

        if not isinstance(model, CaseModel | LogisticRiskModel | str | os.PathLike):
            raise TypeError("model must be a LogisticRiskModel or the path of a saved model")
        self.model = CaseModel.of(model)
        self.info = BatchInstrument(
            id="logistic-model",
            version=MODEL_FORMAT,
            sha256=self.model.sha256,
            scales=(MODEL_SCALE,),
            # Fitted to local outcomes; not validated until checked on other cases.
            validation_status=ValidationStatus.LOCALLY_FITTED.value,
        )

    def score(self, cases: list[Case], top: int) -> Any:
        return self.model.predict(cases, top)

    def scales(self, result: Any, top: int) -> list[tuple[ScaleRow, ...]]:
        # the arrays CaseModel.score reads, read the same way, without a ModelScore per case
        bands = self.model.bands
        names = result.feature_names
        return [
            (
                _construct(
                    ScaleRow,
                    {
                        "scale": MODEL_SCALE,
                        "status": ScaleStatus.SCORED,
                        "total": probability,
                        "band": bands[band],
                        "band_floor": None,
                        "top": tuple(
                            _construct(TopContribution, {"item": names[k], "points": value})
                            for k, value in zip(order, values, strict=True)
                            if value
                        ),
                        "horizons": (),
                    },
                ),
            )
            for probability, band, order, values in zip(
                result.probability.tolist(),
                result.band.tolist(),
                result.top.tolist(),
                result.top_value.tolist(),
                strict=True,
            )
        ]


@dataclass(slots=True)
class _Chunk:
    """A chunk of records, validated, its valid cases scored: its rows are made on demand."""

    rows: list[BatchRow | None] = field(default_factory=list)
    """Per record, its error row; ``None`` for a valid case (made from the scores)."""
    cases: list[Case] = field(default_factory=list)
    where: list[tuple[int, int, int | None]] = field(default_factory=list)
    """Per case: (position in the chunk, record, line)."""
    scores: Any = None
    """What the scorer's ``score`` returned for :attr:`cases`."""


class BatchRun(Iterator[BatchRow]):
    """The rows of a batch, produced as they are read; :attr:`summary` counts them.

    Made by :func:`score_many`. Iterate it once; the input file is closed when the last row
    has been read, when :meth:`close` is called, or on leaving a ``with`` block.
    """

    def __init__(
        self,
        records: Iterator[Raw],
        scorer: _InstrumentRows | _ModelRows,
        *,
        chunk_size: int,
        progress: Callable[[int], object] | None,
        top: int,
        stack: contextlib.ExitStack,
        meter: _Meter | None = None,
        pause_gc: bool = False,
    ) -> None:
        self.instrument = scorer.info
        """The instrument (or model) that scores the rows."""
        self._records = records
        self._scorer = scorer
        self._chunk_size = chunk_size
        self._progress = progress
        self._top = top
        self._stack = stack
        self._meter = meter or _Meter()
        self._pause_gc = pause_gc
        self._tally = Tally()
        self._instrument_json: str | None = None
        self._chunks = self._record_chunks()
        self._pending: Iterator[BatchRow] = iter(())  # the rows of the chunk being read

    @property
    def fraction_read(self) -> float | None:
        """How much of the input file has been read, from 0 to 1 (``None`` if not known).

        Known for JSONL, JSON and CSV files named by path; not for streams, iterables and
        frames.
        """
        return self._meter.fraction()

    @property
    def summary(self) -> BatchSummary:
        """The counts of the rows produced so far (all of them once the run is exhausted)."""
        return self._tally.summary()

    def __next__(self) -> BatchRow:
        row = next(self._pending, None)
        if row is None:
            done, records = next(self._chunks)  # StopIteration: the last row has been read
            self._pending = iter(self._made(self._chunk_rows, done, records))
            row = next(self._pending)  # a chunk has a row for each of its records
        self._tally.add(row)
        return row

    def close(self) -> None:
        """Stop reading and close the input file."""
        self._pending = iter(())
        self._chunks.close()
        self._stack.close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _json_lines(self) -> Iterator[tuple[str, RowStatus]]:
        """Yield each remaining row's JSON Lines text (newline included) and status.

        The text of ``json.dumps(row.to_dict(), ensure_ascii=False, allow_nan=False)`` for
        the rows iteration would give, in order, counted in :attr:`summary` as they are; the
        rows of scored cases are written straight from the engine's arrays, with no row
        models (how :func:`~stalkrisk.batch.write_jsonl` reads a run).
        """
        for row in self._pending:  # rows of a chunk already made by iteration
            self._tally.add(row)
            yield json_text.dumps(row.to_dict()) + "\n", row.status
        for done, records in self._chunks:
            lines, statuses = self._made(self._chunk_lines, done, records)
            for line, status in zip(lines, statuses, strict=True):
                self._tally.add_status(status)
                yield line, status

    def _record_chunks(self) -> Generator[tuple[int, list[Raw]], None, None]:
        """Yield the records a chunk at a time, with how many came before; close at the end."""
        done = 0
        with self._stack:
            while records := list(islice(self._records, self._chunk_size)):
                yield done, records
                done += len(records)
                if self._progress is not None:
                    self._progress(done)

    def _made(self, make: Callable[[_Chunk], _T], done: int, records: list[Raw]) -> _T:
        """Validate and score a chunk, and make its output with ``make``: rows, or JSON text.

        All in one pause of the collector (when asked), and the chunk's cases are freed
        before it runs again, so that it never walks them: only the output outlives the
        pause. An error stops the run and closes the input, as the end of the input does.
        """
        try:
            with _collector_paused(self._pause_gc):
                return make(self._check_chunk(done, records))
        except BaseException:
            self.close()
            raise

    def _check_chunk(self, done: int, records: list[Raw]) -> _Chunk:
        """Validate a chunk record by record, then score its valid cases together."""
        chunk = _Chunk()
        for position, raw in enumerate(records):
            record = done + position + 1
            checked = self._check(record, raw)
            if isinstance(checked, Case):
                chunk.cases.append(checked)
                chunk.where.append((position, record, raw.line))
                chunk.rows.append(None)
            else:
                chunk.rows.append(checked)
        if chunk.cases:
            chunk.scores = self._scorer.score(chunk.cases, self._top)
        return chunk

    def _chunk_rows(self, chunk: _Chunk) -> list[BatchRow]:
        """Return a chunk's rows: its error rows, and a row for each scored case."""
        rows = chunk.rows
        if chunk.cases:
            scored = self._scorer.scales(chunk.scores, self._top)
            for (position, record, line), case, scales in zip(
                chunk.where, chunk.cases, scored, strict=True
            ):
                rows[position] = _construct(
                    BatchRow,
                    {
                        "record": record,
                        "line": line,
                        "case_id": case.case_id,
                        "instrument": self.instrument,
                        "scales": scales,
                        "error": None,
                    },
                )
        return [row for row in rows if row is not None]

    def _chunk_lines(self, chunk: _Chunk) -> tuple[list[str], list[RowStatus]]:
        """Return a chunk's rows as JSON Lines texts, and their statuses.

        Scored cases' rows are written straight from the arrays; the output is two lists and
        texts, which the collector does not follow.
        """
        scorer = self._scorer
        if not isinstance(scorer, _InstrumentRows):
            rows = self._chunk_rows(chunk)
            return [json_text.dumps(row.to_dict()) + "\n" for row in rows], [
                row.status for row in rows
            ]
        lines: list[str] = []
        statuses: list[RowStatus] = []
        for row in chunk.rows:
            lines.append("" if row is None else json_text.dumps(row.to_dict()) + "\n")
            statuses.append(RowStatus.INVALID if row is None else row.status)
        if chunk.cases:
            instrument = self._instrument_json
            if instrument is None:
                instrument = self._instrument_json = json_text.dumps(
                    instrument_dict(self.instrument)
                )
            quote = json_text.quote_text
            quoted = _QUOTED_STATUS
            scored = scorer.json_scales(chunk.scores, self._top)
            for (position, record, line), case, (status, scales) in zip(
                chunk.where, chunk.cases, scored, strict=True
            ):
                # the text json.dumps gives for the dict of BatchRow.to_dict, part by part
                lines[position] = (
                    f'{{"record": {record}, "line": {"null" if line is None else line}, '
                    f'"case_id": {quote(case.case_id)}, "status": {quoted[status]}, '
                    f'"instrument": {instrument}, "scales": {scales}, "error": null}}\n'
                )
                statuses[position] = status
        return lines, statuses

    def _error_row(
        self, record: int, raw: Raw, kind: ErrorKind, problems: Sequence[Problem]
    ) -> BatchRow:
        error = RecordError(
            record=record,
            kind=kind,
            problems=tuple(problems[:MAX_PROBLEMS]),
            problem_count=len(problems),
        )
        return BatchRow(
            record=record,
            line=raw.line,
            case_id=intake.known_case_id(raw.data),
            instrument=self.instrument,
            error=error,
        )

    def _check(self, record: int, raw: Raw) -> Case | BatchRow:
        """Return the record's validated case, or its error row."""
        context: dict[str, Any] | None = TEXT_CELLS if raw.cells else None
        if raw.text is not None:
            # A JSONL line: parsed strictly (no duplicate keys, NaN, or numbers and nesting
            # beyond the limits) by the one JSON reader that every other path uses.
            if few_entries(raw.text, MAX_LIST_ITEMS):
                context = _SHORT_TEXT
            raw = parse_record(raw.text, last=raw.last, line=raw.line)
        if raw.kind is not None:
            return self._error_row(record, raw, raw.kind, raw.problems)
        checked = intake.validate_case(raw.data, context=context)
        if isinstance(checked, Case):
            return checked
        kind = ErrorKind.NOT_OBJECT if checked.kind == "not_object" else ErrorKind.VALIDATION
        problems = [Problem(field=i.field, message=i.message, type=i.type) for i in checked.issues]
        return self._error_row(record, raw, kind, problems)


@contextlib.contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one chunk is validated and scored.

    Only when asked (``score_many(..., pause_gc=True)``; the ``stalkrisk batch`` command
    does, as it owns its process): the collector is process-wide, so pausing it inside a host
    application would affect the host's other threads. A chunk allocates many small objects
    that are freed by reference counting as soon as it is done; the collector's passes over
    them cost about a quarter of the batch's time and free nothing. It is paused only around
    the chunk's own work (not while the caller holds a row), and only if it was running.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def score_many(
    source: Source,
    instrument: InstrumentSource | None = None,
    *,
    model: Any = None,
    chunk_size: int = 1000,
    progress: Callable[[int], object] | None = None,
    top: int = 3,
    input_format: InputFormat | None = None,
    pause_gc: bool = False,
) -> BatchRun:
    r"""Score many cases, yielding one :class:`BatchRow` per input record, in input order.

    Parameters
    ----------
    source : path, binary stream, frame or iterable
        A path to a JSONL (``.jsonl``/``.ndjson``: one case per line), JSON (``.json``: an
        array of cases, or one case) or CSV (``.csv``: one case per row, columns named by the
        convention of ``docs/batch.md``) file; with the ``[frames]`` extra, a Parquet
        (``.parquet``/``.pq``) or Arrow IPC (``.arrow``/``.feather``/``.arrows``) file, a
        pyarrow Table or RecordBatch, or a pandas or polars DataFrame (the same column
        convention, typed cells allowed); a binary stream (read as JSONL unless
        ``input_format`` says otherwise); or an iterable of dicts or
        :class:`~stalkrisk.Case` objects, read lazily.
    instrument : str, path or Instrument, default "stalkrisk-screen"
        The instrument to score with (loaded once). Not with ``model``.
    model : LogisticRiskModel or path, optional
        Score with a fitted :class:`~stalkrisk.model.LogisticRiskModel` instead (the
        ``[ml]`` extra), saved with its case encoder (or a path to such a saved model). Each
        row then has one scale, :data:`MODEL_SCALE`: ``total`` is the probability, ``band`` the
        model's band, ``top`` the largest log-odds contributions; its ``instrument`` names the
        model format and the sha256 of the model's content.
    chunk_size : int, default 1000
        Records read and scored at a time; ``progress`` is called after each chunk.
    progress : callable, optional
        Called as ``progress(done)`` with the number of records done so far.
    top : int, default 3
        How many of each scale's largest contributions each row keeps.
    input_format : {"jsonl", "json", "csv", "parquet", "arrow"}, optional
        The file format, when the suffix does not say.
    pause_gc : bool, default False
        Pause Python's cyclic garbage collector while each chunk is validated and scored
        (about a quarter faster). The collector is process-wide, so leave this off inside an
        application with other threads; the ``stalkrisk batch`` command turns it on.

    Returns
    -------
    BatchRun
        An iterator of rows; its ``summary`` counts scored, unscorable and invalid records.

    Raises
    ------
    CaseFileError
        If the file cannot be opened or its format told, a JSON-array file is not valid JSON
        or too large, or a CSV header is unusable. Problems with single records never raise:
        they are error rows.
    InstrumentError
        If the instrument cannot be loaded, or asks its own questions (score those answers
        with :func:`stalkrisk.score_answers`).
    ModelFileError
        If ``model`` is a path to a file that is not a valid saved model.
    ValueError
        If ``chunk_size`` is below 1 or ``top`` below 0, both ``instrument`` and ``model`` are
        given, or the model has no case encoder.

    Examples
    --------
    >>> import io, stalkrisk
    >>> lines = io.BytesIO(b'{"case_id": "J-1", "assessment_date": "2024-05-01"}\n{"case_id": ')
    >>> [(r.record, r.status.value, r.error and r.error.message) for r in score_many(lines)]
    [(1, 'unscorable', None), (2, 'invalid', 'not valid JSON: the record ends early (the file may have been cut short)')]
    """  # noqa: E501 - a doctest's output is one line
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1; got {chunk_size!r}")
    if top < 0:
        raise ValueError(f"top must be at least 0; got {top!r}")
    scorer: _InstrumentRows | _ModelRows
    if model is not None:
        if instrument is not None:
            raise ValueError("give an instrument or a model, not both")
        scorer = _ModelRows(model)
    else:
        weighted = WeightedScorer(DEFAULT_INSTRUMENT if instrument is None else instrument)
        if weighted.instrument.answers_only:
            raise InstrumentError(ANSWERS_ONLY.format(id=weighted.instrument.id))
        scorer = _InstrumentRows(weighted)
    stack = contextlib.ExitStack()
    meter = _Meter()
    try:
        records = _open_source(source, input_format, stack, meter)
    except BaseException:
        stack.close()
        raise
    return BatchRun(
        iter(records),
        scorer,
        chunk_size=chunk_size,
        progress=progress,
        top=top,
        stack=stack,
        meter=meter,
        pause_gc=pause_gc,
    )
