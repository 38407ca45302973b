"""The ``compare`` command: what changed between two assessments of one case."""

from __future__ import annotations

import argparse
import json
from typing import Any, Final, NamedTuple

from pydantic import ValidationError

from stalkrisk._internal import documents, intake
from stalkrisk._internal.validation import known_field_names
from stalkrisk.assessment import Assessment
from stalkrisk.audit import AssessmentRecord
from stalkrisk.changes import compare as compare_assessments
from stalkrisk.cli._base import EXIT_INVALID, EXIT_OK, Streams, UsageError
from stalkrisk.cli._common import instrument, issue_lines, read_text
from stalkrisk.errors import CaseFileError
from stalkrisk.schemas import Case
from stalkrisk.scoring import WeightedScorer

__all__ = ["AssessmentSide", "compare", "read_assessment"]

#: The keys a document may hold: a case's (or answers') and an audit record's, so that a key
#: given twice is named only when it is one of ours.
_KNOWN_KEYS: Final = intake.DOCUMENT_KEYS | known_field_names(AssessmentRecord)
#: Keys that only an audit record has at its top level.
_RECORD_KEYS: Final = frozenset({"assessment", "record_sha256", "input_sha256"})

_NOT_ONE: Final = "holds {count} records; give one case or one audit record"
_ALTERED: Final = (
    "the record's content does not match its record_sha256 (it was changed after it was "
    "written); check it with stalkrisk verify"
)
_ANSWERS_ONLY: Final = (
    "instrument {id!r} is scored from answers to its questions; compare scores cases with a "
    "case instrument (or give audit records)"
)


class AssessmentSide(NamedTuple):
    """One side of the comparison: an assessment, and the case when a case file was given."""

    label: str
    assessment: Assessment
    case: Case | None


def read_assessment(name: str, streams: Streams, scorer: WeightedScorer) -> AssessmentSide | None:
    """Read a case file (scored with ``scorer``) or an audit record; ``None`` after saying why."""
    err = streams.err
    label = "<stdin>" if name == "-" else name
    try:
        data = documents.parse_json(read_text(name, streams.stdin), known_keys=_KNOWN_KEYS)
    except CaseFileError as exc:
        print(f"error: {exc}", file=err)
        return None
    except documents.DocumentError as exc:
        print(f"error: {label}: {exc.message}", file=err)
        return None
    if isinstance(data, list):
        if len(data) != 1:
            print(f"error: {label}: {_NOT_ONE.format(count=len(data))}", file=err)
            return None
        data, label = data[0], f"{label}[0]"
    if isinstance(data, dict) and "case_id" not in data and _RECORD_KEYS & set(data):
        return _record(label, data, streams)
    case = intake.validate_record(data, Case)
    if isinstance(case, intake.Rejected):
        for line in issue_lines(label, case.issues):
            print(f"error: {line}", file=err)
        return None
    return AssessmentSide(label, scorer.score(case), case)


def _record(label: str, data: dict[str, Any], streams: Streams) -> AssessmentSide | None:
    try:
        record = AssessmentRecord.model_validate(data)
    except ValidationError as exc:
        for line in issue_lines(label, exc):
            print(f"error: {line}", file=streams.err)
        return None
    if not record.content_intact():
        print(f"error: {label}: {_ALTERED}", file=streams.err)
        return None
    return AssessmentSide(label, record.assessment, None)


def compare(args: argparse.Namespace, streams: Streams) -> int:
    """Compare two assessments of one case: each side a case file or an audit record."""
    if args.before == "-" and args.after == "-":
        raise UsageError("BEFORE and AFTER cannot both be read from standard input")
    scorer = WeightedScorer(instrument(args.instrument))
    if scorer.instrument.answers_only:
        raise UsageError(_ANSWERS_ONLY.format(id=scorer.instrument.id))
    before, after = (read_assessment(name, streams, scorer) for name in (args.before, args.after))
    if before is None or after is None:
        return EXIT_INVALID
    both_cases = before.case is not None and after.case is not None
    try:
        changes = compare_assessments(
            before.assessment,
            after.assessment,
            before_case=before.case if both_cases else None,
            after_case=after.case if both_cases else None,
        )
    except ValueError as exc:  # different cases: the message holds no value from either file
        print(f"error: {before.label} and {after.label}: {exc}", file=streams.err)
        return EXIT_INVALID
    if args.format == "json":
        payload = changes.model_dump(mode="json")
        print(json.dumps(payload, indent=2, ensure_ascii=False), file=streams.out)
    else:
        streams.out.write(changes.render_text())
    return EXIT_OK
