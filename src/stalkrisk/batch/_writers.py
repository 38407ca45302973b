"""Writing rows: JSON Lines and CSV, as they come; a path is written whole or not at all."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Final, TextIO

from stalkrisk._internal.files import atomic_output
from stalkrisk.batch._rows import BatchRow, BatchSummary, Tally, error_dict

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
    'low'
    """
    tally = Tally()
    with _text_out(destination) as out:
        for row in rows:
            out.write(json.dumps(row.to_dict(), ensure_ascii=False, allow_nan=False) + "\n")
            tally.add(row)
    return tally.summary()


def csv_header(scales: Sequence[str]) -> list[str]:
    per_scale = [
        f"{s}.{part}" for s in scales for part in ("status", "total", "band", "band_floor")
    ]
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


def _csv_cells(row: BatchRow) -> list[str]:
    per_scale: list[str] = []
    by_id = {s.scale: s for s in row.scales}
    for scale_id in row.instrument.scales:
        s = by_id.get(scale_id)
        if s is None:
            per_scale += ["", "", "", ""]
        else:
            total = "" if s.total is None else json.dumps(s.total)
            per_scale += [s.status.value, total, s.band or "", s.band_floor or ""]
    top = {s.scale: [[t.item, t.points] for t in s.top] for s in row.scales}
    compact = (",", ":")
    cells = [
        str(row.record),
        row.case_id or "",
        row.status.value,
        *per_scale,
        json.dumps(top, separators=compact) if row.scales else "",
        f"{row.instrument.id}@{row.instrument.version}",
        row.instrument.sha256,
        row.instrument.validation_status,
        "" if row.error is None else json.dumps(error_dict(row.error), separators=compact),
    ]
    return [neutralise_cell(cell) for cell in cells]


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
    record,case_id,status,continued_stalking.status,continued_stalking.total,continued_stalking.band,continued_stalking.band_floor,serious_harm.status,serious_harm.total,serious_harm.band,serious_harm.band_floor,top_contributions,instrument,instrument_sha256,instrument_validation_status,error
    """
    tally = Tally()
    with _text_out(destination) as out:
        writer = csv.writer(out, lineterminator="\n")
        header_written = False
        for row in rows:
            if not header_written:
                writer.writerow(csv_header(row.instrument.scales))
                header_written = True
            writer.writerow(_csv_cells(row))
            tally.add(row)
        if not header_written:
            writer.writerow(csv_header(()))
    return tally.summary()
