"""The ``batch`` command: one output row per input record, scored or with its error."""

from __future__ import annotations

import argparse
import importlib.util
import io
from pathlib import Path
from typing import Any, TextIO

from stalkrisk import batch as api
from stalkrisk._internal.files import atomic_output
from stalkrisk._internal.terminal import SafeText
from stalkrisk.assessment import DECISION_SUPPORT_NOTICE, LOCALLY_FITTED_STATEMENT
from stalkrisk.cli._base import EXIT_INVALID, EXIT_OK, Streams, UsageError
from stalkrisk.cli._common import check_outputs, instrument, model_api
from stalkrisk.errors import CaseFileError, ModelFileError
from stalkrisk.instruments import DEFAULT_INSTRUMENT, Instrument

__all__ = ["batch", "progress_line"]


def batch(args: argparse.Namespace, streams: Streams) -> int:
    """Score a file of cases into one output row per record; a bad record is a row, not a stop."""
    err = streams.err
    fmt = _output_format(args)
    if fmt == "parquet" and importlib.util.find_spec("pyarrow") is None:
        raise UsageError(api.FRAMES_EXTRA.format(what="writing Parquet"))
    inst = _instrument(args)
    show = not args.quiet and err.isatty()
    run: api.BatchRun | None = None
    bar = err.stream if isinstance(err, SafeText) else err  # the bar's own \r is meant

    def progress(done: int) -> None:
        fraction = None if run is None else run.fraction_read
        print("\r" + progress_line(done, fraction), end="", file=bar, flush=True)

    source: Any = args.input
    if args.input == "-":  # a text stream with no bytes underneath (embedding): its text, encoded
        stdin = streams.stdin
        source = getattr(stdin, "buffer", None) or io.BytesIO(
            stdin.read().encode("utf-8", "surrogatepass")
        )
    write: Any = {"csv": api.write_csv, "parquet": api.write_parquet}.get(fmt, api.write_jsonl)
    try:
        run = api.score_many(
            source,
            inst,
            model=args.model,
            progress=progress if show else None,
            pause_gc=True,  # this process is the command's own: see score_many
        )
    except (ModelFileError, CaseFileError) as exc:
        print(f"error: {exc}", file=err)
        return EXIT_INVALID
    except ValueError as exc:  # e.g. a model saved without its case encoder
        raise UsageError(str(exc)) from None
    try:
        with run:
            if args.output == "-":
                summary = write(run, streams.out)
            else:  # the rows go to a temporary file, renamed to OUT only when all are written
                with atomic_output(args.output, binary=fmt == "parquet") as target:
                    summary = write(run, target)
    except (ModelFileError, CaseFileError) as exc:
        if show:
            print(file=err)
        print(f"error: {exc}; nothing was written to {args.output}", file=err)
        return EXIT_INVALID
    except BrokenPipeError:  # the reader of standard output stopped (| head): not an error
        raise
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    if show:
        print(file=err)
    if inst is None:
        validity = f"model sha256 {run.instrument.sha256}: {LOCALLY_FITTED_STATEMENT}"
    else:
        validity = f"{inst.id} {inst.version}: {inst.validation.statement}"
    return _summary(args, summary, validity, err)


def _instrument(args: argparse.Namespace) -> Instrument | None:
    """Return the batch's instrument, or ``None`` when a model scores it."""
    if args.model is not None:
        if args.instrument is not None:
            raise UsageError("give --instrument or --model, not both")
        model_api()  # a clear message when the [ml] extra is missing
        return None
    inst = instrument(args.instrument or DEFAULT_INSTRUMENT)
    if inst.answers_only:
        raise UsageError(
            f"instrument {inst.id!r} is scored from answers to its questions, not from "
            "cases; batch scores cases"
        )
    return inst


def _summary(args: argparse.Namespace, summary: Any, validity: str, err: TextIO) -> int:
    """Print what the batch did, loudly when nothing could be scored; return the exit status."""
    where = "standard output" if args.output == "-" else args.output
    print(f"stalkrisk batch: {summary}; written to {where}", file=err)
    print(f"Validity: {validity.rstrip('.')}. {DECISION_SUPPORT_NOTICE}", file=err)
    if summary.total and summary.invalid == summary.total:
        print(
            f"stalkrisk batch: WARNING: every one of the {summary.total:,} records is invalid, "
            "so nothing was scored: is this a file of cases? The error of each record is in its "
            "row. (Exit status 1; --fail-on-error exits 1 whenever any record is invalid.)",
            file=err,
        )
        return EXIT_INVALID
    return EXIT_INVALID if args.fail_on_error and summary.invalid else EXIT_OK


def _output_format(args: argparse.Namespace) -> str:
    """Return the batch output format, from --format or OUT's suffix; check OUT is usable."""
    fmt: str | None = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower()
        fmt = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix)
        fmt = {".parquet": "parquet", ".pq": "parquet"}.get(suffix, fmt)
        if fmt is None and args.output != "-":
            raise UsageError(
                f"cannot tell the output format from {args.output!r}; "
                "add --format jsonl, csv or parquet"
            )
    if fmt == "parquet" and args.output == "-":
        raise UsageError("Parquet cannot be written to standard output; name an OUT file")
    check_outputs([args.output], [args.input, args.instrument, args.model], first_to_stdout=True)
    return fmt or "jsonl"


def progress_line(done: int, fraction: float | None, width: int = 30) -> str:
    """Return a progress line: a bar and percentage when the input's size is known.

    Examples
    --------
    >>> progress_line(1500, 0.5, width=10)
    'stalkrisk batch: [#####     ]  50% 1,500 records'
    >>> progress_line(1500, None)
    'stalkrisk batch: 1,500 records'
    """
    if fraction is None:
        return f"stalkrisk batch: {done:,} records"
    filled = round(fraction * width)
    bar = "#" * filled + " " * (width - filled)
    return f"stalkrisk batch: [{bar}] {fraction:4.0%} {done:,} records"
