"""The batch run: sources in, chunks validated and scored, one row per record out."""

from __future__ import annotations

import contextlib
import gc
import io
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar

from pydantic import BaseModel

from stalkrisk._internal import intake
from stalkrisk._internal.validation import ENTRIES_COUNTED, few_entries
from stalkrisk._internal.vectorised import ScaleScores
from stalkrisk.assessment import ScaleStatus
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
    ScaleRow,
    Tally,
    TopContribution,
)
from stalkrisk.errors import ANSWERS_ONLY, CaseFileError, InstrumentError
from stalkrisk.instruments import DEFAULT_INSTRUMENT, ValidationStatus
from stalkrisk.instruments._loader import InstrumentSource
from stalkrisk.schemas import Case
from stalkrisk.schemas._base import MAX_LIST_ITEMS, TEXT_CELLS
from stalkrisk.scoring import WeightedScorer

_METERED: Final = frozenset({"jsonl", "json", "csv"})  # read through the opened stream
_M = TypeVar("_M", bound=BaseModel)
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

    def scales(self, cases: list[Case], top: int) -> list[tuple[ScaleRow, ...]]:
        scores = self.scorer.score_batch(cases)
        per_scale = [_scale_rows(s, top) for s in scores.scales]
        return list(zip(*per_scale, strict=True)) if per_scale else [() for _ in cases]


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

    def scales(self, cases: list[Case], top: int) -> list[tuple[ScaleRow, ...]]:
        # the arrays CaseModel.score reads, read the same way, without a ModelScore per case
        result = self.model.predict(cases, top)
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
        self._rows = self._generate()

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
        row = next(self._rows)
        self._tally.add(row)
        return row

    def close(self) -> None:
        """Stop reading and close the input file."""
        self._rows.close()
        self._stack.close()

    def __enter__(self) -> BatchRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _generate(self) -> Generator[BatchRow, None, None]:
        done = 0
        with self._stack:
            while chunk := list(islice(self._records, self._chunk_size)):
                with _collector_paused(self._pause_gc):
                    rows = self._chunk_rows(done, chunk)
                yield from rows
                done += len(chunk)
                if self._progress is not None:
                    self._progress(done)

    def _chunk_rows(self, done: int, chunk: list[Raw]) -> list[BatchRow]:
        """Validate a chunk record by record, then score its valid cases together."""
        rows: list[BatchRow | None] = []
        cases: list[Case] = []
        where: list[tuple[int, int, int | None]] = []  # (position, record, line)
        for position, raw in enumerate(chunk):
            record = done + position + 1
            checked = self._check(record, raw)
            if isinstance(checked, Case):
                cases.append(checked)
                where.append((position, record, raw.line))
                rows.append(None)
            else:
                rows.append(checked)
        if cases:
            scored = self._scorer.scales(cases, self._top)
            for (position, record, line), case, scales in zip(where, cases, scored, strict=True):
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
