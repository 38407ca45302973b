"""The batch path's limits and message templates (re-exported by :mod:`stalkrisk.batch`).

The messages are constants so that tests and downstream software can match them exactly; they
never contain submitted values.
"""

from __future__ import annotations

from typing import Final

from stalkrisk._internal import documents, intake

#: The most bytes one record may take: one JSONL line, or one CSV record (its lines together),
#: not counting the line ending. A longer record is an error row; the rest of it is skipped
#: without being held in memory.
MAX_RECORD_BYTES: Final = 1_000_000
#: The largest JSON-array file read (it is parsed whole); use JSONL for more.
MAX_JSON_FILE_BYTES: Final = 64 * 1024 * 1024
#: The most problems kept in one record's error (the count of all of them is kept too).
MAX_PROBLEMS: Final = 20

# Message templates, so that tests and downstream software can match them exactly. They never
# contain submitted values.
NOT_UTF8: Final = documents.NOT_UTF8
TOO_LONG: Final = "the record is longer than {limit:,} bytes; it was skipped unread"
NOT_JSON: Final = "not valid JSON (column {column}: {reason})"
CUT_SHORT: Final = documents.CUT_SHORT
NON_FINITE: Final = documents.NON_FINITE
NUMBER_TOO_LONG: Final = documents.NUMBER_TOO_LONG
TOO_DEEP: Final = documents.TOO_DEEP
NOT_OBJECT: Final = intake.NOT_OBJECT
CSV_BAD: Final = "not valid CSV ({reason})"
CSV_CELL_TOO_LONG: Final = (
    "a cell is longer than {limit:,} characters, the most one CSV cell may hold"
)
CSV_UNCLOSED: Final = (
    "a quoted cell is not closed before the end of the file (the file may have been cut short)"
)
CSV_QUOTES: Final = (
    "the quotes in this record do not pair up (a quote inside an unquoted cell must be "
    'written inside a quoted cell, doubled: "")'
)
NOT_A_CASE: Final = intake.NOT_A_CASE
CSV_EXTRA_CELLS: Final = "the row has {cells} cells but the header names {columns} columns"
CSV_CONFLICT: Final = "column {column} conflicts with column {other}"
CSV_CELL_JSON: Final = "a cell starting with [ or {{ must be valid JSON ({reason})"
UNKNOWN_FORMAT: Final = (
    "{name}: cannot tell the input format from the suffix {suffix!r}; name the file "
    ".jsonl, .ndjson, .json, .csv, .parquet or .arrow, or pass input_format"
)
