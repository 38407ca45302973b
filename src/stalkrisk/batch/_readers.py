"""Reading records: JSON Lines, JSON arrays and CSV, line by line, never losing a record."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final

from stalkrisk._internal import documents
from stalkrisk.batch._convention import CASE_KEYS, CellError, nest_cells
from stalkrisk.batch._limits import (
    CSV_BAD,
    CSV_CELL_TOO_LONG,
    CSV_EXTRA_CELLS,
    CSV_QUOTES,
    CSV_UNCLOSED,
    MAX_JSON_FILE_BYTES,
    MAX_RECORD_BYTES,
    NOT_UTF8,
    TOO_LONG,
)
from stalkrisk.batch._rows import ErrorKind, Problem
from stalkrisk.errors import CaseFileError

_BOM: Final = b"\xef\xbb\xbf"

# --- reading records ------------------------------------------------------------------------


@dataclass(slots=True)
class Raw:
    """One input record before validation: its data, or why it could not be read."""

    line: int | None = None
    data: Any = None
    kind: ErrorKind | None = None
    problems: tuple[Problem, ...] = ()
    text: str | None = None
    """A JSONL line not parsed yet: parsed by the one strict reader when its chunk is checked."""
    last: bool = False
    """The line is the file's last and has no newline (it may have been cut short)."""
    cells: bool = False
    """The data came from text cells (CSV or a frame), where ``"44"`` is a number."""


def read_error(
    kind: ErrorKind, message: str, field: str = "(top level)", line: int | None = None
) -> Raw:
    return Raw(
        line=line, kind=kind, problems=(Problem(field=field, message=message, type=kind.value),)
    )


def parse_record(text: str, *, last: bool, line: int | None = None) -> Raw:
    """Parse one JSON record strictly; every failure is a documented error, never an exception."""
    try:
        data = documents.parse_json(text, one_line=True, last=last, known_keys=CASE_KEYS)
    except documents.DocumentError as exc:
        return read_error(ErrorKind.JSON, exc.message, line=line)
    return Raw(line=line, data=data)


def decode(raw: bytes) -> str | int:
    """Return the text, or the position (from 1) of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start + 1


_BLOCK: Final = 1 << 16


def _read_block(stream: IO[bytes]) -> bytes:
    try:
        return stream.read(_BLOCK)
    except OSError as exc:
        raise CaseFileError(f"the input could not be read ({exc.strerror or exc})") from None


def _ending(part: bytes) -> bytes:
    if part.endswith(b"\r\n"):
        return b"\r\n"
    return part[-1:] if part.endswith((b"\n", b"\r")) else b""


def read_lines(
    stream: IO[bytes], dropped: Callable[[bytes], object] | None = None
) -> Iterator[tuple[int, bytes | None, bytes]]:
    """Yield ``(line number, content, ending)`` for each physical line of a stream.

    A line ends at LF, CR LF or a lone CR (universal newlines, as Python's text files and
    the csv module read them), so a file saved with classic Mac line endings is not read
    as one line. ``ending`` is the line's ending (``b""`` for a last line with none). A
    UTF-8 byte-order mark at the start is not content.

    ``content`` is ``None`` for a line longer than :data:`MAX_RECORD_BYTES`: its rest is
    read and dropped block by block, so a hostile line never sits in memory; ``dropped`` is
    called with each piece dropped (the CSV reader follows its quotes to find where the
    record ends).
    """
    number = 0
    buffer = b""
    skipping = False
    first = True
    while True:
        block = _read_block(stream)
        ended = not block
        if first and not ended:
            while len(block) < len(_BOM) and _BOM.startswith(block):
                more = _read_block(stream)  # a byte-order mark split across reads
                if not more:
                    break
                block += more
            block = block.removeprefix(_BOM)
            first = False
        buffer += block
        parts = buffer.splitlines(keepends=True)
        keep = b""
        if parts and not ended and not parts[-1].endswith(b"\n"):
            keep = parts.pop()  # it may go on in the next block (a CR may begin a CR LF)
        for part in parts:
            number += 1
            ending = _ending(part)
            content = part[: len(part) - len(ending)]
            if skipping or len(content) > MAX_RECORD_BYTES:
                if dropped is not None:
                    dropped(content)
                skipping = False
                yield number, None, ending
            else:
                yield number, content, ending
        buffer = keep
        if len(buffer) > MAX_RECORD_BYTES + 1:  # the line goes on past the limit: drop it
            carry = b"\r" if buffer.endswith(b"\r") else b""
            if dropped is not None:
                dropped(buffer[: len(buffer) - len(carry)])
            skipping, buffer = True, carry
        if ended:
            if skipping:
                number += 1
                yield number, None, b""
            return


def jsonl_records(stream: IO[bytes]) -> Iterator[Raw]:
    for number, content, ending in read_lines(stream):
        if content is None:
            yield read_error(
                ErrorKind.TOO_LONG, TOO_LONG.format(limit=MAX_RECORD_BYTES), line=number
            )
            continue
        if not content.strip():
            continue  # blank lines are not records
        text = decode(content)
        if isinstance(text, int):
            yield read_error(ErrorKind.ENCODING, NOT_UTF8.format(position=text), line=number)
            continue
        yield Raw(line=number, text=text, last=not ending)


def json_array_records(stream: IO[bytes], name: str) -> Iterator[Raw]:
    data = stream.read(MAX_JSON_FILE_BYTES + 1)
    if len(data) > MAX_JSON_FILE_BYTES:
        raise CaseFileError(
            f"{name}: a JSON array file may hold at most {MAX_JSON_FILE_BYTES:,} bytes; "
            "write larger batches as JSONL (one case per line)"
        )
    text = decode(data.removeprefix(_BOM))
    if isinstance(text, int):
        raise CaseFileError(f"{name}: {NOT_UTF8.format(position=text)}")
    if not text.strip():
        return iter(())
    try:
        parsed = Raw(data=documents.parse_json(text, known_keys=CASE_KEYS))
    except documents.DocumentError as exc:
        raise CaseFileError(f"{name}: {exc.message}") from None
    items = parsed.data if isinstance(parsed.data, list) else [parsed.data]
    return (Raw(data=item) for item in items)


@dataclass(slots=True)
class CsvText:
    """One CSV record's text (its physical lines, endings kept), or why it cannot be read."""

    line: int
    lines: list[str] | None = None
    problem: Raw | None = None


_START, _UNQUOTED, _QUOTED, _CLOSED = range(4)  # where a CSV field's reading stands
_CSV_TOKENS: Final = re.compile(rb'[",]')


class _Quotes:
    """Follows a CSV record's fields, as Python's csv module reads them, to find its end.

    A quote opens a quoted cell only at the start of a field; inside one, a doubled quote is
    a quote and a single one closes it. A quote inside an unquoted cell is a character, as
    the csv module (and spreadsheets) take it. A record ends at the first line end outside
    a quoted cell.
    """

    __slots__ = ("state",)

    def __init__(self) -> None:
        self.state = _START

    def feed(self, text: bytes) -> None:
        """Follow a piece of a line (no line ending inside it)."""
        state = self.state
        position = 0
        for match in _CSV_TOKENS.finditer(text):
            at = match.start()
            if at > position and state in (_START, _CLOSED):
                state = _UNQUOTED  # ordinary characters start an unquoted field
            quote = text[at] == 0x22
            if state == _QUOTED:
                if quote:
                    state = _CLOSED
            elif state == _CLOSED:
                state = _QUOTED if quote else _START  # "" is a quote; , ends the field
            elif state == _START:
                state = _QUOTED if quote else _START
            elif not quote:  # an unquoted field: a comma ends it, a quote is a character
                state = _START
            position = at + 1
        if position < len(text) and state in (_START, _CLOSED):
            state = _UNQUOTED
        self.state = state

    @property
    def open(self) -> bool:
        """Whether a quoted cell is open: a line end here is inside the cell."""
        return self.state == _QUOTED

    def end_record(self) -> None:
        """Start afresh: a line end outside a quoted cell ended the record."""
        self.state = _START


def csv_texts(stream: IO[bytes]) -> Iterator[CsvText]:
    """Split a CSV stream into records: at line ends outside quoted cells (RFC 4180).

    A record's end is found whatever happens to its content: a record that is too long, not
    UTF-8 or not valid CSV is one error, and reading goes on at the next record, so text
    inside a quoted cell is never read as records of its own.
    """
    pieces: list[bytes] = []
    size = 0
    start: int | None = None
    too_long = False
    quotes = _Quotes()
    for number, content, ending in read_lines(stream, dropped=quotes.feed):
        if start is None:
            start = number
        if content is None:
            too_long = True
        else:
            quotes.feed(content)
            size += len(content) + len(ending)
            if not too_long and size > MAX_RECORD_BYTES + 2:
                too_long, pieces = True, []
            elif not too_long:
                pieces.append(content + ending)
        if quotes.open and ending:
            continue  # inside a quoted cell: the record goes on
        yield _csv_text(start, pieces, too_long, unclosed=quotes.open)
        pieces, size, start, too_long = [], 0, None, False
        quotes.end_record()
    if start is not None:  # the file ended inside a quoted cell, after a line end
        yield _csv_text(start, pieces, too_long, unclosed=True)


def _csv_text(start: int, pieces: list[bytes], too_long: bool, *, unclosed: bool) -> CsvText:
    if too_long:
        message = TOO_LONG.format(limit=MAX_RECORD_BYTES)
        return CsvText(start, problem=read_error(ErrorKind.TOO_LONG, message, line=start))
    if unclosed:
        return CsvText(start, problem=read_error(ErrorKind.CSV, CSV_UNCLOSED, line=start))
    lines: list[str] = []
    offset = 0
    for piece in pieces:
        text = decode(piece)
        if isinstance(text, int):
            message = NOT_UTF8.format(position=offset + text)
            return CsvText(start, problem=read_error(ErrorKind.ENCODING, message, line=start))
        offset += len(piece)
        lines.append(text)
    return CsvText(start, lines=lines)


def _record_cells(record: CsvText) -> list[str] | Raw:
    """Return a record's cells, or its error (a record is exactly one row of cells)."""
    if record.problem is not None:
        return record.problem
    try:
        rows = list(csv.reader(record.lines or [], strict=True))
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            message = CSV_CELL_TOO_LONG.format(limit=csv.field_size_limit())
        else:
            message = CSV_BAD.format(reason=reason)
        return read_error(ErrorKind.CSV, message, line=record.line)
    if len(rows) > 1:
        return read_error(ErrorKind.CSV, CSV_QUOTES, line=record.line)
    return rows[0] if rows else []


def csv_records(stream: IO[bytes], name: str) -> Iterator[Raw]:
    texts = csv_texts(stream)
    header: list[str] | Raw = []
    for first in texts:
        header = _record_cells(first)
        if isinstance(header, Raw) or header:
            break
    else:
        return iter(())
    if isinstance(header, Raw):
        kind = header.kind
        reason = header.problems[0].message
        what = "is not valid CSV" if kind is ErrorKind.CSV else "cannot be read"
        raise CaseFileError(f"{name}: the header row {what} ({reason})")
    columns = [c.strip() for c in header]
    bad = [c for c in columns if not c or any(not part for part in c.split("."))]
    if bad or len(set(columns)) != len(columns):
        raise CaseFileError(
            f"{name}: the header row must name each column once, as a field path such as "
            "perpetrator.age"
        )
    return _csv_rows(texts, columns)


def _csv_rows(texts: Iterator[CsvText], columns: list[str]) -> Iterator[Raw]:
    for record in texts:
        cells = _record_cells(record)
        if isinstance(cells, Raw):
            yield cells
            continue
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines are not records
        if len(cells) > len(columns):
            message = CSV_EXTRA_CELLS.format(cells=len(cells), columns=len(columns))
            yield read_error(ErrorKind.CSV, message, line=record.line)
            continue
        try:
            data = nest_cells(dict(zip(columns, cells, strict=False)))
        except CellError as exc:
            yield read_error(ErrorKind.CSV, exc.message, field=exc.column, line=record.line)
            continue
        yield Raw(line=record.line, data=data, cells=True)
