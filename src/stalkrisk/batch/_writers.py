"""Writing rows: JSON Lines and CSV, as they come; a path is written whole or not at all."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
from collections.abc import Iterable, Iterator
from typing import Final, TextIO

from stalkrisk._internal.files import atomic_output
from stalkrisk.batch import _json as json_text
from stalkrisk.batch._rows import BatchRow, BatchSummary, Tally, flat_header, flat_values
from stalkrisk.batch._run import BatchRun

# --- writing rows ---------------------------------------------------------------------------

Destination = str | os.PathLike[str] | TextIO


@contextlib.contextmanager
def _text_out(destination: Destination) -> Iterator[TextIO]:
    """Open the destination; a path is written whole or not at all (renamed into place)."""
    if isinstance(destination, str | os.PathLike):
        with atomic_output(destination) as f:
            yield f  # type: ignore[misc]  # IO[str] is a TextIO for writing
    else:
        yield destination


def write_jsonl(rows: Iterable[BatchRow], destination: Destination) -> BatchSummary:
    """Write rows as JSON Lines (one :meth:`BatchRow.to_dict` per line), as they come.

    Each line is ``json.dumps(row.to_dict(), ensure_ascii=False, allow_nan=False)``. Given the
    run of :func:`~stalkrisk.batch.score_many` itself, the lines of scored cases are written
    straight from the scorer's arrays, without making the row objects, and with orjson where
    it is installed (the ``[fast]`` extra): the bytes are the same either way.

    Returns
    -------
    BatchSummary
        The counts of the rows written.

    Examples
    --------
    >>> import io, json, stalkrisk
    >>> from stalkrisk.batch import score_many
    >>> out = io.StringIO()
    >>> write_jsonl(score_many([stalkrisk.load_example("EX-03")]), out)
    BatchSummary(scored=1, unscorable=0, invalid=0, total=1)
    >>> json.loads(out.getvalue())["scales"]["serious_harm"]["band"]
    'fewer'
    """
    tally = Tally()
    with _text_out(destination) as out:
        if isinstance(rows, BatchRun):  # scored rows straight from the engine's arrays
            for line, status in rows._json_lines():
                out.write(line)
                tally.add_status(status)
        else:
            for row in rows:
                out.write(json_text.dumps(row.to_dict()) + "\n")
                tally.add(row)
    return tally.summary()


def _cell_text(value: object) -> str:
    """Write a typed flat value as CSV text: ``None`` empty, numbers as JSON numbers."""
    if value is None:
        return ""
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def _csv_cells(row: BatchRow) -> list[str]:
    return [neutralise_cell(_cell_text(v)) for v in flat_values(row)]


_NUMBER: Final = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(cell: str) -> str:
    """Return a CSV cell that a spreadsheet will not run as a formula.

    A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (other than a
    plain number such as ``-1.5``) is prefixed with ``'``, as OWASP advises against CSV
    injection. Every CSV stalkrisk writes passes through this.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)"), neutralise_cell("-1.5"), neutralise_cell("high")
    ("'=HYPERLINK(1)", '-1.5', 'high')
    """
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def write_csv(rows: Iterable[BatchRow], destination: Destination) -> BatchSummary:
    """Write rows as CSV, as they come: one row per record, flat columns.

    Columns: ``record``, ``case_id``, ``status``, per scale ``<scale>.status``,
    ``<scale>.total``, ``<scale>.band``, ``<scale>.band_floor``, then ``top_contributions``
    (JSON: scale → ``[[item, points], ...]``), ``instrument`` (``id@version``),
    ``instrument_sha256``, ``instrument_validation_status`` and ``error`` (JSON, empty when
    there is none). A cell that a spreadsheet would read as a formula is neutralised
    (:func:`neutralise_cell`). A path is written whole or not at all.

    Returns
    -------
    BatchSummary
        The counts of the rows written.

    Examples
    --------
    >>> import io, stalkrisk
    >>> from stalkrisk.batch import score_many
    >>> out = io.StringIO()
    >>> summary = write_csv(score_many([stalkrisk.load_example("EX-03")]), out)
    >>> print(out.getvalue().splitlines()[0])
    record,case_id,status,persistence.status,persistence.total,persistence.band,persistence.band_floor,recurrence.status,recurrence.total,recurrence.band,recurrence.band_floor,serious_harm.status,serious_harm.total,serious_harm.band,serious_harm.band_floor,top_contributions,instrument,instrument_sha256,instrument_validation_status,error
    """
    tally = Tally()
    with _text_out(destination) as out:
        writer = csv.writer(out, lineterminator="\n")
        header_written = False
        for row in rows:
            if not header_written:
                writer.writerow(flat_header(row.instrument))
                header_written = True
            writer.writerow(_csv_cells(row))
            tally.add(row)
        if not header_written:
            writer.writerow(flat_header(None))
    return tally.summary()
